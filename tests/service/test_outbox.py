"""The outbox relay on both databases: after commit, retries with backoff, per-chat order,
undeliverable chats, a limit on attempts, and rows left behind by a crashed sender."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.core.groupcommit import Handled
from bot.core.outbox import IN_FLIGHT, LEASE
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import OutboxMessage
from db.repositories import decode_outbound
from db.uow import UnitOfWork
from flows import i18n
from flows.messages import Address, Outbound
from tests.conftest import FixedClock
from tests.helpers import deliver_all, fetch, inbound

# On SQLite's fast path and its plain one (tests/conftest.py).
pytestmark = pytest.mark.sqlite_paths

RAMESH, SITA = "memory:ramesh", "memory:sita"
PROMPT = i18n.language_question("")  # the answer to a first "hi"
# Then "1" (English) gets these two: the language set, and the first report's first question.
LANGUAGE_SET = f"{i18n.text('en', 'language_set')} {i18n.text('en', 'hint_menu')}"
ASK_ULB = i18n.text("en", "ask_ulb")


async def say(helpdesk: Helpdesk, address: str, text: str) -> None:
    """A message arrives and is handled; nothing is delivered yet."""
    assert await helpdesk.dispatcher.handle(inbound(helpdesk, address, text)) is Handled.PROCESSED


async def outbox(helpdesk: Helpdesk, address: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.address == address)
    return await fetch(helpdesk, query.order_by(OutboxMessage.id))


def texts(channel: MemoryChannel, address: str) -> list[str]:
    return channel.texts(Address.parse(address))


async def test_replies_are_delivered_only_after_commit(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await say(helpdesk, RAMESH, "hi")

    [row] = await outbox(helpdesk, RAMESH)
    assert (row.status, row.attempts) == ("pending", 0)
    assert decode_outbound(row.payload).text == PROMPT
    assert channel.sent == []

    assert await helpdesk.relay.deliver_due() == 1
    [row] = await outbox(helpdesk, RAMESH)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now)
    assert row.provider_message_id == "m1"
    assert texts(channel, RAMESH) == [PROMPT]
    assert await helpdesk.relay.deliver_due() == 0
    assert texts(channel, RAMESH) == [PROMPT]


async def test_a_reply_queued_with_every_field_before_an_upgrade_is_delivered_unchanged(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    # Until 2026-12-07 a queued message was saved with every field, the defaults too; now
    # only what differs from them. What was queued before an upgrade goes out after it.
    await say(helpdesk, RAMESH, "hi")
    [row] = await outbox(helpdesk, RAMESH)
    queued = decode_outbound(row.payload)
    assert queued.choices and queued.text == PROMPT
    every_field = {**dataclasses.asdict(queued), "address": RAMESH}
    assert len(row.payload) < len(json.dumps(every_field, ensure_ascii=False))
    async with helpdesk.unit_of_work() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(payload=json.dumps(every_field, ensure_ascii=False))
        )
        await uow.commit()
    await deliver_all(helpdesk)
    assert channel.sent == [queued]


async def test_replies_of_a_transaction_that_never_commits_are_never_sent(
    helpdesk: Helpdesk, channel: MemoryChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_commit = UnitOfWork.commit
    commits = 0

    async def commit_lost_once(uow: UnitOfWork) -> None:
        nonlocal commits
        commits += 1
        if commits == 1:
            await uow.session.flush()  # the replies are written, but the commit is lost
            raise ConnectionError("server closed the connection during COMMIT")
        await real_commit(uow)

    monkeypatch.setattr(UnitOfWork, "commit", commit_lost_once)
    handled = await helpdesk.dispatcher.handle(inbound(helpdesk, RAMESH, "hi"))
    await deliver_all(helpdesk)

    assert handled is Handled.FAILED
    assert texts(channel, RAMESH) == [i18n.text("en", "sorry_error")]


async def test_a_failing_channel_is_retried_with_backoff_and_keeps_the_chats_order(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    channel.failures[Address.parse(RAMESH)] = 2
    await say(helpdesk, RAMESH, "hi")
    await say(helpdesk, SITA, "hi")
    await deliver_all(helpdesk)

    assert texts(channel, RAMESH) == []
    assert texts(channel, SITA) == [PROMPT]
    [first] = await outbox(helpdesk, RAMESH)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "channel unavailable" in first.last_error
    assert first.next_attempt_at == clock.now + timedelta(seconds=2)

    # Both answer "1" meanwhile; Ramesh's new messages wait behind his first one.
    await say(helpdesk, RAMESH, "1")
    await say(helpdesk, SITA, "1")
    clock.advance(seconds=1)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == []
    assert texts(channel, SITA) == [PROMPT, LANGUAGE_SET, ASK_ULB]

    clock.advance(seconds=1)  # the retry time: the second try fails too, and waits longer
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == []
    rows = await outbox(helpdesk, RAMESH)
    retry_at = clock.now + timedelta(seconds=4)
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows] == [
        ("pending", 2, retry_at),
        ("pending", 0, retry_at),
        ("pending", 0, retry_at),
    ]

    clock.advance(seconds=4, microseconds=-1)
    assert await helpdesk.relay.deliver_due() == 0
    assert texts(channel, RAMESH) == []

    clock.advance(microseconds=1)
    await deliver_all(helpdesk)
    clock.advance(hours=1)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == [PROMPT, LANGUAGE_SET, ASK_ULB]
    rows = await outbox(helpdesk, RAMESH)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3), ("sent", 1), ("sent", 1)]
    assert texts(channel, SITA) == [PROMPT, LANGUAGE_SET, ASK_ULB]


async def test_a_channels_retry_after_is_honoured(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    channel.retry_after = 30.0  # e.g. Telegram's 429 "retry after 30"
    channel.failures[Address.parse(RAMESH)] = 1
    await say(helpdesk, RAMESH, "hi")
    await deliver_all(helpdesk)

    [row] = await outbox(helpdesk, RAMESH)
    assert row.status == "pending"
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)

    clock.advance(seconds=29)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == []

    clock.advance(seconds=1)
    await deliver_all(helpdesk)
    clock.advance(minutes=5)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == [PROMPT]


async def test_an_unreachable_chat_is_marked_undeliverable_and_not_retried(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    channel.unreachable.add(Address.parse(RAMESH))  # e.g. the person blocked the bot
    await say(helpdesk, RAMESH, "hi")
    await say(helpdesk, SITA, "hi")
    await deliver_all(helpdesk)

    [row] = await outbox(helpdesk, RAMESH)
    assert (row.status, row.attempts) == ("undeliverable", 1)
    assert "no longer exists" in row.last_error
    assert texts(channel, SITA) == [PROMPT]

    channel.unreachable.clear()  # even if it would work now, it is not tried again
    clock.advance(hours=2)
    assert await helpdesk.relay.deliver_due() == 0
    assert texts(channel, RAMESH) == []
    [row] = await outbox(helpdesk, RAMESH)
    assert (row.status, row.attempts) == ("undeliverable", 1)


async def test_after_max_attempts_a_message_is_failed_and_the_chat_moves_on(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    max_attempts = helpdesk.settings.outbox_max_attempts
    ramesh = Address.parse(RAMESH)
    channel.failures[ramesh] = 1000
    await say(helpdesk, RAMESH, "hi")

    for _ in range(max_attempts + 3):
        await deliver_all(helpdesk)
        clock.advance(hours=2)

    assert 1000 - channel.failures[ramesh] == max_attempts
    [row] = await outbox(helpdesk, RAMESH)
    assert (row.status, row.attempts) == ("failed", max_attempts)
    assert "channel unavailable" in row.last_error

    channel.failures[ramesh] = 0  # the channel recovers: new messages are not stuck behind it
    await say(helpdesk, RAMESH, "1")
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == [LANGUAGE_SET, ASK_ULB]


async def test_a_row_claimed_by_a_crashed_sender_is_sent_after_its_lease(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await say(helpdesk, RAMESH, "hi")
    async with helpdesk.unit_of_work() as uow:  # a relay claims the row …
        claimed = await uow.outbox.claim(clock.now, clock.now + LEASE, 100, ["memory"])
        await uow.commit()
    assert [decode_outbound(row.payload).text for row in claimed] == [PROMPT]
    # … and its process dies before sending or settling.

    await say(helpdesk, RAMESH, "1")  # later messages of the chat wait behind the lost one
    await say(helpdesk, SITA, "hi")
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == []
    assert texts(channel, SITA) == [PROMPT]

    clock.advance(seconds=LEASE.total_seconds() - 1)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == []

    clock.advance(seconds=1)
    await deliver_all(helpdesk)
    clock.advance(hours=1)
    await deliver_all(helpdesk)
    assert texts(channel, RAMESH) == [PROMPT, LANGUAGE_SET, ASK_ULB]
    rows = await outbox(helpdesk, RAMESH)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 2), ("sent", 1), ("sent", 1)]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_relays_keep_a_chats_order(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, config: HelpdeskConfig
) -> None:
    """Two server processes each run a relay: a chat's messages still arrive in order."""
    settings = Settings(database_url=helpdesk.settings.database_url, _env_file=None)  # type: ignore[call-arg]
    other = build(settings, senders={"memory": channel}, clock=clock, config=config)
    try:
        await say(helpdesk, RAMESH, "hi")
        # Relay A is inside its claim transaction (row selected, lease not yet committed) …
        async with helpdesk.unit_of_work() as uow:
            claimed = await uow.outbox.claim(clock.now, clock.now + LEASE, 100, ["memory"])
            await say(helpdesk, RAMESH, "1")  # … when Ramesh's next answer is handled
            relay_b = asyncio.create_task(other.relay.deliver_due())  # and relay B runs a pass.
            await asyncio.wait({relay_b}, timeout=1)  # (B may wait for A's claim to end)
            await uow.commit()
        async with helpdesk.unit_of_work() as uow:  # Then relay A sends what it claimed,
            for row in claimed:
                await channel.send(decode_outbound(row.payload))
                await uow.outbox.settle(row.id, {"status": "sent", "sent_at": clock.now})
            await uow.commit()
        await relay_b  # B's pass ends,
        await deliver_all(other)  # and whatever is still due goes out.

        assert texts(channel, RAMESH) == [PROMPT, LANGUAGE_SET, ASK_ULB]
    finally:
        await other.close()


async def test_a_running_relay_does_not_hold_other_chats_behind_a_slow_one(
    helpdesk: Helpdesk, channel: MemoryChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat whose send hangs keeps its own order; the other chats, queued after it, go out
    meanwhile, and its later messages follow once it is through."""
    ramesh = Address.parse(RAMESH)
    released = asyncio.Event()
    real_send = channel.send

    async def slow_for_ramesh(message: Outbound) -> str:
        if message.address == ramesh:
            await released.wait()
        return await real_send(message)

    monkeypatch.setattr(channel, "send", slow_for_ramesh)
    await say(helpdesk, RAMESH, "hi")
    await say(helpdesk, RAMESH, "1")
    await say(helpdesk, SITA, "hi")
    await say(helpdesk, SITA, "1")

    stop = asyncio.Event()
    relay = asyncio.create_task(helpdesk.relay.run(stop))
    try:
        for _ in range(200):
            if len(texts(channel, SITA)) == 3:
                break
            await asyncio.sleep(0.01)
        assert texts(channel, SITA) == [PROMPT, LANGUAGE_SET, ASK_ULB]
        assert texts(channel, RAMESH) == []

        await say(helpdesk, RAMESH, "2")  # queued while Ramesh's first messages are in flight
        helpdesk.relay.wake()
        released.set()
        for _ in range(200):
            rows = await outbox(helpdesk, RAMESH)
            if rows and all(row.status == "sent" for row in rows):
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(relay, 5)

    sent = texts(channel, RAMESH)
    assert sent[:3] == [PROMPT, LANGUAGE_SET, ASK_ULB]  # in the order queued, once each
    assert len(sent) == len(set(sent)) == len(await outbox(helpdesk, RAMESH))
    assert all(row.status == "sent" for row in await outbox(helpdesk, SITA))


async def test_a_running_relay_sends_a_retry_when_its_backoff_ends_unwoken(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    """Nothing else happens after a failed send: the relay's own timer finds the retry."""
    helpdesk.relay.poll_seconds = 0.02
    channel.failures[Address.parse(RAMESH)] = 1
    await say(helpdesk, RAMESH, "hi")

    stop = asyncio.Event()
    relay = asyncio.create_task(helpdesk.relay.run(stop))
    try:
        for _ in range(300):
            [row] = await outbox(helpdesk, RAMESH)
            if row.last_error:
                break
            await asyncio.sleep(0.01)
        assert (row.status, row.next_attempt_at) == ("pending", clock.now + timedelta(seconds=2))
        clock.advance(seconds=2)  # the backoff ends; no commit wakes the relay
        for _ in range(300):
            if texts(channel, RAMESH):
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(relay, 5)

    assert texts(channel, RAMESH) == [PROMPT]


async def test_a_stopping_relay_hands_back_what_it_has_not_started(
    helpdesk: Helpdesk, channel: MemoryChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, released = asyncio.Event(), asyncio.Event()
    real_send = channel.send

    async def hold_first(message: Outbound) -> str:
        started.set()
        await released.wait()
        return await real_send(message)

    monkeypatch.setattr(channel, "send", hold_first)
    await say(helpdesk, RAMESH, "hi")
    await say(helpdesk, RAMESH, "1")  # two more messages behind the first

    stop = asyncio.Event()
    relay = asyncio.create_task(helpdesk.relay.run(stop))
    await asyncio.wait_for(started.wait(), 5)
    stop.set()
    released.set()
    await asyncio.wait_for(relay, 5)

    assert texts(channel, RAMESH) == [PROMPT]  # the one under way finished
    rows = await outbox(helpdesk, RAMESH)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("pending", 0), ("pending", 0)]
    monkeypatch.setattr(channel, "send", real_send)
    await deliver_all(helpdesk)  # the next start sends them, in order
    assert texts(channel, RAMESH) == [PROMPT, LANGUAGE_SET, ASK_ULB]


async def queue_digests(helpdesk: Helpdesk, chats: int, each: int) -> list[Address]:
    """`chats` x `each` digest notices, as the morning sweep writes them (bulk)."""
    addresses = [Address.parse(f"memory:team-{n}") for n in range(chats)]
    messages = [
        Outbound(address, f"digest {n}", kind="digest")
        for n in range(each)
        for address in addresses
    ]
    async with helpdesk.unit_of_work() as uow:
        await uow.outbox.add_many(messages, helpdesk.clock())
        await uow.commit()
    return addresses


async def test_a_conversations_reply_goes_out_ahead_of_a_thousand_queued_digests(
    helpdesk: Helpdesk, channel: MemoryChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A morning digest to every team is under way (the channel is slow: the relay is full of
    digests being sent) when Ramesh writes: his answer goes out before any of the digests
    still being sent or queued, and each team still gets its digests in order."""
    teams = await queue_digests(helpdesk, chats=500, each=2)
    released = asyncio.Event()
    waiting: list[Outbound] = []
    real_send = channel.send

    async def slow_for_digests(message: Outbound) -> str:
        if message.kind == "digest":
            waiting.append(message)
            await released.wait()
        return await real_send(message)

    monkeypatch.setattr(channel, "send", slow_for_digests)
    stop = asyncio.Event()
    relay = asyncio.create_task(helpdesk.relay.run(stop))
    try:
        for _ in range(500):  # the relay has all the digests it holds at once under way
            if len(waiting) >= IN_FLIGHT * helpdesk.relay.batch_size:
                break
            await asyncio.sleep(0.01)
        await say(helpdesk, RAMESH, "hi")
        helpdesk.relay.wake()
        for _ in range(500):
            if texts(channel, RAMESH):
                break
            await asyncio.sleep(0.01)
        assert [m.text for m in channel.sent] == [PROMPT]
        released.set()
        for _ in range(1000):
            if len(channel.sent) == 1001:
                break
            await asyncio.sleep(0.01)
    finally:
        released.set()
        stop.set()
        await asyncio.wait_for(relay, 10)

    assert channel.sent[0].address == Address.parse(RAMESH)
    assert len(channel.sent) == 1001
    for team in teams:
        assert channel.texts(team) == ["digest 0", "digest 1"]
