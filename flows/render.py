"""Texts about tickets: answers to commands, notices to reporters, cards for team chats.

Pure functions of a `TicketView` and a language, so every channel says the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows import i18n
from flows.directory import Directory
from flows.views import TicketView

# Actions whose outcome the reporter is told about, and the notice for each.
REPORTER_NOTICES = {
    "take": "notice_taken",
    "escalate": "notice_escalated",
    "comment": "notice_comment",
    "resolve": "notice_resolved",
    "close": "notice_closed",
    "reopen": "notice_reopened",
    "priority": "notice_priority",
    "ask": "notice_ask",
    "link": "notice_linked",
    "duplicate": "notice_linked",
    "auto_close": "notice_auto_closed",
}


# Actions whose change line names the new status itself.
SAYS_STATUS = (
    "escalate",
    "ask",
    "resolve",
    "close",
    "reopen",
    "confirm",
    "not_solved",
    "auto_close",
)


@dataclass(frozen=True)
class Renderer:
    directory: Directory
    timezone: str

    def when(self, language: str, view: TicketView) -> str:
        if view.response_due_at is None:
            return i18n.text(language, "no_due")
        return i18n.when(language, view.response_due_at, self.timezone)

    def labels(self, language: str, view: TicketView) -> dict[str, str]:
        """Every field of a ticket as the reader should see it."""
        directory = self.directory
        ticket_type = view.ticket_type or "unset"
        return {
            "number": view.number,
            "status": i18n.text(language, f"status_{view.status}"),
            "priority": view.priority,
            "ticket_type": i18n.text(language, f"type_{ticket_type}"),
            "ulb": directory.ulb(view.ulb).label(language),
            "module": directory.module(view.module).label(language),
            "category": directory.category(view.category).label(language),
            "routing": i18n.text(language, f"routing_{view.routing}"),
            "team": directory.team(view.team).name(language),
            "assignee": self.assignee(language, view),
            "due": self.when(language, view),
            "updated": i18n.when(language, view.updated_at, self.timezone),
            "date": i18n.when(language, view.created_at, self.timezone),
            "name": view.reporter_name,
            "role": i18n.text(language, f"role_{view.reporter_role}"),
            "channel": view.reporter_channel,
            "description": view.description,
            "attachments": str(view.attachment_count),
            "note": view.last_note,
            "sla": i18n.text(language, f"sla_{view.sla_state}") if view.sla_state else "",
            "parent": view.parent_number,
            "link": self.link(language, view),
        }

    def link(self, language: str, view: TicketView) -> str:
        if not view.parent_number:
            return ""
        kind = i18n.text(language, f"link_kind_{view.link_kind or 'incident'}")
        return i18n.text(language, "link_line", parent=view.parent_number, kind=kind)

    def assignee(self, language: str, view: TicketView) -> str:
        return view.assignee_name or i18n.text(language, "unassigned")

    def created(self, language: str, view: TicketView) -> str:
        return i18n.text(language, "ticket_created", **self.labels(language, view))

    def status(self, language: str, view: TicketView) -> str:
        text = i18n.text(language, "ticket_status", **self.labels(language, view))
        if view.last_note:
            text += "\n" + i18n.text(language, "last_note", note=view.last_note)
        return text

    def not_found(self, language: str, number: str) -> str:
        return i18n.text(language, "ticket_not_found", number=number)

    def my_tickets(self, language: str, views: Sequence[TicketView]) -> str:
        if not views:
            return i18n.text(language, "my_tickets_none")
        lines = [i18n.text(language, "my_tickets")]
        lines += [i18n.text(language, "my_ticket_line", **self.labels(language, v)) for v in views]
        return "\n".join(lines)

    def queue(self, language: str, team: str, views: Sequence[TicketView]) -> str:
        name = self.directory.team(team).name(language) if team else "L1"
        if not views:
            return i18n.text(language, "queue_empty", team=name)
        lines = [i18n.text(language, "queue", team=name, count=len(views))]
        for view in views:
            line = i18n.text(language, "queue_line", **self.labels(language, view))
            if team and view.team != team:  # L1 follows what it escalated: whose is it now
                held = self.directory.team(view.team).name(language)
                line += i18n.text(language, "queue_held_by", team=held)
            lines.append(line)
        return "\n".join(lines)

    def team_card(self, language: str, view: TicketView) -> str:
        card = i18n.text(language, "team_card", **self.labels(language, view))
        # The JIRA key is the same in every language: shown as it is.
        return f"{card}\nJIRA: {view.jira_key}" if view.jira_key else card

    def notice(self, language: str, view: TicketView, action: str, note: str) -> str | None:
        """What the reporter is told after a staff action, or None if it is not news to them."""
        key = REPORTER_NOTICES.get(action)
        if key is None:
            return None
        values = self.labels(language, view)
        values["note"] = note
        return i18n.text(language, key, **values).strip()

    def change(
        self,
        language: str,
        view: TicketView,
        action: str,
        detail: Mapping[str, str],
        previous_status: str = "",
    ) -> str:
        """One line saying what an action changed: "MK-1001: priority P2 → P1; response due
        Mon 7 Dec 2026, 5:30 pm" (the whole card is for the team's chat)."""
        values = self.labels(language, view)
        before, after = detail.get("from", ""), detail.get("to", "")
        if action == "type":
            before = i18n.text(language, f"type_{before or 'unset'}")
            after = values["ticket_type"]
        elif action == "escalate":
            before = self.directory.team(before).name(language)
            after = values["team"]
        values.update(before=before, after=after, note=detail.get("note", ""))
        line = i18n.text(language, f"change_{action}", **values)
        if previous_status and previous_status != view.status and action not in SAYS_STATUS:
            was = i18n.text(language, f"status_{previous_status}")
            line += i18n.text(language, "change_status", before=was, after=values["status"])
        return line

    def refused(self, language: str, reason: str, **values: str) -> str:
        if "action" in values:
            values["action"] = i18n.text(language, f"verb_{values['action']}")
        if "status" in values:
            values["status"] = i18n.text(language, f"status_{values['status']}")
        if "team" in values:
            values["team"] = self.directory.team(values["team"]).name(language)
        return i18n.text(language, f"refused_{reason}", **values)
