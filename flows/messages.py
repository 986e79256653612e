"""The neutral conversation language every channel translates to and from.

Small frozen dataclasses, never dicts: an adapter turns its wire format into an
`Inbound`, the flows answer with `Outbound`s, and the adapter renders those back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Address:
    """Where a conversation lives: a channel and that channel's own chat identifier."""

    channel: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}"

    @classmethod
    def parse(cls, text: str) -> Address:
        channel, sep, chat_id = text.partition(":")
        if not sep or not channel or not chat_id:
            raise ValueError(f"an address looks like 'channel:chat-id', not {text!r}")
        return cls(channel, chat_id)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo, document or voice note, by the channel's reference to it (file ID or URL)."""

    kind: str  # "photo" | "document" | "voice" | "video" | "other"
    ref: str
    content_type: str = ""
    filename: str = ""

    def as_dict(self) -> dict[str, str]:
        """Its fields, as saved (in a conversation's state, in a queued message)."""
        return {
            "kind": self.kind,
            "ref": self.ref,
            "content_type": self.content_type,
            "filename": self.filename,
        }


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, as any channel delivers it.

    `provider_id` is the channel's own ID for the message (Telegram update ID, Twilio
    MessageSid, …); a repeat of it is acknowledged and ignored.
    """

    address: Address
    provider_id: str
    text: str
    received_at: datetime
    sender_name: str = ""
    attachments: tuple[Attachment, ...] = ()
    # A button press carries the chosen key here; typed text leaves it empty.
    choice: str = ""
    # Who wrote, when that is not the chat itself (a member of a team's group chat).
    sender: Address | None = None
    # The writer's public user name on the channel (Telegram's @username), when they have one.
    handle: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One option offered to the person: `key` comes back in `Inbound.choice` when picked."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message to send. Channels render `choices` their own way (buttons or a numbered list)."""

    address: Address
    text: str
    choices: tuple[Choice, ...] = ()
    # Which ticket the message is about, so a team group's card can be edited in place.
    ticket_number: str = ""
    # "reply" | "notice" (to a reporter) | "team_card" (a team's card: edited in place where
    # the channel can) | "card" (a card posted anew on request) | "prompt" (asks for a reply)
    kind: str = "reply"
    attachments: tuple[Attachment, ...] = field(default=())
    # The channel's ID of an earlier message this one updates (set by the outbox relay).
    replaces: str = ""
    # The reader's language, for channels that must fall back to pre-approved templates.
    language: str = ""
    # Set when the channel said a free-form message is not allowed now (WhatsApp's 24 hours).
    template_only: bool = False
    # How many of the sends a channel makes of this message (a card, then each of its files;
    # a long text's parts) went out before one failed: a retry resumes after them.
    sent_parts: int = 0
