"""An Odia or a Hindi speaker reads their whole conversation in their language.

Console transcripts (WhatsApp and Telegram in their channels' tests): from the first greeting,
which speaks all three languages, to the ticket's last notice, nothing a reporter reads has
an English word in it beyond names and IDs (MUKTASoft, iFIX, MK-1001, P2).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.memory import MemoryChannel
from bot.helpdesk import Helpdesk
from flows import i18n
from tests.support import Person, latin_words, staff_person


@dataclass(frozen=True)
class Speaker:
    language: str
    pick: str  # the language's number in the picker
    ulb: str
    name: str
    description: str
    help: str
    status: str
    mine: str
    comment: str
    question: str
    answer: str
    resolution: str
    due_words: tuple[str, ...]  # the weekday, the month, forenoon of the first due time


ODIA = Speaker(
    "or",
    "୨",
    "ଜଟଣୀ",
    "ସୁନୀତା ବେହେରା",
    "ମଜୁରି ବିଲ ଦାଖଲ କଲେ ତ୍ରୁଟି ଆସୁଛି",
    "ସାହାଯ୍ୟ",
    "ସ୍ଥିତି",
    "ମୋ ଟିକେଟ",
    "ଦୟାକରି ମଷ୍ଟର ରୋଲ ନମ୍ବର ପଠାନ୍ତୁ",
    "କେଉଁ ମଷ୍ଟର ରୋଲ?",
    "ମଷ୍ଟର ରୋଲ ୪୨",
    "ଠିକ୍ କରାଗଲା; ବିଲ ପୁଣି ଦାଖଲ କରନ୍ତୁ",
    ("ମଙ୍ଗଳବାର", "ଡିସେମ୍ବର", "ପୂର୍ବାହ୍ନ 11:00"),
)
HINDI = Speaker(
    "hi",
    "३",
    "जटनी",
    "सुनीता बेहेरा",
    "मज़दूरी बिल जमा करने पर त्रुटि आ रही है",
    "मदद",
    "स्थिति",
    "मेरे टिकट",
    "कृपया मस्टर रोल नंबर भेजें",
    "कौन सा मस्टर रोल?",
    "मस्टर रोल ४२",
    "ठीक कर दिया; बिल फिर से जमा करें",
    ("मंगलवार", "दिसंबर", "पूर्वाह्न 11:00"),
)


@pytest.mark.parametrize("speaker", [ODIA, HINDI], ids=["odia", "hindi"])
async def test_a_reporter_reads_the_whole_conversation_in_their_language(
    helpdesk: Helpdesk, channel: MemoryChannel, speaker: Speaker
) -> None:
    reporter = Person(helpdesk, channel, "memory:sunita")
    first = await reporter.say("ନମସ୍କାର")
    # Before a language is chosen: greeted in each language, each line in its own.
    lines = first[0].splitlines()
    assert [line.split("!", 1)[0] for line in lines] == ["Namaskar", "ନମସ୍କାର", "नमस्कार"]
    assert latin_words(lines[1]) == latin_words(lines[2]) == []

    read: list[str] = []
    # Once the language is picked, the first report starts at once.
    for answer in (speaker.pick, speaker.ulb, "1", speaker.name, "1", "2"):
        read += await reporter.say(answer)
    read += await reporter.say(speaker.description)
    submitted = await reporter.say("1")  # submit
    read += submitted
    created = submitted[0]
    assert "MK-1001" in created
    assert all(word in created for word in speaker.due_words), created
    read += await reporter.say(speaker.help)
    read += await reporter.say(f"{speaker.status} MK-1001")
    read += await reporter.say(speaker.mine)
    # What the numbered lists offered them, too (the language picker is in every language).
    offered = [c.label for m in channel.by_address[reporter.address][1:] for c in m.choices]

    anita = await staff_person(helpdesk, channel, "anita")
    kiran = await staff_person(helpdesk, channel, "kiran")
    await anita.say("take MK-1001")
    await anita.say("priority MK-1001 P1")
    await anita.say("escalate MK-1001")
    await kiran.say(f"comment MK-1001 {speaker.comment}")
    await kiran.say(f"ask MK-1001 {speaker.question}")
    read += await reporter.inbox()
    read += await reporter.say(speaker.answer)
    await kiran.say(f"resolve MK-1001 {speaker.resolution}")
    read += await reporter.inbox()
    read += await reporter.say("1")  # yes, solved
    read += await reporter.say("5")  # rating
    assert len(read) > 20
    english = {text: latin_words(text) for text in [*read, *offered] if latin_words(text)}
    assert english == {}
    # The keywords are shown in the reporter's language; the English ones still work.
    help_text = i18n.text(speaker.language, "help", example="MK-1001")
    assert help_text in read and "menu" not in help_text
    assert any("MK-1001" in text for text in await reporter.say("status MK-1001"))
