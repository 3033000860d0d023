"""Smaller holes, closed: Secure cookies behind a trusted https proxy, API keys kept out of the
access log, a SQLite file only its owner can read, and revoked keys that stop working at once
in the revoking process and within ``key_cache_s`` everywhere else.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from civility.server.security import KeyCache, redact_keys
from civility.store import Store
from civility.store import accounts as acc
from civility.store import queries as q
from tests.conftest import free_port

PASSWORD = "correct horse battery"


def csrf(client: TestClient, **headers: str) -> tuple[str, str]:
    """(token, Set-Cookie header) of a fresh browser."""
    r = client.get("/api/v1/csrf", headers=headers)
    return r.json()["csrf_token"], r.headers.get("set-cookie", "")


def login_cookie(client: TestClient, **headers: str) -> str:
    """The Set-Cookie header of a successful login (cookies passed by hand: a client does
    not send a Secure cookie back over plain http, which is the point)."""
    r = client.get("/api/v1/csrf", headers=headers)
    seed = r.cookies.get("civility_csrf") or client.cookies.get("civility_csrf")
    ok = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                     "csrf_token": r.json()["csrf_token"]},
                     headers={"Accept": "application/json", "Cookie": f"civility_csrf={seed}",
                              **headers})
    assert ok.status_code == 200, ok.text
    return ok.headers["set-cookie"]


# --------------------------------------------------------------------------- (a) Secure cookies


def test_cookies_are_secure_when_a_trusted_proxy_says_https(make_app) -> None:
    app = make_app()  # the default trusts proxies on loopback only
    with app.state.store.session() as db:
        acc.create_moderator(db, "alice", PASSWORD)
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(app, client=("127.0.0.1", 40000)) as proxied:
        assert "; Secure" in csrf(proxied, **https)[1]
        assert "; secure" in login_cookie(proxied, **https).lower()
        assert "Secure" not in csrf(proxied)[1]  # the proxy says plain http
    with TestClient(app, client=("203.0.113.9", 40000)) as stranger:
        assert "Secure" not in csrf(stranger, **https)[1]  # anyone can send the header
        assert "secure" not in login_cookie(stranger, **https).lower()
    with TestClient(app, base_url="https://testserver") as tls:  # TLS straight to the app
        assert "; Secure" in csrf(tls)[1]


def test_a_trusted_proxy_list_accepts_networks(make_app) -> None:
    app = make_app(trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("10.1.2.3", 40000)) as proxied:
        assert "; Secure" in csrf(proxied, **{"X-Forwarded-Proto": "https"})[1]
    with TestClient(app, client=("127.0.0.1", 40000)) as loopback:
        assert "Secure" not in csrf(loopback, **{"X-Forwarded-Proto": "https"})[1]


@pytest.mark.parametrize(("setting", "base_url", "secure"), [
    (True, "http://testserver", True), (False, "https://testserver", False)])
def test_cookie_secure_forces_the_flag_either_way(make_app, setting, base_url, secure) -> None:
    with TestClient(make_app(cookie_secure=setting), base_url=base_url) as client:
        assert ("; Secure" in csrf(client)[1]) is secure


def test_cookie_secure_from_the_environment(monkeypatch) -> None:
    from civility.server.settings import Settings

    for value, expected in (("", None), ("auto", None), ("1", True), ("false", False)):
        monkeypatch.setenv("CIVILITY_COOKIE_SECURE", value)
        assert Settings.from_env().cookie_secure is expected
    monkeypatch.setenv("CIVILITY_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2")
    assert Settings.from_env().trusted_proxies == "10.0.0.1, 10.0.0.2"


# --------------------------------------------------------------------------- (b) access log


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_api_keys_in_the_url_never_reach_the_access_log(app) -> None:
    """A real uvicorn with its own logging config, as ``civility serve`` runs it."""
    import uvicorn

    with app.state.store.session() as db:
        key, info = acc.create_api_key(db, "perspective-client", scopes="read")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    access = logging.getLogger("uvicorn.access")
    lines = Lines()
    access.addHandler(lines)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/queue?key={key}&limit=1", timeout=30)
        assert r.status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeHandler(lines)
    logged = "\n".join(lines.lines)
    assert f"key=civ_{info.prefix}_REDACTED&limit=1" in logged
    assert key not in logged and key.split("_", 2)[2] not in logged


def test_redaction_keeps_the_prefix_and_nothing_else() -> None:
    assert (redact_keys("GET /v1alpha1/comments:analyze?key=civ_ab12cd34_s3cr3t-_x HTTP/1.1")
            == "GET /v1alpha1/comments:analyze?key=civ_ab12cd34_REDACTED HTTP/1.1")
    assert redact_keys("/x?a=1&KEY=whatever&b=2") == "/x?a=1&KEY=REDACTED&b=2"
    assert redact_keys("/x?api_key=abc") == "/x?api_key=REDACTED"
    assert redact_keys("/x?monkey=1&keyword=2") == "/x?monkey=1&keyword=2"


# --------------------------------------------------------------------------- (c) file mode


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path) -> None:
    previous = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        store = Store(f"sqlite:///{tmp_path / 'civility.db'}")
    finally:
        os.umask(previous)
    try:
        with store.session() as db:
            q.set_site_webhook(db, "default", "https://hooks.invalid/x", "webhook-secret")
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        assert files == {"civility.db": 0o600, "civility.db-wal": 0o600,
                         "civility.db-shm": 0o600}
    finally:
        store.close()


def test_an_existing_sqlite_file_keeps_its_mode(tmp_path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    Store(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# --------------------------------------------------------------------------- (d) revocation


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_the_key_cache_forgets_a_lookup_after_its_ttl() -> None:
    clock = Clock()
    cache = KeyCache(ttl_s=1.0, clock=clock)
    cache.put("civ_a_b", None)
    clock.now += 0.99
    assert cache.get("civ_a_b") == (True, None)
    clock.now += 0.01
    assert cache.get("civ_a_b") == (False, None)
    off = KeyCache(ttl_s=0)
    off.put("civ_a_b", None)
    assert off.get("civ_a_b") == (False, None)


def test_a_key_revoked_by_another_process_stops_within_key_cache_s(make_app) -> None:
    """``civility apikey revoke`` writes the database from another process; with
    key_cache_s=0 every request checks it, so the very next request is refused."""
    app = make_app(key_cache_s=0)
    with TestClient(app) as client:
        with app.state.store.session() as db:
            key, info = acc.create_api_key(db, "temp", scopes="read")
        h = {"Authorization": f"Bearer {key}"}
        assert client.get("/api/v1/queue", headers=h).status_code == 200
        other = Store(app.state.settings.database)
        try:
            with other.session() as db:
                acc.revoke_api_key(db, info.prefix)
        finally:
            other.close()
        assert client.get("/api/v1/queue", headers=h).status_code == 401
