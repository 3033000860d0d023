"""``POST /login``, ``POST /logout`` and ``GET /api/v1/csrf``: the doors of a session.

The login page itself (and its error states) is the UI's (:func:`civility.server.ui.login_form`);
a script that asks for JSON gets JSON instead.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from civility.server.errors import ApiError
from civility.server.security.csrf import csrf_token, verify_csrf
from civility.server.security.logins import Busy, LoginThrottle, client_address
from civility.server.security.redirects import safe_next, wants_json
from civility.server.security.sessions import SESSION_COOKIE, set_session_cookie
from civility.store import accounts
from civility.store.accounts import ModeratorAccount

__all__ = ["router"]

router = APIRouter()


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Password login from the UI's form (username, password, csrf_token, next)."""
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "") or ""), default="/")
    address = client_address(request.client.host if request.client else "")

    def fail(error: str, status: int, message: str, retry: float = 0) -> Response:
        headers = {"Retry-After": str(math.ceil(retry))} if retry else None
        if wants_json(request):
            raise ApiError(status, message, headers=headers)
        from civility.server.ui import login_form  # the UI imports this package

        page = login_form(request, next=target, error=error, username=username,
                          status_code=status)
        page.headers.update(headers or {})
        return page

    try:
        await verify_csrf(request)
    except ApiError:
        return fail("csrf", 403, "missing or invalid CSRF token; reload the login page")
    throttle: LoginThrottle = request.app.state.login_throttle
    wait = throttle.begin(username, address)
    if wait:
        return fail("throttled", 429, "too many failed logins; wait a few minutes", wait)

    def check() -> tuple[ModeratorAccount | None, str]:
        with request.app.state.store.session() as db:
            account = accounts.authenticate(db, username, password)
            if account is None:
                return None, ""
            return account, accounts.start_session(
                db, account, hours=request.app.state.settings.session_hours)

    try:
        account, token = await request.app.state.password_gate.run(check)
    except Busy:
        throttle.undo(username, address)  # not the caller's fault: don't count it
        return fail("busy", 503, "the server is busy checking other logins; try again", 1)
    if account is None:
        return fail("invalid", 401, "wrong username or password")
    throttle.succeeded(username, address)
    response: Response = (JSONResponse({"username": account.username, "role": account.role})
                          if wants_json(request) else RedirectResponse(target, status_code=303))
    set_session_cookie(response, request, token)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    await verify_csrf(request)
    token = request.cookies.get(SESSION_COOKIE, "")

    def end() -> None:
        with request.app.state.store.session() as db:
            accounts.end_session(db, token)

    await run_in_threadpool(end)
    response: Response = (JSONResponse({"logged_out": True}) if wants_json(request)
                          else RedirectResponse("/login", status_code=303))
    response.delete_cookie(SESSION_COOKIE)
    return response


class CsrfToken(BaseModel):
    csrf_token: str  # send it back as X-CSRF-Token (or a form's csrf_token) with each write


@router.get("/api/v1/csrf", tags=["auth"], summary="CSRF token for this browser")
async def get_csrf(request: Request) -> CsrfToken:
    return CsrfToken(csrf_token=csrf_token(request))
