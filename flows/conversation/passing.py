"""What a reporter writes to the helpdesk while a ticket of theirs is open: a message that
answers none of the helpdesk's questions goes to the ticket (its team's chat, the audit
trail), and the steps that ask which ticket, or what to tell it."""

from __future__ import annotations

from flows.choosing import Candidate, Picked, pick, ticket_number
from flows.commands import ReplyToTicket
from flows.conversation.chat import INTAKE_STEPS, mid_report
from flows.conversation.turn import Turn
from flows.directory import Directory
from flows.messages import Choice
from flows.views import TicketView


def ticket_label(ticket: TicketView, directory: Directory, language: str) -> str:
    """A ticket in a list to pick from: its ID, module and the start of its description."""
    words = " ".join(ticket.description.split())
    words = words if len(words) <= 40 else f"{words[:39]}…"
    return f"{ticket.number} · {directory.module(ticket.module).label(language)}: {words}"


def pass_to_ticket(turn: Turn) -> bool:
    """A reporter's message that answers none of the helpdesk's questions goes to their
    open ticket: the one they were answering about, their only one, or the one they pick
    (asked when there are several; the message waits). True when it was taken."""
    tickets = turn.context.open_tickets
    if turn.context.actor is not None or not tickets:
        return False
    text, files = turn.inbound.text.strip(), turn.inbound.attachments
    if not text and not files:
        return False
    numbers = [ticket.number for ticket in tickets]
    if turn.state.ticket in numbers or len(numbers) == 1:
        number = turn.state.ticket if turn.state.ticket in numbers else numbers[0]
        turn.commands.append(ReplyToTicket(number, text, files))
        after_passing(turn)
        return True
    held = f"{turn.state.held}\n{text}".strip() if turn.state.held else text
    back_to = turn.state.step if turn.state.step != "which_ticket" else turn.state.back_to
    turn.state = turn.state.evolve(
        held=held, held_files=turn.state.held_files + files, back_to=back_to
    )
    turn.goto("which_ticket")
    return True


def after_passing(turn: Turn) -> None:
    """Back to the report being written, else a word on how to reach the menu."""
    back_to = turn.state.back_to
    turn.state = turn.state.evolve(held="", held_files=(), back_to="")
    if mid_report(turn.state):
        turn.prompt()
    elif back_to in (*INTAKE_STEPS, "confirm") and turn.state.draft is not None:
        turn.goto(back_to)
    elif turn.state.step == "confirm_resolution":
        turn.prompt()
    else:
        turn.state = turn.state.evolve(step="menu", ticket="", shown=())
        turn.say(turn.t("hint_menu"))


def ask_which_ticket(turn: Turn) -> None:
    choices = [
        Choice(ticket.number, ticket_label(ticket, turn.directory, turn.language))
        for ticket in turn.context.open_tickets
    ]
    turn.offer(turn.t("ask_which_ticket"), choices)


def on_which_ticket(turn: Turn) -> None:
    numbers = [ticket.number for ticket in turn.context.open_tickets]
    candidates = [Candidate(number, (number,)) for number in numbers]
    match = pick(turn.inbound.text, turn.inbound.choice, turn.state.shown, candidates)
    typed = ticket_number(turn.inbound.text, turn.directory.ticket_prefix)
    number = match.key if isinstance(match, Picked) else typed
    if number not in numbers:
        # More about it before they said which: kept with the rest, and asked again.
        pass_to_ticket(turn)
        return
    held, files = turn.state.held, turn.state.held_files
    turn.commands.append(ReplyToTicket(number, held, files))
    after_passing(turn)


def ask_reply_ticket(turn: Turn) -> None:
    turn.say(turn.t("ask_ticket_reply", number=turn.state.ticket))


def on_reply_ticket(turn: Turn) -> None:
    text = turn.inbound.text.strip()
    if not text:
        turn.prompt()
        return
    turn.commands.append(ReplyToTicket(turn.state.ticket, text))
    turn.state = turn.state.evolve(step="menu", ticket="", shown=())
