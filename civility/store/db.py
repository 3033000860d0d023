"""Engines, sessions and migrations.

SQLite is the embedded default: one file, WAL journal (readers never block the writer),
``synchronous=NORMAL`` (durable across process crashes, fast commits) and a busy timeout so
concurrent writers wait instead of failing. PostgreSQL URLs are accepted as given; a bare
``postgresql://`` is routed to the psycopg 3 driver.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class DatabaseError(RuntimeError):
    """The database URL is unusable; the message says why."""


def default_sqlite_path() -> Path:
    """The per-user database: ``$XDG_DATA_HOME/civility/civility.db`` (~/.local/share/...).

    One fixed place, not the current folder, so that ``civility user add`` run from
    anywhere reaches the database ``civility serve`` uses.
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "civility" / "civility.db"


def default_url() -> str:
    """``$CIVILITY_DB`` when set, else the per-user SQLite file."""
    return os.environ.get("CIVILITY_DB") or f"sqlite:///{default_sqlite_path()}"


def display_url(url: str) -> str:
    """The database as a user should see it: a SQLite file's path, a server URL sans password."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(Path(parsed.database).expanduser())
    return parsed.render_as_string(hide_password=True)


def normalize_url(url: str) -> str:
    """Accept plain paths and driverless PostgreSQL URLs."""
    url = url.strip()
    if not url:
        raise DatabaseError("empty database URL")
    if "://" not in url:  # a path to a SQLite file
        return f"sqlite:///{Path(url).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only: it holds webhook secrets and the
    CSRF key. SQLite gives the -wal and -shm files it creates beside it the same mode; an
    existing file keeps the mode its owner chose."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception as err:
        raise DatabaseError(f"cannot parse database URL {url!r}: {err}") from err
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private(Path(database).expanduser())
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=8, max_overflow=16)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; safe on every start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("civility.store") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_initialised(url: str) -> bool:
    """Whether ``url`` holds a Civility database (migrated at least once).

    Creates nothing: a missing SQLite file stays missing. A server database that does not
    exist raises the driver's error.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:":
            return False
        if not database.startswith("file:"):
            path = Path(database).expanduser()
            if not path.is_file() or path.stat().st_size == 0:
                return False
    engine = make_engine(url)
    try:
        return schema_revision(engine) is not None
    finally:
        engine.dispose()


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """An engine plus its session factory; one per app (or per CLI command)."""

    def __init__(self, url: str | None = None, *, run_migrations: bool = True) -> None:
        self.url = normalize_url(url or default_url())
        self.engine = make_engine(self.url)
        if run_migrations:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer; its busy handler sleeps and retries, which turns contention
        # into long tails. Queue writers on a lock instead (PostgreSQL needs none).
        self._write_lock = threading.Lock() if self.backend == "sqlite" else None

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessions()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A session for a write transaction, serialised in-process on SQLite."""
        lock = self._write_lock or contextlib.nullcontext()
        with lock, self.sessions() as db:
            yield db

    def close(self) -> None:
        self.engine.dispose()
