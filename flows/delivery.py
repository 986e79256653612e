"""What a channel's sender promises the outbox relay, and how it reports failure."""

from __future__ import annotations

from typing import Protocol

from flows.messages import Outbound


class RetryLater(Exception):
    """The channel could not take the message now (rate limit, outage); try again."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Throttled(RetryLater):
    """The channel's rate limit says wait; not a failure, so it does not use up a try."""


class Undeliverable(Exception):
    """The message can never be delivered as it is (blocked bot, unknown number)."""


class Sender(Protocol):
    async def send(self, message: Outbound) -> str:
        """Deliver one message; returns the channel's ID for it ("" if it has none)."""
        ...
