"""The composition root: `build(settings)` wires the helpdesk; nothing happens at import time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.jira.client import JiraClient, JiraOptions
from adapters.mail.smtp import MailSender, SmtpOptions
from adapters.mail.wire import CHANNEL as MAIL
from adapters.telegram.channel import TelegramChannel
from adapters.telegram.wire import CHANNEL as TELEGRAM
from adapters.whatsapp.channel import WhatsAppChannel
from adapters.whatsapp.wire import CHANNEL as WHATSAPP
from bot.core.clock import utc_now
from bot.core.config import HelpdeskConfig, load_config
from bot.core.dispatcher import Dispatcher
from bot.core.jira_sync import JiraMirror, MirrorOptions
from bot.core.notifications import OFFLINE_CHANNELS
from bot.core.outbox import OutboxRelay
from bot.core.scheduler import Scheduler
from bot.reach import served_channels
from bot.settings import Settings
from db.engine import create_engine, is_sqlite, session_factory
from db.migrate import upgrade_async
from db.uow import UnitOfWork
from flows.delivery import Sender
from flows.jira import CHANNEL as JIRA


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
    # The digest (`bot.core.config.config_digest`) of the configuration text in use, once it was
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
        # The JIRA mirror reads the dispatcher's configuration and notifier when it acts.
        self.config = config
        self.config_digest = digest


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def smtp_options(settings: Settings) -> SmtpOptions:
    return SmtpOptions(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=_secret(settings.smtp_password),
        sender=settings.smtp_from,
        reply_to=settings.smtp_reply_to,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def jira_options(settings: Settings) -> JiraOptions:
    return JiraOptions(
        url=settings.jira_url,
        project_key=settings.jira_project_key,
        email=settings.jira_email,
        api_token=_secret(settings.jira_api_token),
        personal_access_token=_secret(settings.jira_personal_access_token),
        timeout_seconds=settings.jira_timeout_seconds,
    )


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
        settings.database_url, **({} if is_sqlite(settings.database_url) else pool)
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
        channel_senders.setdefault(MAIL, MailSender(smtp_options(settings), clock))
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
        jira = JiraMirror(
            JiraClient(jira_options(settings)),
            MirrorOptions(settings.jira_project_key, settings.jira_poll_seconds),
            lambda: dispatcher.config,  # the configuration in use (an admin may switch it)
            units,
            clock,
            dispatcher,
        )
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
