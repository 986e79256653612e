"""SLA reminders and pauses, resolution confirmation and rating, linked incidents, and
once-only scheduled notices.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("reminder_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reopen_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("confirmation", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("parent_number", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("link_kind", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.create_index("ix_tickets_parent_number", ["parent_number"])
    op.create_table(
        "scheduled_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_scheduled_notices_key")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_notices")
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_index("ix_tickets_parent_number")
        for column in (
            "link_kind",
            "parent_number",
            "rating",
            "confirmation",
            "reopen_count",
            "paused_at",
            "resolution_due_at",
            "reminder_at",
        ):
            batch_op.drop_column(column)
