"""Telegram: translates Bot API updates into `Inbound` messages and `Outbound` messages into
what the Bot API sends. Pure translation; the bot's runtime lives in `adapters.telegram.channel`
(receiving) and `adapters.telegram.sender`.

Private chats carry the reporter's conversation; buttons carry the choice's key. In a team's
group only what is addressed to the bot counts: commands, replies to the bot's messages,
mentions and button presses. A reply to a ticket card becomes a comment to the reporter; a
reply to a prompt ("resolve MK-1001 …") completes that command.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from adapters.text import shorten, split_text
from flows.messages import Address, Attachment, Choice, Inbound, Outbound
from flows.staffcommands import NEEDS_NOTE

CHANNEL = "telegram"
# Telegram allows 4096 characters (counted in UTF-16 units): keep a margin for emoji.
MAX_TEXT = 4000
TELEGRAM_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
CARD_KINDS = ("team_card", "card")
CARD_BUTTONS_PER_ROW = 3
# A prompt's first line: the command its reply completes ("resolve MK-1001").
_PROMPT_LINE = re.compile(rf"^({'|'.join(NEEDS_NOTE)}) ([A-Z]{{2,4}}-\d+)$")
# A card's first line: "MK-1001 · P2 · Received" (refusals also start with an ID).
_CARD_START = re.compile(r"^([A-Z]{2,4}-\d+) · ")


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str


@dataclass(frozen=True)
class Incoming:
    """An update worth handling: the message, and for a button press what to tidy up."""

    inbound: Inbound
    callback_id: str = ""
    # For a pressed button: the question message, and its text with the chosen answer.
    question: tuple[int, int] | None = None
    question_text: str = ""


@dataclass(frozen=True)
class Rendered:
    chunks: tuple[str, ...]
    markup: InlineKeyboardMarkup | ForceReply | None
    # The markup as the Bot API takes it, made once for every message with the same buttons.
    markup_json: str | None = None


def fits(text: str) -> bool:
    """Telegram counts its 4,096-character limit in UTF-16 units."""
    return len(text.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT


def address_of(chat_id: int) -> Address:
    return Address(CHANNEL, str(chat_id))


def is_private(chat_id: int) -> bool:
    return chat_id > 0


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        largest = message.photo[-1]  # Telegram lists sizes smallest first
        found.append(Attachment("photo", largest.file_id, "image/jpeg"))
    if message.document:
        document = message.document
        found.append(
            Attachment(
                "document", document.file_id, document.mime_type or "", document.file_name or ""
            )
        )
    if message.voice:
        found.append(Attachment("voice", message.voice.file_id, message.voice.mime_type or ""))
    if message.audio:
        audio = message.audio
        found.append(
            Attachment("voice", audio.file_id, audio.mime_type or "", audio.file_name or "")
        )
    if message.video:
        found.append(Attachment("video", message.video.file_id, message.video.mime_type or ""))
    return tuple(found)


def _strip_bot_name(text: str, bot: BotIdentity) -> str | None:
    """'/status@this_bot MK-1' → '/status MK-1'; None for a command meant for another bot."""
    if not text.startswith("/"):
        return text
    command, _, rest = text.partition(" ")
    name, _, target = command.partition("@")
    if target and target.casefold() != bot.username.casefold():
        return None
    return f"{name} {rest}".strip()


def _sender_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


def _group_text(message: Message, bot: BotIdentity) -> str | None:
    """The text of a group message addressed to the bot, in the staff command language."""
    mention = f"@{bot.username}"
    text = (message.text or message.caption or "").strip()
    if not text.startswith("/"):
        text = re.sub(re.escape(mention), "", text, flags=re.IGNORECASE).strip()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        first_line = (replied.text or replied.caption or "").split("\n", 1)[0].strip()
        prompt = _PROMPT_LINE.match(first_line)
        if prompt:
            return f"{first_line} {text}".strip()
        card = _CARD_START.match(first_line)
        if card and not text.startswith("/"):
            return f"comment {card.group(1)} {text}".strip()
        return _strip_bot_name(text, bot)
    if text.startswith("/"):
        return _strip_bot_name(text, bot)
    raw = message.text or message.caption or ""
    if mention.casefold() in raw.casefold():
        return text
    return None  # chatter among the team: not for the bot


def to_incoming(update: Update, bot: BotIdentity, now: datetime) -> Incoming | None:
    provider_id = f"update-{update.update_id}"
    if update.callback_query is not None:
        return _from_button(update, update.callback_query, bot, provider_id, now)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    chat_id = message.chat.id
    sent_at = message.date or now
    if is_private(chat_id):
        text = _strip_bot_name((message.text or message.caption or "").strip(), bot)
        attachments = _attachments(message)
        if text is None or (not text and not attachments):
            return None
        inbound = Inbound(
            address_of(chat_id),
            provider_id,
            text,
            sent_at,
            sender_name=_sender_name(update),
            attachments=attachments,
            handle=message.from_user.username or "",
        )
        return Incoming(inbound)
    group_text = _group_text(message, bot)
    if not group_text:
        return None
    inbound = Inbound(
        address_of(chat_id),
        provider_id,
        group_text,
        sent_at,
        sender_name=_sender_name(update),
        sender=Address(CHANNEL, str(message.from_user.id)),
    )
    return Incoming(inbound)


def _from_button(
    update: Update, query: CallbackQuery, bot: BotIdentity, provider_id: str, now: datetime
) -> Incoming | None:
    question = query.message
    if question is None or not query.data or not isinstance(question, Message):
        return Incoming(
            Inbound(
                Address(CHANNEL, str(query.from_user.id)),
                provider_id,
                "",
                now,
                choice=query.data or "",
            ),
            callback_id=query.id,
        )
    chat_id = question.chat.id
    sender = None if is_private(chat_id) else Address(CHANNEL, str(query.from_user.id))
    inbound = Inbound(
        address_of(chat_id),
        provider_id,
        "",
        now,
        sender_name=query.from_user.full_name,
        choice=query.data,
        sender=sender,
    )
    label = _pressed_label(question, query.data)
    is_card = bool(_CARD_START.match(question.text or ""))
    if is_card or label is None:
        # A card keeps its buttons (it is edited when the ticket changes).
        return Incoming(inbound, callback_id=query.id)
    answered = f"{question.text or ''}\n\n✓ {label}"
    return Incoming(
        inbound,
        callback_id=query.id,
        question=(chat_id, question.message_id),
        question_text=shorten(answered, MAX_TEXT),
    )


def _pressed_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _link_lines(message: Outbound) -> list[str]:
    """Attachments from other channels (URLs) are shown as links; Telegram's own are sent."""
    return [
        f"📎 {item.kind}: {item.ref}"
        for item in message.attachments
        if item.ref.startswith(("http://", "https://"))
    ]


def telegram_files(message: Outbound) -> tuple[Attachment, ...]:
    return tuple(
        item for item in message.attachments if not item.ref.startswith(("http://", "https://"))
    )


def render(message: Outbound) -> Rendered:
    text = "\n".join([message.text, *_link_lines(message)])
    card = message.kind in CARD_KINDS
    markup, markup_json = _markup(message.choices, card, message.kind == "prompt")
    if card:
        # A card is one message that is edited in place: it must fit.
        shortened = shorten(text, MAX_TEXT)
        chunks: tuple[str, ...] = (shortened if fits(shortened) else shorten(text, MAX_TEXT // 2),)
    else:
        chunks = tuple(
            piece
            for chunk in split_text(text, MAX_TEXT)
            # Emoji count twice: a chunk that is too long in UTF-16 is split again.
            for piece in ([chunk] if fits(chunk) else split_text(chunk, MAX_TEXT // 2))
        )
    return Rendered(chunks, markup, markup_json)


@functools.lru_cache(maxsize=4096)
def _markup(
    choices: tuple[Choice, ...], card: bool, prompt: bool
) -> tuple[InlineKeyboardMarkup | ForceReply | None, str | None]:
    """The buttons of a message, and their JSON: the same few menus (languages, ULBs, yes or
    no, a card's actions) go with most messages, and building and serialising PTB's objects
    at each send cost a sixth of a Telegram send's CPU."""
    buttons = [
        InlineKeyboardButton(choice.label, callback_data=choice.key[:CALLBACK_DATA_LIMIT])
        for choice in choices
    ]
    markup: InlineKeyboardMarkup | ForceReply | None = None
    if card:
        rows = [
            buttons[i : i + CARD_BUTTONS_PER_ROW]
            for i in range(0, len(buttons), CARD_BUTTONS_PER_ROW)
        ]
        markup = InlineKeyboardMarkup(rows) if rows else None
    elif buttons:
        markup = InlineKeyboardMarkup([[button] for button in buttons])
    elif prompt:
        markup = ForceReply(selective=False)
    if markup is None:
        return None, None
    return markup, json.dumps(markup.to_dict())  # as PTB sends it
