"""Perspective feedback, Coral Talk, and keeping compatibility traffic out of the queue.

* ``score_suggestions`` / ``suggested_scores``: what ``comments:suggestscore`` sends (a
  moderator's verdict as scores, with the comment's text, ``clientToken``, ``communityId``
  and ``sessionId``), linked to the stored comment when one is known. Labels for calibration.
* ``comments.origin`` (api | perspective | openai | coral) and ``comments.queued``: a
  comment from a compatibility endpoint is held in the review queue only if its site opted
  in (``sites.queue_compat``) when it arrived, so a client that only changed its base URL
  does not flood the queue with comments it moderates itself.
* ``sites.coral_secrets``: Coral's signing secrets (one per line) for the external
  moderation phase; ``site_communities``: Perspective ``communityId`` -> site.

Revision ID: 0006
Revises: 0005
Create Date: 2025-02-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("comments", sa.Column("origin", sa.String(16), nullable=False,
                                        server_default="api"))
    op.add_column("comments", sa.Column("queued", sa.Boolean, nullable=False,
                                        server_default=sa.true()))
    op.add_column("sites", sa.Column("queue_compat", sa.Boolean, nullable=False,
                                     server_default=sa.false()))
    op.add_column("sites", sa.Column("coral_secrets", sa.Text))
    op.create_table(
        "site_communities",
        sa.Column("community_id", sa.String(255), primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "score_suggestions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id")),
        sa.Column("client_token", sa.Text),
        sa.Column("community_id", sa.String(255)),
        sa.Column("session_id", sa.String(255)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_score_suggestions_site_created", "score_suggestions",
                    ["site_id", "created_at"])
    op.create_index("ix_score_suggestions_comment", "score_suggestions", ["comment_id"])
    op.create_table(
        "suggested_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("suggestion_id", sa.Integer, sa.ForeignKey("score_suggestions.id"),
                  nullable=False, index=True),
        sa.Column("attribute", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("suggested_scores")
    op.drop_index("ix_score_suggestions_comment", "score_suggestions")
    op.drop_index("ix_score_suggestions_site_created", "score_suggestions")
    op.drop_table("score_suggestions")
    op.drop_table("site_communities")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("coral_secrets")
        batch.drop_column("queue_compat")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("queued")
        batch.drop_column("origin")
