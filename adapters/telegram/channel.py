"""The Telegram channel at run time: the PTB bot, receiving (polling or webhook), sending.

Sending goes through the outbox relay (`TelegramSender`), within Telegram's limits: about
30 messages a second overall, one a second per private chat, 20 a minute per group.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import math
import sys
import time
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    ForceReply,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from adapters.pace import INTERACTIVE_URGENCY, Pace
from adapters.telegram import wire
from adapters.telegram.request import AiohttpRequest
from bot.core.dispatcher import Dispatcher
from bot.settings import Settings
from flows.delivery import (
    INTERACTIVE,
    LANE,
    QUEUED_BEHIND,
    PartlySent,
    RetryLater,
    Throttled,
    Undeliverable,
    send_parts,
)
from flows.messages import Attachment, Outbound
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
# Waiting longer than this for a chat's rate limit hands the message back to the relay.
MAX_RATE_WAIT = 5.0
GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "have no rights",
    "not enough rights",
    "group chat was upgraded",
)


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


class _ChatGap:
    """One chat's limit: one send at a time, each starting `gap` seconds after the previous
    one's answer came back.

    Telegram counts a send when it arrives, which is after we started it and before its
    answer reached us; so, on Telegram's clock, two sends to the chat arrive more than `gap`
    apart whatever the latency of each.
    """

    def __init__(self, gap: float) -> None:
        self.gap = gap
        self.free_at = -math.inf
        self._turn = asyncio.Lock()

    async def acquire(self, max_wait: float) -> None:
        """Wait for the chat; a wait longer than `max_wait` raises Throttled at once."""
        try:
            async with asyncio.timeout(max_wait):
                await self._turn.acquire()
        except TimeoutError as error:
            raise Throttled("chat rate limit", retry_after=max_wait) from error
        try:
            wait = self.free_at - time.monotonic()
            if wait > max_wait:
                raise Throttled("chat rate limit", retry_after=wait)
            if wait > 0:
                await asyncio.sleep(wait)
        except BaseException:
            self._turn.release()
            raise

    def release(self) -> None:
        """The send's answer came back (or it failed)."""
        self.free_at = time.monotonic() + self.gap
        self._turn.release()


class RateLimits:
    """Telegram's published limits, per process, with a margin.

    Each chat's sends are spaced by its limit plus `chat_margin` (1.02 s in a private chat;
    3.06 s in a group, 20 a minute evenly), counted from the previous send's answer: Telegram
    had that send before the answer came back, so no latency or jitter on the way can bring
    two of them within its window. Overall, sends start evenly spaced at `overall_per_second`
    less `overall_margin` (3%: 29.1 a second for 30), which leaves 30 ms a second for the way
    to Telegram to vary, so at most 30 of them arrive in any second. Chats wait for each
    other only for the overall limit.
    """

    def __init__(
        self,
        overall_per_second: float = 30,
        private_per_second: float = 1,
        group_per_minute: float = 20,
        chat_margin: float = 0.02,
        overall_margin: float = 0.03,
    ) -> None:
        self.overall = Pace((1 + overall_margin) / overall_per_second)
        self.private_gap = (1 + chat_margin) / private_per_second
        self.group_gap = (1 + chat_margin) * 60 / group_per_minute
        self.chats: dict[int, _ChatGap] = {}

    def for_chat(self, chat_id: int) -> _ChatGap:
        if chat_id not in self.chats:
            gap = self.private_gap if wire.is_private(chat_id) else self.group_gap
            self.chats[chat_id] = _ChatGap(gap)
        return self.chats[chat_id]

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat for one send until its answer is back.

        A chat that would make the message wait longer than MAX_RATE_WAIT raises Throttled
        at once, so the relay hands the message back instead of holding it. The messages the
        relay holds behind this one in the chat (`QUEUED_BEHIND`) make it more urgent.
        """
        chat = self.for_chat(chat_id)
        await chat.acquire(MAX_RATE_WAIT)
        try:
            urgency = (1 + QUEUED_BEHIND.get()) * chat.gap
            if LANE.get() == INTERACTIVE:
                urgency += INTERACTIVE_URGENCY
            await self.overall.acquire(urgency)
            yield
        finally:
            chat.release()


def _meaning(error: Exception) -> Exception:
    """What Telegram's refusal means to the outbox relay (others: tried again later)."""
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wait = _seconds(error.retry_after)
        return Throttled("Telegram asked to slow down", retry_after=wait)
    if isinstance(error, Forbidden):
        return Undeliverable(f"Telegram refused: {error.message}")
    if isinstance(error, BadRequest):
        # A request Telegram calls bad will not get better by sending it again.
        return Undeliverable(f"Telegram rejected the message: {error.message}")
    if isinstance(error, NetworkError):
        return RetryLater(f"Telegram unreachable: {error.message}")
    return error


class TelegramSender:
    def __init__(self, bot: Bot, limits: RateLimits | None = None) -> None:
        self.bot = bot
        self.limits = limits or RateLimits()

    async def send(self, message: Outbound) -> str:
        try:
            return await self._send(message)
        except PartlySent as partly:
            raise PartlySent(partly.sent, partly.provider_id, _meaning(partly.error)) from partly
        except (RetryAfter, Forbidden, BadRequest, NetworkError) as error:
            raise _meaning(error) from error

    async def _send(self, message: Outbound) -> str:
        """The text (in chunks), then each file: one send each. A card that can be edited
        in place is edited instead, its files not sent again."""
        chat_id = int(message.address.chat_id)
        rendered = wire.render(message)
        # A card whose text went out already is not edited again when the rest is resumed.
        resuming = message.sent_parts > 0
        if (
            message.replaces
            and not resuming
            and await self._edit(chat_id, int(message.replaces), rendered)
        ):
            return message.replaces
        last = len(rendered.chunks) - 1
        texts = [
            functools.partial(self._text, chat_id, chunk, rendered.markup if i == last else None)
            for i, chunk in enumerate(rendered.chunks)
        ]
        caption = message.ticket_number or None
        files = [
            functools.partial(self._file, chat_id, item, caption)
            for item in wire.telegram_files(message)
        ]
        return await send_parts(message, [*texts, *files])

    async def _text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | ForceReply | None
    ) -> str:
        async with self.limits.slot(chat_id):
            sent = await self.bot.send_message(chat_id, text, reply_markup=markup)
        return str(sent.message_id)

    async def _file(self, chat_id: int, item: Attachment, caption: str | None) -> str:
        # A file the helpdesk made itself (a chart) is uploaded; others are Telegram's.
        upload: str | Path = (
            Path(urlparse(item.ref).path) if item.ref.startswith("file://") else item.ref
        )
        # Telegram checks that a file ID is sent with its own kind's method.
        async with self.limits.slot(chat_id):
            if item.kind == "photo":
                await self.bot.send_photo(chat_id, upload, caption=caption)
            elif item.kind == "voice":
                await self.bot.send_voice(chat_id, upload, caption=caption)
            elif item.kind == "audio":
                await self.bot.send_audio(chat_id, upload, caption=caption)
            elif item.kind == "video":
                await self.bot.send_video(chat_id, upload, caption=caption)
            else:
                await self.bot.send_document(chat_id, upload, caption=caption)
        return ""  # the text's ID is the message's: a card is edited there

    async def _edit(self, chat_id: int, message_id: int, rendered: wire.Rendered) -> bool:
        """Edit a card in place; False when it cannot be (too old, deleted): send anew."""
        markup = rendered.markup if not isinstance(rendered.markup, ForceReply) else None
        try:
            async with self.limits.slot(chat_id):
                await self.bot.edit_message_text(
                    rendered.chunks[0], chat_id=chat_id, message_id=message_id, reply_markup=markup
                )
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return True
            if any(reason in error.message.lower() for reason in GONE):
                raise
            log.info("card could not be edited; sending it anew", extra={"error": error.message})
            return False
        return True


class TelegramChannel:
    """Receives updates (polling or webhook) and hands them to the dispatcher."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        token = settings.telegram_bot_token
        if token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        root = settings.telegram_api_base_url.rstrip("/")
        self.settings = settings
        self.clock = clock
        self.sends = AiohttpRequest(connection_pool_size=64)
        self.bot = Bot(
            token.get_secret_value(),
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            # Sends (many chats at once) on aiohttp; the one long poll stays on PTB's own.
            request=self.sends,
            get_updates_request=HTTPXRequest(),
        )
        limits = RateLimits(
            settings.telegram_max_per_second,
            settings.telegram_private_per_second,
            settings.telegram_group_per_minute,
        )
        self.sender = TelegramSender(self.bot, limits)
        self.dispatcher: Dispatcher | None = None
        self._identity: wire.BotIdentity | None = None
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._starting: asyncio.Task[None] | None = None

    @property
    def webhook_path(self) -> str:
        return "/telegram/webhook"

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
        if self.settings.telegram_mode == "webhook":
            secret = self.settings.telegram_webhook_secret
            await self.bot.set_webhook(
                f"{self.settings.public_url.rstrip('/')}{self.webhook_path}",
                secret_token=secret.get_secret_value() if secret else None,
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
            timeout=timedelta(seconds=self.settings.telegram_poll_timeout),
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
                # Chats are handled side by side; the dispatcher keeps each chat in order.
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
        """An update translated by `incoming`: to the dispatcher, then tidy its button."""
        assert self.dispatcher is not None
        if incoming is None:
            return
        try:
            await self.dispatcher.handle(incoming.inbound)
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
