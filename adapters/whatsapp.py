"""WhatsApp through Twilio: translates Twilio's messaging webhook into `Inbound` messages and
`Outbound` messages into message bodies. Pure translation; the runtime is `bot.whatsapp`.

WhatsApp has no buttons without pre-approved templates, so every choice is a numbered list
("reply 1, 2 or 3"); the flows understand the number, in any script, or the option's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from adapters.text import split_text
from flows.messages import Address, Attachment, Inbound, Outbound

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_BODY = 1600  # Twilio's limit for one message body
MAX_MEDIA = 10  # Twilio's limit of media files in one message
CARD_KINDS = ("team_card", "card")
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
    # A quick-reply or list answer (when templates with buttons are used) carries its ID.
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
