"""An index for the outbox relay's claim, which asks of every due row whether an earlier row
of its chat is still waiting (leased or waiting for a retry): by chat, status and due time.
It takes over from the index on the chat alone, which every lookup by chat can use as well.
Without it a backlog of replies made that question scan every waiting row, and the claim
held SQLite's write lock for a tenth of a second while inbound messages waited.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_chat_due", "outbox", ["address", "status", "next_attempt_at"])
    op.drop_index("ix_outbox_address", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_address", "outbox", ["address"])
    op.drop_index("ix_outbox_chat_due", table_name="outbox")
