"""The SLA clock, the scheduler's notices, questions to the reporter, resolution confirmation
and rating, automatic closing, and linked incidents, on both databases.

The clock is the fixture's: Friday 27 November 2026, 11:00 in Odisha, and it moves only when a
test moves it. Office days are 10:00-17:30 (7.5 h), Monday to Friday; no holiday falls between
27 November and 18 December 2026. A P2 ticket filed then is due 2 business days later, on
Tuesday 1 December at 11:00; its "due soon" reminder comes at 75% of that (11.25 office hours):
6.5 h on Friday and 4.75 h on Monday, so Monday 30 November at 14:45.

Sweeps are called by hand (`Scheduler.sweep`), then the outbox is delivered to the in-memory
channel, which records what each chat received.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import load_config_text
from bot.helpdesk import Helpdesk
from bot.settings import ROOT
from db.models import Ticket
from flows.messages import Address
from tests.conftest import FixedClock
from tests.service.test_config import toml_document
from tests.support import Person, file_ticket, staff_person

IST = ZoneInfo("Asia/Kolkata")
RAMESH = "memory:ramesh"
SITA = "memory:sita"
GOPAL = "memory:gopal"
LAXMI = "memory:laxmi"
L1 = Address("console", "team-l1")
EGOV_TECH = Address("console", "team-egov-tech")
HUDD_ADMIN = Address("console", "team-hudd-admin")
MASTER_TRAINERS = Address("console", "team-master-trainers")
SLA_PREFIXES = ("Reminder: ", "SLA breached: ", "Still waiting: ")
DIGEST_PREFIX = "Daily summary for "


def ist(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


FILED = ist(2026, 11, 27, 11)
DUE = ist(2026, 12, 1, 11)
REMIND = ist(2026, 11, 30, 14, 45)


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _charts_in_tmp(helpdesk: Helpdesk, tmp_path: Path) -> None:
    """Sweeps on Mondays after 10:00 also draw the weekly chart: keep it out of the repo."""
    helpdesk.scheduler.reports_dir = tmp_path / "reports"


def advance_to(clock: FixedClock, moment: datetime) -> None:
    assert moment >= clock.now, "time only moves forward"
    clock.advance(seconds=(moment - clock.now).total_seconds())


async def deliver(helpdesk: Helpdesk) -> None:
    while await helpdesk.relay.deliver_due():
        pass


async def sweep(helpdesk: Helpdesk) -> int:
    """One scheduler pass, then everything it queued is delivered."""
    queued = await helpdesk.scheduler.sweep()
    await deliver(helpdesk)
    return queued


def sla_notices(channel: MemoryChannel) -> list[tuple[str, str]]:
    """Every reminder, breach notice and morning repeat delivered so far, as (chat, text)."""
    return [
        (str(message.address), message.text)
        for message in channel.sent
        if message.text.startswith(SLA_PREFIXES)
    ]


# A repeat report's first question: the ULB kept from the last report, then the module.
MODULE_QUESTION = (
    "ULB: Jatni Municipality (from your last report). For another ULB, type its name.\n\n"
    "Which part of MUKTASoft is the problem in?"
)


def texts(channel: MemoryChannel, address: Address, prefix: str) -> list[str]:
    return [text for text in channel.texts(address) if text.startswith(prefix)]


def digests(channel: MemoryChannel) -> list[tuple[str, str]]:
    return [
        (str(message.address), message.text)
        for message in channel.sent
        if message.text.startswith(DIGEST_PREFIX)
    ]


@asynccontextmanager
async def another_process(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> AsyncIterator[Helpdesk]:
    """A second helpdesk on the same database: a restart, or another process beside it."""
    other = build(
        helpdesk.settings,
        senders={"memory": channel, "console": channel},
        clock=clock,
        config=helpdesk.config,
    )
    other.scheduler.reports_dir = helpdesk.scheduler.reports_dir
    try:
        yield other
    finally:
        await other.close()


async def stored(helpdesk: Helpdesk, number: str) -> Ticket:
    """The ticket as the database has it now, read in a fresh transaction."""
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        await uow.commit()
    assert ticket is not None
    return ticket


async def trail(helpdesk: Helpdesk, number: str) -> list[tuple[str, str, str, str, dict[str, str]]]:
    """(actor, action, from, to, detail) of each event of the ticket, in order."""
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        events = await uow.tickets.events(ticket)
        await uow.commit()
    return [(e.actor, e.action, e.from_status, e.to_status, json.loads(e.detail)) for e in events]


async def reporter_with_ticket(
    helpdesk: Helpdesk,
    channel: MemoryChannel,
    address: str,
    description: str = "Wage bill shows error 500 on submit",
) -> tuple[Person, str]:
    person = Person(helpdesk, channel, address)
    number = await file_ticket(person, description)
    await person.inbox()
    return person, number


def card_of(replies: list[str], number: str) -> str:
    return next(text for text in replies if text.startswith(f"{number} · "))


# -- 1. the due-soon reminder -----------------------------------------------------------------


async def test_due_soon_reminder_reaches_the_team_once_even_after_a_restart(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    _, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    ticket = await stored(helpdesk, number)
    calendar, config = helpdesk.config.calendar, helpdesk.config
    share = config.reminders.due_soon_share
    remind_at = calendar.add_business_days(FILED, config.response_days["P2"] * share)
    assert remind_at == REMIND
    assert (ticket.response_due_at, ticket.reminder_at) == (DUE, remind_at)

    await sweep(helpdesk)  # Friday, just filed
    advance_to(clock, remind_at - timedelta(minutes=1))
    await sweep(helpdesk)
    assert sla_notices(channel) == []

    advance_to(clock, remind_at)
    await sweep(helpdesk)
    reminder = (
        "Reminder: MK-1001 (P2) needs a first response from L1 Helpdesk (HUDD) "
        "by Tue 1 Dec 2026, 11:00 am."
    )
    assert sla_notices(channel) == [(str(L1), reminder)]

    clock.advance(minutes=30)
    assert await sweep(helpdesk) == 0  # nothing at all is queued again
    assert sla_notices(channel) == [(str(L1), reminder)]
    async with another_process(helpdesk, channel, clock) as restarted:
        assert await restarted.scheduler.sweep() == 0
        await deliver(restarted)
    assert sla_notices(channel) == [(str(L1), reminder)]


# -- 2. breaches, per team, and the morning repeats ---------------------------------------------


async def test_breach_is_told_to_the_team_and_the_admins_then_repeated_each_business_morning(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    advance_to(clock, REMIND)
    await sweep(helpdesk)
    advance_to(clock, DUE - timedelta(minutes=1))
    await sweep(helpdesk)
    assert texts(channel, L1, "SLA breached: ") == []

    advance_to(clock, DUE)
    await sweep(helpdesk)
    breach = (
        "SLA breached: MK-1001 (P2) passed its response time (Tue 1 Dec 2026, 11:00 am) "
        "with L1 Helpdesk (HUDD)."
    )
    assert texts(channel, L1, "SLA breached: ") == [breach]
    assert texts(channel, HUDD_ADMIN, "SLA breached: ") == [breach]
    clock.advance(hours=3)
    await sweep(helpdesk)  # the same afternoon: nothing again, and no morning repeat yet
    assert len([n for n in sla_notices(channel) if n[1].startswith("SLA breached: ")]) == 2
    assert texts(channel, L1, "Still waiting: ") == []

    still = (
        "Still waiting: MK-1001 (P2) with L1 Helpdesk (HUDD); "
        "the response was due Tue 1 Dec 2026, 11:00 am."
    )
    expected: list[str] = []
    # Wednesday to the next Monday, with Saturday and Sunday in between.
    for day, repeats in ((2, True), (3, True), (4, True), (5, False), (6, False), (7, True)):
        advance_to(clock, ist(2026, 12, day, 10, 29))
        await sweep(helpdesk)
        assert texts(channel, L1, "Still waiting: ") == expected, f"{day} Dec before 10:30"
        advance_to(clock, ist(2026, 12, day, 10, 30))
        await sweep(helpdesk)
        advance_to(clock, ist(2026, 12, day, 16))
        await sweep(helpdesk)  # later the same day: once per day
        if repeats:
            expected.append(still)
        assert texts(channel, L1, "Still waiting: ") == expected, f"{day} Dec"
    assert len(expected) == 4
    # The admins hear of the breach once; the repeats are for the team that has the ticket.
    assert [text for chat, text in sla_notices(channel) if chat == str(HUDD_ADMIN)] == [breach]
    assert texts(channel, L1, "SLA breached: ") == [breach]

    # A (late) first response ends the repeats.
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say("take MK-1001")
    advance_to(clock, ist(2026, 12, 8, 10, 30))
    await sweep(helpdesk)
    assert texts(channel, L1, "Still waiting: ") == expected


async def test_escalation_gives_the_new_team_its_own_reminder_and_breach(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    _, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    for moment in (REMIND, DUE):  # L1 is reminded, then misses it
        advance_to(clock, moment)
        await sweep(helpdesk)
    assert len(texts(channel, L1, "Reminder: ")) == 1
    l1_breach = texts(channel, L1, "SLA breached: ")
    assert len(l1_breach) == 1
    anita = await staff_person(helpdesk, channel, "anita")
    escalated_at = ist(2026, 12, 1, 12)
    advance_to(clock, escalated_at)
    await anita.say(f"escalate {number} egov_tech")
    ticket = await stored(helpdesk, number)
    calendar = helpdesk.config.calendar
    due = calendar.add_business_days(escalated_at, 2)
    remind = calendar.add_business_days(escalated_at, 2 * 0.75)
    assert (due, remind) == (ist(2026, 12, 3, 12), ist(2026, 12, 2, 15, 45))
    assert (ticket.team, ticket.response_due_at, ticket.reminder_at) == ("egov_tech", due, remind)
    before = sla_notices(channel)

    advance_to(clock, remind - timedelta(minutes=1))
    await sweep(helpdesk)  # Wednesday morning: L1's old stint repeats nothing any more
    assert sla_notices(channel) == before
    advance_to(clock, remind)
    await sweep(helpdesk)
    assert texts(channel, EGOV_TECH, "Reminder: ") == [
        "Reminder: MK-1001 (P2) needs a first response from eGov technical team "
        "by Thu 3 Dec 2026, 12:00 pm."
    ]
    assert sla_notices(channel)[len(before) :] == [
        (str(EGOV_TECH), texts(channel, EGOV_TECH, "Reminder: ")[0])
    ]

    advance_to(clock, due)
    await sweep(helpdesk)
    await sweep(helpdesk)
    breach = (
        "SLA breached: MK-1001 (P2) passed its response time (Thu 3 Dec 2026, 12:00 pm) "
        "with eGov technical team."
    )
    assert texts(channel, EGOV_TECH, "SLA breached: ") == [breach]
    assert texts(channel, L1, "SLA breached: ") == [*l1_breach, breach]
    assert texts(channel, HUDD_ADMIN, "SLA breached: ")[-1] == breach
    assert len(texts(channel, HUDD_ADMIN, "SLA breached: ")) == 2

    advance_to(clock, ist(2026, 12, 4, 10, 30))
    await sweep(helpdesk)
    assert texts(channel, EGOV_TECH, "Still waiting: ") == [
        "Still waiting: MK-1001 (P2) with eGov technical team; "
        "the response was due Thu 3 Dec 2026, 12:00 pm."
    ]
    assert texts(channel, L1, "Still waiting: ") == []


# -- 3. catching up after downtime ------------------------------------------------------------


async def test_a_sweep_after_downtime_catches_up_on_the_breach_without_a_late_reminder(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    """Down through both the reminder's time and the due time: the team hears of the breach,
    not "due soon" in the same breath."""
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    advance_to(clock, ist(2026, 12, 1, 12))  # down from Friday until after the due time
    await sweep(helpdesk)
    await sweep(helpdesk)
    assert sorted(sla_notices(channel)) == sorted(
        [
            (
                str(L1),
                "SLA breached: MK-1001 (P2) passed its response time "
                "(Tue 1 Dec 2026, 11:00 am) with L1 Helpdesk (HUDD).",
            ),
            (
                str(HUDD_ADMIN),
                "SLA breached: MK-1001 (P2) passed its response time "
                "(Tue 1 Dec 2026, 11:00 am) with L1 Helpdesk (HUDD).",
            ),
        ]
    )


# -- 4. two processes -------------------------------------------------------------------------


async def test_two_processes_sweeping_together_send_each_notice_once(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    await reporter_with_ticket(helpdesk, channel, SITA, "Muster roll attendance is not saved")
    async with another_process(helpdesk, channel, clock) as other:
        queued = 0
        for moment in (FILED, REMIND, DUE, ist(2026, 12, 2, 10, 30)):
            advance_to(clock, moment)
            for _ in range(2):
                counts = await asyncio.gather(helpdesk.scheduler.sweep(), other.scheduler.sweep())
                queued += sum(counts)
            await deliver(helpdesk)
    notices = sla_notices(channel)
    for number in ("MK-1001", "MK-1002"):
        mine = [text for _, text in notices if text.split(" (", 1)[0].endswith(number)]
        assert [text.split(":", 1)[0] for text in mine] == [
            "Reminder",
            "SLA breached",
            "SLA breached",
            "Still waiting",
        ], number
    assert len(texts(channel, HUDD_ADMIN, "SLA breached: ")) == 2
    # One digest per team and day: Friday, Monday, Tuesday and Wednesday.
    l1_digests = texts(channel, L1, DIGEST_PREFIX)
    assert len(l1_digests) == 4
    assert all(
        text.startswith("Daily summary for L1 Helpdesk (HUDD): 2 open") for text in l1_digests
    )
    weekly = [m for m in channel.by_address[HUDD_ADMIN] if m.attachments]
    assert len(weekly) == 1
    assert queued == len(notices) + len(digests(channel)) + len(weekly)


async def test_two_processes_close_an_unconfirmed_ticket_once(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.inbox()
    async with another_process(helpdesk, channel, clock) as other:
        # Both sweep every minute; the day's digests went out at 09:30.
        advance_to(clock, ist(2026, 12, 2, 9, 45))
        await asyncio.gather(helpdesk.scheduler.sweep(), other.scheduler.sweep())
        advance_to(clock, ist(2026, 12, 2, 11))
        await asyncio.gather(helpdesk.scheduler.sweep(), other.scheduler.sweep())
        await deliver(helpdesk)
    closed_notice = (
        "Ticket MK-1001 has been closed because we did not hear back from you. If the "
        "problem is still there, report it again and mention MK-1001."
    )
    assert await ramesh.inbox() == [closed_notice]
    assert [event[1] for event in await trail(helpdesk, number)].count("auto_close") == 1


# -- 5. the first response stops the clock; what the cards say ---------------------------------


@pytest.mark.parametrize("response", ["take MK-1001", "comment MK-1001 Looking into the iFIX log"])
async def test_a_first_response_stops_the_clock(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, response: str
) -> None:
    _, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    clock.advance(minutes=30)
    await anita.say(response)
    ticket = await stored(helpdesk, number)
    assert ticket.first_response_at == ist(2026, 11, 27, 11, 30)
    card = channel.texts(L1)[-1]
    assert card.startswith("MK-1001 · P2 · ")
    assert "Response due: Tue 1 Dec 2026, 11:00 am · responded in time\n" in card

    for moment in (REMIND, DUE, ist(2026, 12, 2, 10, 30), ist(2026, 12, 3, 10, 30)):
        advance_to(clock, moment)
        await sweep(helpdesk)
    assert sla_notices(channel) == []
    replies = await anita.say(f"ticket {number}")
    assert "Response due: Tue 1 Dec 2026, 11:00 am · responded in time\n" in card_of(
        replies, number
    )
    # The digest lists it as answered, not breached.
    assert texts(channel, L1, DIGEST_PREFIX)[-1].endswith(
        "MK-1001 · P2 · responded in time · due Tue 1 Dec 2026, 11:00 am"
    )


async def test_cards_and_the_queue_show_the_sla_state_as_time_goes_by(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    _, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    due_line = "Response due: Tue 1 Dec 2026, 11:00 am"
    assert f"{due_line} · on track\n" in card_of(channel.texts(L1), number)
    anita = await staff_person(helpdesk, channel, "anita")
    moments = (
        (REMIND - timedelta(minutes=1), " · on track"),
        (REMIND, " · DUE SOON"),
        (ist(2026, 12, 1, 9, 30), " · DUE SOON"),  # Tuesday's digest
        (DUE - timedelta(minutes=1), " · DUE SOON"),
        (DUE, " · BREACHED"),
        (ist(2026, 12, 2, 9, 30), " · BREACHED"),  # Wednesday's digest
    )
    for moment, state in moments:
        advance_to(clock, moment)
        card = card_of(await anita.say(f"ticket {number}"), number)
        assert f"{due_line}{state}\n" in card, moment
        queue = (await anita.say("queue"))[0].splitlines()
        assert queue[1].startswith(number) and queue[1].endswith(f"11:00 am{state}"), moment
        await sweep(helpdesk)

    monday, tuesday, wednesday = texts(channel, L1, DIGEST_PREFIX)
    assert monday == (
        "Daily summary for L1 Helpdesk (HUDD): 1 open, 0 due today, 0 breached.\n"
        "MK-1001 · P2 · on track · due Tue 1 Dec 2026, 11:00 am"
    )
    assert tuesday == (
        "Daily summary for L1 Helpdesk (HUDD): 1 open, 1 due today, 0 breached.\n"
        "MK-1001 · P2 · DUE SOON · due Tue 1 Dec 2026, 11:00 am"
    )
    assert wednesday == (
        "Daily summary for L1 Helpdesk (HUDD): 1 open, 0 due today, 1 breached.\n"
        "MK-1001 · P2 · BREACHED · due Tue 1 Dec 2026, 11:00 am"
    )

    await anita.say(f"take {number}")  # late
    assert f"{due_line} · responded late\n" in channel.texts(L1)[-1]


# -- 6. a question to the reporter pauses the clock -------------------------------------------


async def test_a_question_to_the_reporter_pauses_the_clock_until_they_answer(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    before = await stored(helpdesk, number)
    assert (before.response_due_at, before.resolution_due_at) == (DUE, ist(2026, 12, 4, 11))
    anita = await staff_person(helpdesk, channel, "anita")
    asked_at = ist(2026, 11, 27, 12)
    advance_to(clock, asked_at)
    replies = await anita.say(f"ask {number} Which muster roll?")
    assert replies[0] == ("MK-1001: question sent to the reporter; the clock waits for the answer")
    assert (await stored(helpdesk, number)).status == "waiting"
    # While it waits, a note, a comment or a link of the team's leaves it waiting, and paused.
    advance_to(clock, ist(2026, 11, 27, 14))
    await anita.say(f"note {number} Called the ULB office; the engineer is on leave")
    await anita.say(f"comment {number} Any muster roll number will do")
    waiting = await stored(helpdesk, number)
    assert (waiting.status, waiting.paused_at) == ("waiting", asked_at)
    card = card_of(await anita.say(f"ticket {number}"), number)
    assert " · paused (waiting for the reporter)\n" in card
    assert (await ramesh.inbox())[0] == (
        "The helpdesk has a question about ticket MK-1001:\nWhich muster roll?\n"
        "Please reply with your answer."
    )

    answered_at = ist(2026, 11, 30, 12)  # Monday: 5.5 h on Friday and 2 h on Monday
    advance_to(clock, answered_at)
    replies = await ramesh.say("Muster roll 42 of week 3")
    assert replies == [
        "Thank you. Your answer on ticket MK-1001 has been passed to L1 Helpdesk (HUDD)."
    ]
    assert "The reporter answered on MK-1001:\nMuster roll 42 of week 3" in channel.texts(L1)
    after = await stored(helpdesk, number)
    assert (after.status, after.paused_at) == ("in_progress", None)
    assert (await trail(helpdesk, number))[-1] == (
        RAMESH,
        "reply",
        "waiting",
        "in_progress",
        {"text": "Muster roll 42 of week 3"},
    )

    calendar = helpdesk.config.calendar
    waited = calendar.business_time_between(asked_at, answered_at)
    assert waited == timedelta(hours=7.5)
    assert after.response_due_at is not None and after.resolution_due_at is not None
    assert before.response_due_at is not None and before.resolution_due_at is not None
    for old, new in (
        (before.response_due_at, after.response_due_at),
        (before.resolution_due_at, after.resolution_due_at),
    ):
        assert calendar.business_time_between(old, new) == waited
    assert (after.response_due_at, after.resolution_due_at) == (
        ist(2026, 12, 2, 11),
        ist(2026, 12, 7, 11),
    )
    # The question was answered: a later word still reaches the team (the ticket is open),
    # and changes nothing of its clock.
    await ramesh.say("Thanks")
    assert (await trail(helpdesk, number))[-1][1:] == (
        "reply",
        "in_progress",
        "in_progress",
        {"text": "Thanks"},
    )
    assert len(texts(channel, L1, "The reporter answered on")) == 2
    thanked = await stored(helpdesk, number)
    assert (thanked.response_due_at, thanked.paused_at) == (after.response_due_at, None)

    # A new priority counts the due time again from when the team got the ticket, still
    # moved on by the time it waited on the reporter; the same priority again changes nothing.
    await anita.say(f"priority {number} P1")
    urgent = await stored(helpdesk, number)
    assert urgent.response_due_at is not None and before.team_since is not None
    on_time = calendar.add_business_days(before.team_since, 1)  # P1: one business day
    assert calendar.business_time_between(on_time, urgent.response_due_at) == waited
    assert (await anita.say(f"priority {number} p1"))[0] == "MK-1001 is already P1."
    assert (await stored(helpdesk, number)).response_due_at == urgent.response_due_at


# -- 7. the reporter confirms the resolution, or not --------------------------------------------


@pytest.mark.parametrize(("text", "choice"), [("1", ""), ("", "solved MK-1001 yes")])
async def test_the_reporter_confirms_the_resolution_and_rates_the_help(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, text: str, choice: str
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    assert await ramesh.inbox() == [
        "Update on ticket MK-1001: resolved.\nBill re-submitted after the iFIX fix\n"
        "Is your problem solved?"
    ]
    notice = channel.last(ramesh.address)
    assert [(c.key, c.label) for c in notice.choices] == [
        ("solved MK-1001 yes", "Yes, it is solved"),
        ("solved MK-1001 no", "No, not yet"),
    ]
    assert (await stored(helpdesk, number)).confirmation == "asked"

    clock.advance(hours=1)
    assert await ramesh.say(text, choice=choice) == [
        "Ticket MK-1001 is closed. Thank you for confirming.",
        "Thank you! How would you rate the help you got? (1 = poor, 5 = excellent)",
    ]
    assert ramesh.last_choices() == ["★", "★★", "★★★", "★★★★", "★★★★★"]
    ticket = await stored(helpdesk, number)
    assert (ticket.status, ticket.confirmation, ticket.closed_at, ticket.rating) == (
        "closed",
        "confirmed",
        ist(2026, 11, 27, 12),
        None,
    )
    assert await ramesh.say("5") == ["Thank you for your feedback."]
    assert (await stored(helpdesk, number)).rating == 5
    assert [event[1] for event in await trail(helpdesk, number)][-2:] == ["confirm", "rate"]


@pytest.mark.parametrize("answer", ["2", "no"])
async def test_not_solved_reopens_the_ticket_with_the_same_team_and_a_fresh_clock(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock, answer: str
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    sita, number = await reporter_with_ticket(
        helpdesk, channel, SITA, "Wage bill for CBO cannot be submitted"
    )
    assert number == "MK-1002"
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"escalate {number} egov_tech")
    kiran = await staff_person(helpdesk, channel, "kiran")
    advance_to(clock, ist(2026, 11, 30, 12))
    await kiran.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await sita.inbox()

    advance_to(clock, ist(2026, 11, 30, 13))
    assert await sita.say(answer) == ["Sorry to hear that. What is still not working?"]
    assert (await stored(helpdesk, number)).status == "resolved"
    assert await sita.say("Still error 500 when I submit the bill") == [
        "Ticket MK-1002 is open again with eGov technical team; "
        "they will respond by Wed 2 Dec 2026, 1:00 pm."
    ]
    ticket = await stored(helpdesk, number)
    now = ist(2026, 11, 30, 13)
    assert (ticket.status, ticket.team, ticket.reopen_count, ticket.confirmation) == (
        "reopened",
        "egov_tech",
        1,
        "rejected",
    )
    assert (ticket.resolved_at, ticket.first_response_at, ticket.team_since) == (None, None, now)
    assert ticket.response_due_at == helpdesk.config.calendar.add_business_days(now, 2)
    assert ticket.response_due_at == ist(2026, 12, 2, 13)
    assert texts(channel, EGOV_TECH, "The reporter says") == [
        "The reporter says MK-1002 is not solved yet:\nStill error 500 when I submit the bill"
    ]
    assert texts(channel, L1, "The reporter says") == []


async def test_a_reporter_in_the_middle_of_a_report_is_not_interrupted(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    await ramesh.say("menu")
    assert await ramesh.say("1") == [MODULE_QUESTION]  # report
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    assert (await ramesh.inbox())[-1].endswith("Is your problem solved?")

    # The draft goes on where it was: "wage" answers the module question.
    assert await ramesh.say("wage") == ["What kind of problem is it?"]
    replies = await ramesh.say(choice=f"solved {number} yes")
    assert replies == [
        "Ticket MK-1001 is closed. Thank you for confirming.",
        "Thank you! How would you rate the help you got? (1 = poor, 5 = excellent)",
    ]
    assert (await stored(helpdesk, number)).confirmation == "confirmed"
    # "2" still answers the draft's question (the second kind of problem), not the rating.
    assert (await ramesh.say("2"))[0].startswith("Please describe the problem")
    assert (await stored(helpdesk, number)).rating is None
    await ramesh.say(choice=f"rate {number} 4")
    assert (await stored(helpdesk, number)).rating == 4
    await ramesh.say("Muster roll page hangs after saving attendance")
    replies = await ramesh.say("1")  # submit
    assert any("registered as ticket MK-1002" in reply for reply in replies)
    second = await stored(helpdesk, "MK-1002")
    assert (second.module, second.category) == ("wage_bills", "app_error")


@pytest.mark.parametrize("answer", ["1", "2"])
async def test_a_report_saved_for_later_does_not_get_in_the_way_of_the_answers(
    helpdesk: Helpdesk, channel: MemoryChannel, answer: str
) -> None:
    """A reporter with an unfinished report kept for later (they went back to the menu) is
    asked whether their ticket is solved: the rating, or what is still wrong, is theirs to
    give next, as for anyone at the menu (the rating was lost, and "no" reopened the ticket
    with no reason)."""
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    await ramesh.say("menu")
    await ramesh.say("1")  # a new report...
    await ramesh.say("menu")  # ...kept for later
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.inbox()

    if answer == "1":
        assert (await ramesh.say("1"))[-1].startswith("Thank you! How would you rate")
        assert await ramesh.say("5") == ["Thank you for your feedback."]
        assert (await stored(helpdesk, number)).rating == 5
    else:
        assert await ramesh.say("2") == ["Sorry to hear that. What is still not working?"]
        assert (await stored(helpdesk, number)).status == "resolved"
        await ramesh.say("The bill still shows error 500")
        reopened = await stored(helpdesk, number)
        assert (reopened.status, reopened.last_note) == (
            "reopened",
            "The bill still shows error 500",
        )


async def test_an_old_solved_button_pressed_mid_report_keeps_the_reports_question(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.say("1")  # solved: closed
    await ramesh.say("menu")
    assert await ramesh.say("1") == [MODULE_QUESTION]  # report

    replies = await ramesh.say(choice=f"solved {number} yes")  # the old button, again
    assert len(replies) == 1 and "not waiting for an answer" in replies[0]
    assert await ramesh.say("wage") == ["What kind of problem is it?"]  # the report goes on


async def test_staff_closing_or_reopening_settles_the_reporters_is_it_solved_question(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """Closed by staff before the reporter answered: their next "1" is not a yes to a
    question settled meanwhile. Reopened while they were saying why it is not solved: what
    they type next still reaches the team."""
    ramesh, first = await reporter_with_ticket(helpdesk, channel, RAMESH)
    sita, second = await reporter_with_ticket(
        helpdesk, channel, SITA, "Wage bill for CBO cannot be submitted"
    )
    anita = await staff_person(helpdesk, channel, "anita")
    for number in (first, second):
        await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.inbox(), await sita.inbox()

    await anita.say(f"close {first}")
    replies = await ramesh.say("1")
    assert not any("Is your problem solved?" in reply for reply in replies)
    assert (await stored(helpdesk, first)).confirmation == "asked"  # no answer was taken

    assert await sita.say("no") == ["Sorry to hear that. What is still not working?"]
    await anita.say(f"reopen {second} The ULB called: still failing")
    await sita.say("Error 500 again after the fix")
    assert any("Error 500 again after the fix" in text for text in channel.texts(L1)), (
        "the reporter's words reached the team"
    )


# -- 8. automatic closing ---------------------------------------------------------------------


async def test_an_unconfirmed_resolution_closes_after_three_business_days(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    resolved_at = ist(2026, 11, 27, 12)
    advance_to(clock, resolved_at)
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.inbox()
    closes_at = helpdesk.config.calendar.add_business_days(resolved_at, 3)
    assert closes_at == ist(2026, 12, 2, 12)  # Friday 5.5 h, Monday, Tuesday, Wednesday 2 h

    for moment in (ist(2026, 11, 30, 12), ist(2026, 12, 1, 17), closes_at - timedelta(minutes=1)):
        advance_to(clock, moment)
        await sweep(helpdesk)
        assert (await stored(helpdesk, number)).status == "resolved", moment
    assert await ramesh.inbox() == []

    advance_to(clock, closes_at)
    await sweep(helpdesk)
    ticket = await stored(helpdesk, number)
    assert (ticket.status, ticket.confirmation, ticket.closed_at) == (
        "closed",
        "auto_closed",
        closes_at,
    )
    notice = (
        "Ticket MK-1001 has been closed because we did not hear back from you. If the "
        "problem is still there, report it again and mention MK-1001."
    )
    assert await ramesh.inbox() == [notice]
    assert (await trail(helpdesk, number))[-1] == (
        "helpdesk",
        "auto_close",
        "resolved",
        "closed",
        {},
    )
    clock.advance(days=1)
    await sweep(helpdesk)
    assert await ramesh.inbox() == []


async def test_after_an_automatic_close_the_reporters_next_message_is_not_a_confirmation(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    ramesh, number = await reporter_with_ticket(helpdesk, channel, RAMESH)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await ramesh.inbox()
    advance_to(clock, ist(2026, 12, 2, 12))
    await sweep(helpdesk)
    assert (await ramesh.inbox())[0].startswith("Ticket MK-1001 has been closed because")
    replies = await ramesh.say("1")
    assert "Ticket MK-1001 is not waiting for an answer from you." not in replies
    assert not any(reply.startswith("Thank you! How would you rate") for reply in replies)


# -- 9. linked incidents ----------------------------------------------------------------------


SAME_PROBLEM = "Wage bill submit fails with iFIX gateway error"


async def test_linked_tickets_follow_their_problem_and_their_reporters_hear_of_it(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    people: dict[str, Person] = {}
    for address in (RAMESH, SITA, GOPAL, LAXMI, "memory:bina"):
        person, number = await reporter_with_ticket(helpdesk, channel, address, SAME_PROBLEM)
        people[number] = person
    assert list(people) == ["MK-1001", "MK-1002", "MK-1003", "MK-1004", "MK-1005"]
    linked = ("MK-1002", "MK-1003", "MK-1004")
    anita = await staff_person(helpdesk, channel, "anita")
    assert (await anita.say("link MK-1002 MK-1001"))[0] == (
        "MK-1002: linked to MK-1001; its reporter follows MK-1001"
    )
    await anita.say("link mk 1003 mk-1001")
    await anita.say("duplicate MK-1004 MK-1001")
    for number in linked:
        assert await people[number].inbox() == [
            f"Your ticket {number} is part of MK-1001, which the helpdesk is already working "
            "on. You will get its updates here."
        ]
    kinds = {n: (await stored(helpdesk, n)).link_kind for n in linked}
    assert kinds == {"MK-1002": "incident", "MK-1003": "incident", "MK-1004": "duplicate"}
    assert "\nPart of MK-1001 (duplicate)\n" in card_of(channel.texts(L1)[::-1], "MK-1004")

    # One level only, and never a ticket to itself.
    for command, value in (
        ("link MK-1005 MK-1002", "MK-1002"),  # MK-1002 is itself linked
        ("link MK-1001 MK-1005", "MK-1005"),  # MK-1001 has incidents
        ("duplicate MK-1001 MK-1005", "MK-1005"),
        ("link MK-1005 MK-1005", "MK-1005"),
        ("link MK-1005 MK-1999", "MK-1999"),
    ):
        assert (await anita.say(command))[0] == f"“{value}” is not a valid choice here.", command
    assert [(await stored(helpdesk, n)).parent_number for n in people] == [
        "",
        "MK-1001",
        "MK-1001",
        "MK-1001",
        "",
    ]
    assert await people["MK-1005"].inbox() == []

    await anita.say("take MK-1001")
    await anita.say("comment MK-1001 We are checking the iFIX gateway")
    assert await people["MK-1001"].inbox() == [
        "Update on ticket MK-1001: L1 Helpdesk (HUDD) has started working on it.",
        "Message from the helpdesk about ticket MK-1001:\nWe are checking the iFIX gateway",
    ]
    for number in linked:
        assert await people[number].inbox() == [
            f"About your ticket {number} (part of MK-1001):\n"
            "Update on ticket MK-1001: L1 Helpdesk (HUDD) has started working on it.",
            f"About your ticket {number} (part of MK-1001):\n"
            "Message from the helpdesk about ticket MK-1001:\nWe are checking the iFIX gateway",
        ]

    await anita.say("resolve MK-1001 The iFIX gateway is fixed; please submit the bill again")
    for number in ("MK-1001", *linked):
        ticket = await stored(helpdesk, number)
        assert (ticket.status, ticket.confirmation) == ("resolved", "asked"), number
        notice = (await people[number].inbox())[-1]
        assert notice.endswith(
            "resolved.\nThe iFIX gateway is fixed; please submit the bill again\n"
            "Is your problem solved?"
        ), number
        assert [c.key for c in channel.last(people[number].address).choices] == [
            f"solved {number} yes",
            f"solved {number} no",
        ]
    assert (await stored(helpdesk, "MK-1005")).status == "new"
    assert await people["MK-1005"].inbox() == []
    # Each reporter answers for their own ticket.
    assert (await people["MK-1003"].say("1"))[0] == (
        "Ticket MK-1003 is closed. Thank you for confirming."
    )
    assert (await stored(helpdesk, "MK-1003")).status == "closed"
    assert (await stored(helpdesk, "MK-1002")).status == "resolved"

    # Not fixed after all: the incidents still resolved are reopened with it, and hear so.
    await anita.say("reopen MK-1001 The gateway fails again since noon")
    assert [(await stored(helpdesk, n)).status for n in ("MK-1002", "MK-1003", "MK-1004")] == [
        "reopened",
        "closed",
        "reopened",
    ]
    reopened = await stored(helpdesk, "MK-1002")
    assert reopened.confirmation == ""
    assert reopened.first_response_at is not None  # worked on through MK-1001: no breach
    assert "reopened" in (await people["MK-1002"].inbox())[-1]


async def test_escalating_a_problem_tells_linked_reporters_where_it_went(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH, SAME_PROBLEM)
    sita, number = await reporter_with_ticket(helpdesk, channel, SITA, SAME_PROBLEM)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"link {number} MK-1001")
    await sita.inbox()
    await anita.say("escalate MK-1001 egov_tech")
    notices = await sita.inbox()
    assert len(notices) == 1
    assert notices[0].startswith(f"About your ticket {number} (part of MK-1001):\n")
    assert "passed to eGov technical team" in notices[0]


async def test_linked_tickets_do_not_breach_while_their_problem_is_being_worked_on(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH, SAME_PROBLEM)
    await reporter_with_ticket(helpdesk, channel, SITA, SAME_PROBLEM)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say("link MK-1002 MK-1001")
    await anita.say("take MK-1001")
    for moment in (REMIND, DUE, ist(2026, 12, 2, 10, 30)):
        advance_to(clock, moment)
        await sweep(helpdesk)
    assert [notice for notice in sla_notices(channel) if "MK-1002" in notice[1]] == []


# -- 10. daily digests ------------------------------------------------------------------------


async def test_each_team_gets_one_daily_digest_on_business_days(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    await reporter_with_ticket(helpdesk, channel, SITA, "Wage bill for CBO cannot be submitted")
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say("escalate MK-1002 egov_tech")
    kiran = await staff_person(helpdesk, channel, "kiran")
    await kiran.say("take MK-1002")

    await sweep(helpdesk)  # Friday 11:00
    l1_friday = (
        "Daily summary for L1 Helpdesk (HUDD): 1 open, 0 due today, 0 breached.\n"
        "MK-1001 · P2 · on track · due Tue 1 Dec 2026, 11:00 am"
    )
    egov_friday = (
        "Daily summary for eGov technical team: 1 open, 0 due today, 0 breached.\n"
        "MK-1002 · P2 · responded in time · due Tue 1 Dec 2026, 11:00 am"
    )
    assert texts(channel, L1, DIGEST_PREFIX) == [l1_friday]
    assert texts(channel, EGOV_TECH, DIGEST_PREFIX) == [egov_friday]
    assert texts(channel, HUDD_ADMIN, DIGEST_PREFIX) == []  # no tickets, not a routed team
    sent = len(digests(channel))

    for moment in (
        ist(2026, 11, 27, 17),  # later on Friday
        ist(2026, 11, 28, 9, 30),  # Saturday
        ist(2026, 11, 28, 12),
        ist(2026, 11, 29, 10),  # Sunday
        ist(2026, 11, 30, 9, 29),  # Monday, a minute early
    ):
        advance_to(clock, moment)
        await sweep(helpdesk)
        assert len(digests(channel)) == sent, moment

    advance_to(clock, ist(2026, 11, 30, 9, 30))
    await sweep(helpdesk)
    advance_to(clock, ist(2026, 11, 30, 16))
    await sweep(helpdesk)
    assert texts(channel, L1, DIGEST_PREFIX) == [l1_friday, l1_friday]
    assert texts(channel, EGOV_TECH, DIGEST_PREFIX) == [egov_friday, egov_friday]
    assert len(digests(channel)) == 2 * sent

    advance_to(clock, ist(2026, 12, 1, 9, 45))
    await sweep(helpdesk)
    assert texts(channel, L1, DIGEST_PREFIX)[-1] == (
        "Daily summary for L1 Helpdesk (HUDD): 1 open, 1 due today, 0 breached.\n"
        "MK-1001 · P2 · DUE SOON · due Tue 1 Dec 2026, 11:00 am"
    )
    # A ticket already answered is not "due today" any more.
    assert texts(channel, EGOV_TECH, DIGEST_PREFIX)[-1] == egov_friday


async def test_a_helpdesk_without_daily_digests_sends_none(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    """`daily_digest = false`: the teams are told of their tickets as they come and go,
    and get no summary each morning."""
    data = tomllib.loads((ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8"))
    data["reminders"]["daily_digest"] = False
    helpdesk.reconfigure(load_config_text(toml_document(data)))
    await reporter_with_ticket(helpdesk, channel, RAMESH)

    for moment in (ist(2026, 11, 27, 11), ist(2026, 11, 30, 9, 30), ist(2026, 11, 30, 16)):
        advance_to(clock, moment)
        await sweep(helpdesk)

    assert digests(channel) == []
    assert card_of(channel.texts(L1), "MK-1001")  # told of the ticket itself


async def test_the_weekly_summary_chart_reaches_the_admins_once_on_monday_morning(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    admins = Address("console", "team-hudd-admin")
    advance_to(clock, ist(2026, 11, 30, 9, 59))  # Monday, before the summary's time
    await helpdesk.scheduler.sweep()
    await helpdesk.relay.deliver_due()
    assert not [m for m in channel.by_address[admins] if m.kind == "summary"]

    advance_to(clock, ist(2026, 11, 30, 10, 0))
    await helpdesk.scheduler.sweep()
    await helpdesk.scheduler.sweep()
    await helpdesk.relay.deliver_due()
    summaries = [m for m in channel.by_address[admins] if m.kind == "summary"]
    assert len(summaries) == 1
    assert summaries[0].text.startswith("Week of 23 Nov – 29 Nov 2026: 1 ticket created")
    (chart,) = summaries[0].attachments
    assert chart.kind == "photo" and chart.content_type == "image/png"
    picture = Path(chart.ref.removeprefix("file://"))
    assert (await asyncio.to_thread(picture.read_bytes)).startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_weekly_summary_missed_while_the_server_was_down_is_sent_late_once(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    admins = Address("console", "team-hudd-admin")

    def summaries() -> list[str]:
        return [m.text for m in channel.by_address[admins] if m.kind == "summary"]

    advance_to(clock, ist(2026, 11, 30, 10, 0))  # Monday: on time
    await sweep(helpdesk)
    assert len(summaries()) == 1
    # Down all Monday 7 December; back on Wednesday: the week's summary comes late, once,
    # about the week it was due for.
    advance_to(clock, ist(2026, 12, 9, 11, 0))
    await sweep(helpdesk)
    clock.advance(hours=1)
    await sweep(helpdesk)
    advance_to(clock, ist(2026, 12, 13, 18, 0))  # Sunday
    await sweep(helpdesk)
    assert len(summaries()) == 2
    assert summaries()[1].startswith("Week of 30 Nov – 6 Dec 2026: 0 tickets created")
    advance_to(clock, ist(2026, 12, 14, 10, 0))  # the next Monday: on time again
    await sweep(helpdesk)
    assert len(summaries()) == 3
    assert summaries()[2].startswith("Week of 7 Dec – 13 Dec 2026")


async def test_a_new_helpdesk_starts_its_weekly_summaries_on_the_day_not_late(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    """First started on a Friday: no summary of a week it did not see, until Monday."""
    admins = Address("console", "team-hudd-admin")
    await sweep(helpdesk)
    advance_to(clock, ist(2026, 11, 30, 9, 59))
    await sweep(helpdesk)
    assert not [m for m in channel.by_address[admins] if m.kind == "summary"]
    advance_to(clock, ist(2026, 11, 30, 10, 0))
    await sweep(helpdesk)
    assert len([m for m in channel.by_address[admins] if m.kind == "summary"]) == 1


async def test_a_weekly_summary_team_with_no_chat_to_send_to_gets_no_chart_drawn(
    helpdesk: Helpdesk, channel: MemoryChannel, clock: FixedClock
) -> None:
    """Drawing the chart takes a good part of a second: with no one to send it to, it was
    drawn again at every sweep of the day."""
    data = tomllib.loads((ROOT / "config" / "helpdesk.toml").read_text(encoding="utf-8"))
    for team in data["teams"]:
        if team["key"] == "hudd_admin":
            team["chats"] = []
    helpdesk.reconfigure(load_config_text(toml_document(data)))
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    advance_to(clock, ist(2026, 11, 30, 10, 0))  # Monday, the summary's time
    await helpdesk.scheduler.sweep()
    await helpdesk.scheduler.sweep()
    assert list(helpdesk.scheduler.reports_dir.glob("weekly-*.png")) == []


async def test_solved_typed_with_a_number_asks_rather_than_tells(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """ "solved MK-1001" typed alone, for a ticket nobody resolved (or another person's): the
    bot asks whether it is solved; it does not announce that it was."""
    await reporter_with_ticket(helpdesk, channel, RAMESH)
    sita = Person(helpdesk, channel, SITA)
    await sita.say("hi")
    await sita.say("1")  # English
    replies = await sita.say("solved MK-1001")
    assert replies == ["Is your problem with ticket MK-1001 solved?"]
    # Her "yes" is checked against her own tickets: MK-1001 is not one of them.
    assert await sita.say("1") == [
        "I could not find a ticket MK-1001 for you. Please check the ID."
    ]
    assert (await stored(helpdesk, "MK-1001")).status == "new"
