"""The outbox relay: delivers committed outbox rows through each channel's sender.

Rows are claimed with a lease in a short transaction, sent outside any transaction, and
settled in another, so a slow channel never holds the database and a crash mid-send means
the row is sent again after its lease (at least once, never lost). Per chat, messages go
out in the order they were written, within each lane: answers to what a chat just wrote
(the interactive lane) go out before bulk messages, and are claimed even while the relay is
full of bulk ones, so a digest to every team never delays a conversation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.metrics import counts_sends
from db.models import OutboxMessage
from db.repositories import CARD_KINDS, decode_outbound, encode_outbound
from db.uow import UnitOfWork
from flows.delivery import (
    BULK,
    HEARD_AT,
    INTERACTIVE,
    LANE,
    QUEUED_BEHIND,
    PartlySent,
    RetryLater,
    Sender,
    Throttled,
    Undeliverable,
)
from flows.messages import Outbound
from flows.privacy import masked

log = logging.getLogger(__name__)

# How long a claimed row is held for the process sending it (OUTBOX_LEASE_SECONDS): after a
# crash, the rows it held are sent again this long after they were claimed. Longer than a
# chat's batch can take to send.
LEASE = timedelta(minutes=2)
# While chats are being sent to, finished ones are settled (and more rows claimed) together,
# at most this often, so that a busy relay does not commit once per chat.
SETTLE_SECONDS = 0.25
# Rows being sent at a time, in batches: the next batch is claimed while the last is sent,
# so that there is always a chat ready for the channel's next send.
IN_FLIGHT = 2
MAX_BACKOFF = timedelta(hours=1)
# How often a running relay looks for messages no sender of it serves (see `reach`).
EXPIRY_CHECK = timedelta(minutes=1)


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
    # A message sent in part: its progress, kept for the retry (`Outbound.sent_parts`).
    payload: str | None = None


def _by_chat(rows: Sequence[OutboxMessage]) -> dict[tuple[str, int], list[OutboxMessage]]:
    """Rows grouped by chat and lane, each group's in the order claimed (queue order)."""
    by_chat: dict[tuple[str, int], list[OutboxMessage]] = {}
    for row in rows:
        by_chat.setdefault((row.address, row.lane), []).append(row)
    return by_chat


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
        lease: timedelta = LEASE,
        unserved_for: timedelta | None = None,
    ) -> None:
        self.units = units
        # A running relay (`serve`) marks expired what waited this long for a chat none of
        # its senders serves (console chats, read by chat sessions); None: never.
        self.unserved_for = unserved_for
        self._next_expiry: datetime | None = None
        # Who is told when a message can never be delivered (the L1 helpdesk's chats).
        self.on_undeliverable = on_undeliverable
        self.senders = senders
        self.clock = clock
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.lease = lease
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set: on every wake-up after a commit, and on a timer.

        Chats are sent to side by side, and the relay keeps claiming while earlier chats are
        still being sent to, so one slow chat never leaves the others waiting. A claim never
        takes a chat's row while an earlier row of that chat is leased, so each chat keeps its
        order. Finished chats are settled together, at most every `SETTLE_SECONDS`.
        """
        flying: dict[asyncio.Task[list[Settled]], list[OutboxMessage]] = {}
        try:
            await self._pump(stop, flying)
        finally:
            for task in flying:  # only if cancelled: those rows are sent after their lease
                task.cancel()

    async def _pump(
        self, stop: asyncio.Event, flying: dict[asyncio.Task[list[Settled]], list[OutboxMessage]]
    ) -> None:
        finished: list[tuple[list[Settled], list[OutboxMessage]]] = []
        more = True  # something may be due: claim when there is room
        loop = asyncio.get_running_loop()
        poll_at = loop.time()  # and on this timer: a retry's backoff or a lease ends unseen
        while True:
            for task in [task for task in flying if task.done()]:
                rows = flying.pop(task)
                try:
                    finished.append((task.result(), rows))
                except Exception:  # the rows stay leased and are sent again after the lease
                    log.exception("outbox relay could not send to a chat; retrying")
            if finished:
                more = True  # rows waiting behind the settled ones may be due now
                try:
                    await self._settle(
                        [outcome for outcomes, _ in finished for outcome in outcomes],
                        {row.id: row for _, rows in finished for row in rows},
                    )
                except Exception:  # the rows stay leased and are sent again after the lease
                    log.exception("outbox relay could not record deliveries; retrying")
                finished.clear()
            if stop.is_set():
                if not flying:
                    return
            else:
                try:
                    await self._expire_unserved()
                except Exception:
                    log.exception("outbox relay could not expire unserved messages; retrying")
                busy = sum(len(rows) for rows in flying.values())
                urgent = sum(len(rows) for rows in flying.values() if rows[0].lane == INTERACTIVE)
                # Full of bulk messages, the relay still claims answers (up to a batch).
                lanes = (INTERACTIVE, BULK) if busy <= self.batch_size else (INTERACTIVE,)
                due = more or self._wake.is_set() or loop.time() >= poll_at
                if due and (busy <= self.batch_size or urgent < self.batch_size):
                    self._wake.clear()
                    poll_at = loop.time() + self.poll_seconds
                    room = min(self.batch_size, IN_FLIGHT * self.batch_size - busy)
                    if len(lanes) == 1:
                        room = self.batch_size - urgent
                    try:
                        claimed, cards = await self._claim(None, room, lanes)
                    except Exception:
                        log.exception("outbox relay pass failed; retrying")
                        claimed, cards = [], {}
                    for rows in _by_chat(claimed).values():
                        flying[asyncio.create_task(self._send_chat(rows, cards, stop))] = rows
                    more = len(claimed) == room
            await self._pause(stop, flying, idle=not more, until=poll_at)

    async def _pause(
        self,
        stop: asyncio.Event,
        flying: Collection[asyncio.Task[list[Settled]]],
        idle: bool,
        until: float,
    ) -> None:
        """While chats are being sent to: until they are all done, or `SETTLE_SECONDS`.
        Idle: until a commit wakes the relay, `stop`, or the poll timer (`until`)."""
        if flying:
            await asyncio.wait(flying, timeout=SETTLE_SECONDS)
            return
        if not idle:
            return
        timeout = max(until - asyncio.get_running_loop().time(), 0.0)
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()

    async def _expire_unserved(self) -> None:
        """At most once every `EXPIRY_CHECK` (or `unserved_for`, if shorter): mark expired,
        and count, the messages that waited `unserved_for` for a chat no sender here serves."""
        now = self.clock()
        if self.unserved_for is None or (self._next_expiry and now < self._next_expiry):
            return
        self._next_expiry = now + min(EXPIRY_CHECK, self.unserved_for)
        async with self.units() as uow:
            expired = await uow.outbox.expire_unserved(list(self.senders), now - self.unserved_for)
            await uow.commit()
        if expired:
            log.warning(
                "messages expired: no channel of this service sends to their chats",
                extra={
                    "expired": expired,
                    "waited_minutes": self.unserved_for.total_seconds() / 60,
                },
            )

    async def deliver_due(self, addresses: Sequence[str] | None = None) -> int:
        """One pass: claim what is due, send it, record the outcome. Returns rows claimed."""
        claimed, cards = await self._claim(addresses, self.batch_size)
        if not claimed:
            return 0
        results = await asyncio.gather(
            *(self._send_chat(rows, cards) for rows in _by_chat(claimed).values())
        )
        await self._settle(
            [settled for chat in results for settled in chat], {row.id: row for row in claimed}
        )
        return len(claimed)

    async def _claim(
        self,
        addresses: Sequence[str] | None,
        limit: int,
        lanes: Sequence[int] = (INTERACTIVE, BULK),
    ) -> tuple[list[OutboxMessage], dict[tuple[str, str], str]]:
        now = self.clock()
        async with self.units() as uow:
            rows = await uow.outbox.claim(
                now, now + self.lease, limit, list(self.senders), addresses, lanes
            )
            await uow.commit()
        if not any(row.kind == "team_card" for row in rows):
            return rows, {}
        # Read after the claim, without holding the write lock the inbound side waits for: a
        # chat's earlier cards are settled by now (cards are all in the bulk lane, and the claim
        # takes no row of a chat while an earlier one of its lane is leased), so what this
        # reads cannot change meanwhile.
        async with self.units().read_only() as uow:
            cards = await uow.outbox.latest_cards(rows)
        return rows, cards

    async def _send_chat(
        self,
        rows: list[OutboxMessage],
        cards: dict[tuple[str, str], str],
        stop: asyncio.Event | None = None,
    ) -> list[Settled]:
        """Send one chat's messages in order; after a failure the rest wait behind it.

        A team card replaces the card last sent for its ticket in that chat, so the group
        shows each ticket's current state in one message. Once `stop` is set, messages not
        yet started are handed back, due at once, for the next start to send.
        """
        settled: list[Settled] = []
        for index, row in enumerate(rows):
            if stop is not None and stop.is_set():
                now = self.clock()
                settled += [
                    Settled(later.id, "pending", "relay stopped", retry_at=now, attempted=False)
                    for later in rows[index:]
                ]
                break
            card = (row.address, row.ticket_number)
            QUEUED_BEHIND.set(len(rows) - index - 1)
            LANE.set(row.lane)
            HEARD_AT.set(row.heard_at)
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

    @counts_sends
    async def _send(self, row: OutboxMessage, replaces: str) -> Settled:
        sender = self.senders[row.channel]
        message = decode_outbound(row.payload)
        try:
            provider_id = await sender.send(
                replace(message, replaces=replaces) if replaces else message
            )
        except PartlySent as partly:
            # What went out stays out: the row keeps its progress, and a retry sends the rest.
            failed = self._failed(row, partly.error)
            return replace(
                failed,
                payload=encode_outbound(replace(message, sent_parts=partly.sent)),
                provider_message_id=partly.provider_id or row.provider_message_id,
            )
        except Exception as error:
            return self._failed(row, error)
        # A message finished after a retry has the ID its first parts were given.
        return Settled(row.id, "sent", provider_message_id=provider_id or row.provider_message_id)

    def _failed(self, row: OutboxMessage, error: Exception) -> Settled:
        """The outcome of a send the channel refused or failed."""
        if isinstance(error, Undeliverable):
            log.warning(
                "message undeliverable",
                extra={"outbox_id": row.id, "address": masked(row.address), "error": str(error)},
            )
            return Settled(row.id, "undeliverable", str(error))
        if isinstance(error, Throttled):
            wait = timedelta(seconds=max(error.retry_after or 1.0, 0.05))
            return Settled(
                row.id, "pending", str(error), retry_at=self.clock() + wait, attempted=False
            )
        # The channel failed: retry later, whatever it was.
        wait = backoff(row.attempts)
        if isinstance(error, RetryLater) and error.retry_after is not None:
            wait = max(timedelta(seconds=error.retry_after), timedelta(seconds=0.05))
        if row.attempts >= self.max_attempts:
            log.error(
                "message failed for good",
                extra={"outbox_id": row.id, "address": masked(row.address), "error": repr(error)},
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

    async def _settle(self, outcomes: list[Settled], rows: dict[int, OutboxMessage]) -> None:
        now = self.clock()
        # The usual outcome, delivered, is recorded for all rows in one statement.
        sent = {o.row_id: o for o in outcomes if o.status == "sent" and o.attempted}
        async with self.units() as uow:
            await uow.outbox.settle_sent(
                [(row_id, o.provider_message_id) for row_id, o in sent.items()], now
            )
            for outcome in outcomes:
                if outcome.row_id in sent:
                    continue
                if outcome.status == "undeliverable" and self.on_undeliverable is not None:
                    for alert in self.on_undeliverable(rows[outcome.row_id], outcome.error):
                        uow.outbox.add(alert, now)
                values: dict[str, object] = {"status": outcome.status, "last_error": outcome.error}
                if outcome.status == "sent":
                    values["sent_at"] = now
                if outcome.provider_message_id:
                    values["provider_message_id"] = outcome.provider_message_id
                if outcome.payload is not None:
                    values["payload"] = outcome.payload
                if outcome.retry_at is not None:
                    values["next_attempt_at"] = outcome.retry_at
                if not outcome.attempted:
                    values["attempts"] = OutboxMessage.attempts - 1
                await uow.outbox.settle(outcome.row_id, values)
            await uow.commit()
