"""Commenters: authors per site with their standing, what was done to them, and site rules.

* ``authors``: one row per (site, author name) once something is known beyond their comments
  (a moderator's warning, premoderation, suspension or ban; a rule that premoderated them).
* ``author_actions``: every such action, by whom, why, until when: the author's history.
* ``site_rules``: a site's rules about commenters and words (new commenters premoderated
  until N approved comments, a rejection rate that premoderates, banned and suspect word
  lists, links held for a person), applied when a comment is decided.
* ``ix_comments_site_author``: an author's comments on a site, counted beside every comment
  a moderator sees.

Revision ID: 0008
Revises: 0007
Create Date: 2025-02-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("status_until", TS),
        sa.Column("status_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("status_by", sa.String(255), nullable=False, server_default=""),
        sa.Column("status_since", TS),
        sa.Column("warnings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("site_id", "name", name="uq_authors_site_name"),
    )
    op.create_table(
        "author_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("until", TS),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_author_actions_author", "author_actions", ["author_id", "id"])
    op.create_table(
        "site_rules",
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("new_author_approvals", sa.Integer, nullable=False),
        sa.Column("rejection_rate", sa.Float),
        sa.Column("rejection_window_days", sa.Integer, nullable=False),
        sa.Column("rejection_min_comments", sa.Integer, nullable=False),
        sa.Column("hold_links", sa.Boolean, nullable=False),
        sa.Column("banned_words", sa.JSON, nullable=False),
        sa.Column("suspect_words", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
    )
    op.create_index("ix_comments_site_author", "comments", ["site_id", "author"])


def downgrade() -> None:
    op.drop_index("ix_comments_site_author", "comments")
    op.drop_table("site_rules")
    op.drop_index("ix_author_actions_author", "author_actions")
    op.drop_table("author_actions")
    op.drop_table("authors")
