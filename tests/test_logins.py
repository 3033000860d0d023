"""Logins cannot be used to exhaust the server: password hashing (argon2, 64 MiB a go) runs at
most ``login_hash_slots`` at a time on threads of its own, a login that cannot get a turn soon
gets 503 with Retry-After, attempts are throttled per username+address AND per address (so
fresh usernames do not help), and the throttle's memory is bounded.

The hasher is the real argon2 one, instrumented to count how many hashes run at once and
held until the test lets go, so the bounds are checked by counting, never by timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from civility.server.security import LoginThrottle, client_address
from civility.store import accounts as acc

PASSWORD = "correct horse battery"


class CountingHasher(PasswordHasher):
    """argon2 that records the peak number of concurrent verifications and holds each one
    until :attr:`release` is set."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.release = threading.Event()
        self.active = self.peak = self.calls = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.active += 1
            self.calls += 1
            self.peak = max(self.peak, self.active)
        try:
            self.release.wait(timeout=60)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    h = CountingHasher()
    monkeypatch.setattr(acc, "_hasher", h)
    yield h
    h.release.set()


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for something the server does on other threads (a liveness bound, not a timing
    assertion: the condition is expected to hold within milliseconds)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def login(client: TestClient, username: str, password: str = "wrong password",
          headers: dict[str, str] | None = None) -> Any:
    token = client.get("/api/v1/csrf").json()["csrf_token"]
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token},
                       headers={"Accept": "application/json", **(headers or {})})


def in_threads(n: int, work: Callable[[int], Any]) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def test_password_hashing_runs_two_at_a_time_and_never_starves_the_api(make_app,
                                                                      hasher) -> None:
    """45 concurrent bad logins (more than the 40 threads that serve API requests): at most
    2 hashes at once, and an API request still gets through while they wait."""
    app = make_app(login_hash_slots=2, login_hash_wait_s=120, login_failures_per_address=1000)
    with TestClient(app) as client:
        with app.state.store.session() as db:
            key, _ = acc.create_api_key(db, "reader", scopes="read")
        client.get("/api/v1/csrf")  # the CSRF cookie, shared by every thread below
        threads, codes = in_threads(45, lambda i: login(client, f"fresh-{i}").status_code)
        until(lambda: hasher.active == 2, "two hashes running")
        api, answer = in_threads(1, lambda i: client.get(
            "/api/v1/queue", headers={"Authorization": f"Bearer {key}"}).status_code)
        api[0].join(timeout=30)
        assert answer == [200], "the API was starved by logins waiting to be hashed"
        assert hasher.active == 2  # still held: the API answered while logins queued
        hasher.release.set()
        for t in threads:
            t.join(timeout=60)
    assert codes == [401] * 45
    assert hasher.peak == 2 and hasher.calls == 45


def test_a_login_that_cannot_get_a_hashing_turn_gets_503_with_retry_after(make_app,
                                                                          hasher) -> None:
    app = make_app(login_hash_slots=1, login_hash_wait_s=0.05)
    with TestClient(app) as client:
        client.get("/api/v1/csrf")
        first, code = in_threads(1, lambda i: login(client, "first").status_code)
        until(lambda: hasher.active == 1, "the first login hashing")
        busy = login(client, "second")
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
        assert "busy" in busy.json()["error"]["message"]
        page = client.post("/login", data={"username": "second", "password": "x",
                                           "csrf_token": client.get("/api/v1/csrf").json()[
                                               "csrf_token"]})
        assert page.status_code == 503 and "busy" in page.text  # the form says so too
        hasher.release.set()
        first[0].join(timeout=60)
        assert code == [401]
        # A refused turn was not the person's fault: it does not count as a failure.
        assert len(app.state.login_throttle) == 2  # "first": its user and its address


def test_many_fresh_usernames_from_one_address_get_throttled(make_app) -> None:
    app = make_app(login_failures_per_address=5, trusted_proxies="*")
    with TestClient(app) as client:
        with app.state.store.session() as db:
            acc.create_moderator(db, "alice", PASSWORD)
        here = {"X-Forwarded-For": "198.51.100.7"}
        assert [login(client, f"guess-{i}", headers=here).status_code
                for i in range(5)] == [401] * 5
        refused = login(client, "guess-5", headers=here)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert login(client, "alice", PASSWORD, headers=here).status_code == 429
        # Another address (behind the same trusted proxy) is not affected.
        there = {"X-Forwarded-For": "198.51.100.8"}
        assert login(client, "alice", PASSWORD, headers=there).status_code == 200


def test_a_client_cannot_pick_its_own_address_unless_it_is_a_trusted_proxy(make_app) -> None:
    app = make_app(login_failures_per_address=2)  # trusts only loopback proxies
    with TestClient(app) as client:
        for i in range(2):
            login(client, f"u{i}", headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert login(client, "u9", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429


# --------------------------------------------------------------------------- the throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_limits_a_username_at_an_address_and_forgives_a_success() -> None:
    clock = Clock()
    t = LoginThrottle(per_user=3, per_address=100, window_s=300, clock=clock)
    assert [t.begin("Alice", "10.0.0.1") for _ in range(3)] == [0, 0, 0]
    assert t.begin("alice", "10.0.0.1") == pytest.approx(300)
    assert t.begin("alice", "10.0.0.2") == 0  # another address
    clock.now += 150
    assert t.begin("alice", "10.0.0.1") == pytest.approx(150)
    clock.now += 151
    assert t.begin("alice", "10.0.0.1") == 0
    t.succeeded("alice", "10.0.0.1")
    assert [t.begin("alice", "10.0.0.1") for _ in range(3)] == [0, 0, 0]


def test_the_throttle_memory_stays_bounded() -> None:
    clock = Clock()
    t = LoginThrottle(per_user=10, per_address=1_000_000, max_keys=100, clock=clock)
    for i in range(10_000):  # a username and an address each time: 20,000 keys offered
        t.begin(f"user-{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(t) <= 100
    flood = LoginThrottle(per_address=50, max_keys=100, clock=clock)
    codes = [flood.begin(f"fresh-{i}", "192.0.2.1") for i in range(1000)]
    assert codes[:50] == [0] * 50 and all(codes[50:])  # its address key is never evicted
    assert len(flood) <= 100
    clock.now += 301  # a whole window later everything idle is pruned
    t.begin("someone", "192.0.2.99")
    assert len(t) == 2


def test_ipv6_clients_are_throttled_by_their_slash_64() -> None:
    assert client_address("2001:db8:1:2:aaaa::1") == client_address("2001:db8:1:2:bbbb::9")
    assert client_address("2001:db8:1:3::1") != client_address("2001:db8:1:2::1")
    assert client_address("::ffff:192.0.2.5") == "192.0.2.5"
    assert client_address("192.0.2.5") == "192.0.2.5"
