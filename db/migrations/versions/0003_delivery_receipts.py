"""Delivery receipts on outbox rows, found by the channel's message ID.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(
            sa.Column("delivery_status", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("delivery_error", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.create_index("ix_outbox_provider_message_id", ["provider_message_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_provider_message_id")
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("delivery_status")
