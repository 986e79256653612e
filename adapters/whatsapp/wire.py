"""WhatsApp through Twilio: translates Twilio's messaging webhook into `Inbound` messages,
`Outbound` messages into message bodies, and its status callback into a `Receipt`. Pure
translation; the run-time is `adapters.whatsapp.channel` and `adapters.whatsapp.sender`.

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
from typing import Any, Literal

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
MAX_ID = 200
# Twilio's limit on a content variable's value: the question a menu carries.
MAX_VARIABLE = 256
_NOT_DIGITS = re.compile(r"[^\d]")
# Where Twilio posts reporters' messages and the status of what the helpdesk sent.
WEBHOOK_PATH = "/whatsapp/webhook"
STATUS_PATH = "/whatsapp/status"
# Twilio error codes that mean "this number will never get it".
UNREACHABLE = {21211, 21214, 21408, 21610, 21612, 21614, 63003, 63024, 63032}
OUTSIDE_WINDOW = 63016
# Twilio error codes worth another try later: rate limits, queue overflow, server trouble.
RETRYABLE = {20429, 20500, 20503, 30001, 30008, 63018}
# Twilio asking to slow down: too many requests, and the sandbox number's one message every
# 3 seconds (63018); how long to pause when it does not say (`Retry-After`).
THROTTLED = {20429, 63018}
PAUSE_SECONDS = {20429: 1.0, 63018: 3.0}
# What a receipt of a message that failed means for it: the 24-hour window closed before it
# arrived (send the approved template instead), sent too fast (again after `pause`, not a
# failed try), worth another try, or never deliverable.
Failure = Literal["window_closed", "throttled", "retryable", "final"]


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
class Receipt:
    """A delivery receipt from Twilio's status callback."""

    message_sid: str
    status: str
    error_code: str

    @property
    def code(self) -> int:
        """The Twilio error code, 0 when there is none."""
        return int(self.error_code) if self.error_code.isdecimal() else 0

    @property
    def failure(self) -> Failure | None:
        """What the failure means, None when the message did not fail (yet)."""
        if self.status not in ("failed", "undelivered"):
            return None
        if self.code == OUTSIDE_WINDOW:
            return "window_closed"
        if self.code in THROTTLED:
            return "throttled"
        if self.code in RETRYABLE:
            return "retryable"
        return "final"

    @property
    def pause(self) -> float:
        """Seconds to wait before sending a throttled message again."""
        return PAUSE_SECONDS.get(self.code, 1.0)

    @property
    def reason(self) -> str:
        return f"Twilio {self.code}: {self.status}"


def receipt_of(form: Mapping[str, str]) -> Receipt | None:
    sid = form.get("MessageSid", "")
    if not sid:
        return None
    return Receipt(sid, form.get("MessageStatus", ""), form.get("ErrorCode", ""))


@dataclass(frozen=True)
class Menu:
    """What a tappable menu shows: its kind, language, list button and items' (title,
    description). The question (variable {{1}}) and the items' ids ({{2}}, {{3}}, …) are
    variables filled in at each send, so one menu serves every question that offers the
    same options: one yes/no for every ticket's "Is it solved?"."""

    kind: str  # "twilio/quick-reply" | "twilio/list-picker"
    language: str
    button: str  # the list's button (unused by quick replies)
    items: tuple[tuple[str, str], ...]  # (title, description)

    @property
    def digest(self) -> str:
        shown = [self.kind, self.language, self.button, self.items]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()

    def content(self) -> dict[str, Any]:
        """The body of the Content API's create (`POST /v1/Content`)."""
        ids = [f"{{{{{n}}}}}" for n in range(2, len(self.items) + 2)]
        if self.kind == "twilio/quick-reply":
            shape: dict[str, Any] = {
                "body": "{{1}}",
                "actions": [
                    {"id": id_, "title": title}
                    for id_, (title, _) in zip(ids, self.items, strict=True)
                ],
            }
        else:
            shape = {
                "body": "{{1}}",
                "button": self.button,
                "items": [
                    {"id": id_, "item": title, "description": description}
                    for id_, (title, description) in zip(ids, self.items, strict=True)
                ],
            }
        samples = {str(n): f"choice{n - 1}" for n in range(2, len(self.items) + 2)}
        return {
            "friendly_name": f"mukta_menu_{self.digest[:24]}",
            "language": self.language,
            "variables": {"1": "…", **samples},
            "types": {self.kind: shape},
        }


@dataclass(frozen=True)
class MenuMessage:
    """A message whose choices go as a menu: the texts sent before it (the start of a long
    question), the menu, and its variables (the rest of the question, the choices' keys)."""

    lead: tuple[str, ...]
    menu: Menu
    variables: dict[str, str]


def menu_of(message: Outbound) -> MenuMessage | None:
    """`message` with its choices as a menu to tap, or None when they do not fit one (none,
    more than 10, a question that cannot be cut to fit): then they go as a numbered list.
    A label too long for a button or an item is shortened, its full text the description."""
    choices = message.choices
    if not choices or len(choices) > MAX_ITEMS:
        return None
    if any(len(choice.key) > MAX_ID or not choice.key for choice in choices):
        return None
    cut = _question_cut(render_body(message))
    if cut is None:
        return None
    lead, question = cut
    language = message.language or i18n.DEFAULT_LANGUAGE
    keys = {str(n): choice.key for n, choice in enumerate(choices, 2)}
    variables = {"1": question, **keys}
    if len(choices) <= MAX_BUTTONS and all(len(c.label) <= BUTTON_TITLE for c in choices):
        items = tuple((c.label, "") for c in choices)
        return MenuMessage(lead, Menu("twilio/quick-reply", language, "", items), variables)
    items = tuple(
        (
            shorten(c.label, ITEM_TEXT),
            shorten(c.label, ITEM_DESCRIPTION) if len(c.label) > ITEM_TEXT else "",
        )
        for c in choices
    )
    button = shorten(i18n.text(language, "menu_button"), LIST_BUTTON)
    return MenuMessage(lead, Menu("twilio/list-picker", language, button, items), variables)


def _question_cut(body: str) -> tuple[tuple[str, ...], str] | None:
    """A text too long for a content variable (a report's summary) goes as messages of its
    own up to its last paragraph (or line), which the menu carries; None if that too is long."""
    if len(body) <= MAX_VARIABLE:
        return (), body
    for separator in ("\n\n", "\n"):
        head, found, tail = body.rstrip().rpartition(separator)
        if found and head.strip() and 0 < len(tail.strip()) <= MAX_VARIABLE:
            return tuple(split_text(head.rstrip(), MAX_BODY)), tail.strip()
    return None


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
