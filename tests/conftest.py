"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL), the model, the app.

Store and API tests take ``db_url``, which is parametrised over ``sqlite`` and ``postgresql``.
PostgreSQL runs as a private server started once per session (``initdb`` + ``pg_ctl`` on a
free loopback port, fsync off); each test gets a fresh database in it. Without ``initdb`` the
PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMOKE_MODEL = ROOT / "runs" / "smoke" / "export"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")])
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresServer:
    def __init__(self, pgbin: Path | None, existing_url: str | None = None) -> None:
        self.pgbin = pgbin
        self.existing_url = existing_url
        self.dir = Path(tempfile.mkdtemp(prefix="civility-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        assert self.pgbin is not None
        cmd = [str(self.pgbin / args[0]), *args[1:]]
        if self.as_root:  # initdb refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off "
                  f"-c max_connections=200", "start")

    def stop(self) -> None:
        if self.existing_url:
            return
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        if self.existing_url:
            return self.existing_url.rstrip("/")
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    existing = os.environ.get("CIVILITY_TEST_PG_URL")  # a running server: user@host:port
    if existing:
        yield PostgresServer(None, existing)
        return
    pgbin = _pg_bin()
    if pgbin is None:
        pytest.skip("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'psycopg[binary]'")
    server = PostgresServer(pgbin)
    try:
        server.start()
    except (subprocess.CalledProcessError, OSError, KeyError, LookupError) as err:
        server.stop()
        detail = getattr(err, "stderr", b"") or b""
        pytest.skip(f"could not start a throwaway PostgreSQL: {err} {detail.decode()[-300:]}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'civility.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


# --------------------------------------------------------------------------- model & app


@pytest.fixture(scope="session")
def moderator() -> Any:
    """The real Moderator (packaged model, else $CIVILITY_MODEL, else the smoke export)."""
    from civility.model import model_dir

    try:
        model_dir()
    except FileNotFoundError:
        if SMOKE_MODEL.is_dir() and "CIVILITY_MODEL" not in os.environ:
            os.environ["CIVILITY_MODEL"] = str(SMOKE_MODEL)
    try:
        from civility import Moderator

        return Moderator(threads=1)
    except (FileNotFoundError, ImportError) as err:
        pytest.skip(f"no model available: {err}")


def make_settings(db_url: str, moderator: Any, **overrides: Any) -> Any:
    from civility.server.settings import Settings

    defaults: dict[str, Any] = {"db_url": db_url, "moderator": moderator, "secret_key": "test",
                                "webhook_poll_s": 0.05, "webhook_backoff_s": 0.05,
                                "rescore_pending": True}
    defaults.update(overrides)
    return Settings(**defaults)


@pytest.fixture
def make_app(db_url: str, moderator: Any) -> Any:
    """``make_app(**settings_overrides)``: a new app on this test's database."""
    from civility.server.app import create_app

    def build(**overrides: Any) -> Any:
        return create_app(make_settings(db_url, moderator, **overrides))

    return build


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def api_key(app: Any) -> str:
    """A key with every scope on the default site."""
    from civility.store.accounts import create_api_key

    with app.state.store.session() as db:
        key, _ = create_api_key(db, "tests", scopes="score read moderate")
    return key


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
