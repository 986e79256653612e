"""The dispatcher on both databases: duplicates, restarts, crashes and concurrent messages."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, func, select

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig
from bot.core.groupcommit import Handled
from bot.helpdesk import Helpdesk
from bot.settings import Settings
from db.models import Counter, InboundMessage, OutboxMessage, Ticket, TicketEvent
from db.uow import UnitOfWork
from flows import i18n
from flows.commands import SubmitTicket
from flows.messages import Address, Inbound
from tests.conftest import FixedClock, _raw_dsn
from tests.helpers import deliver_all, fetch, inbound, scalar, submit_command
from tests.support import Person, file_ticket

SORRY = i18n.text("en", "sorry_error")
ADDED = i18n.text("en", "description_added")
DESCRIPTION = "Wage bill shows error 500 on submit"


async def reach_summary(person: Person, description: str = DESCRIPTION) -> list[str]:
    """A new reporter's English intake up to the summary (see support.file_ticket); what
    the last answer got back."""
    replies: list[str] = []
    for answer in ("hi", "1", "Jatni", "1", "Ramesh Sahu", "wage", "2", description):
        replies = await person.say(answer)
    return replies


async def tickets(helpdesk: Helpdesk) -> list[Ticket]:
    return await fetch(helpdesk, select(Ticket).order_by(Ticket.id))


async def inbound_rows(helpdesk: Helpdesk, address: str) -> list[InboundMessage]:
    query = select(InboundMessage).where(InboundMessage.address == address)
    return await fetch(helpdesk, query.order_by(InboundMessage.id))


async def event_count(helpdesk: Helpdesk) -> int:
    return int(await scalar(helpdesk, select(func.count(TicketEvent.id))))


async def ticket_counter(helpdesk: Helpdesk) -> int:
    return int(await scalar(helpdesk, select(Counter.value).where(Counter.name == "ticket")))


def outcome(person: Person) -> Handled | None:
    """How the dispatcher handled the person's last message."""
    return person.last_handled


def created_number(replies: list[str]) -> str:
    created = [text for text in replies if "registered as ticket" in text]
    assert len(created) == 1, replies
    return created[0].split("ticket ", 1)[1].split(".", 1)[0]


# -- duplicates -----------------------------------------------------------------------------


async def test_a_repeated_provider_id_is_ignored(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    await reach_summary(reporter)

    first = await reporter.say("1", provider_id="wamid.submit-1")
    assert outcome(reporter) is Handled.PROCESSED
    assert created_number(first) == "MK-1001"

    # The channel delivers the same message again (a webhook retry): nothing happens.
    again = await reporter.say("1", provider_id="wamid.submit-1")
    assert outcome(reporter) is Handled.DUPLICATE
    assert again == []
    assert [ticket.number for ticket in await tickets(helpdesk)] == ["MK-1001"]
    kept = [row for row in await inbound_rows(helpdesk, "memory:ramesh") if row.text == "1"]
    assert [row.provider_id for row in kept].count("wamid.submit-1") == 1


async def test_duplicates_arriving_together_are_handled_once(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    await reach_summary(reporter)
    submit = inbound(helpdesk, "memory:ramesh", "1", provider_id="tg-update-77")

    outcomes = await asyncio.gather(*(helpdesk.dispatcher.handle(submit) for _ in range(5)))

    assert sorted(outcomes) == sorted([Handled.PROCESSED] + [Handled.DUPLICATE] * 4)
    replies = await reporter.inbox()
    assert created_number(replies) == "MK-1001"
    assert len(await tickets(helpdesk)) == 1


async def test_the_same_provider_id_on_another_channel_is_a_new_message(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    on_memory = Person(helpdesk, channel, "memory:ramesh")
    on_console = Person(helpdesk, channel, "console:ramesh")

    assert await on_memory.say("hi", provider_id="42")
    assert await on_console.say("hi", provider_id="42")
    assert outcome(on_console) is Handled.PROCESSED


# -- restart --------------------------------------------------------------------------------


async def test_a_restart_mid_report_resumes_at_the_same_question(
    helpdesk: Helpdesk, channel: MemoryChannel, config: HelpdeskConfig, clock: FixedClock
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    for answer in ("hi", "1", "Jatni", "1"):
        await reporter.say(answer)
    asked = await reporter.say("Ramesh Sahu")
    assert asked[-1] == i18n.text("en", "ask_module")

    # The service stops and starts again (a deploy) while the reporter is thinking.
    await helpdesk.close()
    settings = Settings(database_url=helpdesk.settings.database_url, _env_file=None)  # type: ignore[call-arg]
    restarted = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    try:
        clock.advance(hours=3)
        again = Person(restarted, channel, "memory:ramesh")
        again.seen = reporter.seen

        resumed = await again.say("wage")  # the answer to the module question asked before
        assert resumed[0] == i18n.text("en", "welcome_back")
        assert resumed[-1] == i18n.text("en", "ask_category")
        await again.say("2")
        summary = "\n".join(await again.say(DESCRIPTION))
        for shown in (
            "ULB: Jatni Municipality",
            "Name: Ramesh Sahu (ULB employee)",
            "Module: Wage bills and payments",
            "Kind of problem: The app or iFIX shows an error",
            f"Description: {DESCRIPTION}",
        ):
            assert shown in summary
        number = created_number(await again.say("1"))

        assert number == "MK-1001"
        [ticket] = await tickets(restarted)
        assert (ticket.ulb, ticket.reporter_name, ticket.reporter_role) == (
            "jatni",
            "Ramesh Sahu",
            "ulb_employee",
        )
        assert (ticket.module, ticket.category, ticket.description) == (
            "wage_bills",
            "app_error",
            DESCRIPTION,
        )
        assert ticket.reporter_address == "memory:ramesh"
    finally:
        await restarted.close()


# -- a crash inside the step ----------------------------------------------------------------


async def test_a_crash_while_filing_keeps_the_message_and_apologises(
    helpdesk: Helpdesk, channel: MemoryChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    await reach_summary(reporter)
    service = helpdesk.dispatcher.service
    real_create = service.create

    async def create_then_crash(
        uow: UnitOfWork, address: Address, command: SubmitTicket, now: datetime
    ) -> Ticket:
        await real_create(uow, address, command, now)  # the ticket is half-written …
        await uow.session.flush()
        raise RuntimeError("connection to the database was lost")  # … when the crash comes

    monkeypatch.setattr(service, "create", create_then_crash)
    replies = await reporter.say("Submit", provider_id="wamid.crash")

    assert outcome(reporter) is Handled.FAILED
    assert replies == [SORRY]
    assert SORRY.startswith("Sorry, something went wrong")
    kept_rows = await inbound_rows(helpdesk, "memory:ramesh")
    [kept] = [row for row in kept_rows if row.provider_id == "wamid.crash"]
    assert (kept.status, kept.text) == ("failed", "Submit")
    assert "connection to the database was lost" in kept.error
    # Nothing of the half-made ticket is left, and its number is not used up.
    assert await tickets(helpdesk) == []
    assert await event_count(helpdesk) == 0
    assert await ticket_counter(helpdesk) == 1000

    monkeypatch.undo()
    retried = await reporter.say("Submit")
    assert outcome(reporter) is Handled.PROCESSED
    assert created_number(retried) == "MK-1001"
    [ticket] = await tickets(helpdesk)
    assert ticket.description == DESCRIPTION
    assert await event_count(helpdesk) == 1


# -- one message at a time per conversation ------------------------------------------------


async def _burst_and_check(
    desks: list[Helpdesk], channel: MemoryChannel, people: dict[str, int]
) -> None:
    """Each person, at the summary, sends lines all at once through `desks`;
    every line must be kept once, answered once, and end up in that person's ticket."""
    first = desks[0]
    persons = {address: Person(first, channel, address) for address in people}
    for person in persons.values():
        await reach_summary(person)
    lines = {
        address: [f"{address.split(':')[1]} detail line {n:02d}" for n in range(count)]
        for address, count in people.items()
    }
    burst = [
        inbound(first, address, text)
        for round_ in itertools.zip_longest(*lines.values())
        for address, text in zip(lines, round_, strict=True)
        if text is not None
    ]

    outcomes = await asyncio.gather(
        *(desks[n % len(desks)].dispatcher.handle(message) for n, message in enumerate(burst))
    )

    assert set(outcomes) == {Handled.PROCESSED}
    await deliver_all(first)
    unsent = select(func.count(OutboxMessage.id)).where(OutboxMessage.status != "sent")
    assert await scalar(first, unsent) == 0
    for address, person in persons.items():
        kept = await inbound_rows(first, address)
        burst_ids = {m.provider_id for m in burst if str(m.address) == address}
        kept_ids = [row.provider_id for row in kept if row.provider_id in burst_ids]
        assert sorted(kept_ids) == sorted(burst_ids)  # each message recorded exactly once
        assert {r.status for r in kept} == {"processed"}
        received = [m.text for m in person.new_messages()]
        assert received.count(ADDED) == people[address]
        number = created_number(await person.say("1"))
        [ticket] = [t for t in await tickets(first) if t.number == number]
        assert ticket.reporter_address == address
        written = ticket.description.split("\n")
        assert written[0] == DESCRIPTION
        assert sorted(written[1:]) == lines[address]  # every line once, nobody else's


async def test_concurrent_messages_for_one_chat_are_handled_one_at_a_time(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    people = {"memory:ramesh": 20, "memory:sita": 8, "memory:bikash": 8, "console:lata": 8}
    await _burst_and_check([helpdesk], channel, people)


async def test_two_processes_take_one_message_at_a_time_per_conversation(
    helpdesk: Helpdesk, channel: MemoryChannel, config: HelpdeskConfig, clock: FixedClock
) -> None:
    """Two helpdesks on one database (as two server processes): the database lock keeps
    the conversation consistent where the in-process lock cannot."""
    settings = Settings(database_url=helpdesk.settings.database_url, _env_file=None)  # type: ignore[call-arg]
    other = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    try:
        await _burst_and_check([helpdesk, other], channel, {"memory:ramesh": 20, "memory:sita": 6})
    finally:
        await other.close()


# -- group commit -----------------------------------------------------------------------------


def counting_commits(helpdesk: Helpdesk) -> list[int]:
    commits: list[int] = []
    event.listen(helpdesk.engine.sync_engine, "commit", lambda _connection: commits.append(1))
    return commits


async def test_messages_of_different_conversations_arriving_together_share_one_commit(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    people = [Person(helpdesk, channel, f"memory:person{n}") for n in range(5)]
    commits = counting_commits(helpdesk)

    outcomes = await asyncio.gather(
        *(helpdesk.dispatcher.handle(inbound(helpdesk, str(p.address), "hi")) for p in people)
    )

    assert outcomes == [Handled.PROCESSED] * 5
    assert len(commits) == 1
    await deliver_all(helpdesk)
    for person in people:
        assert len(person.new_messages()) == 1  # each asked for their language, once
        [row] = await inbound_rows(helpdesk, str(person.address))
        assert (row.text, row.status) == ("hi", "processed")


async def test_two_processes_grouping_the_same_conversations_never_wait_on_each_other(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    config: HelpdeskConfig,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two processes each take a message from the same twelve people at the same moment, in
    opposite orders: each process's group locks the conversations in one order, so neither
    waits for a row the other holds while it holds one the other waits for (PostgreSQL
    would end that as a deadlock: a second's wait, and the group run again)."""
    settings = Settings(database_url=helpdesk.settings.database_url, _env_file=None)  # type: ignore[call-arg]
    other = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    try:
        people = [Person(helpdesk, channel, f"memory:person{n:02d}") for n in range(12)]
        for person in people:
            await person.say("hi")
        forwards = [inbound(helpdesk, str(p.address), "1") for p in people]
        backwards = [inbound(other, str(p.address), "menu") for p in reversed(people)]

        with caplog.at_level(logging.WARNING, logger="bot.core.groupcommit"):
            outcomes = await asyncio.gather(
                *(helpdesk.dispatcher.handle(message) for message in forwards),
                *(other.dispatcher.handle(message) for message in backwards),
            )

        assert outcomes == [Handled.PROCESSED] * 24
        assert not [r for r in caplog.records if r.msg.startswith("a message failed")]
        for person in people:
            rows = await inbound_rows(helpdesk, str(person.address))
            assert [row.status for row in rows] == ["processed"] * 3
    finally:
        await other.close()


@pytest.mark.parametrize(
    ("database_url", "sqlite_fast_path"),
    [("postgres", True), ("postgres", False)],
    indirect=["database_url"],
    ids=["postgres", "postgres-plain"],
)
async def test_a_message_postgresql_ends_as_a_deadlock_is_tried_again_not_failed(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Another process holds the ticket counter, then waits for the reporter's conversation,
    which the helpdesk locked while submitting their report and now waits for the counter:
    PostgreSQL ends the helpdesk's transaction as a deadlock. The report is submitted on the
    next try, and the reporter gets their ticket number, not an apology."""
    reporter = Person(helpdesk, channel, "memory:deadlocked")
    await reach_summary(reporter)
    other = await asyncpg.connect(_raw_dsn(database_url), timeout=10)
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute("UPDATE counters SET value = value WHERE name = 'ticket'")
        with caplog.at_level(logging.WARNING, logger="bot.core.dispatcher"):
            submitting = asyncio.create_task(reporter.say("1"))
            await waiting_for_a_lock(other)
            # The wait the other way round: PostgreSQL ends the helpdesk's, the longer one.
            with contextlib.suppress(asyncpg.DeadlockDetectedError):
                await other.execute(
                    "UPDATE conversations SET updated_at = updated_at WHERE address = $1",
                    "memory:deadlocked",
                )
            await holding.rollback()
            replies = await submitting
    finally:
        await other.close()

    assert outcome(reporter) is Handled.PROCESSED
    assert created_number(replies) == "MK-1001"
    assert [row.status for row in await inbound_rows(helpdesk, "memory:deadlocked")][-1] == (
        "processed"
    )
    assert any(r.msg.startswith("inbound message met another") for r in caplog.records)


async def waiting_for_a_lock(other: asyncpg.Connection) -> None:
    """Until a session of the helpdesk waits for a row lock (`other`'s)."""
    for _ in range(500):
        waiting = await other.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the helpdesk never waited for the counter")


async def test_a_ticket_rolled_back_with_its_message_is_out_of_the_next_ones_way(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    """A ticket written by a message that then fails is rolled back with it; the next message
    of the group may be given the same row ID for its own ticket, and gets its ticket."""
    dispatcher = helpdesk.dispatcher
    assert dispatcher.group is not None
    command = submit_command()
    # The failed message's ticket object outlives it, as it does in the traceback kept of
    # a failure.
    written: list[Ticket] = []

    async def fails_after_writing(uow: UnitOfWork) -> Handled:
        written.append(
            await dispatcher.service.create(uow, Address("memory", "first"), command, clock())
        )
        raise RuntimeError("the disk is full")

    async def files(uow: UnitOfWork) -> Handled:
        await dispatcher.service.create(uow, Address("memory", "second"), command, clock())
        return Handled.PROCESSED

    outcomes = await asyncio.gather(
        dispatcher.group.run(fails_after_writing),
        dispatcher.group.run(files),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], RuntimeError) and outcomes[1] is Handled.PROCESSED
    [ticket] = await tickets(helpdesk)
    assert ticket.reporter_address == "memory:second"


async def test_a_message_failing_in_a_group_is_kept_as_failed_and_the_rest_committed(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispatcher = helpdesk.dispatcher
    people = [Person(helpdesk, channel, f"memory:person{n}") for n in range(3)]
    for person in people:
        await reach_summary(person)
    real_execute = dispatcher._execute

    async def crash_for_person1(uow: UnitOfWork, inbound_: Inbound, *args: Any) -> Any:
        answers = await real_execute(uow, inbound_, *args)  # the ticket is half-written …
        await uow.session.flush()
        if str(inbound_.address) == "memory:person1":
            raise RuntimeError("the disk is full")  # … when the failure comes
        return answers

    monkeypatch.setattr(dispatcher, "_execute", crash_for_person1)
    submits = [
        inbound(helpdesk, str(p.address), "1", provider_id=f"submit-{p.address}") for p in people
    ]
    commits = counting_commits(helpdesk)
    with caplog.at_level(logging.INFO, logger="bot.core.dispatcher"):
        outcomes = await asyncio.gather(*(dispatcher.handle(message) for message in submits))

    assert outcomes == [Handled.PROCESSED, Handled.FAILED, Handled.PROCESSED]
    # The log says so once for each ticket that exists (person0's work was done twice, the
    # second time on a savepoint; person1's ticket, numbered and rolled back, never was),
    # and why the group ran again.
    created = [r.__dict__["ticket"] for r in caplog.records if r.msg == "ticket created"]
    assert created == ["MK-1001", "MK-1002"]
    [again] = [r for r in caplog.records if r.msg.startswith("a message failed in a group")]
    assert again.exc_info is not None and "the disk is full" in str(again.exc_info[1])
    assert len(commits) == 2  # the group's, then the failed message kept on its own
    # Two tickets (numbers taken in order), nothing of the third, whose number is not used.
    assert sorted(t.reporter_address for t in await tickets(helpdesk)) == [
        "memory:person0",
        "memory:person2",
    ]
    assert await ticket_counter(helpdesk) == 1002
    rows = await inbound_rows(helpdesk, "memory:person1")
    [kept] = [row for row in rows if row.provider_id == "submit-memory:person1"]
    assert kept.status == "failed" and "the disk is full" in kept.error
    await deliver_all(helpdesk)
    assert [m.text for m in people[1].new_messages()][-1] == SORRY

    monkeypatch.undo()
    retried = await people[1].say("1")  # the reporter's conversation is where it was
    assert created_number(retried) == "MK-1003"


# -- a team's group chat ----------------------------------------------------------------------


async def test_two_members_pressing_take_on_a_card_leave_the_ticket_with_the_first(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """The L1 group's card for a new ticket: two operators press Take at the same moment.
    The first has it; the second is told so (and how to take it over on purpose)."""
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await deliver_all(helpdesk)
    group = Address("console", "team-l1")
    card = channel.last(group)
    [take] = [choice for choice in card.choices if choice.key.startswith("take ")]
    presses = itertools.count()

    def from_the_group(person: str, name: str, text: str = "", choice: str = "") -> Inbound:
        return Inbound(
            group,
            f"group-{next(presses)}",
            text,
            helpdesk.clock(),
            sender_name=name,
            sender=Address("console", person),
            choice=choice,
        )

    pressed = [
        from_the_group("op-101", "Anita Mohanty", choice=take.key),
        from_the_group("op-102", "Ravi Das", choice=take.key),
    ]
    outcomes = [await helpdesk.dispatcher.handle(message) for message in pressed]
    assert outcomes == [Handled.PROCESSED, Handled.PROCESSED]
    await deliver_all(helpdesk)
    [ticket] = await fetch(helpdesk, select(Ticket).where(Ticket.number == number))
    assert (ticket.assignee_name, ticket.status) == ("Anita Mohanty", "in_progress")
    told = f"Anita Mohanty has taken {number} already. To take it over, type: take {number}"
    assert told in channel.texts(group)

    # Typed, the command takes it over: that is meant.
    await helpdesk.dispatcher.handle(from_the_group("op-102", "Ravi Das", f"take {number}"))
    [ticket] = await fetch(helpdesk, select(Ticket).where(Ticket.number == number))
    assert ticket.assignee_name == "Ravi Das"


@pytest.mark.parametrize("verb", ["comment", "resolve", "reopen", "ask", "note"])
async def test_a_command_without_its_text_in_a_team_chat_asks_for_it(
    helpdesk: Helpdesk, channel: MemoryChannel, verb: str
) -> None:
    """`note MK-1001` typed alone (or any command that needs a text) is answered with the
    question, headed by the command a reply to it completes; nothing changes yet."""
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await deliver_all(helpdesk)
    group = Address("console", "team-l1")
    typed = Inbound(
        group,
        f"typed-{verb}",
        f"{verb} {number}",
        helpdesk.clock(),
        sender_name="Anita Mohanty",
        sender=Address("console", "op-101"),
    )

    assert await helpdesk.dispatcher.handle(typed) is Handled.PROCESSED
    await deliver_all(helpdesk)

    prompt = channel.last(group)
    assert prompt.text.startswith(f"{verb} {number}\n")
    assert number in prompt.text.split("\n")[1]  # the question names the ticket
    [ticket] = await fetch(helpdesk, select(Ticket).where(Ticket.number == number))
    assert (ticket.status, ticket.assignee) == ("new", "")


async def test_queue_in_a_teams_chat_lists_that_teams_tickets_whoever_asks(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """Anita (L1) typing `queue` in the eGov technical team's chat gets that chat's queue,
    not L1's, as every member of that chat would."""
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await deliver_all(helpdesk)
    egov_tech = Address("console", "team-egov-tech")
    asked = Inbound(
        egov_tech,
        "queue-1",
        "queue",
        helpdesk.clock(),
        sender_name="Anita Mohanty",
        sender=Address("console", "anita"),
    )
    assert await helpdesk.dispatcher.handle(asked) is Handled.PROCESSED
    await deliver_all(helpdesk)
    answer = channel.last(egov_tech).text
    assert "eGov technical team" in answer and number not in answer  # MK-1001 is with L1


async def test_a_member_with_a_long_telegram_name_takes_a_ticket(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """Telegram names run to 129 characters (64 first, 64 last): the ticket keeps the first
    120, as its column holds (PostgreSQL refused the whole action)."""
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await deliver_all(helpdesk)
    name = "A" * 64 + " " + "B" * 64
    pressed = Inbound(
        Address("console", "team-l1"),
        "long-name-1",
        "",
        helpdesk.clock(),
        sender_name=name,
        sender=Address("telegram", "1234567890"),
        choice=f"take {number}",
    )
    assert await helpdesk.dispatcher.handle(pressed) is Handled.PROCESSED
    [ticket] = await fetch(helpdesk, select(Ticket).where(Ticket.number == number))
    assert (ticket.status, ticket.assignee_name) == ("in_progress", name[:120])
