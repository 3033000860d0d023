"""Where a moderator may be sent after a form: local paths only, never an open redirect.

One guard for every ``next=`` parameter (login, logout, bulk decisions). The rules follow the
OWASP "Unvalidated Redirects and Forwards" cheat sheet: accept only a path on this origin.
A target that starts with ``//`` (scheme-relative) or carries a scheme or host leaves the site,
and browsers read ``\\`` as ``/`` in special URLs (WHATWG URL Standard, "special authority
ignore slashes state"), so ``/\\evil.example`` does too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

__all__ = ["safe_next", "wants_html", "wants_json"]


def safe_next(target: str | None, default: str = "/queue") -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def wants_json(request: Request) -> bool:
    """A script (``Accept: application/json``) rather than a browser is asking: answer JSON."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def wants_html(request: Request) -> bool:
    """A browser is asking (its ``Accept`` names ``text/html``): answer a page or a redirect,
    not JSON. Not the negation of :func:`wants_json`: a client that names neither gets JSON
    errors from both."""
    return "text/html" in request.headers.get("accept", "")
