"""Comments left pending are retried a bounded number of times, then marked failed.

``score_attempts`` counts how often scoring was started (the submitting request is the first);
``score_claimed_at`` is when the latest attempt started, a lease that keeps two server
processes from scoring the same comment at once; ``score_error`` is the latest failure.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("comments", sa.Column("score_attempts", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("comments", sa.Column("score_claimed_at", sa.DateTime(timezone=True)))
    op.add_column("comments", sa.Column("score_error", sa.Text, nullable=False,
                                        server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("score_error")
        batch.drop_column("score_claimed_at")
        batch.drop_column("score_attempts")
