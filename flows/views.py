"""Read-only views of tickets that the back end hands to flows for rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TicketView:
    number: str
    status: str
    priority: str
    ticket_type: str
    ulb: str
    module: str
    category: str
    routing: str
    description: str
    team: str
    assignee: str
    assignee_name: str
    reporter_name: str
    reporter_role: str
    reporter_channel: str
    created_at: datetime
    updated_at: datetime
    response_due_at: datetime | None
    attachment_count: int = 0
    last_note: str = ""
    # "on_track" | "due_soon" | "breached" | "paused" | "met" | "missed" | "" (not tracked)
    sla_state: str = ""
    parent_number: str = ""
    link_kind: str = ""
    jira_key: str = ""
    # The language the reporter is written to in about it.
    language: str = ""
