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
from adapters.telegram.options import TelegramOptions
from adapters.telegram.wire import CHANNEL as TELEGRAM
from adapters.whatsapp.channel import WhatsAppChannel
from adapters.whatsapp.menus import ContentMenus
from adapters.whatsapp.options import WhatsAppOptions
from adapters.whatsapp.wire import CHANNEL as WHATSAPP
from bot.core.clock import utc_now
from bot.core.config import HelpdeskConfig, load_config
from bot.core.current import CurrentConfig
from bot.core.dispatcher import Dispatcher
from bot.core.jira_sync import JiraMirror, MirrorOptions
from bot.core.notifications import OFFLINE_CHANNELS
from bot.core.outbox import OutboxRelay
from bot.core.scheduler import Scheduler
from bot.reach import served_channels
from bot.settings import Settings
from db.channel_stores import StoredMenus, last_heard
from db.engine import create_engine, is_sqlite, session_factory
from db.migrate import upgrade_async
from db.uow import UnitOfWork
from flows.delivery import Sender
from flows.jira import CHANNEL as JIRA


@dataclass
class Helpdesk:
    settings: Settings
    current: CurrentConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    relay: OutboxRelay
    clock: Callable[[], datetime]
    scheduler: Scheduler
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    jira: JiraMirror | None = None

    @property
    def config(self) -> HelpdeskConfig:
        return self.current.now.config

    @property
    def config_digest(self) -> str:
        """The digest (`bot.core.config.config_digest`) of the configuration text in use,
        once it was switched to one without a restart: the file watcher then knows that text
        is taken up."""
        return self.current.now.digest

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
        self.current.switch(config, digest)


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


def _engine(settings: Settings) -> AsyncEngine:
    pool = {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
    }
    return create_engine(
        settings.database_url, **({} if is_sqlite(settings.database_url) else pool)
    )


@dataclass
class _Channels:
    """The channels `serve` sends on (`bot.reach`), and their senders for the relay."""

    senders: dict[str, Sender]
    offline: tuple[str, ...]
    whatsapp: WhatsAppChannel | None = None


def _channels(
    settings: Settings,
    senders: Mapping[str, Sender] | None,
    units: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
) -> _Channels:
    served = served_channels(settings)
    channels = _Channels(dict(senders or {}), OFFLINE_CHANNELS)
    if MAIL in served:
        channels.senders.setdefault(MAIL, MailSender(smtp_options(settings), clock))
        channels.offline = tuple(channel for channel in OFFLINE_CHANNELS if channel != MAIL)
    if WHATSAPP in served:
        channels.whatsapp = whatsapp_channel(settings, units, clock)
        channels.senders.setdefault(WHATSAPP, channels.whatsapp.sender)
    return channels


def telegram_options(settings: Settings) -> TelegramOptions:
    token = settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    secret = settings.telegram_webhook_secret
    return TelegramOptions(
        token=token.get_secret_value(),
        api_base_url=settings.telegram_api_base_url,
        mode=settings.telegram_mode,
        public_url=settings.public_url,
        webhook_secret=secret.get_secret_value() if secret else None,
        poll_timeout=settings.telegram_poll_timeout,
        max_per_second=settings.telegram_max_per_second,
        private_per_second=settings.telegram_private_per_second,
        group_per_minute=settings.telegram_group_per_minute,
    )


def whatsapp_options(settings: Settings) -> WhatsAppOptions:
    token = settings.twilio_auth_token
    return WhatsAppOptions(
        account_sid=settings.twilio_account_sid,
        auth_token=token.get_secret_value() if token else "",
        whatsapp_from=settings.twilio_whatsapp_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        public_url=settings.public_url,
        api_base_url=settings.twilio_api_base_url,
        content_api_base_url=settings.twilio_content_api_base_url,
        max_per_second=settings.twilio_max_per_second,
        templates={kind: settings.whatsapp_templates(kind) for kind in ("update", "team")},
        keep_media=settings.twilio_keep_media,
        media_max_bytes=settings.twilio_media_max_bytes,
        media_dir=settings.media_dir,
    )


def whatsapp_channel(
    settings: Settings, units: Callable[[], UnitOfWork], clock: Callable[[], datetime]
) -> WhatsAppChannel:
    """The WhatsApp channel, its menus to tap kept in the database (TWILIO_INTERACTIVE_MENUS)."""
    options = whatsapp_options(settings)
    menus = None
    if settings.twilio_interactive_menus:
        menus = ContentMenus(options, StoredMenus(units), clock)
    return WhatsAppChannel(options, last_heard(units), menus, clock)


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

    channels = _channels(settings, senders, units, clock)
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
    # Group commit on SQLite, whose writers take turns at one write lock. On PostgreSQL a
    # transaction per message: a group would hold many conversations' row locks at once, in
    # an order another process could take them in the other way round.
    dispatcher = Dispatcher(
        units,
        current,
        clock,
        on_commit=relay.wake,
        group_commit=is_sqlite(settings.database_url),
    )
    telegram = None
    if TELEGRAM in served_channels(settings):
        telegram = TelegramChannel(telegram_options(settings), dispatcher.handle, clock)
        relay.senders = {TELEGRAM: telegram.sender, **relay.senders}  # the caller's first
    jira = None
    if JIRA in served_channels(settings):
        jira = JiraMirror(
            JiraClient(jira_options(settings)),
            MirrorOptions(settings.jira_project_key, settings.jira_poll_seconds),
            lambda: current.now.config,  # the configuration in use (an admin may switch it)
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
