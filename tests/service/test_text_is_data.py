"""Text is data: what a reporter types (SQL, HTML, Markdown, emoji, Odia, ten thousand
characters) is stored exactly and shown back exactly, and Telegram is never asked to read
it as markup."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from adapters.memory import MemoryChannel
from adapters.telegram.sender import RateLimits, TelegramSender
from adapters.telegram.wire import render
from bot.helpdesk import Helpdesk
from db.models import InboundMessage
from flows.messages import Address, Outbound
from tests.support import Person
from tests.telegram_fake import FakeTelegram

SQL = "'; DROP TABLE tickets; --"
MARKUP = "<b>bold</b> <script>alert(1)</script> *bold* _x_ [link](http://x) `code` &amp; \\"
EMOJI_AND_ODIA = "ମଜୁରି ବିଲ୍ ଦାଖଲ କଲେ ତ୍ରୁଟି ୫୦୦ 😀👍🏽👨‍👩‍👧 हिन्दी ‮reversed‬ zero\u200dwidth"
PARAGRAPH = f"Muster roll 42: {SQL} {MARKUP} {EMOJI_AND_ODIA}\n"
LONG = (PARAGRAPH * (10_000 // len(PARAGRAPH) + 1))[:9_999] + "."
DESCRIPTIONS = {
    "sql": f"{SQL} and then the bill fails",
    "markup": MARKUP,
    "emoji_and_odia": EMOJI_AND_ODIA,
    "ten_thousand_characters": LONG,
}
NAME = "Ramesh <b>Sahu</b> *ରମେଶ* 😀"
TELEGRAM_USER = 5001


async def intake(person: Person, channel: MemoryChannel, description: str) -> Outbound:
    """An English intake whose answers are all hostile-looking; the summary it ends at."""
    await person.say("hi")
    await person.say("1")  # English: the report starts
    refused = await person.say(SQL)  # as the ULB: no such ULB, and said so as typed
    assert any(SQL in text for text in refused)
    await person.say("Jatni")
    await person.say("1")  # ULB employee
    await person.say(NAME)
    await person.say("wage")
    await person.say("2")  # The app or iFIX shows an error
    await person.say(description)
    return channel.last(person.address)


@pytest.mark.parametrize("kind", DESCRIPTIONS)
async def test_hostile_looking_text_is_stored_and_echoed_exactly(
    helpdesk: Helpdesk, channel: MemoryChannel, kind: str
) -> None:
    assert len(LONG) == 10_000
    description = DESCRIPTIONS[kind]
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    summary = await intake(ramesh, channel, description)
    assert description in summary.text and NAME in summary.text
    created = await ramesh.say("1")  # submit
    number = next(t for t in created if "registered as ticket" in t).split("ticket ", 1)[1]
    number = number.split(".", 1)[0]

    async with helpdesk.unit_of_work() as uow:
        ticket = await uow.tickets.by_number(number)
        assert ticket is not None
        assert ticket.description == description
        assert ticket.reporter_name == NAME
        typed = await uow.session.execute(select(InboundMessage.text))
        assert description in typed.scalars().all()
    assert await ramesh.say(f"status {number}") and ramesh.last_handled == "processed"


@pytest.mark.parametrize("kind", DESCRIPTIONS)
async def test_telegram_is_sent_the_text_as_plain_text(
    helpdesk: Helpdesk, channel: MemoryChannel, fake: FakeTelegram, kind: str
) -> None:
    description = DESCRIPTIONS[kind]
    ramesh = Person(helpdesk, channel, "memory:ramesh")
    summary = await intake(ramesh, channel, description)
    address = Address("telegram", str(TELEGRAM_USER))
    async with fake.bot() as bot:
        sender = TelegramSender(bot, RateLimits(private_per_second=100))
        await sender.send(dataclasses.replace(summary, address=address))

    calls = [call for call in fake.calls if call.method.lower() == "sendmessage"]
    assert calls and all(call.ok for call in calls)
    for call in calls:
        assert "parse_mode" not in call.params
        assert "entities" not in call.params
    sent = [str(call.params["text"]) for call in calls]
    if len(sent) == 1:
        assert sent == [summary.text]
    else:  # split at line or word boundaries, the whitespace there dropped
        assert "".join("".join(sent).split()) == "".join(summary.text.split())


def test_every_telegram_message_fits_telegrams_limit_in_utf16_units() -> None:
    text = ("ମଜୁରି ବିଲ୍ 😀😀😀 " * 600).strip()
    chunks = render(Outbound(Address("telegram", str(TELEGRAM_USER)), text)).chunks
    assert all(len(chunk.encode("utf-16-le")) // 2 <= 4096 for chunk in chunks)
