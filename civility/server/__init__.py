"""The Civility HTTP server: native API, Perspective- and OpenAI-compatible endpoints, auth,
webhooks and metrics around one shared :class:`~civility.Moderator`.

``create_app(Settings(...))`` in :mod:`civility.server.app` builds the FastAPI app;
``civility serve`` runs it with uvicorn.
"""
