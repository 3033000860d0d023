"""Server settings: one frozen record, built by ``civility serve`` or by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from civility.records import MAX_TEXT_CHARS
from civility.store.db import default_url


def _env_flag(name: str, default: bool) -> bool:
    """``1``/``true``/``yes`` or ``0``/``false``/``no`` (any case); anything else is the default."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    return default


def _env_auto_flag(name: str) -> bool | None:
    """Like :func:`_env_flag`, where unset, empty or ``auto`` mean None: decide per request."""
    value = os.environ.get(name, "").strip().lower()
    return None if value in ("", "auto") else _env_flag(name, False)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """Everything the app needs; defaults suit a single-box install.

    ``moderator`` lets a caller hand in a ready :class:`~civility.Moderator` (tests share one);
    otherwise one is built from ``model`` and ``policy`` on startup.
    """

    db_url: str = ""
    model: str | None = None
    policy: str | None = None
    moderator: Any = None
    #: Let the screen spare the transformer comments it would find benign (civility.screen).
    screen: bool = True
    #: Request bodies larger than this get 413.
    max_body_bytes: int = 1_000_000
    #: Comments per request (native batch, Perspective/OpenAI list input).
    max_batch_comments: int = 1000
    #: Characters per comment; longer texts get 400 (the same limit as ``civility score``).
    max_comment_chars: int = MAX_TEXT_CHARS
    #: Default per-key token bucket: sustained requests/second and burst size.
    rate_limit: float = 100.0
    rate_burst: float = 200.0
    #: Micro-batching: wait up to this long for more requests to score together.
    batch_window_ms: float = 2.0
    max_batch: int = 64
    #: Secret for CSRF tokens; None = generate once and keep it in the database.
    secret_key: str | None = None
    #: Secure flag on cookies: None (auto) sets it when the request came over https, as
    #: reported by a trusted proxy's X-Forwarded-Proto; True/False force it.
    cookie_secure: bool | None = None
    #: Addresses or networks (comma-separated; "*" = any) whose X-Forwarded-Proto and
    #: X-Forwarded-For are believed: the scheme sets the Secure flag, the client address feeds
    #: the login throttle.
    trusted_proxies: str = "127.0.0.1, ::1"
    session_hours: float = 12.0
    #: Password checks (argon2, 64 MiB each) at once, and how long a login waits for a turn
    #: before it gets 503; failed logins allowed per username+address and per address in
    #: 5 minutes.
    login_hash_slots: int = 2
    login_hash_wait_s: float = 2.0
    login_failures_per_user: int = 10
    login_failures_per_address: int = 30
    #: How long a server process trusts its cached API-key lookup: a key revoked elsewhere
    #: (the CLI, another worker) stops working within this time; 0 checks every request.
    key_cache_s: float = 1.0
    #: Likewise for a site's policy applied with ``civility policy apply``: every process
    #: decides under it within this time; 0 reads it for every batch.
    policy_cache_s: float = 1.0
    #: Webhook retries: delay = base * 2**attempt (capped), give up after max attempts.
    webhook_backoff_s: float = 2.0
    webhook_backoff_max_s: float = 600.0
    webhook_max_attempts: int = 10
    webhook_timeout_s: float = 10.0
    webhook_poll_s: float = 1.0
    #: Score comments left "pending" (their request died, or scoring failed): at startup, and
    #: by a sweep every ``pending_retry_s`` for those whose latest attempt began that long
    #: ago; after ``pending_max_attempts`` attempts a comment is marked "failed".
    rescore_pending: bool = True
    pending_retry_s: float = 30.0
    pending_max_attempts: int = 5

    @property
    def database(self) -> str:
        return self.db_url or default_url()

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from CIVILITY_* environment variables, then explicit overrides."""
        env: dict[str, Any] = {
            "db_url": os.environ.get("CIVILITY_DB", ""),
            "model": os.environ.get("CIVILITY_MODEL") or None,
            "policy": os.environ.get("CIVILITY_POLICY") or None,
            "secret_key": os.environ.get("CIVILITY_SECRET_KEY") or None,
            "rate_limit": _env_float("CIVILITY_RATE_LIMIT", cls.rate_limit),
            "rate_burst": _env_float("CIVILITY_RATE_BURST", cls.rate_burst),
            "max_body_bytes": int(_env_float("CIVILITY_MAX_BODY_BYTES", cls.max_body_bytes)),
            "batch_window_ms": _env_float("CIVILITY_BATCH_WINDOW_MS", cls.batch_window_ms),
            "cookie_secure": _env_auto_flag("CIVILITY_COOKIE_SECURE"),
            "trusted_proxies": (os.environ.get("CIVILITY_TRUSTED_PROXIES")
                                or os.environ.get("FORWARDED_ALLOW_IPS") or cls.trusted_proxies),
            "key_cache_s": _env_float("CIVILITY_KEY_CACHE_S", cls.key_cache_s),
            "policy_cache_s": _env_float("CIVILITY_POLICY_CACHE_S", cls.policy_cache_s),
            "screen": _env_flag("CIVILITY_SCREEN", cls.screen),
            "pending_retry_s": _env_float("CIVILITY_PENDING_RETRY_S", cls.pending_retry_s),
            "pending_max_attempts": int(_env_float("CIVILITY_PENDING_MAX_ATTEMPTS",
                                                   cls.pending_max_attempts)),
        }
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)
