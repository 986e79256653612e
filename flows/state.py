"""Conversation state: plain data, saved per address in the same transaction as the ticket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from flows.messages import Attachment


@dataclass(frozen=True)
class Profile:
    """What the helpdesk remembers about a person between reports."""

    language: str = ""
    role: str = ""  # "ulb_employee" | "cbo_member"
    name: str = ""
    last_ulb: str = ""

    def evolve(self, **changes: Any) -> Profile:
        """A copy with `changes` (see `ConversationState.evolve`)."""
        return _evolved(self, changes, _PROFILE_DEFAULTS)


@dataclass(frozen=True)
class Draft:
    """A report being written. Survives restarts because it is saved after every message."""

    ulb: str = ""
    module: str = ""
    category: str = ""
    description: str = ""
    attachments: tuple[Attachment, ...] = ()

    def evolve(self, **changes: Any) -> Draft:
        """A copy with `changes` (see `ConversationState.evolve`)."""
        return _evolved(self, changes, _DRAFT_DEFAULTS)


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
        return _evolved(self, changes, _STATE_DEFAULTS)

    def to_json(self) -> str:
        """The state as JSON: every field, as `dataclasses.asdict` gives them."""
        data = dict(self.__dict__)
        data["profile"] = self.profile.__dict__
        if self.draft is not None:
            attachments = [item.as_dict() for item in self.draft.attachments]
            data["draft"] = {**self.draft.__dict__, "attachments": attachments}
        data["held_files"] = [item.as_dict() for item in self.held_files]
        data["last_seen"] = self.last_seen.isoformat() if self.last_seen else None
        return _ENCODE(data)

    @classmethod
    def from_json(cls, text: str | None) -> ConversationState:
        """The state `to_json` saved (a field it lacks has its default)."""
        if not text:
            return cls()
        data = json.loads(text)
        data["profile"] = _restored(Profile, _PROFILE_DEFAULTS, data.get("profile") or {})
        draft = data.get("draft")
        if draft is not None:
            draft["attachments"] = _attachments(draft.get("attachments", ()))
            data["draft"] = _restored(Draft, _DRAFT_DEFAULTS, draft)
        if "shown" in data:
            data["shown"] = tuple(data["shown"])
        if "held_files" in data:
            data["held_files"] = _attachments(data["held_files"])
        last_seen = data.get("last_seen")
        data["last_seen"] = datetime.fromisoformat(last_seen) if last_seen else None
        return _restored(cls, _STATE_DEFAULTS, data)


# Saving and loading a state runs for every message: both work on the instances' fields as
# they are, without `dataclasses.asdict` (which deep-copies every value) or `__init__` (which
# has nothing to check or compute). Writing every field costs less than leaving out those at
# their defaults: the comparisons cost more than the JSON encoder's writing them.
T = TypeVar("T")
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _defaults(kind: type) -> dict[str, Any]:
    return dict(kind().__dict__)


_PROFILE_DEFAULTS = _defaults(Profile)
_DRAFT_DEFAULTS = _defaults(Draft)
_STATE_DEFAULTS = _defaults(ConversationState)


def _evolved(value: T, changes: dict[str, Any], defaults: dict[str, Any]) -> T:
    """`value` with `changes`, where `defaults` names its fields."""
    unknown = changes.keys() - defaults.keys()
    if unknown:
        raise TypeError(f"{type(value).__name__} has no field {', '.join(sorted(unknown))}")
    evolved: T = object.__new__(type(value))
    evolved.__dict__.update(value.__dict__, **changes)
    return evolved


def _restored(kind: type[T], defaults: dict[str, Any], data: dict[str, Any]) -> T:
    """A `kind` with `data`'s fields and the defaults for the rest."""
    unknown = data.keys() - defaults.keys()
    if unknown:
        raise TypeError(f"{kind.__name__} has no field {', '.join(sorted(unknown))}")
    restored: T = object.__new__(kind)
    restored.__dict__.update(defaults, **data)
    return restored


def _attachments(items: Any) -> tuple[Attachment, ...]:
    return tuple(Attachment(**item) for item in items)
