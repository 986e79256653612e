"""Telegram's wire format to and from the helpdesk's messages: real Bot API payloads, parsed by
the real python-telegram-bot, translated by `adapters.telegram.wire` (no network)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Bot, ForceReply, InlineKeyboardMarkup, Update

from adapters.telegram.wire import (
    BotIdentity,
    Incoming,
    Rendered,
    render,
    telegram_files,
    to_incoming,
)
from adapters.text import shorten, split_text
from flows.messages import Address, Attachment, Choice, Outbound
from tests.telegram_fake import (
    BOT_ID,
    BOT_USER,
    BOT_USERNAME,
    callback,
    group_text,
    private_document,
    private_photo,
    private_text,
    private_voice,
)

USER = 4242
STAFF = 7070
GROUP = -1001234567890
NOW = datetime(2025, 1, 6, 10, 30, tzinfo=UTC)
ME = BotIdentity(BOT_ID, BOT_USERNAME)
CARD_TEXT = (
    "MK-1001 · P2 · Open\n"
    "ULB: Cuttack\n"
    "Reporter: Ramesh (JE, telegram)\n"
    "Module: Works\n"
    "Team: L1 Helpdesk · Assignee: —"
)
CARD_BUTTONS = [
    [
        {"text": "Take", "callback_data": "take MK-1001"},
        {"text": "Type", "callback_data": "type MK-1001"},
        {"text": "Priority", "callback_data": "priority MK-1001"},
    ],
    [{"text": "Resolve", "callback_data": "resolve MK-1001"}],
]
PROMPT_TEXT = (
    "resolve MK-1001\n"
    "Type the resolution for the reporter of MK-1001:\n"
    "Reply to this message with your note."
)
ODIA = (
    "ମୋର ମାପ ପୁସ୍ତକ ଅପଲୋଡ୍ ହେଉନାହିଁ। ଦୟାକରି ସାହାଯ୍ୟ କରନ୍ତୁ। "
    "ବିଲ୍ ଦାଖଲ କରିବା ସମୟରେ ତ୍ରୁଟି ଦେଖାଉଛି।\n"
    "ପ୍ରକଳ୍ପ ନମ୍ବର ୧୨୩୪ ଓ କାର୍ଯ୍ୟାଦେଶ ସଂଖ୍ୟା ୫୬୭୮।"
)

_update_ids = itertools.count(1)
_message_ids = itertools.count(500)


@pytest.fixture(scope="module")
def ptb() -> Iterator[Bot]:
    """A PTB Bot that is never initialised: `de_json` only needs it as a reference."""
    yield Bot("123:ABC")


def parse(payload: dict[str, Any], ptb: Bot, update_id: int | None = None) -> Update:
    return Update.de_json(payload | {"update_id": update_id or next(_update_ids)}, ptb)


def incoming(payload: dict[str, Any], ptb: Bot, update_id: int | None = None) -> Incoming | None:
    return to_incoming(parse(payload, ptb, update_id), ME, NOW)


def expect(payload: dict[str, Any], ptb: Bot, update_id: int | None = None) -> Incoming:
    found = incoming(payload, ptb, update_id)
    assert found is not None, "the update was ignored"
    return found


def bot_message(
    chat_id: int, text: str, buttons: list[list[dict[str, str]]] | None = None
) -> dict[str, Any]:
    """One of the bot's own messages, as Telegram includes it in callbacks and replies."""
    chat: dict[str, Any] = (
        {"id": chat_id, "type": "private", "first_name": "Ramesh"}
        if chat_id > 0
        else {"id": chat_id, "type": "supergroup", "title": "MUKTA Helpdesk Staff"}
    )
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": dict(BOT_USER),
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if buttons:
        message["reply_markup"] = {"inline_keyboard": buttons}
    return message


def telegram(chat_id: int) -> Address:
    return Address("telegram", str(chat_id))


# -- private chats --------------------------------------------------------------------------


def test_private_text_becomes_an_inbound_message(ptb: Bot) -> None:
    payload = private_text(USER, "My bill will not upload", first_name="Ramesh")
    payload["message"]["from"]["last_name"] = "Sahoo"

    found = expect(payload, ptb, 31)

    inbound = found.inbound
    assert inbound.address == telegram(USER)
    assert str(inbound.address) == f"telegram:{USER}"
    assert inbound.provider_id == "update-31"
    assert inbound.text == "My bill will not upload"
    assert inbound.sender_name == "Ramesh Sahoo"
    assert inbound.sender is None
    assert inbound.choice == ""
    assert inbound.attachments == ()
    assert abs(inbound.received_at.timestamp() - time.time()) < 60  # the message's own date
    assert found.callback_id == "" and found.question is None


def test_a_repeated_update_has_the_same_provider_id(ptb: Bot) -> None:
    payload = private_text(USER, "hello")
    first = to_incoming(parse(payload, ptb, 77), ME, NOW)
    again = to_incoming(parse(payload, ptb, 77), ME, NOW)
    assert first is not None and again is not None
    assert first.inbound.provider_id == again.inbound.provider_id == "update-77"


def test_odia_text_arrives_unchanged(ptb: Bot) -> None:
    found = expect(private_text(USER, ODIA), ptb)
    assert found.inbound.text == ODIA


def test_command_addressed_to_this_bot_loses_the_bot_name(ptb: Bot) -> None:
    found = expect(private_text(USER, "/status@mukta_helpdesk_bot MK-1001"), ptb)
    assert found.inbound.text == "/status MK-1001"

    shouting = expect(private_text(USER, "/start@MUKTA_Helpdesk_Bot"), ptb)
    assert shouting.inbound.text == "/start"


def test_command_for_another_bot_is_ignored(ptb: Bot) -> None:
    assert incoming(private_text(USER, "/start@other_bot"), ptb) is None
    assert incoming(private_text(USER, "/status@other_bot MK-1001"), ptb) is None


def test_the_writers_telegram_username_comes_with_a_private_message(ptb: Bot) -> None:
    """So tickets logged for a caller under their @username can follow their chat."""
    payload = private_text(USER, "hi", first_name="Sabita")
    assert expect(payload, ptb).inbound.handle == ""
    payload["message"]["from"]["username"] = "Sabita_N"
    assert expect(payload, ptb).inbound.handle == "Sabita_N"


def test_private_photo_keeps_the_largest_size_and_the_caption(ptb: Bot) -> None:
    found = expect(private_photo(USER, "PHOTO-BIG", caption="Error on the MB page"), ptb)

    assert found.inbound.text == "Error on the MB page"
    assert found.inbound.attachments == (Attachment("photo", "PHOTO-BIG", "image/jpeg"),)


def test_private_photo_without_caption_still_counts(ptb: Bot) -> None:
    found = expect(private_photo(USER, "PHOTO-2"), ptb)
    assert found.inbound.text == ""
    assert [a.ref for a in found.inbound.attachments] == ["PHOTO-2"]


def test_private_document_keeps_its_type_and_name(ptb: Bot) -> None:
    payload = private_document(USER, "DOC-1", "bill_0423.pdf", "application/pdf", caption="Bill")

    found = expect(payload, ptb)

    assert found.inbound.text == "Bill"
    (document,) = found.inbound.attachments
    assert document.kind == "document"
    assert document.ref == "DOC-1"
    assert document.content_type == "application/pdf"
    assert document.filename == "bill_0423.pdf"


def test_private_voice_note(ptb: Bot) -> None:
    found = expect(private_voice(USER, "VOICE-1", duration=12), ptb)

    assert found.inbound.text == ""
    assert found.inbound.attachments == (Attachment("voice", "VOICE-1", "audio/ogg"),)
    assert found.inbound.address == telegram(USER)


def test_messages_from_bots_are_ignored(ptb: Bot) -> None:
    payload = private_text(USER, "hello")
    payload["message"]["from"]["is_bot"] = True
    assert incoming(payload, ptb) is None

    chatter = group_text(GROUP, STAFF, "/ticket MK-1001")
    chatter["message"]["from"]["is_bot"] = True
    assert incoming(chatter, ptb) is None


def test_updates_without_a_message_are_ignored(ptb: Bot) -> None:
    edited = {"edited_message": private_text(USER, "changed my mind")["message"]}
    assert incoming(edited, ptb) is None


def test_private_button_press_answers_the_question(ptb: Bot) -> None:
    question = bot_message(
        USER,
        "Which module is the problem in?",
        [
            [{"text": "Works", "callback_data": "works"}],
            [{"text": "Billing", "callback_data": "billing"}],
        ],
    )
    payload = callback(USER, USER, question, "billing", first_name="Ramesh")

    found = expect(payload, ptb)

    inbound = found.inbound
    assert inbound.address == telegram(USER)
    assert inbound.choice == "billing"
    assert inbound.text == ""
    assert inbound.sender is None
    assert inbound.sender_name == "Ramesh"
    assert inbound.received_at == NOW
    assert found.callback_id == payload["callback_query"]["id"]
    assert found.question == (USER, question["message_id"])
    assert found.question_text == "Which module is the problem in?\n\n✓ Billing"


def test_private_button_press_with_odia_label(ptb: Bot) -> None:
    question = bot_message(USER, "ଭାଷା ବାଛନ୍ତୁ", [[{"text": "ଓଡ଼ିଆ", "callback_data": "or"}]])

    found = expect(callback(USER, USER, question, "or"), ptb)

    assert found.question_text == "ଭାଷା ବାଛନ୍ତୁ\n\n✓ ଓଡ଼ିଆ"


def test_button_press_on_a_card_keeps_the_card(ptb: Bot) -> None:
    card = bot_message(USER, CARD_TEXT, CARD_BUTTONS)

    found = expect(callback(USER, USER, card, "take MK-1001"), ptb)

    assert found.inbound.choice == "take MK-1001"
    assert found.callback_id  # the spinner is still stopped
    assert found.question is None
    assert found.question_text == ""


def test_answered_question_text_stays_within_telegram_limit(ptb: Bot) -> None:
    long_question = "Please confirm the details below.\n" + "x " * 2100
    question = bot_message(USER, long_question.strip(), [[{"text": "Yes", "callback_data": "y"}]])

    found = expect(callback(USER, USER, question, "y"), ptb)

    assert found.question is not None
    assert len(found.question_text) <= 4096


# -- team group chats -----------------------------------------------------------------------


def test_group_chatter_is_not_for_the_bot(ptb: Bot) -> None:
    assert incoming(group_text(GROUP, STAFF, "Who is looking at the Cuttack issue?"), ptb) is None
    assert incoming(group_text(GROUP, STAFF, "take MK-1001"), ptb) is None


def test_group_command_carries_the_staff_member(ptb: Bot) -> None:
    payload = group_text(GROUP, STAFF, "/ticket MK-1001", first_name="Anita")

    found = expect(payload, ptb)

    inbound = found.inbound
    assert inbound.address == telegram(GROUP)
    assert inbound.text == "/ticket MK-1001"
    assert inbound.sender == telegram(STAFF)
    assert str(inbound.sender) == f"telegram:{STAFF}"
    assert inbound.sender_name == "Anita"


def test_group_command_with_the_bot_name(ptb: Bot) -> None:
    found = expect(group_text(GROUP, STAFF, "/ticket@mukta_helpdesk_bot MK-1001"), ptb)
    assert found.inbound.text == "/ticket MK-1001"
    assert incoming(group_text(GROUP, STAFF, "/ticket@other_bot MK-1001"), ptb) is None


def test_group_mention_is_addressed_to_the_bot(ptb: Bot) -> None:
    found = expect(group_text(GROUP, STAFF, "@mukta_helpdesk_bot queue"), ptb)

    assert found.inbound.text == "queue"
    assert found.inbound.sender == telegram(STAFF)


def test_group_reply_to_a_card_is_a_comment_to_the_reporter(ptb: Bot) -> None:
    card = bot_message(GROUP, CARD_TEXT, CARD_BUTTONS)
    payload = group_text(GROUP, STAFF, "Please re-upload the bill as PDF", reply_to=card)

    found = expect(payload, ptb)

    assert found.inbound.text == "comment MK-1001 Please re-upload the bill as PDF"
    assert found.inbound.address == telegram(GROUP)
    assert found.inbound.sender == telegram(STAFF)


def test_group_reply_to_a_card_with_a_command_stays_a_command(ptb: Bot) -> None:
    card = bot_message(GROUP, CARD_TEXT, CARD_BUTTONS)

    found = expect(group_text(GROUP, STAFF, "/ticket MK-1002", reply_to=card), ptb)

    assert found.inbound.text == "/ticket MK-1002"


def test_group_reply_to_a_prompt_completes_the_command(ptb: Bot) -> None:
    prompt = bot_message(GROUP, PROMPT_TEXT)
    payload = group_text(
        GROUP, STAFF, "Re-uploaded the measurement book; works now.", reply_to=prompt
    )

    found = expect(payload, ptb)

    assert found.inbound.text == "resolve MK-1001 Re-uploaded the measurement book; works now."
    assert found.inbound.sender == telegram(STAFF)


@pytest.mark.parametrize(
    ("first_line", "question"),
    [
        ("comment MK-1001", "Type the message for the reporter of MK-1001:"),
        ("reopen MK-1001", "Why is MK-1001 being reopened?"),
        ("ask MK-1001", "Type the question for the reporter of MK-1001:"),
        ("note MK-1001", "Your note on MK-1001 for the staff (the reporter does not see it):"),
    ],
)
def test_a_reply_to_any_prompt_for_a_text_completes_its_command(
    ptb: Bot, first_line: str, question: str
) -> None:
    """Every card button that needs a text (Ask the reporter among them) asks for it as a
    reply; the reply is the text, whichever the command."""
    prompt = bot_message(GROUP, f"{first_line}\n{question}\nReply to this message with the text.")

    found = expect(group_text(GROUP, STAFF, "Which ward is the work in?", reply_to=prompt), ptb)

    assert found.inbound.text == f"{first_line} Which ward is the work in?"


def test_group_reply_to_a_comment_prompt_in_odia(ptb: Bot) -> None:
    prompt = bot_message(GROUP, "comment MK-1001\nରିପୋର୍ଟକାରୀଙ୍କ ପାଇଁ ବାର୍ତ୍ତା ଲେଖନ୍ତୁ:")

    found = expect(group_text(GROUP, STAFF, ODIA, reply_to=prompt), ptb)

    assert found.inbound.text == f"comment MK-1001 {ODIA}"


def test_group_reply_to_someone_else_counts_only_as_a_command(ptb: Bot) -> None:
    colleague = group_text(GROUP, STAFF + 1, "MK-1001 · P2 · Open")["message"]

    assert incoming(group_text(GROUP, STAFF, "I will take it", reply_to=colleague), ptb) is None
    found = expect(group_text(GROUP, STAFF, "/ticket MK-1001", reply_to=colleague), ptb)
    assert found.inbound.text == "/ticket MK-1001"


def test_group_button_on_a_card_carries_the_command_and_the_presser(ptb: Bot) -> None:
    card = bot_message(GROUP, CARD_TEXT, CARD_BUTTONS)
    payload = callback(STAFF, GROUP, card, "take MK-1001", first_name="Anita")

    found = expect(payload, ptb)

    inbound = found.inbound
    assert inbound.address == telegram(GROUP)
    assert inbound.choice == "take MK-1001"
    assert inbound.sender == telegram(STAFF)
    assert inbound.sender_name == "Anita"
    assert found.callback_id == payload["callback_query"]["id"]
    assert found.question is None  # the card keeps its buttons


def test_group_button_on_a_question_shows_the_answer(ptb: Bot) -> None:
    question = bot_message(
        GROUP,
        "Which priority for MK-1001?",
        [
            [{"text": "P1", "callback_data": "priority MK-1001 P1"}],
            [{"text": "P2", "callback_data": "priority MK-1001 P2"}],
        ],
    )

    found = expect(callback(STAFF, GROUP, question, "priority MK-1001 P1"), ptb)

    assert found.inbound.choice == "priority MK-1001 P1"
    assert found.inbound.sender == telegram(STAFF)
    assert found.question == (GROUP, question["message_id"])
    assert found.question_text == "Which priority for MK-1001?\n\n✓ P1"


def test_group_button_on_an_old_card_still_acts_in_the_group(ptb: Bot) -> None:
    # Telegram sends a message that is too old to read with date 0 and no content.
    old_card = {
        "message_id": 12,
        "chat": {"id": GROUP, "type": "supergroup", "title": "Staff"},
        "date": 0,
    }

    found = expect(callback(STAFF, GROUP, old_card, "take MK-1001"), ptb)

    assert found.inbound.address == telegram(GROUP)
    assert found.inbound.sender == telegram(STAFF)
    assert found.inbound.choice == "take MK-1001"
    assert found.question is None


def test_group_reply_to_a_refusal_is_not_a_comment_to_the_reporter(ptb: Bot) -> None:
    refusal = bot_message(GROUP, "MK-1001 is already with Field Support.")

    found = incoming(group_text(GROUP, STAFF, "ok, thanks", reply_to=refusal), ptb)

    assert found is None or not found.inbound.text.startswith("comment MK-1001")


# -- rendering ------------------------------------------------------------------------------


def keyboard(rendered: Rendered) -> list[list[tuple[str, str | object]]]:
    assert isinstance(rendered.markup, InlineKeyboardMarkup)
    return [
        [(button.text, button.callback_data) for button in row]
        for row in rendered.markup.inline_keyboard
    ]


def test_choices_become_one_button_rows_carrying_the_key() -> None:
    message = Outbound(
        telegram(USER),
        "Which language?",
        (Choice("en", "English"), Choice("or", "ଓଡ଼ିଆ"), Choice("hi", "हिन्दी")),
    )

    rendered = render(message)

    assert rendered.chunks == ("Which language?",)
    assert keyboard(rendered) == [[("English", "en")], [("ଓଡ଼ିଆ", "or")], [("हिन्दी", "hi")]]
    # What the Bot API is sent: the same keyboard, as PTB would serialise it.
    assert rendered.markup is not None
    assert json.loads(rendered.markup_json or "") == rendered.markup.to_dict()


def test_the_same_buttons_are_made_once_for_every_message_that_carries_them() -> None:
    """The language menu goes with every new chat's first reply: its keyboard (and its
    JSON) is made the first time and reused."""
    choices = (Choice("en", "English"), Choice("or", "ଓଡ଼ିଆ"), Choice("hi", "हिन्दी"))
    first = render(Outbound(telegram(USER), "Which language?", choices))
    again = render(Outbound(telegram(USER + 1), "ଭାଷା ବାଛନ୍ତୁ", choices))

    assert again.markup is first.markup
    assert again.markup_json is first.markup_json


def test_a_reply_without_choices_has_no_keyboard() -> None:
    rendered = render(Outbound(telegram(USER), "Thank you."))
    assert rendered == Rendered(("Thank you.",), None, None)


@pytest.mark.parametrize("kind", ["team_card", "card"])
def test_card_buttons_come_three_to_a_row(kind: str) -> None:
    verbs = ("take", "type", "priority", "escalate", "comment", "resolve", "close", "reopen")
    choices = tuple(Choice(f"{verb} MK-1001", verb.title()) for verb in verbs)
    message = Outbound(telegram(GROUP), CARD_TEXT, choices, ticket_number="MK-1001", kind=kind)

    rendered = render(message)

    assert rendered.chunks == (CARD_TEXT,)
    rows = keyboard(rendered)
    assert [len(row) for row in rows] == [3, 3, 2]
    assert [data for row in rows for _, data in row] == [f"{verb} MK-1001" for verb in verbs]


def test_an_oversized_card_is_shortened_to_one_message() -> None:
    text = CARD_TEXT + "\n" + "Description: " + "the page hangs " * 400
    assert len(text) > 4096
    message = Outbound(telegram(GROUP), text, (Choice("take MK-1001", "Take"),), kind="team_card")

    rendered = render(message)

    (chunk,) = rendered.chunks
    assert len(chunk) <= 4096
    assert chunk.startswith(CARD_TEXT)
    assert chunk.endswith("…")
    assert keyboard(rendered) == [[("Take", "take MK-1001")]]


def test_a_long_reply_is_split_into_messages() -> None:
    paragraphs = [f"Paragraph {n}: " + " ".join(["measurement"] * 180) for n in range(5)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 2 * 4096
    message = Outbound(telegram(USER), text, (Choice("ok", "OK"),))

    rendered = render(message)

    assert len(rendered.chunks) >= 3
    assert all(0 < len(chunk) <= 4096 for chunk in rendered.chunks)
    assert "\n\n".join(rendered.chunks) == text  # cut only between paragraphs
    assert keyboard(rendered) == [[("OK", "ok")]]  # the sender puts it under the last chunk


def test_a_prompt_asks_for_a_reply() -> None:
    rendered = render(Outbound(telegram(GROUP), PROMPT_TEXT, kind="prompt"))

    assert rendered.chunks == (PROMPT_TEXT,)
    assert isinstance(rendered.markup, ForceReply)


def test_a_prompt_with_choices_offers_buttons_instead() -> None:
    rendered = render(
        Outbound(telegram(GROUP), "Which priority?", (Choice("p", "P1"),), kind="prompt")
    )
    assert keyboard(rendered) == [[("P1", "p")]]


def test_links_are_listed_and_telegram_files_are_sent_separately() -> None:
    photo = Attachment("photo", "AgACAgIAAxkBAAIB", "image/jpeg")
    document = Attachment("document", "BQACAgIAAxkBAAIC", "application/pdf", "bill.pdf")
    link = Attachment("photo", "https://api.twilio.com/media/ME123", "image/jpeg")
    voice_link = Attachment("voice", "http://media.example/voice.ogg", "audio/ogg")
    message = Outbound(
        telegram(GROUP),
        CARD_TEXT,
        ticket_number="MK-1001",
        kind="team_card",
        attachments=(photo, link, document, voice_link),
    )

    rendered = render(message)

    (chunk,) = rendered.chunks
    assert chunk == (
        f"{CARD_TEXT}\n"
        "📎 photo: https://api.twilio.com/media/ME123\n"
        "📎 voice: http://media.example/voice.ogg"
    )
    assert "AgACAgIAAxkBAAIB" not in chunk
    assert telegram_files(message) == (photo, document)


# -- text splitting -------------------------------------------------------------------------


def _words(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_piece() -> None:
    assert split_text("  Hello  ", 10) == ["Hello"]
    assert split_text("", 10) == [""]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        split_text("text", 0)


@pytest.mark.parametrize("limit", [1, 7, 20, 64, 300])
def test_pieces_respect_the_limit_and_lose_nothing(limit: int) -> None:
    text = (
        "Bill upload fails.\n\nSteps:\n1. Open Works\n2. Upload MB\n\n"
        + "An extraordinarilylongidentifierwithoutspaces appears. " * 6
        + ODIA
    )

    pieces = split_text(text, limit)

    assert all(0 < len(piece) <= limit for piece in pieces)
    assert _words("".join(pieces)) == _words(text)


def test_a_paragraph_break_is_preferred() -> None:
    first = "Line one of the first paragraph\nand its second line"
    second = "Second paragraph with quite a few words in it"
    text = f"{first}\n\n{second}"

    assert split_text(text, len(first) + 20) == [first, second]


def test_a_line_break_is_preferred_to_a_space() -> None:
    first = "The first line has some words"
    second = "the second line has more words than fit"
    text = f"{first}\n{second}"

    assert split_text(text, len(first) + 15) == [first, second]


def test_words_are_not_cut_when_spaces_allow() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa"

    pieces = split_text(text, 16)

    assert all(len(piece) <= 16 for piece in pieces)
    assert " ".join(pieces) == text
    assert all(word in text.split() for piece in pieces for word in piece.split())


def test_a_very_long_word_is_cut() -> None:
    word = "x" * 25

    assert split_text(word, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text(f"see {word} here", 10) == ["see", "x" * 10, "x" * 10, "xxxxx here"]


def test_odia_text_is_kept_intact_when_rejoined() -> None:
    text = "\n\n".join([ODIA] * 12)

    pieces = split_text(text, 150)

    assert len(pieces) > 1
    assert all(len(piece) <= 150 for piece in pieces)
    assert _words("".join(pieces)) == _words(text)
    # Each cut falls on whitespace: every piece is a stretch of the original text.
    position = 0
    for piece in pieces:
        found = text.find(piece, position)
        assert found >= 0, piece
        assert text[position:found].strip() == ""
        position = found + len(piece)
    assert text[position:].strip() == ""


def test_a_long_odia_word_is_cut_without_losing_characters() -> None:
    word = "ମାପପୁସ୍ତକ" * 20

    pieces = split_text(word, 50)

    assert all(len(piece) <= 50 for piece in pieces)
    assert "".join(pieces) == word


def test_shorten() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("a" * 20, 10) == "a" * 9 + "…"
    assert len(shorten("word " * 100, 50)) <= 50
