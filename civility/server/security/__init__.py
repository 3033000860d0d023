"""Who is calling, and what they may do: one face over one module per job.

=================  ===============================================================
``access``         :func:`require_scope`, :func:`require_admin`, :class:`Principal`
``keys``           API keys: where a request presents one, the revocation cache, logs
``rate_limits``    per-key token buckets
``sessions``       moderator sessions in a cookie, its Secure flag
``csrf``           the same-origin check (Sec-Fetch-Site / Origin) and the token
``logins``         the login throttle and the password-hashing gate
``proxies``        trusted ``X-Forwarded-*`` headers
``redirects``      :func:`safe_next`, the one open-redirect guard; who wants HTML or JSON
``routes``         ``/login``, ``/logout``, ``/api/v1/csrf``
=================  ===============================================================
"""

from civility.server.security.access import AdminOnly, Principal, require_admin, require_scope
from civility.server.security.csrf import CsrfCookieMiddleware, csrf_token, verify_csrf
from civility.server.security.keys import KeyCache, redact_access_log, redact_keys
from civility.server.security.logins import Busy, LoginThrottle, PasswordGate, client_address
from civility.server.security.proxies import TrustedProxyMiddleware
from civility.server.security.rate_limits import RateLimiter
from civility.server.security.redirects import safe_next, wants_html, wants_json
from civility.server.security.routes import router
from civility.server.security.sessions import current_moderator, optional_moderator
from civility.store.accounts import ModeratorAccount

__all__ = ["AdminOnly", "Busy", "CsrfCookieMiddleware", "KeyCache", "LoginThrottle",
           "ModeratorAccount", "PasswordGate", "Principal", "RateLimiter",
           "TrustedProxyMiddleware", "client_address", "csrf_token", "current_moderator",
           "optional_moderator", "redact_access_log", "redact_keys", "require_admin",
           "require_scope", "router", "safe_next", "verify_csrf", "wants_html",
           "wants_json"]
