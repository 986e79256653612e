"""The operators' desk in the web console, over HTTP through the real app: signing in, the
queue, a ticket's actions reaching the reporter and the teams' chats, and callers' tickets."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryChannel
from bot.build import Helpdesk
from flows.messages import Address
from tests.support import Person, file_ticket
from tests.web_support import PASSWORD, console_client, make_account

L1_CHAT = Address("console", "team-l1")


async def test_an_operator_signs_in_and_sees_a_chat_ticket_in_the_queue(
    helpdesk: Helpdesk, channel: MemoryChannel
) -> None:
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    await make_account(helpdesk, "anita", "l1", "l1")
    async with console_client(helpdesk) as browser:
        signed = await browser.sign_in("anita")
        assert signed.status_code == 303
        queue = await browser.get("/console/")
        assert queue.status_code == 200
        assert number in queue.text
