"""WhatsApp through Twilio: translates Twilio's messaging webhook into `Inbound` messages and
`Outbound` messages into message bodies. Pure translation; the runtime is `bot.whatsapp`.

Inside the 24-hour window a message's choices become a menu the reporter taps (`menu_of`):
quick-reply buttons for up to 3, a list picker for up to 10, made through Twilio's Content
API. A tap comes back with the choice's key as `ButtonPayload` (a button) or `ListId` (a
list item). Everything else, and every menu that cannot be made, is a numbered list ("reply
1, 2 or 3"); the flows understand the number, in any script, or the option's text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.text import shorten, split_text
from flows import i18n
from flows.messages import Address, Attachment, Inbound, Outbound

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_BODY = 1600  # Twilio's limit for one message body
MAX_MEDIA = 10  # Twilio's limit of media files in one message
CARD_KINDS = ("team_card", "card")
# WhatsApp's limits for tappable menus (Twilio's twilio/quick-reply and twilio/list-picker).
MAX_BUTTONS, BUTTON_TITLE = 3, 20
MAX_ITEMS, ITEM_TEXT, ITEM_DESCRIPTION, LIST_BUTTON = 10, 24, 72, 20
MAX_MENU_BODY = 1024
MAX_ID = 200
_NOT_DIGITS = re.compile(r"[^\d]")


def e164(number: str) -> str:
    """'whatsapp:+91 98765-43210' → '+919876543210'."""
    digits = _NOT_DIGITS.sub("", number.removeprefix(PREFIX))
    if not digits:
        raise ValueError("no phone number")
    return f"+{digits}"


def address_of(number: str) -> Address:
    return Address(CHANNEL, e164(number))


def wire_address(address: Address) -> str:
    return f"{PREFIX}{address.chat_id}"


def _kind(content_type: str) -> str:
    major = content_type.split("/", 1)[0]
    return {"image": "photo", "audio": "voice", "video": "video"}.get(major, "document")


def media_count(value: str) -> int:
    """`NumMedia`, at most Twilio's limit; a number of any length is read without being
    converted (a signed form could say 99999999999999999999)."""
    digits = value.strip() or "0"
    if not (digits.isascii() and digits.isdecimal()):
        raise ValueError("NumMedia is not a number")
    digits = digits.lstrip("0") or "0"
    return MAX_MEDIA if len(digits) > 2 else min(int(digits), MAX_MEDIA)


def attachments_of(form: Mapping[str, str]) -> tuple[Attachment, ...]:
    found = []
    for index in range(media_count(form.get("NumMedia", ""))):
        url = form.get(f"MediaUrl{index}", "")
        content_type = form.get(f"MediaContentType{index}", "")
        if url:
            found.append(Attachment(_kind(content_type), url, content_type))
    return tuple(found)


def to_inbound(form: Mapping[str, str], now: datetime) -> Inbound | None:
    """A reporter's message from Twilio's webhook form, or None if it is not one."""
    sender, sid = form.get("From", ""), form.get("MessageSid", "")
    if not sender.startswith(PREFIX) or not sid:
        return None
    # A tapped quick-reply button or list item carries its choice's key as its ID.
    choice = form.get("ButtonPayload", "") or form.get("ListId", "")
    return Inbound(
        address=address_of(sender),
        provider_id=sid,
        text=form.get("Body", ""),
        received_at=now,
        sender_name=form.get("ProfileName", ""),
        attachments=attachments_of(form),
        choice=choice,
    )


@dataclass(frozen=True)
class Menu:
    """What a tappable menu shows, but its text (sent as the content's variable {{1}}, so
    one menu serves every question that offers the same choices)."""

    kind: str  # "twilio/quick-reply" | "twilio/list-picker"
    language: str
    button: str  # the list's button (unused by quick replies)
    items: tuple[tuple[str, str, str], ...]  # (id, title, description)

    @property
    def digest(self) -> str:
        shown = [self.kind, self.language, self.button, self.items]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()

    def content(self) -> dict[str, Any]:
        """The body of the Content API's create (`POST /v1/Content`)."""
        if self.kind == "twilio/quick-reply":
            shape: dict[str, Any] = {
                "body": "{{1}}",
                "actions": [{"id": id_, "title": title} for id_, title, _ in self.items],
            }
        else:
            shape = {
                "body": "{{1}}",
                "button": self.button,
                "items": [
                    {"id": id_, "item": title, "description": description}
                    for id_, title, description in self.items
                ],
            }
        return {
            "friendly_name": f"mukta_menu_{self.digest[:24]}",
            "language": self.language or "en",
            "variables": {"1": "-"},
            "types": {self.kind: shape},
        }


def menu_of(message: Outbound) -> tuple[Menu, str] | None:
    """The menu to tap for `message`'s choices and its text, or None when they do not fit
    one (more than 10, no choices, a text too long): then they go as a numbered list.
    A label too long for a button or an item is shortened, its full text the description."""
    choices = message.choices
    body = render_body(message)
    if not choices or len(choices) > MAX_ITEMS or len(body) > MAX_MENU_BODY:
        return None
    if any(len(choice.key) > MAX_ID or not choice.key for choice in choices):
        return None
    fits = all(len(choice.label) <= BUTTON_TITLE for choice in choices)
    if len(choices) <= MAX_BUTTONS and fits:
        items = tuple((c.key, c.label, "") for c in choices)
        return Menu("twilio/quick-reply", message.language, "", items), body
    items = tuple(
        (
            c.key,
            shorten(c.label, ITEM_TEXT),
            shorten(c.label, ITEM_DESCRIPTION) if len(c.label) > ITEM_TEXT else "",
        )
        for c in choices
    )
    button = shorten(
        i18n.text(message.language or i18n.DEFAULT_LANGUAGE, "menu_button"), LIST_BUTTON
    )
    menu = Menu("twilio/list-picker", message.language, button, items)
    return menu, body


def render_body(message: Outbound) -> str:
    """The message's text and links to its files, without its choices (a menu's text)."""
    lines = [message.text]
    lines += [
        f"📎 {item.kind}: {item.ref}"
        for item in message.attachments
        if item.ref.startswith(("http://", "https://"))
    ]
    return "\n".join(lines)


def render(message: Outbound) -> list[str]:
    """The message bodies to send, each within Twilio's limit, choices as numbered lines."""
    lines = [message.text]
    if message.kind in CARD_KINDS and message.choices:
        # A card's actions are staff commands: show what to type.
        lines.append("")
        lines += [f"• {choice.key}" for choice in message.choices]
    elif message.choices:
        lines.append("")
        lines += [f"{n}. {choice.label}" for n, choice in enumerate(message.choices, 1)]
    lines += [
        f"📎 {item.kind}: {item.ref}"
        for item in message.attachments
        if item.ref.startswith(("http://", "https://"))
    ]
    return split_text("\n".join(lines), MAX_BODY)
