"""Every server process follows the configuration file: a change saved on the admin page of
one process, or made in the file by hand, is checked and taken up by all of them within a
while. A file that does not pass the start-up checks is not taken; the last good
configuration stays in use and the problem is logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.core.config import config_digest, load_config_text
from bot.core.configmodel import ConfigError
from bot.core.configuse import still_in_use
from bot.helpdesk import Helpdesk

log = logging.getLogger(__name__)


class ConfigWatcher:
    def __init__(self, helpdesk: Helpdesk, interval: float) -> None:
        self.helpdesk = helpdesk
        self.interval = interval
        self._seen = self._read_digest()

    def _read(self) -> str | None:
        try:
            return self.helpdesk.settings.helpdesk_config.read_text(encoding="utf-8")
        except OSError as error:
            log.error("configuration file unreadable", extra={"error": repr(error)})
            return None

    def _read_digest(self) -> str:
        text = self._read()
        return config_digest(text) if text is not None else ""

    async def check(self, text: str | None = None) -> bool:
        """Take up the file if it changed since last seen and passes (as a file, and against
        the tickets, as the admin page checks a configuration); True when taken. A file saved
        from this process's admin page is in use already: not taken again."""
        text = self._read() if text is None else text
        if text is None:
            return False
        digest = config_digest(text)
        seen, self._seen = self._seen, digest
        if digest in (seen, self.helpdesk.config_digest):
            return False
        path = self.helpdesk.settings.helpdesk_config
        try:
            config = load_config_text(text, str(path))
        except ConfigError as error:
            log.error("configuration file changed but not taken: %s", error)
            return False
        async with self.helpdesk.unit_of_work().read_only() as uow:
            problems = await still_in_use(uow.session, self.helpdesk.config, config)
        if problems:
            log.error(
                "configuration file changed but not taken: it takes away what tickets need (%s)",
                "; ".join(f"{problem.key} {dict(problem.values)}" for problem in problems),
            )
            return False
        self.helpdesk.reconfigure(config, digest)
        log.info("configuration file changed and taken up", extra={"file": str(path)})
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
            if not stop.is_set():
                await self.check(await asyncio.to_thread(self._read))
