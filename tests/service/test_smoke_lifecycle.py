"""The whole lifecycle on both databases: file, triage, escalate, resolve, with pushes."""

from __future__ import annotations

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from flows.messages import Address
from tests.support import Person, file_ticket


async def test_reporter_is_told_every_change_and_teams_see_their_cards(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(reporter)
    assert number == "MK-1001"
    l1_group = Address("console", "team-l1")
    assert any(number in text for text in channel.texts(l1_group))

    anita = Person(helpdesk, channel, "console:anita")
    await anita.say("hi")
    await anita.say("1")
    await anita.say(f"take {number}")
    assert any("started working" in text for text in await reporter.inbox())
    await anita.say(f"escalate {number}")
    egov_tech = Address("console", "team-egov-tech")
    assert any(number in text for text in channel.texts(egov_tech))
    assert any("eGov technical team" in text for text in await reporter.inbox())

    kiran = Person(helpdesk, channel, "console:kiran")
    await kiran.say("hi")
    await kiran.say("1")
    await kiran.say(f"resolve {number} Bill re-submitted after the iFIX fix")
    pushed = await reporter.inbox()
    assert any("resolved" in text and "iFIX fix" in text for text in pushed)
    status = await reporter.say(f"status {number.lower().replace('-', ' ')}")
    assert any("Resolved" in text for text in status)
