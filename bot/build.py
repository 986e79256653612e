"""The composition root: `build(settings)` wires the helpdesk; nothing happens at import time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.mail import CHANNEL as MAIL
from adapters.telegram import CHANNEL as TELEGRAM
from adapters.whatsapp import CHANNEL as WHATSAPP
from bot.clock import utc_now
from bot.config import HelpdeskConfig, load_config
from bot.dispatcher import Dispatcher
from bot.jira import CHANNEL as JIRA
from bot.jira import JiraInbound, JiraMirror
from bot.mail import MailSender
from bot.notifications import OFFLINE_CHANNELS
from bot.outbox import OutboxRelay
from bot.reach import served_channels
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.telegram import TelegramChannel
from bot.whatsapp import WhatsAppChannel
from db.engine import create_engine, is_sqlite, session_factory
from db.migrate import upgrade_async
from db.uow import UnitOfWork
from flows.delivery import Sender


@dataclass
class Helpdesk:
    settings: Settings
    config: HelpdeskConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    relay: OutboxRelay
    clock: Callable[[], datetime]
    scheduler: Scheduler
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    jira: JiraMirror | None = None
    # The digest (`bot.config.config_digest`) of the configuration text in use, once it was
    # switched to one without a restart: the file watcher then knows that text is taken up.
    config_digest: str = ""

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    async def migrate(self) -> None:
        await upgrade_async(self.settings.database_url)

    async def database_ok(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self.telegram is not None:
            await self.telegram.close()
        await self.engine.dispose()

    def reconfigure(self, config: HelpdeskConfig, digest: str = "") -> None:
        """Switch the running helpdesk to `config` (already checked) without a restart: the
        next message, sweep, JIRA change or console page uses it. The switch happens all at
        once (nothing here waits). `digest`: that of the text `config` was read from."""
        mirrored = frozenset(config.jira.teams) if self.settings.jira_url else frozenset()
        dispatcher = self.dispatcher
        dispatcher.use_config(config, mirrored)
        self.relay.on_undeliverable = dispatcher.notifier.undeliverable
        self.scheduler.use_config(
            config, dispatcher.service, dispatcher.notifier, dispatcher.renderer
        )
        if self.jira is not None:
            _reconfigure_jira(self.jira, config, dispatcher, self.settings)
        self.config = config
        self.config_digest = digest


def _reconfigure_jira(
    jira: JiraMirror, config: HelpdeskConfig, dispatcher: Dispatcher, settings: Settings
) -> None:
    # The sender keeps its client and whether it has told of an outage; what it reads from
    # the configuration, and whom it alerts, change.
    jira.config = config
    jira.sender.config, jira.sender.directory = config, config.directory
    jira.sender.alert = dispatcher.notifier.jira_alert
    jira.inbound = JiraInbound(dispatcher, config, settings)


def build(
    settings: Settings,
    senders: Mapping[str, Sender] | None = None,
    clock: Callable[[], datetime] = utc_now,
    config: HelpdeskConfig | None = None,
) -> Helpdesk:
    config = config or load_config(settings.helpdesk_config)
    pool = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }
    engine = create_engine(
        settings.database_url,
        fast_path=settings.database_sqlite_fast_path,
        **({} if is_sqlite(settings.database_url) else pool),
    )
    sessions = session_factory(engine)

    def units() -> UnitOfWork:
        return UnitOfWork(sessions)

    channel_senders: dict[str, Sender] = dict(senders or {})
    served = served_channels(settings)
    telegram = None
    if TELEGRAM in served:
        telegram = TelegramChannel(settings, clock)
        channel_senders.setdefault(TELEGRAM, telegram.sender)
    offline: tuple[str, ...] = OFFLINE_CHANNELS
    if MAIL in served:
        channel_senders.setdefault(MAIL, MailSender(settings, clock))
        offline = tuple(channel for channel in OFFLINE_CHANNELS if channel != MAIL)
    whatsapp = None
    if WHATSAPP in served:
        whatsapp = WhatsAppChannel(settings, units, clock)
        channel_senders.setdefault(WHATSAPP, whatsapp.sender)
    relay = OutboxRelay(
        units,
        channel_senders,
        clock,
        max_attempts=settings.outbox_max_attempts,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        unserved_for=timedelta(minutes=settings.outbox_unserved_minutes),
    )
    mirrored = frozenset(config.jira.teams) if settings.jira_url else frozenset()
    # Group commit on SQLite, whose writers take turns at one write lock. On PostgreSQL a
    # transaction per message: a group would hold many conversations' row locks at once, in
    # an order another process could take them in the other way round.
    dispatcher = Dispatcher(
        units,
        config,
        clock,
        on_commit=relay.wake,
        mirrored_teams=mirrored,
        group_commit=is_sqlite(settings.database_url),
        offline_channels=offline,
    )
    relay.on_undeliverable = dispatcher.notifier.undeliverable
    jira = None
    if JIRA in served:
        jira = JiraMirror(settings, config, units, clock, dispatcher)
        relay.senders = {**relay.senders, JIRA: jira.sender}
    scheduler = Scheduler(
        units,
        config,
        dispatcher.service,
        dispatcher.notifier,
        dispatcher.renderer,
        clock,
        settings.reports_dir,
        on_commit=relay.wake,
    )
    if telegram is not None:
        telegram.dispatcher = dispatcher
    return Helpdesk(
        settings,
        config,
        engine,
        sessions,
        dispatcher,
        relay,
        clock,
        scheduler,
        telegram,
        whatsapp,
        jira,
    )
