"""Password logins under load and attack: the throttle on guesses and the gate on hashing."""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["Busy", "LoginThrottle", "PasswordGate", "client_address"]

T = TypeVar("T")


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
