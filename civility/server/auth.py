"""Who is calling: API keys (with scopes and rate limits) for machines, password sessions with
CSRF tokens for moderators in a browser.

API keys come as ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` or ``?key=<key>``
(Perspective clients put it in the query). Each key has its own token bucket; an empty bucket
answers 429 with ``Retry-After``. Moderator sessions live in the database (logout and
disabling an account take effect at once); the cookie only holds a random token.

CSRF: a random ``civility_csrf`` cookie seeds the token, and the token is an HMAC of that seed
and the session, so a page from another origin can neither read nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from civility.server.errors import ApiError, LoginRequired
from civility.store import accounts
from civility.store.accounts import KeyInfo, ModeratorAccount

__all__ = ["ModeratorAccount", "Principal", "csrf_token", "current_moderator",
           "optional_moderator", "require_admin", "require_scope", "router", "verify_csrf"]

SESSION_COOKIE = "civility_session"
CSRF_COOKIE = "civility_csrf"
CSRF_HEADER = "x-csrf-token"
_KEY_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of an API endpoint: an API key or a logged-in moderator."""

    name: str  # for decisions and the audit log: "apikey:<name>" or the username
    scopes: frozenset[str]
    site_id: int | None  # None: a moderator, who works across sites
    key: KeyInfo | None = None
    moderator: ModeratorAccount | None = None


# --------------------------------------------------------------------------- rate limiting


class TokenBucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, max(burst, 1.0)
        self.tokens, self.stamp = self.burst, time.monotonic()

    def take(self) -> float:
        """0 when allowed, else the seconds until a token is available."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """One in-memory token bucket per API key (per server process)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, key: KeyInfo) -> float:
        rate = key.rate_limit or self.rate
        with self._lock:
            bucket = self._buckets.get(key.id)
            if bucket is None or bucket.rate != rate:
                burst = self.burst if key.rate_limit is None else max(rate * 2, 1.0)
                bucket = self._buckets[key.id] = TokenBucket(rate, burst)
            return bucket.take()


class KeyCache:
    """Valid keys for a few seconds, so a request costs a dict lookup, not a query."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, KeyInfo | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, KeyInfo | None]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            hit = self._items.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def put(self, key: str, info: KeyInfo | None) -> None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[digest] = (time.monotonic() + _KEY_CACHE_SECONDS, info)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key") or request.query_params.get("key")


async def _key_info(request: Request, key: str) -> KeyInfo | None:
    cache: KeyCache = request.app.state.key_cache
    hit, info = cache.get(key)
    if hit:
        return info

    def lookup() -> KeyInfo | None:
        with request.app.state.store.session() as db:
            return accounts.check_api_key(db, key)

    info = await run_in_threadpool(lookup)
    cache.put(key, info)
    return info


def require_scope(scope: str, *, allow_session: bool = True):  # type: ignore[no-untyped-def]
    """Dependency: the caller must hold ``scope`` (an API key's scope, or a moderator session
    for read/moderate; unsafe methods from a session also need the CSRF header)."""

    async def dependency(request: Request) -> Principal:
        key = _presented_key(request)
        if key:
            info = await _key_info(request, key)
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
                if request.method not in ("GET", "HEAD", "OPTIONS"):
                    await verify_csrf(request)
                scopes = {"read", "moderate"} | ({"admin"} if account.is_admin else set())
                return Principal(account.username, frozenset(scopes), None, moderator=account)
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <key>' or ?key=<key>",
                       headers={"WWW-Authenticate": "Bearer"})

    return dependency


# --------------------------------------------------------------------------- sessions & CSRF


async def optional_moderator(request: Request) -> ModeratorAccount | None:
    """The logged-in moderator, or None."""
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


async def require_admin(request: Request) -> ModeratorAccount:
    account = await current_moderator(request)
    if not account.is_admin:
        raise ApiError(403, "administrators only")
    return account


def _seed(request: Request) -> str:
    seed = request.cookies.get(CSRF_COOKIE, "")
    if len(seed) < 16 or len(seed) > 100:
        seed = request.scope.setdefault("state", {}).get("csrf_new_seed") or ""
        if not seed:
            seed = secrets.token_urlsafe(24)
            request.scope["state"]["csrf_new_seed"] = seed
    return seed


def csrf_token(request: Request) -> str:
    """The CSRF token for forms and the X-CSRF-Token header of this browser (and session)."""
    secret: bytes = request.app.state.secret_key
    message = f"{_seed(request)}|{request.cookies.get(SESSION_COOKIE, '')}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:40]


async def verify_csrf(request: Request) -> None:
    """Dependency: 403 unless the request carries this browser's CSRF token."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    if not request.cookies.get(CSRF_COOKIE) or not hmac.compare_digest(sent, csrf_token(request)):
        raise ApiError(403, "missing or invalid CSRF token; reload the page and try again")


class CsrfCookieMiddleware:
    """Sets the CSRF seed cookie on responses whose page generated one."""

    def __init__(self, app, secure: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.secure = secure

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_wrapper(message) -> None:  # type: ignore[no-untyped-def]
            seed = state.get("csrf_new_seed")
            if message["type"] == "http.response.start" and seed:
                cookie = (f"{CSRF_COOKIE}={seed}; Path=/; HttpOnly; SameSite=Lax"
                          + ("; Secure" if self.secure else ""))
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_wrapper)


# --------------------------------------------------------------------------- login / logout

router = APIRouter()
_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


def _safe_next(target: str | None) -> str:
    """Only local paths: an attacker must not turn the login page into an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _throttled(username: str, client: str) -> bool:
    key = f"{username.lower()}|{client}"
    now = time.monotonic()
    with _failures_lock:
        recent = [t for t in _failures.get(key, []) if now - t < 300]
        _failures[key] = recent
        return len(recent) >= 10


def _failed(username: str, client: str) -> None:
    with _failures_lock:
        _failures.setdefault(f"{username.lower()}|{client}", []).append(time.monotonic())


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Password login from the UI's form (username, password, csrf_token, next)."""
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "") or ""))
    client = request.client.host if request.client else ""

    def fail(error: str, status: int, message: str) -> Response:
        if _wants_json(request):
            raise ApiError(status, message)
        from civility.server.ui import login_form  # the UI imports this module

        return login_form(request, next=target, error=error, username=username,
                          status_code=status)

    try:
        await verify_csrf(request)
    except ApiError:
        return fail("csrf", 403, "missing or invalid CSRF token; reload the login page")
    if _throttled(username, client):
        return fail("throttled", 429, "too many failed logins; wait a few minutes")

    def check() -> tuple[ModeratorAccount | None, str]:
        with request.app.state.store.session() as db:
            account = accounts.authenticate(db, username, password)
            if account is None:
                return None, ""
            return account, accounts.start_session(
                db, account, hours=request.app.state.settings.session_hours)

    account, token = await run_in_threadpool(check)
    if account is None:
        _failed(username, client)
        return fail("invalid", 401, "wrong username or password")
    response: Response = (JSONResponse({"username": account.username, "role": account.role})
                          if _wants_json(request) else RedirectResponse(target, status_code=303))
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, max_age=int(settings.session_hours * 3600))
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    await verify_csrf(request)
    token = request.cookies.get(SESSION_COOKIE, "")

    def end() -> None:
        with request.app.state.store.session() as db:
            accounts.end_session(db, token)

    await run_in_threadpool(end)
    response: Response = (JSONResponse({"logged_out": True}) if _wants_json(request)
                          else RedirectResponse("/login", status_code=303))
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/api/v1/csrf", tags=["auth"], summary="CSRF token for this browser")
async def get_csrf(request: Request) -> dict[str, str]:
    return {"csrf_token": csrf_token(request)}
