"""A ticket's audit trail in the reader's words: what was done, by whom, through what, and
what changed, with none of the stored keys or JSON the events are kept in."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from db.models import Ticket, TicketEvent
from flows.directory import Directory

Translate = Callable[..., str]
# Actions the audit trail has its own words for (`event_<action>`); any other is shown as is,
# in words (a later version may record actions this one does not know).
ACTIONS = (
    "create",
    "logged",
    "take",
    "type",
    "priority",
    "escalate",
    "ask",
    "comment",
    "note",
    "link",
    "duplicate",
    "resolve",
    "close",
    "reopen",
    "reply",
    "confirm",
    "rate",
    "auto_close",
    "chat_linked",
)
# Channels an event came through, in words (`via_<channel>`).
VIA = ("web", "console", "whatsapp", "telegram", "email", "phone", "jira", "helpdesk")
# What people typed, kept in an event: shown as they wrote it.
TYPED = ("note", "text", "reason")


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    what: str
    who: str
    via: str
    change: str  # "P2 → P1", a status change, a team change… ("" when nothing to say)
    typed: str  # a note, an answer, a reason, as written


def words(key: str) -> str:
    """A stored key the console has no words for, at least without its underscores."""
    return key.replace("_", " ")


def action_words(t: Translate, action: str) -> str:
    return t(f"event_{action}") if action in ACTIONS else words(action)


class AuditTrail:
    def __init__(self, directory: Directory, t: Translate, language: str) -> None:
        self.directory, self.t, self.language = directory, t, language

    def lines(self, ticket: Ticket, events: Sequence[TicketEvent]) -> list[AuditLine]:
        return [self.line(ticket, event) for event in events]

    def line(self, ticket: Ticket, event: TicketEvent) -> AuditLine:
        t = self.t
        detail = _detail(event.detail)
        changes = [self.detail_change(event.action, detail)]
        if event.from_status and event.to_status and event.from_status != event.to_status:
            changes.append(f"{self.status(event.from_status)} → {self.status(event.to_status)}")
        via = t(f"via_{event.channel}") if event.channel in VIA else words(event.channel)
        return AuditLine(
            at=event.at,
            what=action_words(t, event.action),
            who=self.who(event.actor, ticket),
            via=via,
            change=" · ".join(change for change in changes if change),
            typed="\n".join(detail[key] for key in TYPED if detail.get(key)),
        )

    def status(self, status: str) -> str:
        return self.t(f"status_{status}")

    def who(self, actor: str, ticket: Ticket) -> str:
        """A staff member by name, the reporter and the helpdesk in words, a Problem's
        change by its number."""
        kind, _, rest = actor.partition(":")
        if actor == ticket.reporter_address:
            return self.t("by_reporter")
        if actor == "helpdesk":
            return self.t("by_helpdesk")
        if kind == "ticket":
            return self.t("by_problem", number=rest)
        if kind == "staff":
            if rest.startswith("jira:"):
                return f"{rest.partition(':')[2]} (JIRA)"
            member = self.directory.staff_by_key(rest)
            if member is not None:
                return member.name
            return (
                ticket.assignee_name if rest == ticket.assignee and ticket.assignee_name else rest
            )
        return actor

    def detail_change(self, action: str, detail: dict[str, str]) -> str:
        """What the event changed, in words; the values of anything unknown, never keys."""
        t, before, after = self.t, detail.get("from", ""), detail.get("to", "")
        if action == "type":
            return f"{self.ticket_type(before)} → {self.ticket_type(after)}"
        if action == "priority":
            return f"{before or '–'} → {after}"
        if action == "escalate":
            return f"{self.team(before)} → {self.team(after)}"
        if action == "create":
            return " · ".join(
                part
                for part in (detail.get("priority", ""), self.team(detail.get("team", "")))
                if part
            )
        if action == "logged":
            source = detail.get("source", "")
            return t(f"source_{source}") if source in ("phone", "email") else words(source)
        if action in ("link", "duplicate"):
            return detail.get("parent", "")
        if action == "rate":
            rating = detail.get("rating", "")
            return "★" * int(rating) if rating.isdigit() else rating
        # (A linked ticket's change names its Problem as who made it.)
        known = {"assignee", "kind", "parent", "attachments", *TYPED}
        said = [words(value) for key, value in detail.items() if key not in known]
        if detail.get("attachments", "").isdigit():  # photos sent with what they wrote
            said.append(t("event_files", count=int(detail["attachments"])))
        return " · ".join(said)

    def ticket_type(self, kind: str) -> str:
        return self.t(f"type_{kind or 'unset'}")

    def team(self, key: str) -> str:
        if not key:
            return ""
        return self.directory.team(key).name(self.language)


def _detail(stored: str) -> dict[str, str]:
    try:
        found = json.loads(stored or "{}")
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in found.items()} if isinstance(found, dict) else {}
