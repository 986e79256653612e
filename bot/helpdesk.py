"""The assembled helpdesk (`bot.build.build` makes it): what the entry points, the web console
and the configuration watcher work with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.telegram.channel import TelegramChannel
from adapters.whatsapp.channel import WhatsAppChannel
from bot.core.config import HelpdeskConfig
from bot.core.current import CurrentConfig
from bot.core.dispatcher import Dispatcher
from bot.core.jira_sync import JiraMirror
from bot.core.outbox import OutboxRelay
from bot.core.scheduler import Scheduler
from bot.settings import Settings
from db.migrate import upgrade_async
from db.uow import UnitOfWork


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
        """Close every channel's connections, then the database's."""
        if self.jira is not None:
            await self.jira.close()
        if self.whatsapp is not None:
            await self.whatsapp.close()
        if self.telegram is not None:
            await self.telegram.close()
        await self.engine.dispose()

    def reconfigure(self, config: HelpdeskConfig, digest: str = "") -> None:
        """Switch the running helpdesk to `config` (already checked) without a restart: the
        next message, sweep, JIRA change or console page uses it. The switch happens all at
        once (nothing here waits). `digest`: that of the text `config` was read from."""
        self.current.switch(config, digest)
