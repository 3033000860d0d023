"""Per-key token buckets: each API key may make ``rate`` requests a second, ``burst`` at once.

Kept here rather than taken from a library: the maintained limiters (``limits``, ``slowapi``)
count fixed or sliding windows, whose answers differ from a bucket's (a fresh key gets its
whole burst; ``Retry-After`` is the time until the next token), and their shared-state
backends need Redis or Memcached, infrastructure a single-box install does not have.

The buckets live in one process's memory. With ``civility serve --workers N`` each worker
keeps its own, so a key may make up to N times its rate in total: give such deployments
``rate / N`` per worker (``CIVILITY_RATE_LIMIT``, or per key with ``civility apikey create
--rate``), or limit at the proxy in front when the total must be exact.
"""

from __future__ import annotations

import threading
import time

from civility.store.accounts import KeyInfo

__all__ = ["RateLimiter", "TokenBucket"]


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
    """One token bucket per API key: the key's own rate (burst twice that), else the server's."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, key: KeyInfo) -> float:
        """0 when ``key`` may go ahead, else the seconds until it may."""
        rate = key.rate_limit or self.rate
        with self._lock:
            bucket = self._buckets.get(key.id)
            if bucket is None or bucket.rate != rate:
                burst = self.burst if key.rate_limit is None else max(rate * 2, 1.0)
                bucket = self._buckets[key.id] = TokenBucket(rate, burst)
            return bucket.take()
