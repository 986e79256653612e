"""An index for the scheduler's look for resolutions awaiting the reporter's confirmation
(status "resolved", confirmation "asked"), which it makes every minute.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_status_confirmation", "tickets", ["status", "confirmation"])


def downgrade() -> None:
    op.drop_index("ix_tickets_status_confirmation", table_name="tickets")
