"""What staff are told after they act, and how the L1 helpdesk follows what it escalated.

Console transcripts (the WhatsApp and Telegram ones are in their channels' tests): a staff
member's private chat gets one line saying what changed, the team's chat keeps the card,
menus stay short, and the L1 chat and queue keep every open ticket in sight.
"""

from __future__ import annotations

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from flows.messages import Address, Inbound
from tests.support import Person, file_ticket, staff_person

DUE_P1 = "Mon 30 Nov 2026, 11:00 am"  # a P1 filed on Friday 27 Nov, 11:00


async def test_each_staff_action_is_answered_with_what_it_changed_and_nothing_more(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(reporter)  # P2: wage bills, the app shows an error
    other = await file_ticket(Person(helpdesk, channel, "memory:sita"))
    third = await file_ticket(Person(helpdesk, channel, "memory:gopal"))
    anita = await staff_person(helpdesk, channel, "anita")
    l1_group = Person(helpdesk, channel, "console:team-l1")
    await l1_group.inbox()

    said = {
        f"priority {number} P1": f"{number}: priority P2 → P1; response due {DUE_P1}",
        f"take {number}": (f"{number}: taken by Anita (L1 helpdesk); Received → Being worked on"),
        f"type {number} incident": f"{number}: type not set → Incident",
        f"note {number} Called the ULB office": (
            f"{number}: internal note added: Called the ULB office"
        ),
        f"comment {number} Please send the muster roll number": (
            f"{number}: message sent to the reporter"
        ),
        f"ask {number} Which muster roll?": (
            f"{number}: question sent to the reporter; the clock waits for the answer"
        ),
        f"link {other} {number}": f"{other}: linked to {number}; its reporter follows {number}",
        f"duplicate {third} {number}": f"{third}: marked as a duplicate of {number}",
        f"escalate {number}": (
            f"{number}: L1 Helpdesk (HUDD) → eGov technical team; response due {DUE_P1}"
        ),
    }
    for command, change in said.items():
        # Only the change: no card (that is the group's) and no menu after a typed command.
        assert await anita.say(command) == [change], command
        assert channel.last(anita.address).choices == ()
    # The team's chat keeps its card of the ticket.
    assert any(text.startswith(f"{number} · P1 · ") for text in await l1_group.inbox())

    kiran = await staff_person(helpdesk, channel, "kiran")
    assert await kiran.say(f"resolve {number} Fixed in iFIX") == [
        f"{number}: resolved; the reporter is asked to confirm"
    ]
    assert await kiran.say(f"close {number}") == [f"{number}: closed"]
    reopened = await kiran.say(f"reopen {number} Still failing")
    assert len(reopened) == 1
    assert reopened[0].startswith(f"{number}: reopened with eGov technical team; response due ")


async def test_a_tickets_menu_is_short(helpdesk: Helpdesk, channel: MemoryChannel) -> None:
    number = await file_ticket(Person(helpdesk, channel, "memory:ramesh"))
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"ticket {number}")
    shown = anita.last_choices()
    assert (len(shown), shown[0], shown[-1]) == (6, "Take it", "More…")  # not 13
    await anita.say("6")
    assert len(anita.last_choices()) == 8  # the other seven actions, and back to the menu
    assert anita.last_choices()[-1] == "Back to menu"


async def test_the_l1_chat_and_queue_follow_a_ticket_after_its_escalation(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    reporter = Person(helpdesk, channel, "memory:ramesh")
    number = await file_ticket(reporter)
    kept = await file_ticket(Person(helpdesk, channel, "memory:sita"))  # stays with L1
    anita = await staff_person(helpdesk, channel, "anita")
    await anita.say(f"escalate {number}")
    l1_group = Person(helpdesk, channel, "console:team-l1")
    egov_tech = Person(helpdesk, channel, "console:team-egov-tech")
    await l1_group.inbox()
    await egov_tech.inbox()

    kiran = await staff_person(helpdesk, channel, "kiran")
    await kiran.say(f"take {number}")
    await kiran.say(f"ask {number} Which muster roll?")
    await reporter.say("MR/2026/0142")
    await kiran.say(f"resolve {number} Fixed in iFIX")
    following = f"Following {number} (eGov technical team): "
    assert await l1_group.inbox() == [
        f"{following}{number}: taken by Kiran (eGov technical); "
        "Passed to a specialist team → Being worked on",
        f"{following}{number}: question sent to the reporter; the clock waits for the answer",
        f"{following}{number}: the reporter answered: MR/2026/0142",
        f"{following}{number}: resolved; the reporter is asked to confirm",
    ]
    # The team holding the ticket keeps its card, and hears nothing of L1's lines.
    assert not any(text.startswith("Following") for text in await egov_tech.inbox())

    await kiran.say(f"reopen {number} Still failing")
    assert (await l1_group.inbox())[0].startswith(f"{following}{number}: reopened with ")
    queue = (await anita.say("queue"))[0].splitlines()
    assert queue[0] == "Open tickets of L1 Helpdesk (HUDD) (2):"
    lines = {line.split(" · ", 1)[0]: line for line in queue[1:]}
    assert lines[number].endswith(" · now with eGov technical team")
    assert "now with" not in lines[kept]
    # The eGov technical team's own queue is its own tickets, unmarked.
    mine = (await kiran.say("queue"))[0].splitlines()
    assert [line.split(" · ", 1)[0] for line in mine[1:]] == [number]
    assert "now with" not in mine[1]

    # The L1 team chat's queue is the same as its operators'.
    typed = Inbound(
        l1_group.address,
        "l1-queue",
        "queue",
        helpdesk.clock(),
        sender_name="Anita",
        sender=Address("console", "anita"),
    )
    await helpdesk.dispatcher.handle(typed)
    [answer] = await l1_group.inbox()
    assert f"{number} · " in answer and " · now with eGov technical team" in answer
