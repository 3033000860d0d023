"""JSON errors everywhere, in the caller's dialect, and a hard cap on request bodies.

Native and Perspective endpoints answer Google-API style errors
(``{"error": {"code", "status", "message"}}``, the shape Perspective clients already parse);
``/v1/`` (OpenAI-compatible) answers OpenAI style (``{"error": {"message", "type", "param",
"code"}}``) so the ``openai`` SDK raises its usual exceptions. Bad input is always a 4xx with a
message; only a bug can produce a 500, and even that is JSON.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("civility.server")

STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 409: "ALREADY_EXISTS", 413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
    503: "UNAVAILABLE",
}
OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                403: "permission_error", 404: "not_found_error", 413: "invalid_request_error",
                429: "rate_limit_error", 500: "server_error", 503: "server_error"}


class GoogleError(BaseModel):
    code: int = Field(description="The HTTP status")
    status: str = Field(description="Its Google name, e.g. INVALID_ARGUMENT")
    message: str
    details: list[dict[str, Any]] | None = Field(
        None, description="Perspective errors: ``[{\"@type\": ..., \"errorType\": ...}]``")


class ErrorResponse(BaseModel):
    """Every 4xx of the native, Perspective, Coral and admin endpoints (:func:`error_body`)."""

    error: GoogleError


class OpenAIError(BaseModel):
    message: str
    type: str = Field(description="e.g. invalid_request_error, authentication_error")
    param: str | None
    code: str | None


class OpenAIErrorResponse(BaseModel):
    """Every 4xx under ``/v1/``, so the ``openai`` SDK raises its usual exceptions."""

    error: OpenAIError


#: ``responses=`` for a route or router: its 4xx bodies, documented once. (Naming "4XX"
#: also keeps FastAPI from documenting a 422 that :func:`install` turns into a 400.)
ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Bad input, no key, no access, not found"}}
OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": OpenAIErrorResponse, "description": "OpenAI's error shape"}}


class ApiError(Exception):
    """An error the client can act on; rendered as JSON with ``status`` and ``message``."""

    def __init__(self, status: int, message: str, *, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers
        self.param = param


class LoginRequired(Exception):
    """No moderator session: browsers are sent to the login page, API clients get 401."""


def error_body(path: str, status: int, message: str, *, details: list[dict[str, Any]] | None = None,
               param: str | None = None) -> dict[str, Any]:
    if path.startswith("/v1/"):
        kind = OPENAI_TYPES.get(status, "invalid_request_error")
        return {"error": {"message": message, "type": kind, "param": param, "code": None}}
    body: dict[str, Any] = {"code": status, "status": STATUS_NAMES.get(status, "UNKNOWN"),
                            "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def error_response(request_path: str, status: int, message: str, **kw: Any) -> JSONResponse:
    headers = kw.pop("headers", None)
    return JSONResponse(error_body(request_path, status, message, **kw), status_code=status,
                        headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def validation_message(err: RequestValidationError) -> str:
    problems = []
    for e in err.errors()[:5]:
        if e.get("type") == "json_invalid":
            problems.append(f"request body is not valid JSON ({e.get('ctx', {}).get('error', '')})"
                            .replace(" ()", ""))
            continue
        where = _location(tuple(e.get("loc", ())))
        if e.get("type") == "missing":
            problems.append(f"{where}: field required")
        else:  # a validator's own ValueError message, without pydantic's prefix
            message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
    return "; ".join(problems) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request.url.path, exc.status, exc.message, details=exc.details,
                              headers=exc.headers, param=exc.param)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request.url.path, 400, validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return error_response(request.url.path, exc.status_code, message,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        # Imported here: civility.server.security imports this module.
        from civility.server.security.redirects import wants_html

        if wants_html(request):
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return error_response(request.url.path, 401, "log in first (moderator session required)")

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request.url.path, 500, "internal error (logged on the server)")


#: Deeper JSON than any request of ours needs (Perspective's is 4 levels); deeper bodies are
#: refused before parsing, as Python's parser would raise RecursionError on them.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(rb"[\[\]{}]")
#: ``\u0000`` in a JSON string (an escaped backslash followed by ``u0000`` is text, not NUL).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects more than ``limit`` deep (brackets in strings
    don't count). Linear time, and no work at all for the usual body with few brackets."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for m in _JSON_BRACKETS.finditer(_JSON_STRING.sub(b'""', body)):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def nul_in_body(body: bytes, content_type: str) -> bool:
    """A NUL character in a JSON or form body, raw or escaped."""
    if content_type.startswith("multipart/form-data"):
        return False  # file parts are binary; no endpoint takes text from multipart
    if b"\x00" in body:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body
    return _JSON_NUL.search(body) is not None


class RequestGuardMiddleware:
    """Refuse, before any handler parses it, what no handler could use:

    * bodies over ``limit`` bytes (413);
    * NUL characters (U+0000) anywhere: path, query string or body (400). PostgreSQL text
      cannot hold them, so they are refused on every backend alike rather than stored on one;
    * JSON nested deeper than :data:`MAX_JSON_DEPTH` (400).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            where = "path" if "\x00" in scope.get("path", "") else "query string"
            await self._reject(scope, send, 400, _nul_message(where))
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                await self._reject(scope, send, 400, "invalid Content-Length header")
                return
            if too_big:
                await self._reject(scope, send, 413, self._message())
                return
        # Read (at most limit + 1 bytes of) the body, then replay it to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._reject(scope, send, 413, self._message())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if nul_in_body(body, content_type):
            await self._reject(scope, send, 400, _nul_message("request body"))
            return
        if not content_type.startswith(_FORM_TYPES) and json_too_deep(body):
            await self._reject(scope, send, 400, f"request body is nested more than "
                                                 f"{MAX_JSON_DEPTH} levels deep")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self) -> str:
        return f"request body is larger than the limit of {self.limit} bytes"

    async def _reject(self, scope: Scope, send: Send, status: int, message: str) -> None:
        response = error_response(scope.get("path", ""), status, message)
        await response(scope, _noop_receive, send)


def _nul_message(where: str) -> str:
    return (f"the {where} contains a NUL character (U+0000), which is not accepted "
            f"in any field")


async def _noop_receive() -> Message:
    return {"type": "http.disconnect"}
