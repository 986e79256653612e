"""What works at any step: the keywords (cancel, menu, help, language, my tickets, status of
a ticket) in every language, and for staff the queue and their typed commands."""

from __future__ import annotations

from flows import i18n
from flows.choosing import normalise, ticket_number
from flows.commands import ListMyTickets, ShowQueue
from flows.conversation.intake import untouched
from flows.conversation.menu import show_help
from flows.conversation.staff import show_ticket, staff_one_liner
from flows.conversation.turn import Turn


def handle_global_text(turn: Turn) -> bool:
    """Keywords and commands that work at any step. True when the message was one."""
    message = turn.inbound.text
    intent = i18n.keyword(message)
    if intent in ("cancel", "menu"):
        # (A message held for a ticket until they said which: they went elsewhere.)
        turn.state = turn.state.evolve(held="", held_files=(), back_to="")
    if intent == "cancel":
        cancel(turn)
        return True
    if intent == "menu":
        turn.state = turn.state.evolve(ticket="", action="")
        if turn.state.draft is not None and untouched(turn, turn.state.draft):
            turn.state = turn.state.evolve(draft=None)  # nothing of it to keep for later
        turn.goto("menu")
        return True
    if intent == "help":
        show_help(turn)
        turn.prompt()
        return True
    if intent == "language":
        turn.goto("language")
        return True
    if intent == "mine":
        turn.commands.append(ListMyTickets())
        return True
    return status_or_command(turn, message)


def cancel(turn: Turn) -> None:
    if turn.state.draft is not None or turn.state.step not in ("menu", "start"):
        turn.state = turn.state.evolve(draft=None, ticket="", action="", return_to="")
        turn.say(turn.t("cancelled"))
    else:
        turn.say(turn.t("nothing_to_cancel"))
    turn.goto("menu")


def status_or_command(turn: Turn, message: str) -> bool:
    """'status MK-1001' (or 'status' alone, which asks which), and for staff 'queue' and
    their commands on a ticket. True when the message was one."""
    words = normalise(message).split(" ", 1)
    if len(words) == 2 and words[0] in i18n.STATUS_WORDS:
        number = ticket_number(words[1], turn.directory.ticket_prefix)
        if number:
            show_ticket(turn, number)
            return True
    if words[0] in i18n.STATUS_WORDS and len(words) == 1:
        # "status" alone (Telegram's /status menu command): which ticket?
        turn.goto("ask_ticket")
        return True
    if normalise(message) == "queue" and turn.context.actor:
        turn.commands.append(ShowQueue())
        return True
    return turn.context.actor is not None and staff_one_liner(turn, message)
