"""Per-site policies: what an admin applied with ``civility policy apply FILE --site S``.

Every apply adds a row (the full TOML, its name, who, when); the newest row of a site is the
policy its comments are decided under, and a row without TOML hands the site back to the
server's own policy. Keeping every version says which policy decided a comment at any time
and lets an admin go back to an earlier one; the audit log holds the diff summary.

Revision ID: 0007
Revises: 0006
Create Date: 2025-02-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_policies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("toml", sa.Text),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_site_policies_site", "site_policies", ["site_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_site_policies_site", "site_policies")
    op.drop_table("site_policies")
