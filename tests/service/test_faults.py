"""Fault tests: what reporters and staff notice when things break.

1. `serve` is killed (SIGKILL) while 30 reporters are mid-intake, and restarted on the same
   SQLite file while Telegram keeps re-sending what got no 2xx.
2. The Bot API answers 5xx or hangs for a while.
3. The database is locked by another writer (SQLite), or PostgreSQL connections are cut.
4. Two `serve` processes share one PostgreSQL database (and two schedulers sweep at once).
5. Telegram delivers every update twice or more, some redeliveries arriving late.

Everything runs on loopback: the Bot API is `tests.telegram_fake.FakeTelegram` in the test's
event loop, which `serve` subprocesses reach by URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import db.engine
from bot.app import create_app
from bot.core.config import load_config
from bot.helpdesk import Helpdesk
from db.models import OutboxMessage, ScheduledNotice, Ticket
from db.uow import UnitOfWork
from flows import i18n
from flows.commands import SubmitTicket
from flows.messages import Address
from tests.conftest import POSTGRES_URL, FixedClock, _admin, _raw_dsn
from tests.faultkit import (
    L1_GROUP,
    REGISTERED,
    FlakyTelegram,
    JSONDict,
    Reporter,
    ServeProcess,
    Snapshot,
    chats_of,
    deliver_until_2xx,
    free_port,
    number_in,
    post,
    rendered_texts,
    repeated_once,
    reporters,
    serve_env,
    snapshot,
    telegram_toml,
    wait_all_sent,
    webhook_helpdesk,
)
from tests.servers import serving
from tests.telegram_fake import FakeTelegram, next_id, private_text

SEED = 20261127
SORRY = i18n.text("en", "sorry_error")
SUMMARY = "Please check your report"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    """config/helpdesk.toml with every team in a Telegram group."""
    return telegram_toml(tmp_path)


def _postgres(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def pg_url(postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of this test's own, dropped at the end."""
    name = f"helpdesk_faults_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    try:
        yield _postgres(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no schema yet), dropped at the end."""
    name = f"helpdesk_faults_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _postgres(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- shared checks ----------------------------------------------------------------------------


def assert_one_ticket_each(final: Snapshot, people: Sequence[Reporter]) -> dict[str, Ticket]:
    """Every reporter has exactly one ticket, with their own answers; numbers are unique."""
    numbers = [ticket.number for ticket in final.tickets]
    assert len(numbers) == len(set(numbers)), f"a ticket number was given twice: {numbers}"
    assert len(final.tickets) == len(people), "a ticket was lost or doubled"
    mine: dict[str, Ticket] = {}
    for person in people:
        found = final.tickets_of(person.address)
        assert len(found) == 1, f"{person.address} has {len(found)} tickets"
        ticket = found[0]
        assert ticket.reporter_name == person.name
        assert ticket.description.split("\n", 1)[0] == person.description
        assert (ticket.ulb, ticket.module, ticket.category) == ("jatni", "wage_bills", "app_error")
        mine[person.address] = ticket
    return mine


def assert_each_update_once(final: Snapshot, update_ids: Sequence[int]) -> None:
    """Every update is kept exactly once, processed; nothing else was recorded."""
    kept = Counter(row.provider_id for row in final.inbound)
    assert {f"update-{u}" for u in update_ids} == set(kept), "an update was lost or invented"
    assert set(kept.values()) == {1}, f"kept twice: {[k for k, n in kept.items() if n > 1]}"
    assert {row.status for row in final.inbound} == {"processed"}


def assert_told_their_number(
    fake: FakeTelegram, tickets: dict[str, Ticket], once: bool = True
) -> None:
    """Each reporter was told their own ticket's number, and the L1 group got its card (once;
    or, with `once=False`, at least once: a crash may repeat what was in flight)."""
    for address, ticket in tickets.items():
        chat = int(address.split(":", 1)[1])
        told = {number_in(t) for t in fake.texts(chat) if REGISTERED in t}
        assert told == {ticket.number}, f"{address} was told {told}, has {ticket.number}"
    cards = Counter(t.split(" ", 1)[0] for t in fake.texts(L1_GROUP) if " · P" in t)
    for ticket in tickets.values():
        assert cards[ticket.number] == 1 or (not once and cards[ticket.number] > 1), (
            f"the L1 group got {cards[ticket.number]} cards for {ticket.number}"
        )


def assert_chats_show_outbox_in_order(fake: FakeTelegram, final: Snapshot) -> None:
    """Each chat shows exactly its outbox rows, each once, in the order they were written."""
    for chat_id, rows in chats_of(final.outbox).items():
        assert fake.texts(chat_id) == rendered_texts(rows), f"chat {chat_id}"


async def wait_for_text(fake: FakeTelegram, chat_id: int, fragment: str) -> None:
    await fake.wait_for(lambda _: any(fragment in t for t in fake.texts(chat_id)), timeout=15)


# -- 1. the server is killed mid-intake -------------------------------------------------------

CRASH_REPORTERS = 30


async def test_a_server_killed_mid_intake_loses_and_doubles_nothing(
    tmp_path: Path, toml: Path
) -> None:
    rng = random.Random(SEED)
    people = reporters(CRASH_REPORTERS, 610_001)
    plans = {person.user_id: person.updates() for person in people}
    total = sum(len(updates) for updates in plans.values())
    kill_after = rng.randint(total // 4, 3 * total // 4)
    pauses = {user: [rng.uniform(0, 0.03) for _ in plans[user]] for user in plans}
    database = tmp_path / "helpdesk.db"
    url = f"sqlite+aiosqlite:///{database}"
    by_update = {u["update_id"]: user for user, updates in plans.items() for u in updates}
    acked: list[int] = []
    unanswered: list[int] = []  # deliveries that got no 2xx (connection refused, reset, 5xx)
    reached = asyncio.Event()
    crash: dict[str, int] = {}

    async with FakeTelegram() as fake:
        server = ServeProcess(
            serve_env(url, free_port(), fake, toml, tmp_path), tmp_path / "serve.log"
        )
        try:
            server.start()
            await server.wait_healthy()
            deadline = time.monotonic() + 60

            async def type_intake(client: httpx.AsyncClient, user: int) -> None:
                for update, pause in zip(plans[user], pauses[user], strict=True):
                    statuses: list[int | None] = []
                    await deliver_until_2xx(client, server.url, update, deadline, statuses)
                    unanswered.extend(update["update_id"] for _ in statuses[:-1])
                    acked.append(int(update["update_id"]))
                    if len(acked) >= kill_after:
                        reached.set()
                    await asyncio.sleep(pause)

            async def kill_and_restart() -> None:
                await reached.wait()
                await server.kill()
                done = Counter(by_update[update_id] for update_id in acked)
                crash["mid_intake"] = sum(0 < done[user] < len(plans[user]) for user in plans)
                # Two minutes pass (outbox.LEASE): the leases of rows claimed before the kill
                # run out, and the restarted relay may take them again.
                with contextlib.closing(sqlite3.connect(database)) as raw, raw:
                    crash["leased"] = raw.execute(
                        "UPDATE outbox SET next_attempt_at = '2000-01-01 00:00:00.000000' "
                        "WHERE status = 'pending' AND attempts > 0"
                    ).rowcount
                server.start()
                await server.wait_healthy()

            async with httpx.AsyncClient(trust_env=False, timeout=10.0) as client:
                await asyncio.gather(
                    kill_and_restart(), *(type_intake(client, user) for user in plans)
                )
            final = await wait_all_sent(url)
        finally:
            server.close()

    assert server.starts == 2
    assert crash["mid_intake"] >= CRASH_REPORTERS // 2, crash
    assert unanswered, "the kill should have caught some deliveries in flight"
    assert sorted(acked) == sorted(u["update_id"] for updates in plans.values() for u in updates)
    assert_each_update_once(final, acked)
    tickets = assert_one_ticket_each(final, people)
    assert len(tickets) == CRASH_REPORTERS
    assert_told_their_number(fake, tickets, once=False)

    # At least once, never lost, in order: a chat may see again only what was in flight when
    # the server died (claimed before the kill, claimed again after: two attempts).
    assert max(row.attempts for row in final.outbox) <= 2
    for chat_id, rows in chats_of(final.outbox).items():
        observed, expected = fake.texts(chat_id), rendered_texts(rows)
        repeated = repeated_once(observed, expected)
        assert repeated is not None, f"chat {chat_id}: {observed} is not {expected}"
        in_flight = Counter(rendered_texts(row for row in rows if row.attempts == 2))
        assert Counter(repeated) <= in_flight, f"chat {chat_id} got {repeated} again"


# -- 2. the Bot API is down -------------------------------------------------------------------


async def outbox_of(helpdesk: Helpdesk, address: str) -> list[OutboxMessage]:
    async with helpdesk.unit_of_work() as uow:
        query = select(OutboxMessage).where(OutboxMessage.address == address)
        rows = list((await uow.session.execute(query.order_by(OutboxMessage.id))).scalars())
        uow.session.expunge_all()
    return rows


async def test_a_bot_api_outage_delays_replies_but_loses_and_reorders_none(
    sqlite_url: str, clock: FixedClock, toml: Path
) -> None:
    first, second = reporters(2, 620_001)
    plans = {person.user_id: person.updates() for person in (first, second)}
    head_history: list[tuple[int, timedelta]] = []

    async with FlakyTelegram() as fake:
        helpdesk = webhook_helpdesk(sqlite_url, fake, toml, clock)
        relay = helpdesk.relay
        async with (
            serving(create_app(helpdesk, run_relay=False)) as url,
            httpx.AsyncClient(trust_env=False, timeout=10.0) as client,
        ):

            async def answer(start: int, stop: int) -> None:
                """Both reporters go on typing: the webhook takes every answer at once."""
                for updates in plans.values():
                    for update in updates[start:stop]:
                        assert await post(client, url, update) == 200

            async def head() -> OutboxMessage:
                rows = await outbox_of(helpdesk, first.address)
                return next(row for row in rows if row.status == "pending")

            async def failing_pass(hang: float = 0.0) -> None:
                """Wait (by the clock) until the first reporter's oldest reply is due: before
                then the relay does not touch it; then one more try, which fails."""
                waiting = await head()
                clock.now = waiting.next_attempt_at - timedelta(milliseconds=500)
                await relay.deliver_due()
                assert (await head()).attempts == waiting.attempts, "tried before its time"
                clock.now = waiting.next_attempt_at
                fake.hang_seconds = hang
                await relay.deliver_due()
                fake.hang_seconds = 0.0
                tried = await head()
                assert tried.id == waiting.id
                head_history.append((tried.attempts, tried.next_attempt_at - clock.now))

            fake.down(502)
            await answer(0, 3)
            await relay.deliver_due()
            tried = await head()
            head_history.append((tried.attempts, tried.next_attempt_at - clock.now))
            assert "Bad Gateway" in tried.last_error

            await answer(3, 7)
            fake.down(503)
            await failing_pass()
            await answer(7, 11)  # Submit, while Telegram is still down
            async with helpdesk.unit_of_work() as uow:
                assert await uow.tickets.count() == 2, "reports are taken during the outage"

            await failing_pass(hang=6.0)  # longer than the client's read timeout (5 s)
            fake.down(502)
            await failing_pass()
            assert fake.sent() == [], "nothing reached a chat during the outage"
            behind = (await outbox_of(helpdesk, first.address))[1:]
            assert behind and {row.attempts for row in behind} == {0}, "later rows wait"

            fake.up()
            clock.now = (await head()).next_attempt_at
            for _ in range(20):
                await relay.deliver_due()
                final = await snapshot(sqlite_url)
                if not final.unsent():
                    break
                clock.now = max(clock.now, min(r.next_attempt_at for r in final.unsent()))

    # Backoff: 2 s, 4 s, 8 s, 16 s between tries (one try per due time, no hammering).
    assert head_history == [(n, timedelta(seconds=2**n)) for n in (1, 2, 3, 4)]
    tries = sorted(
        (call.at, call.status)
        for call in fake.calls
        if call.method == "sendMessage" and call.params.get("chat_id") == first.user_id
    )
    # The hung try is the third (it timed out on the helpdesk's side; the fake answered 503).
    assert [status for _, status in tries[:5]] == [502, 503, 503, 502, 200]
    assert not final.unsent()
    assert_chats_show_outbox_in_order(fake, final)
    assert_each_update_once(final, [u["update_id"] for us in plans.values() for u in us])
    assert_told_their_number(fake, assert_one_ticket_each(final, [first, second]))


# -- 3. database trouble ----------------------------------------------------------------------


@dataclass
class LockedSubmit:
    status: int | None  # what the webhook answered while the database was locked
    tickets_while_locked: int
    kept_while_locked: int
    redelivered: int
    final: Snapshot
    texts: list[str]
    person: Reporter
    updates: list[JSONDict]
    fake: FakeTelegram


async def submit_while_locked(
    sqlite_url: str, toml: Path, monkeypatch: pytest.MonkeyPatch
) -> LockedSubmit:
    """A reporter presses Submit while another writer holds SQLite's write lock for longer
    than the busy timeout; then the lock is released and Telegram delivers the update again."""
    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = make_url(sqlite_url).database
    assert path
    person = reporters(1, 630_001)[0]
    updates = person.updates()
    *intake, submit = updates
    async with FakeTelegram() as fake:
        helpdesk = webhook_helpdesk(sqlite_url, fake, toml)
        async with (
            serving(create_app(helpdesk)) as url,
            httpx.AsyncClient(trust_env=False, timeout=10.0) as client,
        ):
            for update in intake:
                assert await post(client, url, update) == 200
            await wait_for_text(fake, person.user_id, SUMMARY)
            await wait_all_sent(sqlite_url)  # the relay is idle: it holds no lease

            other = sqlite3.connect(path, isolation_level=None, timeout=0)
            try:
                for _ in range(500):
                    try:
                        other.execute("BEGIN IMMEDIATE")
                        break
                    except sqlite3.OperationalError:
                        await asyncio.sleep(0.01)  # a relay poll is writing: let it finish
                assert other.in_transaction, "could not take the write lock"
                status = await post(client, url, submit)
                tickets = other.execute("SELECT count(*) FROM tickets").fetchone()[0]
                kept = other.execute(
                    "SELECT count(*) FROM inbound_messages WHERE provider_id = ?",
                    (f"update-{submit['update_id']}",),
                ).fetchone()[0]
            finally:
                if other.in_transaction:
                    other.execute("ROLLBACK")
                other.close()

            redelivered = await deliver_until_2xx(client, url, submit, time.monotonic() + 15)
            await wait_for_text(fake, person.user_id, REGISTERED)
            final = await wait_all_sent(sqlite_url)
    return LockedSubmit(
        status,
        int(tickets),
        int(kept),
        redelivered,
        final,
        fake.texts(person.user_id),
        person,
        updates,
        fake,
    )


async def test_a_locked_database_leaves_no_half_written_ticket_and_redelivery_works(
    sqlite_url: str, toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = await submit_while_locked(sqlite_url, toml, monkeypatch)

    # Not a 2xx, so Telegram delivers the update again; nothing of it was written.
    assert run.status is not None and run.status >= 500
    assert (run.tickets_while_locked, run.kept_while_locked) == (0, 0)
    # The redelivery is processed as if nothing had happened: one ticket, no apology.
    assert run.redelivered == 200
    tickets = assert_one_ticket_each(run.final, [run.person])
    assert_told_their_number(run.fake, tickets)
    assert not any(SORRY in t for t in run.texts)
    assert_each_update_once(run.final, [u["update_id"] for u in run.updates])


async def test_a_locked_database_answers_the_webhook_503(
    sqlite_url: str, toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = await submit_while_locked(sqlite_url, toml, monkeypatch)
    assert run.status == 503, "a database that is unavailable for now is a retryable error"


async def terminate(database_url: str, pid: int | None = None) -> int:
    """pg_terminate_backend from another connection: this pid, or every connection to the
    database (what clients see when PostgreSQL restarts), and wait until they are gone (a
    restart is over before the next message comes). How many were terminated."""
    connection = await asyncpg.connect(_raw_dsn(POSTGRES_URL), timeout=10)
    try:
        if pid is not None:
            rows = await connection.fetch("SELECT $1::int, pg_terminate_backend($1)", pid)
        else:
            rows = await connection.fetch(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                make_url(database_url).database,
            )
        ended = [row[0] for row in rows if row[1]]
        for _ in range(500):
            left = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", ended
            )
            if not left:
                break
            await asyncio.sleep(0.01)
        return len(ended)
    finally:
        await connection.close()


async def test_cut_postgresql_connections_leave_no_half_written_ticket(
    pg_url: str, toml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = reporters(1, 640_001)[0]
    *intake, submit = person.updates()
    cut: list[int] = []
    async with FakeTelegram() as fake:
        helpdesk = webhook_helpdesk(pg_url, fake, toml)
        service = helpdesk.dispatcher.service
        create = service.create

        async def create_on_a_cut_connection(
            uow: UnitOfWork, reporter: Address, command: SubmitTicket, now: datetime
        ) -> Ticket:
            if not cut:  # the connection dies in the middle of the creating transaction
                pid = int(await uow.session.scalar(text("SELECT pg_backend_pid()")))
                assert await terminate(pg_url, pid) == 1
                cut.append(pid)
            return await create(uow, reporter, command, now)

        async with (
            serving(create_app(helpdesk)) as url,
            httpx.AsyncClient(trust_env=False, timeout=10.0) as client,
        ):
            for update in intake[:5]:
                assert await post(client, url, update) == 200
            await wait_all_sent(pg_url)
            # PostgreSQL restarts between two messages: every connection is gone.
            assert await terminate(pg_url) >= 1
            for update in intake[5:]:
                assert await post(client, url, update) == 200
            await wait_for_text(fake, person.user_id, SUMMARY)
            await wait_all_sent(pg_url)

            monkeypatch.setattr(service, "create", create_on_a_cut_connection)
            status = await post(client, url, submit)
            await wait_for_text(fake, person.user_id, SORRY)
            during = await snapshot(pg_url)
            told_before = fake.texts(person.user_id)

            # The reporter does what the apology asks: presses Submit again.
            again = {"update_id": next_id(), **private_text(person.user_id, "1", "Reporter")}
            assert await post(client, url, again) == 200
            await wait_for_text(fake, person.user_id, REGISTERED)
            final = await wait_all_sent(pg_url)

    assert cut, "the connection was cut while the ticket was being created"
    # The message is kept (as failed), the reporter is told, nothing of the ticket exists.
    assert status == 200
    assert during.tickets == []
    [kept] = [row for row in during.inbound if row.provider_id == f"update-{submit['update_id']}"]
    assert kept.status == "failed" and kept.text == "1"
    assert not any(REGISTERED in t for t in told_before)
    # The second Submit makes exactly one ticket, with the first number (none was used up).
    tickets = assert_one_ticket_each(final, [person])
    assert tickets[person.address].number == "MK-1001"
    assert_told_their_number(fake, tickets)
    assert sum(SORRY in t for t in fake.texts(person.user_id)) == 1
    assert_chats_show_outbox_in_order(fake, final)


# -- 4. two processes on one PostgreSQL -------------------------------------------------------

SHARED_REPORTERS = 20
DETAILS = 4  # extra lines typed at the attachments question, sent to both servers at once


def later_business_morning(zone: ZoneInfo, after: datetime) -> datetime:
    """11:00 office time on a working day (not a Monday: no weekly chart) two weeks later,
    when every ticket created now has long breached its response target."""
    day = (after + timedelta(days=14)).astimezone(zone).date()
    while day.weekday() in (0, 5, 6):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 11, 0, tzinfo=zone).astimezone(UTC)


async def test_two_servers_on_one_postgresql_share_the_load(
    pg_url: str, toml: Path, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 4)
    people = reporters(SHARED_REPORTERS, 650_001)
    routes = ["alternate", "both", "a", "b"]
    plans: dict[int, tuple[str, list[JSONDict], list[JSONDict], list[JSONDict]]] = {}
    for index, person in enumerate(people):
        updates = person.updates()
        details = [
            {"update_id": next_id(), **private_text(person.user_id, f"Detail {k} of {index}")}
            for k in range(DETAILS)
        ]
        # Up to the description; the details; then continue and submit.
        # The details are typed at the summary (after the description), before Submit.
        cut = len(updates) - 1
        plans[person.user_id] = (routes[index % len(routes)], updates[:cut], details, updates[cut:])
    all_ids = [
        int(u["update_id"]) for _, before, details, after in plans.values()
        for u in (*before, *details, *after)
    ]  # fmt: skip
    sent_to = Counter[str]()

    async with FakeTelegram() as fake:
        servers = [
            ServeProcess(
                serve_env(pg_url, free_port(), fake, toml, tmp_path / name),
                tmp_path / f"serve-{name}.log",
            )
            for name in ("a", "b")
        ]
        try:
            for server in servers:
                server.start()
            await asyncio.gather(*(server.wait_healthy() for server in servers))
            deadline = time.monotonic() + 45

            async def deliver(client: httpx.AsyncClient, target: int, update: JSONDict) -> None:
                sent_to[("a", "b")[target]] += 1
                await deliver_until_2xx(client, servers[target].url, update, deadline)

            async def report(client: httpx.AsyncClient, user: int) -> None:
                route, before, details, after = plans[user]
                for index, update in enumerate((*before, None, *after)):
                    if update is None:  # the details, to both servers at the same time
                        await asyncio.gather(
                            *(deliver(client, k % 2, d) for k, d in enumerate(details))
                        )
                    elif route == "both":  # a redelivery that lands on the other server
                        await asyncio.gather(deliver(client, 0, update), deliver(client, 1, update))
                    else:
                        target = {"a": 0, "b": 1}.get(route, index % 2)
                        await deliver(client, target, update)
                    await asyncio.sleep(rng.uniform(0, 0.01))

            async with httpx.AsyncClient(trust_env=False, timeout=10.0) as client:
                await asyncio.gather(*(report(client, user) for user in plans))
            final = await wait_all_sent(pg_url)

            # Two weeks later every ticket has breached, and two processes' schedulers sweep at
            # the same moment; then two relays deliver what they queued. Driven in-process on
            # the same database with a fixed clock (the servers' relays go by the real clock,
            # for which these notices are not due yet).
            config = load_config(toml)
            clock = FixedClock(
                later_business_morning(ZoneInfo(config.timezone), final.tickets[0].created_at)
            )
            desks = [webhook_helpdesk(pg_url, fake, toml, clock) for _ in range(2)]
            try:
                for desk in desks:
                    assert desk.telegram is not None
                    await desk.telegram.bot.initialize()
                first_round = await asyncio.gather(*(d.scheduler.sweep() for d in desks))
                second_round = await asyncio.gather(*(d.scheduler.sweep() for d in desks))
                for _ in range(50):
                    await asyncio.gather(*(desk.relay.deliver_due() for desk in desks))
                    swept = await snapshot(pg_url)
                    if not swept.unsent():
                        break
            finally:
                for desk in desks:
                    if desk.telegram is not None:
                        await desk.telegram.bot.shutdown()
                    await desk.close()
        finally:
            for server in servers:
                server.close()

    assert min(sent_to.values()) > sum(sent_to.values()) / 3, f"load not shared: {sent_to}"
    assert_each_update_once(final, all_ids)
    tickets = assert_one_ticket_each(final, people)
    for index, person in enumerate(people):
        lines = tickets[person.address].description.split("\n")
        assert sorted(lines[1:]) == [f"Detail {k} of {index}" for k in range(DETAILS)], (
            "every detail typed at once is added exactly once (one message at a time)"
        )
    assert_told_their_number(fake, tickets)

    # Scheduled notices: each once, whichever process swept first; all delivered.
    assert sum(first_round) > 0 and list(second_round) == [0, 0]
    assert not swept.unsent()
    notices = [row for row in swept.outbox if row.kind in ("reminder", "digest")]
    # (The servers' own schedulers swept at start-up, at the same moment too: today's digests.)
    queued = Counter((r.address, r.payload, r.created_at.date()) for r in notices)
    twice = [key for key, count in queued.items() if count > 1]
    assert not twice, f"notices queued twice: {twice[:3]}"
    breaches = [
        row
        for row in notices
        if row.address == f"telegram:{L1_GROUP}" and "SLA breached" in row.payload
    ]
    assert len(breaches) == SHARED_REPORTERS
    keys = await notice_keys(pg_url)
    assert len([k for k in keys if k.startswith("breach:")]) == SHARED_REPORTERS
    # Two relays shared the outbox: every row reached its chat exactly once, in order.
    assert_chats_show_outbox_in_order(fake, swept)


async def notice_keys(database_url: str) -> list[str]:
    engine = db.engine.create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(ScheduledNotice.key))
            return [str(key) for key in result.scalars()]
    finally:
        await engine.dispose()


async def test_two_servers_starting_together_on_a_fresh_postgresql_both_come_up(
    empty_pg_url: str, toml: Path, tmp_path: Path
) -> None:
    dsn = _raw_dsn(empty_pg_url)
    name = make_url(empty_pg_url).database
    async with FakeTelegram() as fake:
        servers = [
            ServeProcess(
                serve_env(empty_pg_url, free_port(), fake, toml, tmp_path / n),
                tmp_path / f"serve-{n}.log",
            )
            for n in ("a", "b")
        ]
        # Hold both at the same point of their migration (creating the version table), as
        # two replicas of a deployment starting at the same moment reach it together.
        gate = await asyncpg.connect(dsn, timeout=10)
        # Another connection watches: inside a transaction pg_stat_activity does not change.
        watch = await asyncpg.connect(dsn, timeout=10)
        try:
            transaction = gate.transaction()
            await transaction.start()
            await gate.execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)")
            for server in servers:
                server.start()
            deadline = time.monotonic() + 30
            while True:
                waiting = await watch.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                    "AND wait_event_type = 'Lock'",
                    name,
                )
                if waiting >= 2:
                    break
                if time.monotonic() > deadline:
                    pytest.fail("the servers never reached the migration")
                await asyncio.sleep(0.05)
            await transaction.rollback()
            started = await asyncio.gather(
                *(server.wait_healthy() for server in servers), return_exceptions=True
            )
            failures = [str(result) for result in started if isinstance(result, BaseException)]
            assert not failures, "\n".join(failures)
        finally:
            await gate.close()
            await watch.close()
            for server in servers:
                server.close()


# -- 5. duplicates, late redeliveries ---------------------------------------------------------


def redeliveries(updates: Sequence[JSONDict], rng: random.Random) -> list[list[JSONDict]]:
    """Batches posted one after the other (a batch's posts at the same time): every update
    once in order, each delivered once or twice more, sometimes at the same moment as the
    first, otherwise later (its 2xx was lost), never before its first delivery got a 2xx."""
    batches: list[list[JSONDict]] = []
    late: list[JSONDict] = []
    for update in updates:
        batch = [update]
        if rng.random() < 0.3:
            batch.append(update)
        for copy in list(late):
            if rng.random() < 0.4:
                late.remove(copy)
                batch.append(copy)
        rng.shuffle(batch)
        batches.append(batch)
        late += [update] * rng.randint(1, 2)
    rng.shuffle(late)
    batches += [[copy] for copy in late]
    return batches


async def test_every_update_delivered_twice_or_more_takes_effect_once(
    database_url: str, toml: Path
) -> None:
    rng = random.Random(SEED + 5)
    people = reporters(12, 660_001)
    control, others = people[0], people[1:]  # the control gets every update exactly once
    plans = {person.user_id: person.updates() for person in people}
    schedules = {
        person.user_id: redeliveries(plans[person.user_id], rng)
        if person is not control
        else [[u] for u in plans[person.user_id]]
        for person in people
    }
    deliveries = sum(len(batch) for schedule in schedules.values() for batch in schedule)

    async with FakeTelegram() as fake:
        # This test is about deduplication; redeliveries and the per-chat inbound limit meet
        # in test_redeliveries_do_not_use_up_a_reporters_inbound_limit.
        helpdesk = webhook_helpdesk(database_url, fake, toml, inbound_per_minute=1000)
        async with (
            serving(create_app(helpdesk)) as url,
            httpx.AsyncClient(trust_env=False, timeout=10.0) as client,
        ):

            async def deliver(user: int) -> None:
                for batch in schedules[user]:
                    statuses = await asyncio.gather(*(post(client, url, u) for u in batch))
                    assert set(statuses) == {200}

            await asyncio.gather(*(deliver(user) for user in plans))
            final = await wait_all_sent(database_url)

    distinct = [int(u["update_id"]) for updates in plans.values() for u in updates]
    assert deliveries >= 2 * (len(distinct) - len(plans[control.user_id]))
    assert_each_update_once(final, distinct)
    tickets = assert_one_ticket_each(final, people)
    assert_told_their_number(fake, tickets)
    assert_chats_show_outbox_in_order(fake, final)

    def transcript(person: Reporter) -> list[str]:
        number = tickets[person.address].number
        return [
            t.replace(person.name, "NAME").replace(person.description, "TEXT").replace(number, "#")
            for t in fake.texts(person.user_id)
        ]

    for person in others:
        assert transcript(person) == transcript(control), person.address


async def test_redeliveries_do_not_use_up_a_reporters_inbound_limit(
    sqlite_url: str, toml: Path
) -> None:
    person = reporters(1, 670_001)[0]
    updates = person.updates()
    async with FakeTelegram() as fake:
        helpdesk = webhook_helpdesk(sqlite_url, fake, toml)  # the default limit: 20 a minute
        async with (
            serving(create_app(helpdesk)) as url,
            httpx.AsyncClient(trust_env=False, timeout=10.0) as client,
        ):
            # Eleven answers in well under a minute, each delivered three times: Telegram
            # did not get the first 2xx in time (a slow moment, a lost response).
            for update in updates:
                for _ in range(3):
                    assert await post(client, url, update) == 200
            final = await wait_all_sent(sqlite_url)

    # What the reporter should see: their ticket, and no request to slow down.
    assert_told_their_number(fake, assert_one_ticket_each(final, [person]))
    slow_down = i18n.text("en", "slow_down")
    assert not any(slow_down in t for t in fake.texts(person.user_id)), "told to slow down"
    assert_each_update_once(final, [int(u["update_id"]) for u in updates])
