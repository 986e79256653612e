"""The schema. Alembic migrations in `db/migrations` create it; nothing calls `create_all`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flows.delivery import BULK
from flows.directory import NAME_LONGEST

# Lengths of columns whose values come from outside (a sender, a file): cut to them before
# they are written, as PostgreSQL refuses longer ones.
CONTENT_TYPE_LONGEST = 120
FILENAME_LONGEST = 255
ACTOR_LONGEST = 120

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, `process_bind_param` and SQLite's own text format for a datetime in one
        step: the same text (`YYYY-MM-DD HH:MM:SS.ffffff`, in UTC), made by `isoformat` where
        SQLite's type fills a %-format from a dict (most of what binding a value cost; every
        message binds a few). Elsewhere, or with another format, as SQLAlchemy composes it."""
        impl = self.impl_instance.dialect_impl(dialect)
        if getattr(impl, "_storage_format", None) != _SQLITE_DATETIME_FORMAT:
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored; pass an aware UTC time")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process


# SQLAlchemy's SQLite DATETIME text, which `UTCDateTime` writes its own way.
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Counter(Base):
    """Ticket numbers come from here, inside the creating transaction, never from the PK."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(2))
    ticket_type: Mapped[str] = mapped_column(String(20), default="")
    ulb: Mapped[str] = mapped_column(String(60))
    module: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(60))
    routing: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    reporter_address: Mapped[str] = mapped_column(String(120), index=True)
    reporter_name: Mapped[str] = mapped_column(String(NAME_LONGEST))
    reporter_role: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(8))
    team: Mapped[str] = mapped_column(String(40), index=True)
    assignee: Mapped[str] = mapped_column(String(60), default="")
    assignee_name: Mapped[str] = mapped_column(String(NAME_LONGEST), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    team_since: Mapped[datetime] = mapped_column(UTCDateTime())
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_note: Mapped[str] = mapped_column(Text, default="")
    # SLA: when the "due soon" reminder is due, the optional resolution target, and since
    # when the clock is paused while the ticket waits on the reporter.
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # After resolution: "" | "asked" | "confirmed" | "rejected" | "auto_closed"; rating 1-5.
    confirmation: Mapped[str] = mapped_column(String(20), default="")
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Linked incidents: the Problem (or original) this ticket follows, and how.
    parent_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    link_kind: Mapped[str] = mapped_column(String(20), default="")  # "duplicate" | "incident"
    # The JIRA issue mirroring this ticket, once created (also its idempotency key).
    jira_key: Mapped[str] = mapped_column(String(40), default="", index=True)
    # How the ticket came in: "chat", or "phone" / "email" when an operator logged it.
    source: Mapped[str] = mapped_column(String(10), default="chat")

    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", lazy="selectin", order_by="TicketAttachment.id"
    )

    # The scheduler looks every minute for resolutions awaiting the reporter's confirmation.
    __table_args__ = (Index("ix_tickets_status_confirmation", "status", "confirmation"),)


class TicketAttachment(Base):
    __tablename__ = "ticket_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_LONGEST), default="")
    filename: Mapped[str] = mapped_column(String(FILENAME_LONGEST), default="")
    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class TicketEvent(Base):
    """The audit trail: who did what to a ticket, when, and from which channel."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(ACTOR_LONGEST))
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class Conversation(Base):
    """Flow state per address, saved with whatever the same message changed."""

    __tablename__ = "conversations"
    address: Mapped[str] = mapped_column(String(120), primary_key=True)
    state: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundMessage(Base):
    """Every message received, kept as sent: the dedupe record and the reporter's own words."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id", name="uq_inbound_provider"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(120), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="processed")
    error: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(Base):
    """A message to deliver, written in the transaction that caused it, sent after commit."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The relay's claim asks, of each due row, whether an earlier one of its chat and lane
        # waits.
        Index("ix_outbox_chat_due", "address", "lane", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="reply")
    ticket_number: Mapped[str] = mapped_column(String(20), default="")
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_message_id: Mapped[str] = mapped_column(String(120), default="", index=True)
    # What the channel reported later (delivery receipts): delivered, read, failed, …
    delivery_status: Mapped[str] = mapped_column(String(20), default="")
    delivery_error: Mapped[str] = mapped_column(String(20), default="")
    # INTERACTIVE (an answer to what the chat just wrote) goes out before BULK (notices,
    # digests, reminders, cards); each chat keeps its order within a lane.
    lane: Mapped[int] = mapped_column(SmallInteger, default=BULK, server_default=str(BULK))
    # When the chat last wrote to the helpdesk, as known when the row was written (an answer:
    # the message it answers), so the channel need not look it up (WhatsApp's 24 hours).
    heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ScheduledNotice(Base):
    """A reminder, breach notice, digest or summary that was sent: its key makes it once-only,
    across restarts and across processes (the insert that wins sends it)."""

    __tablename__ = "scheduled_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffAccount(Base):
    """Who may sign in to the web console: a staff member bound to a team and a role.

    The key is the same as the staff member's key in the configuration when they also work
    in chat, so what they do on the web and in chat is recorded under one name."""

    __tablename__ = "staff_accounts"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LONGEST))
    role: Mapped[str] = mapped_column(String(20))  # "l1" | "member" | "admin"
    team: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored, so a copy of the
    database cannot be used to sign in; each session has its own CSRF token."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_key: Mapped[str] = mapped_column(ForeignKey("staff_accounts.key"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdminChange(Base):
    """Who changed the helpdesk's set-up (accounts, configuration), when, and what."""

    __tablename__ = "admin_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(60))  # "account:<key>" | "configuration"
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")


class WhatsAppMenu(Base):
    """A WhatsApp list or set of buttons made once through Twilio's Content API, found again
    by a digest of what it shows (kind, language, button, items), so that a restart or
    another process sends the same one instead of making it again."""

    __tablename__ = "whatsapp_menus"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    content_sid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
