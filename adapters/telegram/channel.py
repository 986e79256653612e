"""The Telegram channel at run time: the PTB bot, and receiving (polling or webhook).

Each update taken is handed to `on_inbound` (the dispatcher's `handle`); sending goes through
the outbox relay, by `adapters.telegram.sender.TelegramSender`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from adapters.telegram import wire
from adapters.telegram.options import TelegramOptions
from adapters.telegram.request import AiohttpRequest
from adapters.telegram.sender import RateLimits, TelegramSender
from flows.messages import Inbound
from flows.privacy import masked

log = logging.getLogger(__name__)

# httpcore (under PTB's HTTPXRequest) tries `import sniffio` each time it sets up a lock, twice
# per request. sniffio is not installed (anyio 4 does without it), and a failed import is not
# remembered: every try searches sys.path again. Recording its absence once makes each try
# fail at once, with the same outcome (httpcore then runs on asyncio, as it would anyway).
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

ALLOWED_UPDATES = ["message", "callback_query"]
# Seconds between tries to start while the Bot API cannot be reached: doubling up to a minute.
START_RETRY_FIRST = 1.0
START_RETRY_LONGEST = 60.0
PRIVATE_COMMANDS = [
    BotCommand("start", "Open the menu"),
    BotCommand("status", "Status of a ticket: /status MK-1001"),
    BotCommand("mytickets", "My tickets"),
    BotCommand("cancel", "Cancel the unfinished report"),
    BotCommand("language", "Change language"),
    BotCommand("help", "Help"),
]
GROUP_COMMANDS = [
    BotCommand("ticket", "Show a ticket with its actions: /ticket MK-1001"),
    BotCommand("queue", "This team's open tickets"),
    BotCommand("help", "Staff commands"),
]
WEBHOOK_PATH = "/telegram/webhook"


class TelegramChannel:
    """Receives updates (polling or webhook) and hands them to `on_inbound`."""

    def __init__(
        self,
        options: TelegramOptions,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        clock: Callable[[], datetime],
    ) -> None:
        root = options.api_base_url.rstrip("/")
        self.options = options
        self.on_inbound = on_inbound
        self.clock = clock
        self.sends = AiohttpRequest(connection_pool_size=64)
        self.bot = Bot(
            options.token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            # Sends (many chats at once) on aiohttp; the one long poll stays on PTB's own.
            request=self.sends,
            get_updates_request=HTTPXRequest(),
        )
        limits = RateLimits(
            options.max_per_second, options.private_per_second, options.group_per_minute
        )
        self.sender = TelegramSender(self.bot, limits)
        self._identity: wire.BotIdentity | None = None
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting: asyncio.Task[None] | None = None

    @property
    def webhook_path(self) -> str:
        return WEBHOOK_PATH

    @property
    def ready(self) -> bool:
        """Whether the bot knows who it is, which reading an update needs."""
        return self._identity is not None

    async def start_when_reachable(self, stop: asyncio.Event) -> None:
        """Start; if the Bot API cannot be reached (an outage, a network not up yet), keep
        trying in the background while the rest of the helpdesk serves: Telegram keeps the
        updates meanwhile. A refusal (a wrong token, a webhook address Telegram will not
        take) is raised: that is for the operator to put right."""
        try:
            await self.start()
        except (NetworkError, RetryAfter) as error:
            if isinstance(error, BadRequest):
                raise
            log.warning("telegram not reachable; trying again", extra={"error": str(error)})
            self._starting = asyncio.create_task(self._keep_starting(stop))

    async def _keep_starting(self, stop: asyncio.Event) -> None:
        pause = START_RETRY_FIRST
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            if stop.is_set():
                return
            try:
                await self.start()
            except (NetworkError, RetryAfter) as error:
                if isinstance(error, BadRequest):
                    log.error("telegram refused the start", extra={"error": str(error)})
                    return
                pause = min(pause * 2, START_RETRY_LONGEST)
                log.info("telegram still not reachable", extra={"error": str(error)})
                continue
            except TelegramError as error:
                log.error("telegram refused the start", extra={"error": str(error)})
                return
            log.info("telegram reachable again: started")
            return

    async def start(self) -> None:
        await self.bot.initialize()
        me = self.bot.bot
        self._identity = wire.BotIdentity(me.id, me.username or "")
        await self.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
        await self.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
        if self.options.mode == "webhook":
            await self.bot.set_webhook(
                f"{self.options.public_url.rstrip('/')}{self.webhook_path}",
                secret_token=self.options.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram webhook registered", extra={"bot": me.username})
            return
        await self.bot.delete_webhook()
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._updater = Updater(self.bot, queue)
        await self._updater.initialize()
        await self._updater.start_polling(
            poll_interval=0.0,
            timeout=timedelta(seconds=self.options.poll_timeout),
            allowed_updates=ALLOWED_UPDATES,
        )
        self._consumer = asyncio.create_task(self._consume(queue))
        log.info("telegram polling started", extra={"bot": me.username})

    async def stop(self) -> None:
        """Stop taking updates (polling) and finish handling those taken. The connections
        stay open for the relay's sends in flight: `close` closes them, after the relay."""
        if self._starting is not None:
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting
        if self._updater is not None:
            with contextlib.suppress(TelegramError, RuntimeError):
                await self._updater.stop()
            await self._updater.shutdown()
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Close the bot's connections and those for sends (also made when the bot was never
        started: the console fetching a reporter's file)."""
        await self.bot.shutdown()
        await self.sends.shutdown()

    async def _consume(self, queue: asyncio.Queue[object]) -> None:
        while True:
            update = await queue.get()
            if isinstance(update, Update):
                # Chats are handled side by side; `on_inbound` keeps each chat in order.
                task = asyncio.create_task(self.handle(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def parse(self, data: object) -> Update | None:
        if not isinstance(data, dict):
            return None
        return Update.de_json(data, self.bot)

    def incoming(self, update: Update) -> wire.Incoming | None:
        """The update as the helpdesk takes it; None for kinds it does not take (edits,
        channel posts, stickers, bots' messages). Raises on shapes Telegram never sends."""
        assert self._identity is not None
        return wire.to_incoming(update, self._identity, self.clock())

    async def handle(self, update: Update) -> None:
        await self.take(self.incoming(update))

    async def take(self, incoming: wire.Incoming | None) -> None:
        """An update translated by `incoming`: to `on_inbound`, then tidy its button."""
        if incoming is None:
            return
        try:
            await self.on_inbound(incoming.inbound)
        finally:
            await self._tidy_button(incoming)

    async def _tidy_button(self, incoming: wire.Incoming) -> None:
        """Stop the spinner on a pressed button and show the choice under its question."""
        try:
            if incoming.callback_id:
                await self.bot.answer_callback_query(incoming.callback_id)
            if incoming.question is not None:
                chat_id, message_id = incoming.question
                await self.bot.edit_message_text(
                    incoming.question_text, chat_id=chat_id, message_id=message_id
                )
        except TelegramError as error:
            # Cosmetic only: the answer itself is already recorded and queued.
            log.info(
                "button tidy-up failed",
                extra={"chat": masked(incoming.inbound.address), "error": str(error)},
            )
