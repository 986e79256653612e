"""What a channel's sender promises the outbox relay, and how it reports failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Protocol

from flows.messages import Outbound

# The outbox's lanes, the first sent first: INTERACTIVE, an answer to what a chat just wrote;
# BULK, everything else (notices, digests, reminders, cards).
INTERACTIVE, BULK = 0, 1
# How many of the chat's messages the outbox relay holds behind the one being sent: a channel may
# send such a message sooner, so that a chat with a long way to go does not fall behind.
QUEUED_BEHIND: ContextVar[int] = ContextVar("queued_behind", default=0)
# The lane of the message being sent (a channel that paces its sends lets interactive ones
# go first), and when its chat last wrote as far as its row knows (None: not known).
LANE: ContextVar[int] = ContextVar("lane", default=BULK)
HEARD_AT: ContextVar[datetime | None] = ContextVar("heard_at", default=None)


class RetryLater(Exception):
    """The channel could not take the message now (rate limit, outage); try again."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Throttled(RetryLater):
    """The channel's rate limit says wait; not a failure, so it does not use up a try."""


class Undeliverable(Exception):
    """The message can never be delivered as it is (blocked bot, unknown number)."""


class PartlySent(Exception):
    """A message the channel sends in several parts stopped part-way: the first `sent` parts
    went out (the channel's ID of the last that has one: `provider_id`) before `error`, which
    says what the rest needs (`RetryLater`, `Undeliverable`, …). The relay keeps the progress,
    so that a retry sends only the rest and nobody gets a part twice."""

    def __init__(self, sent: int, provider_id: str, error: Exception) -> None:
        super().__init__(f"{sent} part(s) sent, then: {error}")
        self.sent = sent
        self.provider_id = provider_id
        self.error = error


async def send_parts(message: Outbound, parts: Sequence[Callable[[], Awaitable[str]]]) -> str:
    """Send the parts of `message` not sent yet (`Outbound.sent_parts`), in order; the
    channel's ID of the last part that has one. A failure after a part went out (now or
    before) is raised as `PartlySent`."""
    provider_id = ""
    for index in range(message.sent_parts, len(parts)):
        try:
            provider_id = await parts[index]() or provider_id
        except Exception as error:
            if index == 0:
                raise
            raise PartlySent(index, provider_id, error) from error
    return provider_id


class Sender(Protocol):
    async def send(self, message: Outbound) -> str:
        """Deliver one message; returns the channel's ID for it ("" if it has none)."""
        ...
