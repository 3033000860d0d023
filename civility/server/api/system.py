"""What operators and load balancers poll: ``/healthz`` and Prometheus' ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy import text

import civility
from civility.server.api.models import Out
from civility.store import Store
from civility.store.db import schema_revision

router = APIRouter(tags=["system"])


class Health(Out):
    status: str = Field(description="ok; degraded (no model: nothing is scored); unavailable "
                                    "(no database: answered with 503)")
    version: str
    database: str = Field(description="sqlite or postgresql")
    model: str | None = Field(description="The loaded model's version")
    schema_: str | None = Field(None, alias="schema", description="The database's migration")
    error: str | None = Field(None, description="Why the database is unavailable")


_HEALTH = {"model": Health, "description": "Unavailable: the database cannot be reached"}
_PROMETHEUS = {"content": {"text/plain": {"schema": {"type": "string"}}},
               "description": "Prometheus' text exposition format"}


@router.get("/healthz", summary="Liveness and readiness", response_model=Health,
            responses={503: _HEALTH})
def healthz(request: Request) -> Response:
    store: Store = request.app.state.store
    scorer = request.app.state.scorer
    body: dict[str, Any] = {"status": "ok", "version": civility.__version__,
                            "database": store.backend,
                            "model": scorer.version if scorer else None}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["schema"] = schema_revision(store.engine)
    except Exception as err:  # report, don't crash: this is what load balancers poll
        body.update(status="unavailable", error=f"database: {type(err).__name__}")
    if scorer is None:
        body["status"] = "degraded"
    return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: _PROMETHEUS})
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
