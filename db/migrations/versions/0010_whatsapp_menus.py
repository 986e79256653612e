"""WhatsApp menus made through Twilio's Content API (list pickers, quick-reply buttons),
each kept by a digest of what it shows so that it is made once for every process.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_menus",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("content_sid", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_whatsapp_menus"),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_menus")
