"""The JIRA issue key of a mirrored ticket.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(
            sa.Column("jira_key", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.create_index("ix_tickets_jira_key", ["jira_key"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_index("ix_tickets_jira_key")
        batch_op.drop_column("jira_key")
