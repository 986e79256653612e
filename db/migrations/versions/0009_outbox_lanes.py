"""Lanes in the outbox: an answer to what a chat just wrote goes out before bulk messages
(digests, reminders, notices, cards), so a morning digest to every team or a notice to the
reporters of 500 linked tickets never delays a conversation. Rows also keep when their chat
last wrote (an answer: the message it answers), so the WhatsApp sender need not look up its
24-hour window before each send. Rows already waiting are bulk, with nothing known. The
index for the claim's order check takes the lane in.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("lane", sa.SmallInteger(), nullable=False, server_default="1"))
        table.add_column(sa.Column("heard_at", sa.DateTime(timezone=True), nullable=True))
    # The claim's order check is now per chat and lane (see 0008).
    op.drop_index("ix_outbox_chat_due", table_name="outbox")
    op.create_index(
        "ix_outbox_chat_due", "outbox", ["address", "lane", "status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_chat_due", table_name="outbox")
    op.create_index("ix_outbox_chat_due", "outbox", ["address", "status", "next_attempt_at"])
    with op.batch_alter_table("outbox") as table:
        table.drop_column("heard_at")
        table.drop_column("lane")
