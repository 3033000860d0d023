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

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import math
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from civility.server.errors import ApiError, LoginRequired
from civility.server.redirects import safe_next, wants_json
from civility.store import accounts
from civility.store.accounts import KeyInfo, ModeratorAccount

__all__ = ["ModeratorAccount", "Principal", "csrf_token", "current_moderator",
           "optional_moderator", "require_admin", "require_scope", "router", "verify_csrf"]

SESSION_COOKIE = "civility_session"
CSRF_COOKIE = "civility_csrf"
CSRF_HEADER = "x-csrf-token"
T = TypeVar("T")


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
    """Key lookups for ``ttl_s`` seconds, so a request costs a dict lookup, not a query.

    Revocation: the process that revokes a key clears the cache at once; other processes
    (``civility apikey revoke``, other workers) are believed within ``ttl_s``.
    """

    def __init__(self, ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._items: dict[str, tuple[float, KeyInfo | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, KeyInfo | None]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            hit = self._items.get(digest)
        if hit is not None and hit[0] > self.clock():
            return True, hit[1]
        return False, None

    def put(self, key: str, info: KeyInfo | None) -> None:
        if self.ttl_s <= 0:
            return
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[digest] = (self.clock() + self.ttl_s, info)

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


class AdminOnly(ApiError):
    """A moderator who is not an administrator asked for account, key or site management."""

    def __init__(self) -> None:
        super().__init__(403, "administrators only: managing moderators, API keys, sites and "
                              "webhooks needs a moderator with the admin role")


async def require_admin(request: Request) -> ModeratorAccount:
    """Dependency: an administrator's session (API keys never manage accounts, whatever their
    scopes); unsafe methods also need the CSRF token."""
    account = await current_moderator(request)
    if not account.is_admin:
        raise AdminOnly()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await verify_csrf(request)
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


def cookie_secure(setting: bool | None, scheme: str) -> bool:
    """The Secure flag: as configured, else whenever the request came over https."""
    return scheme == "https" if setting is None else setting


class CsrfCookieMiddleware:
    """Sets the CSRF seed cookie on responses whose page generated one."""

    def __init__(self, app, secure: bool | None = None) -> None:  # type: ignore[no-untyped-def]
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
                secure = cookie_secure(self.secure, scope.get("scheme", "http"))
                cookie = (f"{CSRF_COOKIE}={seed}; Path=/; HttpOnly; SameSite=Lax"
                          + ("; Secure" if secure else ""))
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_wrapper)


# --------------------------------------------------------------------------- proxies & logs


class TrustedProxyMiddleware:
    """Believes ``X-Forwarded-Proto`` and ``X-Forwarded-For`` from trusted proxies only.

    Behind a TLS-terminating proxy the request scheme becomes https (so cookies get the
    Secure flag) and the client address becomes the real one (so the login throttle limits
    the client, not the proxy). Anyone else's headers are ignored: a client must not be
    able to pick its own address. ``trusted`` is comma-separated addresses or networks, or
    ``*`` for any.
    """

    def __init__(self, app, trusted: str = "127.0.0.1, ::1") -> None:  # type: ignore[no-untyped-def]
        self.app = app
        items = [t.strip() for t in trusted.split(",") if t.strip()]
        self.any = "*" in items
        self.networks = [ipaddress.ip_network(t, strict=False) for t in items if t != "*"]

    def trusts(self, host: str) -> bool:
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        client = scope.get("client")
        if scope["type"] == "http" and client and self.trusts(client[0]):
            headers = dict(scope["headers"])
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1")
            proto = proto.split(",")[-1].strip().lower()
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if proto in ("http", "https") or hops:
                scope = dict(scope)
                if proto in ("http", "https"):
                    scope["scheme"] = proto
                # The nearest hop that is not one of our proxies is the client.
                while len(hops) > 1 and self.trusts(hops[-1]):
                    hops.pop()
                if hops:
                    scope["client"] = (hops[-1], 0)
        await self.app(scope, receive, send)


_KEY_IN_URL = re.compile(r"([?&](?:key|api_key)=)([^&#\s\"]*)", re.IGNORECASE)


def redact_keys(text: str) -> str:
    """``?key=civ_ab12cd34_secret`` -> ``?key=civ_ab12cd34_REDACTED``: the prefix still
    says which key it was (as ``civility apikey list`` shows it), the secret is gone."""

    def hide(match: re.Match[str]) -> str:
        value = match.group(2)
        parts = value.split("_")
        keep = f"civ_{parts[1]}_" if len(parts) > 2 and parts[0] == "civ" else ""
        return f"{match.group(1)}{keep}REDACTED"

    return _KEY_IN_URL.sub(hide, text)


class RedactKeysFilter(logging.Filter):
    """Takes API keys out of log records (uvicorn's access log prints the query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_keys(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_keys(a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def redact_access_log(logger: str = "uvicorn.access") -> None:
    """Install :class:`RedactKeysFilter` on ``logger`` once."""
    target = logging.getLogger(logger)
    if not any(isinstance(f, RedactKeysFilter) for f in target.filters):
        target.addFilter(RedactKeysFilter())


# --------------------------------------------------------------------------- login / logout

router = APIRouter()


def client_address(host: str) -> str:
    """The throttling unit of a client: its IPv4 address, or its IPv6 /64 (one subscriber
    gets a whole /64, so single IPv6 addresses cost an attacker nothing)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


class LoginThrottle:
    """Sliding-window limits on login attempts, per username+address and per address.

    Every attempt counts when it starts (so concurrent attempts cannot slip past the limit
    together) and a successful one is forgiven. Fresh usernames from one address meet the
    per-address limit. Memory is bounded: each key keeps at most ``limit`` timestamps, idle
    keys are pruned after the window, and past ``max_keys`` the least recently used go.
    """

    def __init__(self, *, per_user: int = 10, per_address: int = 30, window_s: float = 300.0,
                 max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user, self.per_address = per_user, per_address
        self.window_s, self.max_keys, self.clock = window_s, max_keys, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def begin(self, username: str, address: str) -> float:
        """Record an attempt: 0 when it may go ahead, else the seconds until it may."""
        now = self.clock()
        keys = tuple(zip(self._keys(username, address), (self.per_user, self.per_address),
                         strict=True))
        with self._lock:
            self._prune(now)
            wait = max(self._wait(key, limit, now) for key, limit in keys)
            if wait == 0:
                for key, limit in keys:
                    self._touch(key, limit).append(now)
            return wait

    def undo(self, username: str, address: str) -> None:
        """Take back an attempt that never reached the password check."""
        with self._lock:
            for key in self._keys(username, address):
                hits = self._hits.get(key)
                if hits:
                    hits.pop()
                if not hits:
                    self._hits.pop(key, None)

    def succeeded(self, username: str, address: str) -> None:
        """Forgive a successful attempt and the username's earlier failures from there."""
        self.undo(username, address)
        with self._lock:
            self._hits.pop(self._keys(username, address)[0], None)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"u|{username.lower()[:100]}|{address}", f"a|{address}"

    def _wait(self, key: str, limit: int, now: float) -> float:
        hits = self._hits.get(key)
        if hits is None:
            return 0.0
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        return 0.0 if len(hits) < limit else max(hits[0] + self.window_s - now, 0.001)

    def _touch(self, key: str, limit: int) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=limit)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        self._hits.move_to_end(key)
        return hits

    def _prune(self, now: float) -> None:
        """Drop keys untouched for a whole window (they are in least-recently-used order)."""
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits and now - hits[-1] < self.window_s:
                return
            del self._hits[key]


class Busy(Exception):
    """Every password-hashing slot stayed taken for the whole wait."""


class PasswordGate:
    """Password hashing (argon2: 64 MiB and tens of milliseconds each) on ``slots`` threads
    of its own: a burst of logins costs at most ``slots`` x 64 MiB, queues for at most
    ``wait_s`` and never occupies the thread pool that serves API requests."""

    def __init__(self, slots: int = 2, wait_s: float = 2.0) -> None:
        self.slots, self.wait_s = max(1, slots), wait_s
        self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="civility-password")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free = asyncio.Semaphore(self.slots)

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` on a hashing thread; :class:`Busy` if no slot frees up in time."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a semaphore belongs to one event loop
            self._loop, self._free = loop, asyncio.Semaphore(self.slots)
        free = self._free
        try:
            async with asyncio.timeout(self.wait_s):
                await free.acquire()
        except TimeoutError:
            raise Busy from None
        try:
            # The executor's own limit holds even when a cancelled request frees its slot
            # while its hash still runs.
            return await loop.run_in_executor(self._executor, work)
        finally:
            free.release()


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
        from civility.server.ui import login_form  # the UI imports this module

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
    settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=cookie_secure(settings.cookie_secure, request.url.scheme),
                        max_age=int(settings.session_hours * 3600))
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


@router.get("/api/v1/csrf", tags=["auth"], summary="CSRF token for this browser")
async def get_csrf(request: Request) -> dict[str, str]:
    return {"csrf_token": csrf_token(request)}
