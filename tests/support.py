"""Drive the helpdesk the way a channel does: inbound messages in, delivered messages out."""

from __future__ import annotations

import asyncio
import itertools
import re
import time

from sqlalchemy import select

from adapters.memory import MemoryChannel
from bot.core.groupcommit import Handled
from bot.core.outbox import LEASE
from bot.helpdesk import Helpdesk
from db.models import OutboxMessage
from flows.messages import Address, Attachment, Inbound, Outbound

_ids = itertools.count(1)
# Latin-script words that are names, the same in every language. Anything with a digit
# (ticket IDs like MK-1001, priorities P1-P4, L1) is an ID, not a word.
NAMES = frozenset({"MUKTASoft", "MUKTA", "iFIX", "HUDD", "eGov"})
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’\-/]*")


_QUOTED = re.compile(r"“[^”]*”")


def latin_words(text: str, typed: bool = True) -> list[str]:
    """The untranslated words of an Odia or Hindi text: Latin-script words that are neither
    names nor IDs; with `typed`, nor quoted (“Ramesh”: what a person typed or is called,
    given back to them)."""
    words = _LATIN_WORD.findall(_QUOTED.sub("", text) if typed else text)
    return [w for w in words if w not in NAMES and not any(c.isdigit() for c in w)]


class Person:
    """Someone chatting with the helpdesk; `say` returns the texts they receive back."""

    def __init__(self, helpdesk: Helpdesk, channel: MemoryChannel, address: str) -> None:
        self.helpdesk = helpdesk
        self.channel = channel
        self.address = Address.parse(address)
        self.seen = 0
        self.last_handled: Handled | None = None

    async def say(
        self,
        text: str = "",
        choice: str = "",
        attachments: tuple[Attachment, ...] = (),
        provider_id: str = "",
        sender_name: str = "",
    ) -> list[str]:
        inbound = Inbound(
            address=self.address,
            provider_id=provider_id or f"test-{next(_ids)}",
            text=text,
            received_at=self.helpdesk.clock(),
            sender_name=sender_name,
            attachments=attachments,
            choice=choice,
        )
        self.last_handled = await self.helpdesk.dispatcher.handle(inbound)
        return await self.inbox()

    async def inbox(self) -> list[str]:
        """Deliver what is due and return what reached this person since the last look.
        Where the helpdesk is also served (its own relay running), what that relay took is
        waited for until it is delivered."""
        deadline = time.monotonic() + 10
        while True:
            while await self.helpdesk.relay.deliver_due():
                pass
            if not await self._in_flight() or time.monotonic() > deadline:
                return [message.text for message in self.new_messages()]
            await asyncio.sleep(0.01)

    async def _in_flight(self) -> bool:
        """Whether a row for this person is leased (being sent by a relay)."""
        leased = self.helpdesk.clock() + LEASE / 2
        async with self.helpdesk.unit_of_work().read_only() as uow:
            found = await uow.session.execute(
                select(OutboxMessage.id).where(
                    OutboxMessage.address == str(self.address),
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at > leased,
                )
            )
            return found.first() is not None

    def new_messages(self) -> list[Outbound]:
        messages = self.channel.by_address[self.address][self.seen :]
        self.seen += len(messages)
        return messages

    def last_choices(self) -> list[str]:
        return [choice.label for choice in self.channel.last(self.address).choices]


async def staff_person(helpdesk: Helpdesk, channel: MemoryChannel, key: str) -> Person:
    """A staff member in the console, at the menu (staff are never asked for a language)."""
    person = Person(helpdesk, channel, f"console:{key}")
    await person.say("hi")
    return person


async def file_ticket(
    person: Person, description: str = "Wage bill shows error 500 on submit"
) -> str:
    """An English report, each question answered as it comes (a returning reporter is asked
    fewer); returns the ticket number the reporter was given."""
    answers = (
        ("Choose your language", "1"),  # English
        ("What would you like to do?", "1"),  # Report a problem
        ("Which ULB", "Jatni"),
        ("ULB employee or a CBO", "1"),  # ULB employee
        ("Please type your name", "Ramesh Sahu"),
        ("Which part of MUKTASoft", "wage"),  # module by typed prefix
        ("What kind of problem", "2"),  # The app or iFIX shows an error
        ("describe the problem", description),
        ("Please check your report", "1"),  # submit
    )
    replies = await person.say("hi")
    for _ in range(len(answers)):
        created = next((text for text in replies if "registered as ticket" in text), "")
        if created:
            return created.split("ticket ", 1)[1].split(".", 1)[0]
        # The question asked (a notice about an earlier ticket may come after it).
        asked = (r for r in reversed(replies) if any(f in r for f, _ in answers))
        question = next(asked, replies[-1])
        answer = next((a for fragment, a in answers if fragment in question), None)
        assert answer is not None, f"no answer for {question!r}"
        replies = await person.say(answer)
    created = next(text for text in replies if "registered as ticket" in text)
    return created.split("ticket ", 1)[1].split(".", 1)[0]
