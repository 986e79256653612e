"""A staff member working tickets in their own chat: a typed command or a tap on a ticket
card's action, and the menu of the ticket in hand with the questions its actions ask."""

from __future__ import annotations

from flows import staffcommands
from flows.choosing import Candidate, ticket_number
from flows.commands import ShowTicket, StaffAction
from flows.conversation.options import MORE, pick_from
from flows.conversation.turn import Turn
from flows.directory import PRIORITIES, TICKET_TYPES
from flows.messages import Choice
from flows.staffcommands import BY_CATEGORY, parse_staff_line

STAFF_ACTIONS = staffcommands.VERBS
# A ticket's menu shows these first (the rest behind "More…"), so that it stays short.
FIRST_STAFF_ACTIONS = ("take", "comment", "ask", "resolve", "escalate")
# Staff actions that need a value or a note before they can be carried out.
FOLLOW_UP = {
    "note",
    "type",
    "priority",
    "escalate",
    "comment",
    "resolve",
    "reopen",
    "ask",
    "link",
    "duplicate",
}


def show_ticket(turn: Turn, number: str) -> None:
    turn.commands.append(ShowTicket(number))
    if turn.context.actor:
        work_on(turn, number)


def work_on(turn: Turn, number: str) -> None:
    """Staff: keep the ticket in hand and offer its actions (after the command's answer)."""
    turn.state = turn.state.evolve(step="staff_ticket", ticket=number, action="", page=0)
    ask_staff_ticket(turn)


def tapped_card_action(turn: Turn) -> bool:
    """A staff member's tap on an action of a ticket card sent to their own chat (on
    WhatsApp): the card is no question of the conversation, its action a command."""
    choice = turn.inbound.choice
    if not turn.context.actor or not choice or choice in turn.state.shown:
        return False
    return staff_one_liner(turn, choice)


def staff_one_liner(turn: Turn, message: str) -> bool:
    line = parse_staff_line(message, turn.directory.ticket_prefix)
    if line is None:
        return False
    verb, number, rest = line.verb, line.number, line.rest
    if verb == "ticket":
        show_ticket(turn, number)
        return True
    asks_for_it = (
        *staffcommands.NEEDS_VALUE,
        *staffcommands.NEEDS_NOTE,
        *staffcommands.NEEDS_TICKET,
    )
    if verb in asks_for_it and not rest:
        # "priority MK-1001" or "link MK-1001" alone: ask for it, as the menu does.
        turn.state = turn.state.evolve(ticket=number, action=verb)
        turn.goto("staff_value")
        return True
    value, note = "", ""
    if verb in ("type", "priority", "escalate", *staffcommands.NEEDS_TICKET):
        value = rest or BY_CATEGORY  # (only "escalate" comes here without one)
    else:
        note = rest
    # The answer says what changed; a typed command needs no menu after it. A question
    # left open (which priority? which ticket?) is dropped: a later number must not
    # answer it unseen.
    turn.commands.append(StaffAction(number, verb, value=value, note=note))
    if turn.state.step in ("staff_value", "ask_ticket"):
        turn.state = turn.state.evolve(step="menu", ticket="", action="", shown=(), page=0)
    return True


def staff_action_choices(turn: Turn) -> list[Choice]:
    """A ticket's actions, the everyday ones first and the rest behind "More…"."""
    if turn.state.page % 2 == 0:
        keys: tuple[str, ...] = (*FIRST_STAFF_ACTIONS, MORE)
    else:
        keys = (*(a for a in STAFF_ACTIONS if a not in FIRST_STAFF_ACTIONS), "back")
    return [Choice(key, turn.t("more" if key == MORE else f"action_{key}")) for key in keys]


def ask_staff_ticket(turn: Turn) -> None:
    turn.offer(turn.t("ticket_actions", number=turn.state.ticket), staff_action_choices(turn))


def on_staff_ticket(turn: Turn) -> None:
    if turn.context.actor is None:
        turn.say(turn.t("staff_only"))
        turn.goto("menu")
        return
    number = ticket_number(turn.inbound.text, turn.directory.ticket_prefix)
    if number and not turn.inbound.choice:
        show_ticket(turn, number)
        return
    candidates = [
        Candidate(key, (turn.t(f"action_{key}"), key)) for key in (*STAFF_ACTIONS, "back")
    ]
    picked = pick_from(turn, [*candidates, Candidate(MORE, (turn.t("more"), "more"))])
    if picked is None:
        return
    if picked == MORE:
        turn.state = turn.state.evolve(page=turn.state.page + 1)
        turn.prompt()
    elif picked == "back":
        turn.state = turn.state.evolve(ticket="")
        turn.goto("menu")
    elif picked in FOLLOW_UP:
        turn.state = turn.state.evolve(action=picked)
        turn.goto("staff_value")
    else:
        turn.commands.append(StaffAction(turn.state.ticket, picked))
        work_on(turn, turn.state.ticket)


def value_choices(turn: Turn) -> list[Choice]:
    action = turn.state.action
    if action == "type":
        return [Choice(kind, turn.t(f"type_{kind}")) for kind in TICKET_TYPES]
    if action == "priority":
        return [Choice(priority, priority) for priority in PRIORITIES]
    if action == "escalate":
        teams = turn.directory.escalation_teams
        return [Choice(BY_CATEGORY, turn.t("team_by_category"))] + [
            Choice(team.key, team.name(turn.language)) for team in teams
        ]
    return []


def ask_staff_value(turn: Turn) -> None:
    questions = {
        "type": "ask_type",
        "priority": "ask_priority",
        "escalate": "ask_team",
        "link": "ask_parent",
        "duplicate": "ask_parent",
        **staffcommands.NOTE_QUESTIONS,
    }
    question = turn.t(questions[turn.state.action], number=turn.state.ticket)
    turn.offer(question, value_choices(turn))


def on_staff_value(turn: Turn) -> None:
    action, number = turn.state.action, turn.state.ticket
    choices = value_choices(turn)
    if choices:
        picked = pick_from(turn, [Candidate(c.key, (c.label, c.key)) for c in choices])
        if picked is None:
            return
        turn.commands.append(StaffAction(number, action, value=picked))
    else:
        note = turn.inbound.text.strip()
        if not note:
            turn.prompt()
            return
        if action in staffcommands.NEEDS_TICKET:
            turn.commands.append(StaffAction(number, action, value=note))
        else:
            turn.commands.append(StaffAction(number, action, note=note))
    work_on(turn, number)
