"""The outbox relay: delivers committed outbox rows through each channel's sender.

Rows are claimed with a lease in a short transaction, sent outside any transaction, and
settled in another, so a slow channel never holds the database and a crash mid-send means
the row is sent again after its lease (at least once, never lost). Per chat, messages go
out in the order they were written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.logs import masked
from db.models import OutboxMessage
from db.repositories import CARD_KINDS, decode_outbound
from db.uow import UnitOfWork
from flows.delivery import RetryLater, Sender, Throttled, Undeliverable
from flows.messages import Outbound

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s, … up to an hour between tries."""
    return min(timedelta(seconds=2 ** max(attempts, 1)), MAX_BACKOFF)


@dataclass(frozen=True)
class Settled:
    row_id: int
    status: str  # "sent" | "pending" | "failed" | "undeliverable"
    error: str = ""
    provider_message_id: str = ""
    retry_at: datetime | None = None
    attempted: bool = True


class OutboxRelay:
    def __init__(
        self,
        units: Callable[[], UnitOfWork],
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        max_attempts: int = 8,
        batch_size: int = 100,
        poll_seconds: float = 2.0,
        on_undeliverable: Callable[[OutboxMessage, str], list[Outbound]] | None = None,
    ) -> None:
        self.units = units
        # Who is told when a message can never be delivered (the L1 helpdesk's chats).
        self.on_undeliverable = on_undeliverable
        self.senders = senders
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set: on every wake-up after a commit, and on a timer."""
        while not stop.is_set():
            try:
                while await self.deliver_due() == self.batch_size:
                    pass
            except Exception:
                log.exception("outbox relay pass failed; retrying")
            self._wake.clear()
            waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(
                waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in waiters:
                waiter.cancel()

    async def deliver_due(self, addresses: Sequence[str] | None = None) -> int:
        """One pass: claim what is due, send it, record the outcome. Returns rows claimed."""
        claimed, cards = await self._claim(addresses)
        if not claimed:
            return 0
        by_chat: dict[str, list[OutboxMessage]] = {}
        for row in claimed:
            by_chat.setdefault(row.address, []).append(row)
        results = await asyncio.gather(*(self._send_chat(rows, cards) for rows in by_chat.values()))
        await self._settle(
            [settled for chat in results for settled in chat], {row.id: row for row in claimed}
        )
        return len(claimed)

    async def _claim(
        self, addresses: Sequence[str] | None
    ) -> tuple[list[OutboxMessage], dict[tuple[str, str], str]]:
        now = self.clock()
        async with self.units() as uow:
            rows = await uow.outbox.claim(
                now, now + LEASE, self.batch_size, list(self.senders), addresses
            )
            cards = await uow.outbox.latest_cards(rows)
            await uow.commit()
        return rows, cards

    async def _send_chat(
        self, rows: list[OutboxMessage], cards: dict[tuple[str, str], str]
    ) -> list[Settled]:
        """Send one chat's messages in order; after a failure the rest wait behind it.

        A team card replaces the card last sent for its ticket in that chat, so the group
        shows each ticket's current state in one message.
        """
        settled: list[Settled] = []
        for index, row in enumerate(rows):
            card = (row.address, row.ticket_number)
            outcome = await self._send(row, cards.get(card, "") if row.kind == "team_card" else "")
            settled.append(outcome)
            if outcome.status == "sent" and row.kind in CARD_KINDS and outcome.provider_message_id:
                cards[card] = outcome.provider_message_id
            if outcome.status == "pending":
                settled += [
                    Settled(
                        later.id,
                        "pending",
                        "waiting behind an earlier message",
                        retry_at=outcome.retry_at,
                        attempted=False,
                    )
                    for later in rows[index + 1 :]
                ]
                break
        return settled

    async def _send(self, row: OutboxMessage, replaces: str) -> Settled:
        sender = self.senders[row.channel]
        message = decode_outbound(row.payload)
        if replaces:
            message = replace(message, replaces=replaces)
        try:
            provider_id = await sender.send(message)
        except Undeliverable as error:
            log.warning(
                "message undeliverable",
                extra={"outbox_id": row.id, "address": masked(row.address), "error": str(error)},
            )
            return Settled(row.id, "undeliverable", str(error))
        except Throttled as error:
            wait = timedelta(seconds=max(error.retry_after or 1.0, 0.05))
            return Settled(
                row.id, "pending", str(error), retry_at=self.clock() + wait, attempted=False
            )
        except Exception as error:  # the channel failed: retry later, whatever it was
            wait = backoff(row.attempts)
            if isinstance(error, RetryLater) and error.retry_after is not None:
                wait = max(timedelta(seconds=error.retry_after), timedelta(seconds=0.05))
            if row.attempts >= self.max_attempts:
                log.error(
                    "message failed for good",
                    extra={
                        "outbox_id": row.id,
                        "address": masked(row.address),
                        "error": repr(error),
                    },
                )
                return Settled(row.id, "failed", repr(error))
            log.info(
                "message delivery will be retried",
                extra={
                    "outbox_id": row.id,
                    "attempts": row.attempts,
                    "error": repr(error),
                    "retry_in_s": wait.total_seconds(),
                },
            )
            return Settled(row.id, "pending", repr(error), retry_at=self.clock() + wait)
        return Settled(row.id, "sent", provider_message_id=provider_id)

    async def _settle(self, outcomes: list[Settled], rows: dict[int, OutboxMessage]) -> None:
        now = self.clock()
        async with self.units() as uow:
            for outcome in outcomes:
                if outcome.status == "undeliverable" and self.on_undeliverable is not None:
                    for alert in self.on_undeliverable(rows[outcome.row_id], outcome.error):
                        uow.outbox.add(alert, now)
                values: dict[str, object] = {"status": outcome.status, "last_error": outcome.error}
                if outcome.status == "sent":
                    values.update(sent_at=now, provider_message_id=outcome.provider_message_id)
                if outcome.retry_at is not None:
                    values["next_attempt_at"] = outcome.retry_at
                if not outcome.attempted:
                    values["attempts"] = OutboxMessage.attempts - 1
                await uow.outbox.settle(outcome.row_id, values)
            await uow.commit()
