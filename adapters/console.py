"""The console channel: a terminal chat that needs no credentials.

Lines typed become `Inbound` messages; `/photo REF`, `/file REF` and `/voice REF` attach a
reference the way a chat app would. Outbound messages print with numbered choices.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from flows.messages import Address, Attachment, Inbound, Outbound

CHANNEL = "console"
_ATTACH = {"/photo": "photo", "/file": "document", "/voice": "voice"}


def render(message: Outbound, reader: Address) -> str:
    lines = []
    if message.address != reader:
        lines.append(f"── to {message.address.chat_id} ──")
    lines.append(message.text)
    lines += [f"  📎 {item.kind}: {item.filename or item.ref}" for item in message.attachments]
    if message.kind in ("team_card", "card"):
        # A card's buttons are staff commands; show what to type instead of numbers.
        commands = "  ".join(f"[{choice.key}]" for choice in message.choices)
        if commands:
            lines.append(f"  {commands}")
    else:
        lines += [f"  {n}. {choice.label}" for n, choice in enumerate(message.choices, 1)]
    return "\n".join(lines)


def parse(line: str, address: Address, received_at: datetime, sender_name: str = "") -> Inbound:
    text = line.rstrip("\n")
    attachments: tuple[Attachment, ...] = ()
    command, _, rest = text.strip().partition(" ")
    if command in _ATTACH and rest.strip():
        reference, _, caption = rest.strip().partition(" ")
        attachments = (Attachment(_ATTACH[command], reference),)
        text = caption
    return Inbound(
        address=address,
        provider_id=uuid.uuid4().hex,
        text=text,
        received_at=received_at,
        sender_name=sender_name,
        attachments=attachments,
    )


class ConsoleSender:
    """Delivers by printing: used by a console chat session for the chats it watches."""

    def __init__(self, write: Callable[[str], None], reader: Address) -> None:
        self.write = write
        self.reader = reader

    async def send(self, message: Outbound) -> str:
        self.write(render(message, self.reader) + "\n")
        return ""
