"""Moderator sessions: a random token in an HttpOnly cookie, the session itself in the database
(so logging out or disabling an account takes effect at once)."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from civility.server.errors import LoginRequired
from civility.store import accounts
from civility.store.accounts import ModeratorAccount

__all__ = ["SESSION_COOKIE", "cookie_secure", "current_moderator", "optional_moderator",
           "set_session_cookie"]

SESSION_COOKIE = "civility_session"


def cookie_secure(setting: bool | None, scheme: str) -> bool:
    """The Secure flag: as configured, else whenever the request came over https (directly or
    as a trusted proxy says: see :mod:`.proxies`)."""
    return scheme == "https" if setting is None else setting


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Hand the browser its session: HttpOnly, SameSite=Lax, Secure over https."""
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=cookie_secure(settings.cookie_secure, request.url.scheme),
                        max_age=int(settings.session_hours * 3600))


async def optional_moderator(request: Request) -> ModeratorAccount | None:
    """The logged-in moderator, or None (looked up once per request)."""
    if "moderator" in request.scope.get("state", {}):
        return request.state.moderator  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE, "")
    account = None
    if token:
        def lookup() -> ModeratorAccount | None:
            with request.app.state.store.session() as db:
                return accounts.session_account(db, token)

        account = await run_in_threadpool(lookup)
    request.state.moderator = account
    return account


async def current_moderator(request: Request) -> ModeratorAccount:
    """The logged-in moderator; browsers without a session are redirected to /login."""
    account = await optional_moderator(request)
    if account is None:
        raise LoginRequired()
    return account
