"""The ticket service on both databases: numbering, priority, routing, SLA due times, staff
actions and their refusals, the audit trail, and who may see which ticket.

The clock is the fixture's: Friday 27 November 2026, 11:00 in Odisha. Office days are
10:00-17:30 (7.5 h), Monday to Friday, so 2 business days from Friday 11:00 is
6.5 h Friday + 7.5 h Monday + 1 h Tuesday: Tuesday 1 December, 11:00.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.memory import MemoryChannel
from bot.core.tickets import Done, Outcome, Refused
from bot.helpdesk import Helpdesk
from db.models import Ticket
from flows.commands import StaffAction, SubmitTicket
from flows.messages import Address, Attachment
from tests.conftest import FixedClock
from tests.support import Person, file_ticket, staff_person

# On SQLite's fast path and its plain one (tests/conftest.py).
pytestmark = pytest.mark.sqlite_paths

IST = ZoneInfo("Asia/Kolkata")
RAMESH = Address("memory", "ramesh")
SITA = Address("memory", "sita")


def ist(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def report(
    category: str = "app_error",
    module: str = "wage_bills",
    description: str = "Wage bill shows error 500 on submit",
) -> SubmitTicket:
    return SubmitTicket(
        language="en",
        reporter_role="ulb_employee",
        reporter_name="Ramesh Sahu",
        ulb="jatni",
        module=module,
        category=category,
        description=description,
    )


async def create(
    helpdesk: Helpdesk, command: SubmitTicket | None = None, reporter: Address = RAMESH
) -> Ticket:
    """File a ticket through the service, in its own committed transaction."""
    async with helpdesk.unit_of_work() as uow:
        ticket = await helpdesk.dispatcher.service.create(
            uow, reporter, command or report(), helpdesk.clock()
        )
        await uow.commit()
    return ticket


async def act(
    helpdesk: Helpdesk, staff_key: str, number: str, action: str, value: str = "", note: str = ""
) -> Outcome:
    """A staff action through the service, committed."""
    staff = helpdesk.config.directory.staff_by_key(staff_key)
    assert staff is not None
    command = StaffAction(number, action, value=value, note=note)
    async with helpdesk.unit_of_work() as uow:
        outcome = await helpdesk.dispatcher.service.act(
            uow, staff, "console", command, helpdesk.clock()
        )
        await uow.commit()
    return outcome


async def done(
    helpdesk: Helpdesk, staff_key: str, number: str, action: str, value: str = "", note: str = ""
) -> Ticket:
    outcome = await act(helpdesk, staff_key, number, action, value, note)
    assert isinstance(outcome, Done), outcome
    return outcome.ticket


async def stored(helpdesk: Helpdesk, number: str) -> Ticket:
    """The ticket as the database has it now, read in a fresh transaction."""
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        await uow.commit()  # leaving without commit would roll back and expire the ticket
    assert ticket is not None
    return ticket


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    channel: str
    action: str
    from_status: str
    to_status: str
    detail: dict[str, str]


async def trail(helpdesk: Helpdesk, number: str) -> list[Event]:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        events = await uow.tickets.events(ticket)
        await uow.commit()
    return [
        Event(e.at, e.actor, e.channel, e.action, e.from_status, e.to_status, json.loads(e.detail))
        for e in events
    ]


async def reporter_person(helpdesk: Helpdesk, channel: MemoryChannel, address: str) -> Person:
    person = Person(helpdesk, channel, address)
    await person.say("hi")
    await person.say("1")  # English: a first report starts
    await person.say("menu")  # (left for the menu: nothing was answered)
    return person


# -- numbering --------------------------------------------------------------------------------


async def test_ticket_numbers_are_sequential_from_mk_1001(helpdesk: Helpdesk) -> None:
    numbers = [(await create(helpdesk)).number for _ in range(3)]
    assert numbers == ["MK-1001", "MK-1002", "MK-1003"]
    assert (await stored(helpdesk, "MK-1002")).status == "new"


async def test_a_document_with_a_very_long_name_is_kept_with_its_report(
    helpdesk: Helpdesk,
) -> None:
    """A sender names a document as they like: a 300-character name is kept to the first
    255 (PostgreSQL refused the whole report, which the reporter was told failed)."""
    name = "muster-roll-" + "x" * 288 + ".pdf"
    document = Attachment("document", "file-id-1", "application/pdf;" + "p" * 200, name)
    command = dataclasses.replace(report(), attachments=(document,))
    ticket = await create(helpdesk, command)
    [kept] = (await stored(helpdesk, ticket.number)).attachments
    assert (kept.filename, kept.ref) == (name[:255], "file-id-1")
    assert kept.content_type.startswith("application/pdf;") and len(kept.content_type) == 120


async def test_a_rolled_back_ticket_leaves_no_gap(helpdesk: Helpdesk) -> None:
    await create(helpdesk)
    async with helpdesk.unit_of_work() as uow:
        ticket = await helpdesk.dispatcher.service.create(uow, RAMESH, report(), helpdesk.clock())
        assert ticket.number == "MK-1002"
        # Leaving without commit rolls back.
    assert (await create(helpdesk)).number == "MK-1002"


@pytest.mark.parametrize("typed", ["mk 1002", "MK1002", "mk-1002", "MK-01002", "Mk#1002"])
async def test_reporters_look_tickets_up_however_the_id_is_typed(
    helpdesk: Helpdesk, channel: MemoryChannel, typed: str
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    first = await file_ticket(ramesh, "First problem: cannot log in at all")
    second = await file_ticket(ramesh, "Second problem: wage bill stuck")
    assert (first, second) == ("MK-1001", "MK-1002")
    replies = await ramesh.say(f"status {typed}")
    assert len(replies) == 1
    assert replies[0].startswith("Ticket MK-1002: Received\n")


async def test_staff_act_on_a_ticket_id_typed_without_dash(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    await create(helpdesk)
    await create(helpdesk)
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say("take mk1002")
    assert replies[0] == "MK-1002: taken by Anita (L1 helpdesk); Received → Being worked on"
    assert (await stored(helpdesk, "MK-1002")).assignee == "anita"
    assert (await stored(helpdesk, "MK-1001")).status == "new"


# -- proposed priority and the due time -------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "module", "priority"),
    [
        ("how_to", "wage_bills", "P2"),  # the module raises a P3 category
        ("wrong_result", "login", "P2"),
        ("suggestion", "ifix", "P2"),  # even a P4 category
        ("app_error", "projects", "P2"),  # the category's own P2; the module has none
        ("how_to", "projects", "P3"),
        ("wrong_result", "measurement_book", "P3"),
        ("suggestion", "projects", "P4"),
        ("suggestion", "other", "P4"),
    ],
)
async def test_proposed_priority_is_the_more_urgent_of_category_and_module(
    helpdesk: Helpdesk, category: str, module: str, priority: str
) -> None:
    ticket = await create(helpdesk, report(category=category, module=module))
    assert ticket.priority == priority
    assert (await stored(helpdesk, ticket.number)).priority == priority


@pytest.mark.parametrize(
    ("category", "module"),
    [("app_error", "wage_bills"), ("how_to", "projects"), ("suggestion", "projects")],
    ids=["P2", "P3", "P4"],
)
async def test_response_due_is_two_business_days_after_filing(
    helpdesk: Helpdesk, category: str, module: str
) -> None:
    ticket = await create(helpdesk, report(category=category, module=module))
    saved = await stored(helpdesk, ticket.number)
    assert saved.response_due_at == ist(2026, 12, 1, 11)
    assert saved.created_at == saved.team_since == ist(2026, 11, 27, 11)
    assert saved.team == "l1"


async def test_reporter_is_told_the_priority_and_due_time(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    await file_ticket(ramesh)
    confirmation = next(text for text in channel.texts(RAMESH) if "registered as ticket" in text)
    assert confirmation == (
        "Your problem is registered as ticket MK-1001.\n"
        "Priority: P2. The helpdesk will respond by Tue 1 Dec 2026, 11:00 am.\n"
        "Keep this ID. To check on it, send: status MK-1001"
    )


async def test_filed_over_the_weekend_the_clock_starts_on_monday(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    clock.advance(days=1, hours=9)  # Saturday 28 Nov, 20:00
    ticket = await create(helpdesk)
    assert (await stored(helpdesk, ticket.number)).response_due_at == ist(2026, 12, 1, 17, 30)


@pytest.mark.parametrize(
    ("value", "priority", "due"),
    [
        ("P1", "P1", ist(2026, 11, 30, 11)),  # 1 business day from Friday 11:00
        ("1", "P1", ist(2026, 11, 30, 11)),
        ("p4", "P4", ist(2026, 12, 1, 11)),
    ],
)
async def test_changing_priority_recomputes_the_due_time_from_when_the_team_got_it(
    helpdesk: Helpdesk, clock: FixedClock, value: str, priority: str, due: datetime
) -> None:
    number = (await create(helpdesk)).number
    clock.advance(hours=2)
    ticket = await done(helpdesk, "anita", number, "priority", value)
    assert (ticket.priority, ticket.status) == (priority, "new")
    saved = await stored(helpdesk, number)
    assert (saved.priority, saved.response_due_at) == (priority, due)


async def test_reporter_is_told_a_new_priority_and_due_time(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"priority {number} P1")
    assert await ramesh.inbox() == [
        "Update on ticket MK-1001: priority is now P1; response due by Mon 30 Nov 2026, 11:00 am."
    ]


# -- routing on escalation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "team"),
    [
        ("how_to", "master_trainers"),
        ("app_error", "egov_tech"),
        ("infrastructure", "hudd_tech"),
        ("wrong_result", "egov"),
        ("suggestion", "egov"),
    ],
)
async def test_escalating_by_category_routes_to_the_configured_team(
    helpdesk: Helpdesk, category: str, team: str
) -> None:
    number = (await create(helpdesk, report(category=category, module="projects"))).number
    ticket = await done(helpdesk, "anita", number, "escalate", "auto")
    assert (ticket.team, ticket.status) == (team, "escalated")
    saved = await stored(helpdesk, number)
    assert (saved.team, saved.status, saved.assignee) == (team, "escalated", "")


@pytest.mark.parametrize(
    ("value", "team"),
    [
        ("hudd_tech", "hudd_tech"),
        ("egov-tech", "egov_tech"),
        ("Master Trainers", "master_trainers"),
        ("EGOV", "egov"),
        ("functional", "master_trainers"),
        ("technical_infra", "hudd_tech"),
        ("technical app", "egov_tech"),
        ("bug", "egov"),
        ("enhancement", "egov"),
        ("", "egov_tech"),  # no value: by category (app_error)
    ],
)
async def test_escalating_to_a_named_team_or_routing_type(
    helpdesk: Helpdesk, value: str, team: str
) -> None:
    number = (await create(helpdesk, report(category="app_error"))).number
    ticket = await done(helpdesk, "anita", number, "escalate", value)
    assert ticket.team == team
    assert (await stored(helpdesk, number)).team == team


async def test_escalation_restarts_the_due_time_from_the_escalation(
    helpdesk: Helpdesk, clock: FixedClock, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"take {number}")
    await ramesh.inbox()
    clock.advance(days=3, hours=4)  # Monday 30 Nov, 15:00
    await anita.say(f"escalate {number}")
    saved = await stored(helpdesk, number)
    # P2 = 15 h: 2.5 h Monday, 7.5 h Tuesday, 5 h Wednesday.
    assert saved.response_due_at == ist(2026, 12, 2, 15)
    assert saved.team_since == ist(2026, 11, 30, 15)
    assert (saved.team, saved.status, saved.assignee) == ("egov_tech", "escalated", "")
    assert await ramesh.inbox() == [
        "Update on ticket MK-1001: it has been passed to eGov technical team, "
        "who will respond by Wed 2 Dec 2026, 3:00 pm."
    ]
    # The team's chat gets the card with the new due time.
    card = channel.texts(Address("console", "team-egov-tech"))[-1]
    assert "Response due: Wed 2 Dec 2026, 3:00 pm" in card
    assert card.startswith("MK-1001 · P2 · Passed to a specialist team\n")


# -- refusals ---------------------------------------------------------------------------------


async def test_a_member_cannot_act_on_a_ticket_still_with_l1(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    number = (await create(helpdesk, report(category="how_to"))).number
    for action, note in (("take", ""), ("comment", "Try again"), ("resolve", "Fixed")):
        outcome = await act(helpdesk, "ravi", number, action, note=note)
        assert outcome == Refused("not_your_team", {"number": number, "team": "l1"})
    saved = await stored(helpdesk, number)
    assert (saved.status, saved.assignee, saved.last_note) == ("new", "", "")
    ravi = await staff_person(helpdesk, channel, "ravi")
    replies = await ravi.say(f"take {number}")
    assert replies[0] == (
        "MK-1001 is with L1 Helpdesk (HUDD); only that team or the L1 helpdesk can change it."
    )


async def test_the_member_acts_once_the_ticket_reaches_the_team(helpdesk: Helpdesk) -> None:
    number = (await create(helpdesk, report(category="how_to"))).number
    await done(helpdesk, "anita", number, "escalate")
    ticket = await done(helpdesk, "ravi", number, "take")
    assert (ticket.status, ticket.assignee) == ("in_progress", "ravi")
    ticket = await done(helpdesk, "ravi", number, "resolve", note="Showed how to add a muster")
    assert ticket.status == "resolved"
    # Another team's member still cannot touch it.
    refused = await act(helpdesk, "kiran", number, "close")
    assert refused == Refused("not_your_team", {"number": number, "team": "master_trainers"})


async def test_closing_a_ticket_that_is_not_resolved_is_refused(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    number = (await create(helpdesk)).number
    outcome = await act(helpdesk, "anita", number, "close")
    assert outcome == Refused("transition", {"number": number, "status": "new", "action": "close"})
    await done(helpdesk, "anita", number, "take")
    outcome = await act(helpdesk, "anita", number, "close")
    assert outcome == Refused(
        "transition", {"number": number, "status": "in_progress", "action": "close"}
    )
    assert (await stored(helpdesk, number)).status == "in_progress"
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say(f"close {number}")
    assert replies[0] == "MK-1001 is Being worked on, so it cannot be closed now."


async def test_taking_a_ticket_one_already_has_is_refused(helpdesk: Helpdesk) -> None:
    number = (await create(helpdesk)).number
    await done(helpdesk, "anita", number, "take")
    outcome = await act(helpdesk, "anita", number, "take")
    assert outcome == Refused(
        "transition", {"number": number, "status": "in_progress", "action": "take"}
    )


@pytest.mark.parametrize("action", ["resolve", "comment", "reopen"])
@pytest.mark.parametrize("note", ["", "   \n "])
async def test_actions_the_reporter_reads_need_a_note(
    helpdesk: Helpdesk, action: str, note: str
) -> None:
    number = (await create(helpdesk)).number
    if action == "reopen":
        await done(helpdesk, "anita", number, "resolve", note="Done")
    before = await stored(helpdesk, number)
    assert await act(helpdesk, "anita", number, action, note=note) == Refused("note_required")
    after = await stored(helpdesk, number)
    assert (after.status, after.last_note) == (before.status, before.last_note)


async def test_resolving_without_a_note_by_chat_asks_for_one(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say(f"resolve {number}")
    assert replies[0] == f"Type the resolution for the reporter of {number}:"
    assert (await stored(helpdesk, number)).status == "new"
    assert await ramesh.inbox() == []
    await anita.say("Bill re-submitted after the iFIX fix")
    assert (await stored(helpdesk, number)).status == "resolved"
    assert any("iFIX fix" in text for text in await ramesh.inbox())


async def test_escalating_to_the_team_that_has_it_is_refused(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    number = (await create(helpdesk)).number
    assert await act(helpdesk, "anita", number, "escalate", "l1") == Refused(
        "same_team", {"number": number, "team": "l1"}
    )
    await done(helpdesk, "anita", number, "escalate")  # app_error -> egov_tech
    for value in ("auto", "egov_tech", "technical_app"):
        assert await act(helpdesk, "anita", number, "escalate", value) == Refused(
            "same_team", {"number": number, "team": "egov_tech"}
        )
    saved = await stored(helpdesk, number)
    assert (saved.team, saved.response_due_at) == ("egov_tech", ist(2026, 12, 1, 11))
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say(f"escalate {number} egov_tech")
    assert replies[0] == "MK-1001 is already with eGov technical team."


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("priority", "P5"),
        ("priority", "P0"),
        ("priority", "urgent"),
        ("priority", ""),
        ("type", "feature"),
        ("type", ""),
        ("escalate", "nowhere"),
        ("escalate", "l2"),
    ],
)
async def test_unknown_values_are_refused(helpdesk: Helpdesk, action: str, value: str) -> None:
    number = (await create(helpdesk)).number
    assert await act(helpdesk, "anita", number, action, value) == Refused(
        "bad_value", {"value": value}
    )
    saved = await stored(helpdesk, number)
    assert (saved.priority, saved.ticket_type, saved.team) == ("P2", "", "l1")
    assert [event.action for event in await trail(helpdesk, number)] == ["create"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("incident", "incident"),
        ("Problem", "problem"),
        ("change_request", "change_request"),
        ("change-request", "change_request"),
        ("CR", "change_request"),
        ("bug", "bug_fix"),
        ("bug fix", "bug_fix"),
    ],
)
async def test_setting_the_ticket_type(helpdesk: Helpdesk, value: str, kind: str) -> None:
    number = (await create(helpdesk)).number
    ticket = await done(helpdesk, "anita", number, "type", value)
    assert (ticket.ticket_type, ticket.status) == (kind, "new")
    assert (await stored(helpdesk, number)).ticket_type == kind


async def test_unknown_values_by_chat_are_named_back(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    await create(helpdesk)
    anita = await staff_person(helpdesk, channel, "anita")
    assert (await anita.say("priority MK-1001 P5"))[0] == "“P5” is not a valid choice here."
    assert (await anita.say("type MK-1001 feature"))[0] == "“feature” is not a valid choice here."
    assert (await anita.say("escalate MK-1001 l2"))[0] == "“l2” is not a valid choice here."


async def test_two_word_values_by_chat(helpdesk: Helpdesk, channel: MemoryChannel) -> None:
    await create(helpdesk, report(category="how_to"))
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say("type MK-1001 change request")
    assert replies[0] == "MK-1001: type not set → Change Request"
    assert (await stored(helpdesk, "MK-1001")).ticket_type == "change_request"
    replies = await anita.say("escalate MK-1001 HUDD technical")
    assert replies[0] == "“HUDD technical” is not a valid choice here."
    replies = await anita.say("escalate MK-1001 Master Trainers")
    assert replies[0].startswith("MK-1001: L1 Helpdesk (HUDD) → Master Trainers; response due ")
    assert (await stored(helpdesk, "MK-1001")).team == "master_trainers"


@pytest.mark.parametrize(
    ("action", "value", "note"),
    [
        ("take", "", ""),
        ("type", "incident", ""),
        ("priority", "P1", ""),
        ("escalate", "auto", ""),
        ("comment", "", "Any news?"),
        ("resolve", "", "Fixed again"),
        ("close", "", ""),
    ],
)
async def test_a_closed_ticket_only_accepts_reopen(
    helpdesk: Helpdesk, action: str, value: str, note: str
) -> None:
    number = (await create(helpdesk)).number
    await done(helpdesk, "anita", number, "resolve", note="Bill re-submitted")
    await done(helpdesk, "anita", number, "close")
    outcome = await act(helpdesk, "anita", number, action, value, note)
    assert outcome == Refused("closed", {"number": number})
    saved = await stored(helpdesk, number)
    assert (saved.status, saved.priority, saved.team) == ("closed", "P2", "l1")


async def test_a_closed_ticket_by_chat(helpdesk: Helpdesk, channel: MemoryChannel) -> None:
    number = (await create(helpdesk)).number
    await done(helpdesk, "anita", number, "resolve", note="Bill re-submitted")
    await done(helpdesk, "anita", number, "close")
    anita = await staff_person(helpdesk, channel, "anita")
    assert (await anita.say(f"take {number}"))[0] == "MK-1001 is closed; reopen it first."


async def test_an_unknown_ticket_is_refused(helpdesk: Helpdesk, channel: MemoryChannel) -> None:
    assert await act(helpdesk, "anita", "MK-1999", "take") == Refused(
        "not_found", {"number": "MK-1999"}
    )
    anita = await staff_person(helpdesk, channel, "anita")
    assert (await anita.say("take MK-1999"))[0] == "There is no ticket MK-1999."


# -- resolve, close, reopen -------------------------------------------------------------------


async def test_reopen_after_resolve_restarts_the_clock(
    helpdesk: Helpdesk, clock: FixedClock
) -> None:
    number = (await create(helpdesk)).number
    await done(helpdesk, "anita", number, "take")
    clock.advance(days=4, hours=1)  # Tuesday 1 Dec, 12:00
    resolved = await done(helpdesk, "anita", number, "resolve", note="Bill re-submitted")
    assert resolved.status == "resolved"
    assert (await stored(helpdesk, number)).resolved_at == ist(2026, 12, 1, 12)
    clock.advance(days=1, hours=4)  # Wednesday 2 Dec, 16:00
    ticket = await done(helpdesk, "anita", number, "reopen", note="Still error 500")
    assert ticket.status == "reopened"
    saved = await stored(helpdesk, number)
    # P2 = 15 h: 1.5 h Wednesday, 7.5 h Thursday, 6 h Friday.
    assert saved.response_due_at == ist(2026, 12, 4, 16)
    assert saved.team_since == ist(2026, 12, 2, 16)
    assert (saved.status, saved.resolved_at, saved.last_note) == (
        "reopened",
        None,
        "Still error 500",
    )
    # A reopened ticket is worked again.
    assert (await done(helpdesk, "anita", number, "take")).status == "in_progress"


async def test_reopen_after_close_restarts_the_clock_and_tells_the_reporter(
    helpdesk: Helpdesk, clock: FixedClock, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"escalate {number}")
    kiran = await staff_person(helpdesk, channel, "kiran")
    clock.advance(days=3)  # Monday 30 Nov, 11:00
    await kiran.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    await kiran.say(f"close {number}")
    saved = await stored(helpdesk, number)
    assert (saved.status, saved.closed_at) == ("closed", ist(2026, 11, 30, 11))
    await ramesh.inbox()
    clock.advance(days=3, hours=5)  # Thursday 3 Dec, 16:00
    replies = await kiran.say(f"reopen {number} Reporter says the bill is stuck again")
    assert replies[0] == (
        "MK-1001: reopened with eGov technical team; response due Mon 7 Dec 2026, 4:00 pm"
    )
    saved = await stored(helpdesk, number)
    # 1.5 h Thursday, 7.5 h Friday, 6 h Monday.
    assert saved.response_due_at == ist(2026, 12, 7, 16)
    assert (saved.status, saved.team, saved.closed_at, saved.resolved_at) == (
        "reopened",
        "egov_tech",
        None,
        None,
    )
    assert await ramesh.inbox() == [
        "Update on ticket MK-1001: reopened. eGov technical team will look at it again."
    ]


@pytest.mark.parametrize("status_action", ["take", "escalate"])
async def test_reopen_needs_a_resolved_or_closed_ticket(
    helpdesk: Helpdesk, status_action: str
) -> None:
    number = (await create(helpdesk)).number
    ticket = await done(helpdesk, "anita", number, status_action)
    outcome = await act(helpdesk, "anita", number, "reopen", note="Why not")
    assert outcome == Refused(
        "transition", {"number": number, "status": ticket.status, "action": "reopen"}
    )


async def test_comment_on_a_resolved_ticket_keeps_it_resolved(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    await done(helpdesk, "anita", number, "resolve", note="Bill re-submitted")
    anita = await staff_person(helpdesk, channel, "anita")
    replies = await anita.say(f"comment {number} Please check again tomorrow")
    assert replies[0] == "MK-1001: message sent to the reporter"
    assert await ramesh.inbox() == [
        "Message from the helpdesk about ticket MK-1001:\nPlease check again tomorrow"
    ]
    saved = await stored(helpdesk, number)
    assert (saved.status, saved.last_note) == ("resolved", "Please check again tomorrow")


# -- the audit trail --------------------------------------------------------------------------


async def test_every_change_is_in_the_audit_trail_in_order(
    helpdesk: Helpdesk, clock: FixedClock, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    anita = await staff_person(helpdesk, channel, "anita")
    kiran = await staff_person(helpdesk, channel, "kiran")
    ravi = await staff_person(helpdesk, channel, "ravi")
    clock.advance(minutes=10)
    await anita.say(f"take {number}")
    clock.advance(minutes=10)
    await anita.say(f"priority {number} P1")
    await anita.say(f"type {number} incident")
    clock.advance(minutes=10)
    await anita.say(f"escalate {number}")
    await ravi.say(f"take {number}")  # refused: not in the trail
    await kiran.say(f"close {number}")  # refused: not in the trail
    clock.advance(hours=1)
    await kiran.say(f"take {number}")
    await kiran.say(f"comment {number} Looking into the iFIX log")
    clock.advance(hours=1)
    await kiran.say(f"resolve {number} Bill re-submitted")
    await anita.say(f"close {number}")
    clock.advance(days=3)
    await anita.say(f"reopen {number} Still failing")

    events = await trail(helpdesk, number)
    assert [(e.actor, e.channel, e.action, e.from_status, e.to_status) for e in events] == [
        ("memory:ramesh", "memory", "create", "", "new"),
        ("staff:anita", "console", "take", "new", "in_progress"),
        ("staff:anita", "console", "priority", "in_progress", "in_progress"),
        ("staff:anita", "console", "type", "in_progress", "in_progress"),
        ("staff:anita", "console", "escalate", "in_progress", "escalated"),
        ("staff:kiran", "console", "take", "escalated", "in_progress"),
        ("staff:kiran", "console", "comment", "in_progress", "in_progress"),
        ("staff:kiran", "console", "resolve", "in_progress", "resolved"),
        ("staff:anita", "console", "close", "resolved", "closed"),
        ("staff:anita", "console", "reopen", "closed", "reopened"),
    ]
    assert [e.at for e in events] == [
        ist(2026, 11, 27, 11),
        ist(2026, 11, 27, 11, 10),
        ist(2026, 11, 27, 11, 20),
        ist(2026, 11, 27, 11, 20),
        ist(2026, 11, 27, 11, 30),
        ist(2026, 11, 27, 12, 30),
        ist(2026, 11, 27, 12, 30),
        ist(2026, 11, 27, 13, 30),
        ist(2026, 11, 27, 13, 30),
        ist(2026, 11, 30, 13, 30),
    ]
    assert [e.detail for e in events] == [
        {"priority": "P2", "team": "l1"},
        {"assignee": "anita"},
        {"from": "P2", "to": "P1"},
        {"from": "", "to": "incident"},
        {"from": "l1", "to": "egov_tech"},
        {"assignee": "kiran"},
        {"note": "Looking into the iFIX log"},
        {"note": "Bill re-submitted"},
        {},
        {"note": "Still failing"},
    ]


async def test_the_trail_keeps_each_tickets_events_apart(helpdesk: Helpdesk) -> None:
    first = (await create(helpdesk)).number
    second = (await create(helpdesk, reporter=SITA)).number
    await done(helpdesk, "anita", second, "take")
    assert [(e.actor, e.action) for e in await trail(helpdesk, first)] == [
        ("memory:ramesh", "create")
    ]
    assert [(e.actor, e.action) for e in await trail(helpdesk, second)] == [
        ("memory:sita", "create"),
        ("staff:anita", "take"),
    ]


# -- who sees which ticket --------------------------------------------------------------------


async def test_another_reporters_ticket_looks_exactly_like_a_missing_one(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    sita = await reporter_person(helpdesk, channel, str(SITA))
    someone_elses = await sita.say(f"status {number}")
    missing = await sita.say("status MK-1999")
    assert missing == ["I could not find a ticket MK-1999 for you. Please check the ID."]
    assert someone_elses == [text.replace("MK-1999", number) for text in missing]
    # Nothing of the ticket leaks, not even by another way of asking.
    assert await sita.say("mk 1001") == [
        "I could not find a ticket MK-1001 for you. Please check the ID."
    ]
    assert await sita.say("my tickets") == [
        "You have no tickets yet.\n\nType menu for the main menu."
    ]
    # The reporter sees their own.
    own = await ramesh.say(f"status {number}")
    assert own[0].startswith("Ticket MK-1001: Received\nULB: Jatni Municipality\n")


async def test_service_find_hides_other_reporters_tickets_from_reporters_only(
    helpdesk: Helpdesk,
) -> None:
    number = (await create(helpdesk)).number
    service = helpdesk.dispatcher.service
    ravi = helpdesk.config.directory.staff_by_key("ravi")
    assert ravi is not None
    async with helpdesk.unit_of_work() as uow:
        assert await service.find(uow, number, SITA, None) is None
        own = await service.find(uow, number, RAMESH, None)
        assert own is not None
        assert own.number == number
        # Staff see any ticket, even one with another team.
        seen = await service.find(uow, number, Address("console", "ravi"), ravi)
        assert seen is not None
        assert seen.number == number
        await uow.commit()


async def test_staff_see_any_ticket(helpdesk: Helpdesk, channel: MemoryChannel) -> None:
    ramesh = Person(helpdesk, channel, str(RAMESH))
    number = await file_ticket(ramesh)
    ravi = await staff_person(helpdesk, channel, "ravi")
    replies = await ravi.say(f"status {number}")
    card = replies[0]
    assert card.startswith("MK-1001 · P2 · Received\nULB: Jatni Municipality\n")
    assert "Reporter: Ramesh Sahu (ULB employee, memory)" in card
    assert "Team: L1 Helpdesk (HUDD) · Assignee: nobody yet" in card
    assert card.endswith("Wage bill shows error 500 on submit")
    assert replies[1] == "What would you like to do with MK-1001?"
