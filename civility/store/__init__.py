"""Storage: SQLAlchemy 2 models, Alembic migrations and the query functions the server uses.

SQLite (WAL) is the embedded default; PostgreSQL runs the same migrations. ``Store`` owns
an engine and its sessions; ``civility.store.queries`` holds every read and write, each a
plain function taking a ``Session`` first.
"""

from civility.store.db import (
    DatabaseError,
    Store,
    default_url,
    display_url,
    is_initialised,
    migrate,
    normalize_url,
)

__all__ = ["DatabaseError", "Store", "default_url", "display_url", "is_initialised", "migrate",
           "normalize_url"]
