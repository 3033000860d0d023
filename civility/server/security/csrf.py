"""Cross-site request forgery: every write made with a moderator's session cookie passes two
checks. API keys (``Authorization``, ``X-API-Key``, ``?key=``) are not ambient credentials a
browser adds by itself, so requests made with them are not exposed and skip both.

1. **Where the request came from**, by the headers browsers set and pages cannot forge. The
   algorithm of Go 1.25's ``net/http.CrossOriginProtection`` as Filippo Valsorda describes it
   (https://words.filippo.io/csrf/), which datasette follows in ``datasette/csrf.py``, and
   which the OWASP CSRF Prevention Cheat Sheet lists as "Fetch Metadata headers" and
   "Verifying Origin With Standard Headers"
   (https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html):
   ``Sec-Fetch-Site`` must be ``same-origin`` or ``none`` (typed by the user); without it, an
   ``Origin`` header must name this server's own scheme, host and port; a request with
   neither comes from something that is not a browser. ``same-site`` is refused: a sibling
   subdomain (the comment section itself, say) is another origin.
2. **A token** for older browsers that send neither header, and for the clients the token
   was documented for (docs/API.md's curl login): a random ``civility_csrf`` cookie seeds it,
   and the token is an HMAC of that seed and the session under the server's secret, so a
   page from another origin can neither read nor forge it. Pages carry it in a meta tag and
   in each form; scripts send it as ``X-CSRF-Token``; ``GET /api/v1/csrf`` returns it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request

from civility.server.errors import ApiError
from civility.server.security.sessions import SESSION_COOKIE, cookie_secure

__all__ = ["CSRF_COOKIE", "CsrfCookieMiddleware", "cross_origin", "csrf_token", "verify_csrf"]

CSRF_COOKIE = "civility_csrf"
CSRF_HEADER = "x-csrf-token"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(value: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the default port filled in; ValueError if malformed."""
    parts = urlsplit(value)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        raise ValueError(value)
    return scheme, host, parts.port or _DEFAULT_PORTS.get(scheme)


def cross_origin(request: Request) -> str | None:
    """Why this request looks cross-origin (check 1 above), or None when it does not."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site in ("same-origin", "none"):
            return None
        return f"Sec-Fetch-Site was {fetch_site!r}"
    origin = request.headers.get("origin")
    if origin is None:
        return None  # not a browser: curl, a script, a server
    try:
        if _origin(origin) == _origin(f"{request.url.scheme}://{request.headers.get('host')}"):
            return None
    except ValueError:
        pass
    return f"Origin {origin!r} is not this server"


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
    """Dependency: 403 unless the request is same-origin and carries this browser's token."""
    reason = cross_origin(request)
    if reason is not None:
        raise ApiError(403, f"cross-origin request refused (CSRF): {reason}")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    if not request.cookies.get(CSRF_COOKIE) or not hmac.compare_digest(sent, csrf_token(request)):
        raise ApiError(403, "missing or invalid CSRF token; reload the page and try again")


class CsrfCookieMiddleware:
    """Sets the seed cookie on responses whose page generated one (see :func:`csrf_token`)."""

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
