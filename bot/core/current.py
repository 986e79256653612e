"""The configuration in use, and what the back end derives from it, in one holder.

The dispatcher, the scheduler and the relay's alerts read `now` at the moment they use it,
so an edit taken up without a restart (the admin page, the file watcher) switches the whole
helpdesk in one assignment, and a component added later only has to take the holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.calendar import BusinessCalendar
from bot.core.config import HelpdeskConfig
from bot.core.configmodel import RemindersModel
from bot.core.notifications import OFFLINE_CHANNELS, Notifier
from bot.core.tickets import TicketService
from flows.directory import Directory
from flows.render import Renderer


@dataclass(frozen=True)
class InUse:
    """One configuration and the services built from it: never half of one and half of
    another."""

    config: HelpdeskConfig
    service: TicketService
    renderer: Renderer
    notifier: Notifier
    # The digest (`bot.core.config.config_digest`) of the text it was read from, once it
    # was switched to without a restart: the file watcher then knows that text is taken up.
    digest: str = ""


class CurrentConfig:
    def __init__(
        self,
        config: HelpdeskConfig,
        jira_on: bool = False,
        offline_channels: tuple[str, ...] = OFFLINE_CHANNELS,
    ) -> None:
        # Whether tickets of the configuration's JIRA teams are mirrored (JIRA_URL is set).
        self.jira_on = jira_on
        # Channels on which reporters cannot be written to (phone; email without SMTP).
        self.offline_channels = offline_channels
        self.now = self._derive(config, "")

    def switch(self, config: HelpdeskConfig, digest: str = "") -> None:
        """Use `config` (already checked) from the next message, sweep or page on."""
        self.now = self._derive(config, digest)

    def _derive(self, config: HelpdeskConfig, digest: str) -> InUse:
        mirrored = frozenset(config.jira.teams) if self.jira_on else frozenset()
        renderer = Renderer(config.directory, config.timezone)
        notifier = Notifier(config.directory, renderer, mirrored, self.offline_channels)
        return InUse(config, TicketService(config), renderer, notifier, digest)


class ReadsCurrent:
    """For a component that works with the configuration in use: its parts, read from
    `current` at each use, never kept."""

    current: CurrentConfig

    @property
    def config(self) -> HelpdeskConfig:
        return self.current.now.config

    @property
    def directory(self) -> Directory:
        return self.current.now.config.directory

    @property
    def calendar(self) -> BusinessCalendar:
        return self.current.now.config.calendar

    @property
    def reminders(self) -> RemindersModel:
        return self.current.now.config.reminders

    @property
    def service(self) -> TicketService:
        return self.current.now.service

    @property
    def renderer(self) -> Renderer:
        return self.current.now.renderer

    @property
    def notifier(self) -> Notifier:
        return self.current.now.notifier
