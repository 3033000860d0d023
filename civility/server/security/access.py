"""Who may call what: an API key's scopes (and its rate limit), a moderator's role, and the
CSRF checks on a session's writes. Routes depend on :func:`require_scope` or
:func:`require_admin`; each returns who is calling."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import Request

from civility.server.errors import ApiError
from civility.server.security.csrf import verify_csrf
from civility.server.security.keys import key_info, presented_key
from civility.server.security.sessions import current_moderator, optional_moderator
from civility.store.accounts import KeyInfo, ModeratorAccount

__all__ = ["AdminOnly", "Principal", "require_admin", "require_scope"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of an API endpoint: an API key or a logged-in moderator."""

    name: str  # for decisions and the audit log: "apikey:<name>" or the username
    scopes: frozenset[str]
    site_id: int | None  # None: a moderator, who works across sites
    key: KeyInfo | None = None
    moderator: ModeratorAccount | None = None


def require_scope(scope: str, *, allow_session: bool = True):  # type: ignore[no-untyped-def]
    """Dependency: the caller must hold ``scope`` (an API key's scope, or a moderator session
    for read/moderate; unsafe methods from a session also pass the CSRF checks)."""

    async def dependency(request: Request) -> Principal:
        key = presented_key(request)
        if key:
            info = await key_info(request, key)
            if info is None:
                raise ApiError(401, "invalid or revoked API key")
            if scope not in info.scopes and "admin" not in info.scopes:
                raise ApiError(403, f"this API key lacks the {scope!r} scope "
                                    f"(it has: {', '.join(info.scopes)})")
            wait = request.app.state.rate_limiter.check(info)
            if wait > 0:
                request.app.state.metrics.rate_limited.inc()
                raise ApiError(429, f"rate limit exceeded for this API key; retry in "
                                    f"{wait:.2f} s", headers={"Retry-After": str(math.ceil(wait))})
            return Principal(f"apikey:{info.name}", frozenset(info.scopes), info.site_id, key=info)
        if allow_session and scope in ("read", "moderate"):
            account = await optional_moderator(request)
            if account is not None:
                if request.method not in SAFE_METHODS:
                    await verify_csrf(request)
                scopes = {"read", "moderate"} | ({"admin"} if account.is_admin else set())
                return Principal(account.username, frozenset(scopes), None, moderator=account)
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <key>' or ?key=<key>",
                       headers={"WWW-Authenticate": "Bearer"})

    return dependency


class AdminOnly(ApiError):
    """A moderator who is not an administrator asked for account, key or site management."""

    def __init__(self) -> None:
        super().__init__(403, "administrators only: managing moderators, API keys, sites and "
                              "webhooks needs a moderator with the admin role")


async def require_admin(request: Request) -> ModeratorAccount:
    """Dependency: an administrator's session (API keys never manage accounts, whatever their
    scopes); unsafe methods also pass the CSRF checks."""
    account = await current_moderator(request)
    if not account.is_admin:
        raise AdminOnly()
    if request.method not in SAFE_METHODS:
        await verify_csrf(request)
    return account
