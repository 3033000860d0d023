"""Storage: SQLAlchemy 2 models, Alembic migrations and the query functions the server uses.

SQLite (WAL) is the embedded default; PostgreSQL runs the same migrations. ``Store`` owns
an engine and its sessions; ``civility.store.queries`` holds every read and write, each a
plain function taking a ``Session`` first.
"""

from civility.store.db import DEFAULT_DB, DatabaseError, Store, default_url, migrate, normalize_url

__all__ = ["DEFAULT_DB", "DatabaseError", "Store", "default_url", "migrate", "normalize_url"]
