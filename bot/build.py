"""The composition root: `build(settings)` wires the helpdesk; nothing happens at import time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.jira.client import JiraClient
from adapters.mail.smtp import MailSender
from adapters.mail.wire import CHANNEL as MAIL
from adapters.telegram.channel import TelegramChannel
from adapters.telegram.wire import CHANNEL as TELEGRAM
from adapters.whatsapp.channel import WhatsAppChannel
from adapters.whatsapp.wire import CHANNEL as WHATSAPP
from bot.channels import jira_options, smtp_options, telegram_options, whatsapp_channel
from bot.core.clock import utc_now
from bot.core.config import HelpdeskConfig, load_config
from bot.core.current import CurrentConfig
from bot.core.dispatcher import Dispatcher
from bot.core.jira_sync import JiraMirror, MirrorOptions
from bot.core.notifications import OFFLINE_CHANNELS
from bot.core.outbox import OutboxRelay
from bot.core.scheduler import Scheduler
from bot.helpdesk import Helpdesk
from bot.reach import served_channels
from bot.settings import Settings
from db.engine import create_engine, is_sqlite, session_factory
from db.uow import UnitOfWork
from flows.delivery import Sender
from flows.jira import CHANNEL as JIRA

# Inbound groups in their transactions at once on PostgreSQL: a group's statements each wait a
# round trip to the server, meanwhile the next group goes ahead (4 connections of the pool).
POSTGRES_GROUPS_AT_ONCE = 4


def _engine(settings: Settings) -> AsyncEngine:
    pool = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }
    return create_engine(
        settings.database_url,
        fast_path=settings.database_fast_path,
        **({} if is_sqlite(settings.database_url) else pool),
    )


@dataclass
class _Channels:
    """The channels `serve` sends on (`bot.reach`), and their senders for the relay."""

    senders: dict[str, Sender]
    offline: tuple[str, ...]
    whatsapp: WhatsAppChannel | None = None


def _channels(
    settings: Settings,
    served: frozenset[str],
    senders: Mapping[str, Sender] | None,
    units: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
) -> _Channels:
    channels = _Channels(dict(senders or {}), OFFLINE_CHANNELS)
    if MAIL in served:
        channels.senders.setdefault(MAIL, MailSender(smtp_options(settings), clock))
        channels.offline = tuple(channel for channel in OFFLINE_CHANNELS if channel != MAIL)
    if WHATSAPP in served:
        channels.whatsapp = whatsapp_channel(settings, units, clock)
        channels.senders.setdefault(WHATSAPP, channels.whatsapp.sender)
    return channels


def build(
    settings: Settings,
    senders: Mapping[str, Sender] | None = None,
    clock: Callable[[], datetime] = utc_now,
    config: HelpdeskConfig | None = None,
) -> Helpdesk:
    engine = _engine(settings)
    sessions = session_factory(engine)

    def units() -> UnitOfWork:
        return UnitOfWork(sessions)

    served = served_channels(settings)
    channels = _channels(settings, served, senders, units, clock)
    current = CurrentConfig(
        config or load_config(settings.helpdesk_config),
        jira_on=bool(settings.jira_url),
        offline_channels=channels.offline,
    )
    relay = OutboxRelay(
        units,
        channels.senders,
        clock,
        max_attempts=settings.outbox_max_attempts,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        unserved_for=timedelta(minutes=settings.outbox_unserved_minutes),
        # Told through the notifier of the configuration in use when it happens.
        on_undeliverable=lambda row, error: current.now.notifier.undeliverable(row, error),
    )
    # Messages arriving together share a transaction (`bot.core.groupcommit`): on SQLite one
    # group at a time, as its writers take turns at one write lock anyway; on PostgreSQL
    # several, so that a group waiting on the server does not hold up the next.
    dispatcher = Dispatcher(
        units,
        current,
        clock,
        on_commit=relay.wake,
        group_commit=True,
        groups_at_once=1 if is_sqlite(settings.database_url) else POSTGRES_GROUPS_AT_ONCE,
    )
    telegram = None
    if TELEGRAM in served:
        telegram = TelegramChannel(telegram_options(settings), dispatcher.handle, clock)
        relay.senders = {TELEGRAM: telegram.sender, **relay.senders}  # the caller's first
    jira = None
    if JIRA in served:
        jira = JiraMirror(
            JiraClient(jira_options(settings)),
            MirrorOptions(settings.jira_project_key, settings.jira_poll_seconds),
            units,
            clock,
            dispatcher,
        )
        relay.senders = {**relay.senders, JIRA: jira.sender}
    scheduler = Scheduler(units, current, clock, settings.reports_dir, on_commit=relay.wake)
    return Helpdesk(
        settings,
        current,
        engine,
        sessions,
        dispatcher,
        relay,
        clock,
        scheduler,
        telegram,
        channels.whatsapp,
        jira,
    )
