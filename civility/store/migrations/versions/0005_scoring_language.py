"""Each scoring keeps the language identified in the comment (``civility.language``).

The policy holds comments in languages the model does not read; a moderator (and the API)
needs to see which language that was without re-scoring. Older scorings get "".

Revision ID: 0005
Revises: 0004
Create Date: 2025-02-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scorings", sa.Column("language", sa.String(16), nullable=False,
                                        server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("scorings") as batch:
        batch.drop_column("language")
