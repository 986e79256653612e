"""The staff command language shared by every channel: "take MK-1001", "priority MK-1001 P1",
"resolve MK-1001 <note>". Buttons and replies in team chats are translated into it too."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.choosing import ticket_number

VERBS = (
    "take",
    "type",
    "priority",
    "escalate",
    "comment",
    "resolve",
    "close",
    "reopen",
    "ask",
    "link",
    "duplicate",
    "note",
)
# The buttons under a ticket's card (linking takes a second ticket ID, so it is typed).
CARD_VERBS = (
    "take",
    "priority",
    "type",
    "escalate",
    "ask",
    "comment",
    "resolve",
    "close",
    "reopen",
)
# Actions that are nothing without their text (the reporter reads all but "note", which
# stays with the staff).
NEEDS_NOTE = ("comment", "resolve", "reopen", "ask", "note")
# The question that asks for each one's text (message keys).
NOTE_QUESTIONS = {
    "comment": "ask_comment",
    "resolve": "ask_resolution",
    "reopen": "ask_reopen_reason",
    "ask": "ask_question",
    "note": "ask_internal_note",
}
# Actions whose value is another ticket's ID.
NEEDS_TICKET = ("link", "duplicate")
# Actions that need a value from a short list.
NEEDS_VALUE = ("type", "priority")
BY_CATEGORY = "auto"
_LINE = re.compile(
    rf"^/?({'|'.join((*VERBS, 'ticket'))})(?:@\w+)?\s+([a-z]{{2,4}}[\s\-#]*\d+)\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class StaffLine:
    verb: str  # one of VERBS, or "ticket"
    number: str
    rest: str  # value or note, as typed


def parse_staff_line(text: str, prefix: str) -> StaffLine | None:
    match = _LINE.match(text.strip())
    if not match:
        return None
    number = ticket_number(match.group(2), prefix)
    if number is None:
        return None
    return StaffLine(match.group(1).lower(), number, match.group(3).strip())


def command_text(verb: str, number: str, rest: str = "") -> str:
    """The line a button or a reply stands for."""
    return f"{verb} {number} {rest}".strip()
