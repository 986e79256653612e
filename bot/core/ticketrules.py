"""What each staff action may do to a ticket: the statuses it may start from, where it leaves
the ticket, what needs a note, what counts as the first response, the words for types."""

from __future__ import annotations

from db.repositories import OPEN_STATUSES

BY_CATEGORY = "auto"
# Which statuses each action may start from, and where it leaves the ticket.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "ask": OPEN_STATUSES,
    "link": OPEN_STATUSES,
    "duplicate": OPEN_STATUSES,
    "take": OPEN_STATUSES,
    "type": OPEN_STATUSES,
    "priority": OPEN_STATUSES,
    "escalate": OPEN_STATUSES,
    "comment": (*OPEN_STATUSES, "resolved"),
    "resolve": OPEN_STATUSES,
    "close": ("resolved",),
    "reopen": ("resolved", "closed"),
    # An internal note: for the staff and the audit trail only; changes nothing else.
    "note": (*OPEN_STATUSES, "resolved"),
}
LEADS_TO = {
    "ask": "waiting",
    "take": "in_progress",
    "escalate": "escalated",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}
NEEDS_NOTE = ("comment", "resolve", "reopen", "ask", "note")
LINKS = ("link", "duplicate")
# Staff actions that count as the team's first response (they stop the SLA clock).
RESPONSES = ("take", "comment", "ask", "link", "duplicate")
TYPE_WORDS = {
    "problem": "problem",
    "incident": "incident",
    "change request": "change_request",
    "change_request": "change_request",
    "cr": "change_request",
    "bug fix": "bug_fix",
    "bug_fix": "bug_fix",
    "bugfix": "bug_fix",
    "bug": "bug_fix",
}
