"""Audit entries remember their site, so a site's API key reads only its own entries.

Existing entries get the site of their subject (a comment decision, an API key or a site's
webhook); entries about moderator accounts stay without a site and only moderators see them.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BACKFILL = {
    "apikey": "(SELECT site_id FROM api_keys WHERE api_keys.prefix = audit_log.subject_id)",
    "site": "(SELECT id FROM sites WHERE sites.name = audit_log.subject_id)",
}
_COMMENT_ID = {"postgresql": "CAST(audit_log.details ->> 'comment_id' AS INTEGER)",
               "sqlite": "CAST(json_extract(audit_log.details, '$.comment_id') AS INTEGER)"}


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("site_id", sa.Integer, nullable=True))
    op.create_index("ix_audit_log_site_id", "audit_log", ["site_id"])
    dialect = op.get_bind().dialect.name
    updates = {**_BACKFILL}
    if dialect in _COMMENT_ID:
        updates["comment"] = (f"(SELECT site_id FROM comments "
                              f"WHERE comments.id = {_COMMENT_ID[dialect]})")
    # The append-only triggers refuse UPDATE: lift them for the backfill only.
    _triggers(dialect, enable=False)
    for subject_type, site in updates.items():
        op.execute(sa.text(f"UPDATE audit_log SET site_id = {site} "
                           f"WHERE subject_type = :t").bindparams(t=subject_type))
    _triggers(dialect, enable=True)


def _triggers(dialect: str, *, enable: bool) -> None:
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'ENABLE' if enable else 'DISABLE'} "
                   f"TRIGGER audit_log_no_change")
    elif enable:
        op.execute("""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")


def downgrade() -> None:
    op.drop_index("ix_audit_log_site_id", "audit_log")
    op.drop_column("audit_log", "site_id")
