"""Conversations as people have them, through the dispatcher on both databases: staff
commands are never swallowed, a reporter's answers reach their ticket's team, the language
question stands until it is answered."""

from __future__ import annotations

import dataclasses
import json

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from flows import i18n
from flows.messages import Address, Attachment
from tests.helpers import submit_command
from tests.support import Person, file_ticket

CHOOSE = i18n.language_question("")  # before a language: a greeting in each
NOT_UNDERSTOOD = i18n.text("en", "not_understood")
L1_GROUP = Address("console", "team-l1")
EGOV_TECH = Address("console", "team-egov-tech")
SCREEN = Attachment("photo", "tg-file-AgACAgUAAxkBAAIC", "image/jpeg", "error.jpg")


async def test_a_staff_members_first_commands_are_done_on_the_console(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(ramesh)
    anita = Person(helpdesk, channel, "console:anita")  # has never written before
    for command in (f"take {number}", f"priority {number} P1", f"escalate {number}"):
        answer = await anita.say(command)
        assert CHOOSE not in answer, command
    pushed = await ramesh.inbox()
    assert any("started working" in text for text in pushed)
    assert any("eGov technical team" in text for text in pushed)
    kiran = Person(helpdesk, channel, "console:kiran")
    await kiran.say(f"comment {number} Please send the muster roll number")
    assert any("muster roll number" in text for text in await ramesh.inbox())
    queue = await kiran.say("queue")
    assert any(number in text for text in queue)


async def test_a_second_greeting_asks_the_language_again(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    sunita = Person(helpdesk, channel, "memory:sunita")
    assert (await sunita.say("hi"))[-1] == CHOOSE
    assert (await sunita.say("hi"))[-1] == CHOOSE
    assert (await sunita.say("hello"))[-1] == CHOOSE
    assert (await sunita.say("2"))[0].startswith(i18n.text("or", "language_set"))


async def events_of(helpdesk: Helpdesk, number: str) -> list[tuple[str, dict[str, str]]]:
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        events = await uow.tickets.events(ticket)
        await uow.commit()
    return [(event.action, json.loads(event.detail)) for event in events]


async def test_the_reporters_answer_to_a_comment_reaches_the_team(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(ramesh)
    await Person(helpdesk, channel, "console:anita").say(f"escalate {number}")
    kiran = Person(helpdesk, channel, "console:kiran")
    await kiran.say(f"comment {number} Please send the muster roll number")
    await ramesh.inbox()
    answer = await ramesh.say("MR/2026/0142")
    assert NOT_UNDERSTOOD not in answer
    assert answer[0] == (
        f"Thank you. Your answer on ticket {number} has been passed to eGov technical team."
    )
    assert f"The reporter answered on {number}:\nMR/2026/0142" in channel.texts(EGOV_TECH)
    assert ("reply", {"text": "MR/2026/0142"}) in await events_of(helpdesk, number)
    # A photo sent as the answer reaches the ticket and the team's chat too.
    await ramesh.say("the error screen", attachments=(SCREEN,))
    told = channel.by_address[EGOV_TECH][-1]
    assert told.text.endswith("the error screen") and told.attachments == (SCREEN,)
    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None and [a.ref for a in ticket.attachments] == [SCREEN.ref]
    # A greeting still shows the menu.
    assert (await ramesh.say("hi"))[-1] == i18n.text("en", "menu")


async def test_with_two_open_tickets_the_reporter_picks_which_one_hears_it(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    first = await file_ticket(ramesh)
    await ramesh.say("menu")
    second = await file_ticket(ramesh, "Muster roll of week 3 does not save")
    asked = await ramesh.say("MR/2026/0142")
    assert asked[-1].startswith(i18n.text("en", "ask_which_ticket"))
    assert ramesh.last_choices()[1].startswith(f"{first} · Wage bills and payments")
    answer = await ramesh.say("2")
    assert answer[0].startswith(f"Thank you. Your answer on ticket {first} ")
    assert ("reply", {"text": "MR/2026/0142"}) in await events_of(helpdesk, first)
    assert not any(event == "reply" for event, _ in await events_of(helpdesk, second))


async def test_a_caller_writing_first_about_the_ticket_logged_for_them_reaches_it(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    """A ticket logged by an operator for a caller who gave this chat: their first message,
    before any language was chosen, goes to it, answered in the ticket's language."""
    caller = Address("memory", "caller")
    async with helpdesk.unit_of_work() as uow:
        command = dataclasses.replace(submit_command(), language="or")
        ticket = await helpdesk.dispatcher.service.create(uow, caller, command, helpdesk.clock())
        number = ticket.number
        await uow.commit()
    answer = await Person(helpdesk, channel, str(caller)).say("MR/2026/0142")
    assert answer[0].startswith(f"ଧନ୍ୟବାଦ। ଟିକେଟ {number}")
    assert ("reply", {"text": "MR/2026/0142"}) in await events_of(helpdesk, number)
