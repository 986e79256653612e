"""Conversations as people have them, through the dispatcher on both databases: staff
commands are never swallowed, a reporter's answers reach their ticket's team, the language
question stands until it is answered."""

from __future__ import annotations

from adapters.memory import MemoryChannel
from bot.build import Helpdesk
from flows import i18n
from flows.messages import Address
from tests.support import Person, file_ticket

CHOOSE = i18n.text("en", "choose_language")
NOT_UNDERSTOOD = i18n.text("en", "not_understood")
L1_GROUP = Address("console", "team-l1")
EGOV_TECH = Address("console", "team-egov-tech")


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
    assert (await sunita.say("2"))[0] == i18n.text("or", "language_set")
