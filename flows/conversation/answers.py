"""A reporter's answers to the helpdesk about a ticket: solved or not, a rating, a reply.

Buttons carry them as command lines ('solved MK-1001 yes', 'rate MK-1001 5',
'reply MK-1001 …'), which can be typed too; the steps that ask them take plain answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flows.choosing import normalise, ticket_number
from flows.commands import ConfirmResolution, RateTicket, ReplyToTicket
from flows.conversation.chat import mid_report
from flows.conversation.turn import Turn
from flows.messages import Choice
from flows.state import ConversationState

# Answers to the helpdesk about a ticket; their command lines are also the buttons' keys.
_REPORTER_LINE = re.compile(
    r"^(solved|rate|reply)\s+([a-z]{2,4}[\s\-#]*\d+)\s*(.*)$", re.IGNORECASE | re.DOTALL
)
YES_WORDS = frozenset({"yes", "y", "haan", "ha", "solved", "ହଁ", "हाँ", "हां", "हा"})
NO_WORDS = frozenset({"no", "n", "na", "nahi", "not yet", "ନା", "ନାହିଁ", "नहीं", "ना"})
RATINGS = frozenset("12345")


def confirmation_keys(number: str) -> tuple[str, str]:
    """The reporter's "solved?" answers, as buttons carry them and as they can be typed."""
    return f"solved {number} yes", f"solved {number} no"


def after_closed_or_reopened(
    number: str, reopened: bool
) -> Callable[[ConversationState], ConversationState | None]:
    """For `update_state`: the reporter's chat once ticket `number` is closed or reopened
    while it waited for their yes/no about it. It waits no more; what they were typing about
    why it is not solved (if it was reopened) still reaches the team, as an answer on it."""

    def change(state: ConversationState) -> ConversationState | None:
        if state.ticket != number or state.step not in ("confirm_resolution", "not_solved"):
            return None
        if reopened and state.step == "not_solved":
            return state.evolve(step="reply_ticket", shown=())
        return state.evolve(step="menu", ticket="", shown=())

    return change


def answer_about_ticket(turn: Turn, line: str) -> bool:
    """'solved MK-1001 yes', 'rate MK-1001 5', 'reply MK-1001 …' from a button or typed."""
    match = _REPORTER_LINE.match(line.strip())
    if not match:
        return False
    number = ticket_number(match.group(2), turn.directory.ticket_prefix)
    if number is None:
        return False
    verb, rest = match.group(1).lower(), match.group(3).strip()
    if verb == "rate":
        rate(turn, number, rest)
    elif verb == "reply":
        reply(turn, number, rest)
    else:
        solved_or_not(turn, number, rest)
    return True


def rate(turn: Turn, number: str, rest: str) -> None:
    rating = normalise(rest)
    if rating in RATINGS:
        turn.commands.append(RateTicket(number, int(rating)))
        back_to_what_was_asked(turn)
    else:
        offer_rating(turn, number)


def reply(turn: Turn, number: str, rest: str) -> None:
    if rest:
        turn.commands.append(ReplyToTicket(number, rest))
        back_to_what_was_asked(turn)
    else:
        turn.state = turn.state.evolve(step="reply_ticket", ticket=number)
        turn.say(turn.t("ask_ticket_reply", number=number))


def solved_or_not(turn: Turn, number: str, rest: str) -> None:
    word = normalise(rest).split(" ", 1)[0] if rest else ""
    if word in YES_WORDS:
        turn.commands.append(ConfirmResolution(number, solved=True))
        offer_rating(turn, number)
    elif word in NO_WORDS:
        reason = rest.split(" ", 1)[1].strip() if " " in rest else ""
        if reason:
            turn.commands.append(ConfirmResolution(number, solved=False, reason=reason))
            back_to_what_was_asked(turn)
        elif not mid_report(turn.state):
            turn.state = turn.state.evolve(step="not_solved", ticket=number)
            turn.say(turn.t("ask_not_solved"))
        else:
            turn.commands.append(ConfirmResolution(number, solved=False))
            turn.prompt()
    else:
        # "solved MK-1001" alone: asked, not told it was resolved (it may not be, or
        # may not be theirs: the answer is checked when it comes).
        offer_confirmation(turn, number, turn.t("ask_if_solved", number=number))


def back_to_what_was_asked(turn: Turn) -> None:
    """After an answer about a ticket: the unfinished report's question, or the menu."""
    if mid_report(turn.state):
        turn.prompt()
    else:
        turn.state = turn.state.evolve(step="menu", ticket="", shown=())


def offer_rating(turn: Turn, number: str) -> None:
    choices = [Choice(f"rate {number} {n}", "★" * n) for n in range(1, 6)]
    if not mid_report(turn.state):
        turn.state = turn.state.evolve(step="rate", ticket=number)
        turn.offer(turn.t("ask_rating"), choices)
    else:
        turn.say(turn.t("ask_rating"), choices)


def offer_confirmation(turn: Turn, number: str, question: str = "") -> None:
    yes, no = confirmation_keys(number)
    choices = [Choice(yes, turn.t("confirm_yes")), Choice(no, turn.t("confirm_no"))]
    turn.state = turn.state.evolve(step="confirm_resolution", ticket=number)
    question = question or turn.t("notice_resolved", number=number, note="")
    turn.offer(question.replace("\n\n", "\n"), choices)


def ask_confirm_resolution(turn: Turn) -> None:
    offer_confirmation(turn, turn.state.ticket)


def on_confirm_resolution(turn: Turn) -> None:
    number = turn.state.ticket
    answer = normalise(turn.inbound.text)
    if answer in YES_WORDS or answer in ("1", normalise(turn.t("confirm_yes"))):
        answer_about_ticket(turn, f"solved {number} yes")
    elif answer in NO_WORDS or answer in ("2", normalise(turn.t("confirm_no"))):
        answer_about_ticket(turn, f"solved {number} no")
    elif answer:
        # Something else about it ("the bill is still stuck"): the team reads it, and the
        # question stays.
        turn.commands.append(ReplyToTicket(number, turn.inbound.text.strip()))
        offer_confirmation(turn, number)
    else:
        turn.prompt()


def ask_rate(turn: Turn) -> None:
    offer_rating(turn, turn.state.ticket)


def on_rate(turn: Turn) -> None:
    answer = normalise(turn.inbound.text)
    if answer in RATINGS:
        answer_about_ticket(turn, f"rate {turn.state.ticket} {answer}")
    else:
        # Not a rating: the person has moved on; treat it as any message at the menu.
        turn.state = turn.state.evolve(step="menu", ticket="", shown=())
        turn.respond()


def ask_not_solved(turn: Turn) -> None:
    turn.say(turn.t("ask_not_solved"))


def on_not_solved(turn: Turn) -> None:
    reason = turn.inbound.text.strip()
    if not reason:
        turn.prompt()
        return
    turn.commands.append(ConfirmResolution(turn.state.ticket, solved=False, reason=reason))
    turn.state = turn.state.evolve(step="menu", ticket="", shown=())
