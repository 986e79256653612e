"""Reporters answering about their tickets (a reply to a question, "is it solved?", a rating),
and their chats set to take the answer when a ticket asks for one."""

from __future__ import annotations

from datetime import datetime

from bot.core.current import InUse
from bot.core.tickets import Done
from bot.core.ticketviews import view_of
from db.uow import UnitOfWork
from flows import i18n
from flows.commands import ConfirmResolution, RateTicket, ReplyToTicket
from flows.conversation import after_closed_or_reopened, confirmation_keys
from flows.messages import Address, Outbound
from flows.state import ConversationState

# The kind of a reply refusing a reporter's answer about a ticket (sent like any reply).
REFUSED_ANSWER = "refused"


async def reporter_answer(
    uow: UnitOfWork,
    in_use: InUse,
    address: Address,
    language: str,
    command: ReplyToTicket | ConfirmResolution | RateTicket,
    now: datetime,
) -> list[Outbound]:
    """The reporter answers a question, confirms a resolution or rates the help."""
    service = in_use.service
    if isinstance(command, ReplyToTicket):
        outcome = await service.reply(
            uow, address, command.number, command.text, now, command.attachments
        )
    elif isinstance(command, ConfirmResolution):
        outcome = await service.confirm(
            uow, address, command.number, command.solved, command.reason, now
        )
    else:
        outcome = await service.rate(uow, address, command.number, command.rating, now)
    if not isinstance(outcome, Done):
        key = "ticket_not_found" if outcome.reason == "not_found" else "nothing_to_confirm"
        text = i18n.text(language, key, number=command.number)
        return [Outbound(address, text, kind=REFUSED_ANSWER)]
    view = view_of(outcome.ticket, now)
    said = {
        "reply": "reply_sent",
        "confirm": "closed_confirmed",
        "not_solved": "reopened_for_you",
        "rate": "thanks_rating",
    }[outcome.action]
    text = i18n.text(language, said, **in_use.renderer.labels(language, view))
    messages = [Outbound(address, text, ticket_number=view.number)]
    if outcome.action != "rate":
        files = command.attachments if isinstance(command, ReplyToTicket) else ()
        messages += await in_use.notifier.changed(uow, outcome, now, attachments=files)
    return messages


async def await_reporter(uow: UnitOfWork, change: Done, now: datetime) -> None:
    """After a question or a resolution, the reporter's next message answers it (unless
    they are in the middle of a report, which is never interrupted)."""
    number = change.ticket.number
    if change.action in ("close", "reopen"):
        # Asked "is it solved?" before: that question is settled now.
        moved_on = after_closed_or_reopened(number, change.action == "reopen")
        await uow.conversations.update_state(change.ticket.reporter_address, now, moved_on)
        return
    asks = {"resolve": "confirm_resolution", "ask": "reply_ticket"}.get(change.action)
    if asks is None:
        return
    shown = confirmation_keys(number) if asks == "confirm_resolution" else ()

    def wait_for_answer(state: ConversationState) -> ConversationState | None:
        if state.draft is not None and state.step not in ("menu", "start"):
            return None
        return state.evolve(step=asks, ticket=number, shown=shown, action="")

    await uow.conversations.update_state(change.ticket.reporter_address, now, wait_for_answer)
