"""Conversation state: plain data, saved per address in the same transaction as the ticket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

from flows.messages import Attachment

_SCALARS = (str, int, float, bool, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """`dataclasses.asdict` for JSON (a tuple becomes a list, which JSON writes alike), without
    its deep copy of every value: this runs for every message saved and every reply queued."""
    kind = value.__class__
    if kind in _SCALARS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(item.name for item in fields(value))
    if names is not None:
        data = {}
        for name in names:
            item = getattr(value, name)
            # (Most fields are text: not worth a call each.)
            data[name] = item if item.__class__ in _SCALARS else plain(item)
        return data
    if isinstance(value, tuple | list):
        return [item if item.__class__ in _SCALARS else plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class Profile:
    """What the helpdesk remembers about a person between reports."""

    language: str = ""
    role: str = ""  # "ulb_employee" | "cbo_member"
    name: str = ""
    last_ulb: str = ""


@dataclass(frozen=True)
class Draft:
    """A report being written. Survives restarts because it is saved after every message."""

    ulb: str = ""
    module: str = ""
    category: str = ""
    description: str = ""
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ConversationState:
    profile: Profile = field(default_factory=Profile)
    step: str = "start"
    draft: Draft | None = None
    # Option keys shown in the current numbered list, so "2" means what the person saw.
    shown: tuple[str, ...] = ()
    page: int = 0
    # Where to go after an edit made from the summary.
    return_to: str = ""
    # Staff: the ticket being worked and the action waiting for a value.
    ticket: str = ""
    action: str = ""
    last_seen: datetime | None = None
    # A reporter's message for one of their open tickets, held while they say which one,
    # and the report's question to go back to afterwards.
    held: str = ""
    held_files: tuple[Attachment, ...] = ()
    back_to: str = ""

    def evolve(self, **changes: Any) -> ConversationState:
        """A copy with `changes`, as `dataclasses.replace` makes it, at a third of its cost
        (a message evolves its state several times): the fields are copied as they are, with
        no call of `__init__`, which has nothing to check or compute."""
        unknown = changes.keys() - _STATE_FIELDS
        if unknown:
            raise TypeError(f"ConversationState has no field {', '.join(sorted(unknown))}")
        evolved = object.__new__(ConversationState)
        evolved.__dict__.update(self.__dict__, **changes)
        return evolved

    def to_json(self) -> str:
        data = plain(self)
        data["last_seen"] = self.last_seen.isoformat() if self.last_seen else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> ConversationState:
        if not text:
            return cls()
        data = json.loads(text)
        draft = data.get("draft")
        if draft is not None:
            draft["attachments"] = tuple(
                Attachment(**item) for item in draft.get("attachments", ())
            )
            draft = Draft(**draft)
        last_seen = data.get("last_seen")
        return cls(
            profile=Profile(**data.get("profile", {})),
            step=data.get("step", "start"),
            draft=draft,
            shown=tuple(data.get("shown", ())),
            page=data.get("page", 0),
            return_to=data.get("return_to", ""),
            ticket=data.get("ticket", ""),
            action=data.get("action", ""),
            last_seen=datetime.fromisoformat(last_seen) if last_seen else None,
            held=data.get("held", ""),
            held_files=tuple(Attachment(**item) for item in data.get("held_files", ())),
            back_to=data.get("back_to", ""),
        )


_STATE_FIELDS = frozenset(item.name for item in fields(ConversationState))
