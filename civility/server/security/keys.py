"""API keys: where a request presents one, the cached lookup, and keeping keys out of logs.

Keys come as ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` or ``?key=<key>``
(Perspective clients put it in the query). What a key may do is :mod:`.access`'s question.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from civility.store import accounts
from civility.store.accounts import KeyInfo

__all__ = ["KeyCache", "key_info", "presented_key", "redact_access_log", "redact_keys"]


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


def presented_key(request: Request) -> str | None:
    """The API key the request carries, if any."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key") or request.query_params.get("key")


async def key_info(request: Request, key: str) -> KeyInfo | None:
    """The key's record (None: unknown or revoked), from the app's :class:`KeyCache` if fresh."""
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
