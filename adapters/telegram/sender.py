"""Sending to Telegram for the outbox relay (`TelegramSender`), within Telegram's limits
(`RateLimits`): about 30 messages a second overall, one a second per private chat, 20 a
minute per group.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

from telegram import Bot, ForceReply
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from adapters.pace import INTERACTIVE_URGENCY, Pace
from adapters.telegram import wire
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

log = logging.getLogger(__name__)

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
        last, buttons = len(rendered.chunks) - 1, rendered.markup_json
        texts = [
            functools.partial(self._text, chat_id, chunk, buttons if i == last else None)
            for i, chunk in enumerate(rendered.chunks)
        ]
        caption = message.ticket_number or None
        files = [
            functools.partial(self._file, chat_id, item, caption)
            for item in wire.telegram_files(message)
        ]
        return await send_parts(message, [*texts, *files])

    async def _text(self, chat_id: int, text: str, markup_json: str | None) -> str:
        # The buttons as made once (`wire.render`), handed over as the Bot API takes them.
        extra = {"reply_markup": markup_json} if markup_json else None
        async with self.limits.slot(chat_id):
            sent = await self.bot.send_message(chat_id, text, api_kwargs=extra)
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
