"""The audit log cannot be rewritten, and tampering around the triggers is detectable.

0001's triggers refused UPDATE and DELETE, but SQLite's ``REPLACE INTO audit_log`` rewrote a
row (its implicit delete fires no trigger) and PostgreSQL's ``TRUNCATE`` emptied the table.
Now a BEFORE INSERT trigger refuses an insert onto an existing id (SQLite) and a BEFORE
TRUNCATE trigger refuses truncation (PostgreSQL). Each entry also gets a place in a hash
chain (``prev_hash``, ``hash``; see civility.store.chain), existing entries included, so
``civility audit verify`` finds an entry altered by someone who could lift the triggers.

Revision ID: 0004
Revises: 0003
Create Date: 2025-02-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from civility.store.chain import GENESIS, entry_hash
from civility.store.models import AUDIT_CHAIN_LOCK, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_APPEND_ONLY = "SELECT RAISE(ABORT, 'audit_log is append-only')"
_audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                  sa.column("actor", sa.String), sa.column("action", sa.String),
                  sa.column("subject_type", sa.String), sa.column("subject_id", sa.String),
                  sa.column("details", sa.JSON), sa.column("site_id", sa.Integer),
                  sa.column("prev_hash", sa.String), sa.column("hash", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.execute(sa.text("INSERT INTO meta (key, value) VALUES (:k, '')")
               .bindparams(k=AUDIT_CHAIN_LOCK))
    _lift_update_guard(dialect, lifted=True)
    prev = GENESIS
    for row in bind.execute(sa.select(_audit).order_by(_audit.c.id)).all():
        digest = entry_hash(prev, row.at, row.actor, row.action, row.subject_type,
                            row.subject_id, row.details or {}, row.site_id)
        bind.execute(_audit.update().where(_audit.c.id == row.id)
                     .values(prev_hash=prev, hash=digest))
        prev = digest
    _lift_update_guard(dialect, lifted=False)
    if dialect == "postgresql":
        op.execute("""CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")
    else:
        # REPLACE (and INSERT OR REPLACE, upserts) onto an existing id would delete that row
        # without firing the DELETE trigger.
        op.execute(f"""CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
                       WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
                       BEGIN {_APPEND_ONLY}; END""")


def _lift_update_guard(dialect: str, *, lifted: bool) -> None:
    """The UPDATE trigger refuses the backfill: lift it for that only."""
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'DISABLE' if lifted else 'ENABLE'} "
                   "TRIGGER audit_log_no_change")
    elif lifted:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    else:
        op.execute(f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                       BEGIN {_APPEND_ONLY}; END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    op.execute(sa.text("DELETE FROM meta WHERE key = :k").bindparams(k=AUDIT_CHAIN_LOCK))
    op.drop_column("audit_log", "hash")
    op.drop_column("audit_log", "prev_hash")
