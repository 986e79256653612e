"""The entry point, `step`, and the route table: which question each step of a chat asks
and which function takes its answer."""

from __future__ import annotations

from flows import i18n
from flows.conversation import answers, attachments, intake, menu, passing, staff, summary
from flows.conversation.answers import answer_about_ticket
from flows.conversation.attachments import take_attachments
from flows.conversation.chat import INTAKE_STEPS
from flows.conversation.keywords import handle_global_text
from flows.conversation.menu import show_help
from flows.conversation.staff import tapped_card_action
from flows.conversation.turn import FlowContext, Route, Step, Turn
from flows.messages import Inbound
from flows.state import ConversationState

# Every step a chat can be at (a step not here is the menu's).
ROUTES: dict[str, Route] = {
    "start": Route(menu.ask_menu, menu.on_start),
    "language": Route(menu.ask_language, menu.on_language),
    "menu": Route(menu.ask_menu, menu.on_menu),
    "ask_ticket": Route(menu.ask_ask_ticket, menu.on_ask_ticket),
    # A report's questions.
    "ulb": Route(intake.ask_ulb, intake.on_ulb),
    "role": Route(intake.ask_role, intake.on_role),
    "name": Route(intake.ask_name, intake.on_name),
    "module": Route(intake.ask_module, intake.on_module),
    "category": Route(intake.ask_category, intake.on_category),
    "description": Route(intake.ask_description, intake.on_description),
    "attachments": Route(attachments.ask_attachments, attachments.on_attachments),
    "confirm": Route(summary.ask_confirm, summary.on_confirm),
    # A reporter's answers about a ticket, and what they write to it.
    "confirm_resolution": Route(answers.ask_confirm_resolution, answers.on_confirm_resolution),
    "rate": Route(answers.ask_rate, answers.on_rate),
    "not_solved": Route(answers.ask_not_solved, answers.on_not_solved),
    "which_ticket": Route(passing.ask_which_ticket, passing.on_which_ticket),
    "reply_ticket": Route(passing.ask_reply_ticket, passing.on_reply_ticket),
    # Staff on the ticket in hand.
    "staff_ticket": Route(staff.ask_staff_ticket, staff.on_staff_ticket),
    "staff_value": Route(staff.ask_staff_value, staff.on_staff_value),
}


def step(state: ConversationState, inbound: Inbound, context: FlowContext) -> Step:
    """The new state, the replies and the domain commands one inbound message causes."""
    return run(Turn(state, inbound, context, ROUTES))


def run(turn: Turn) -> Step:
    greet_returning_reporter(turn)
    if turn.inbound.attachments and take_attachments(turn):
        return turn.finish()
    if answer_about_ticket(turn, turn.inbound.choice or turn.inbound.text):
        return turn.finish()
    if tapped_card_action(turn):
        return turn.finish()
    known = [t.language for t in turn.context.open_tickets if i18n.supported(t.language)]
    if not turn.state.profile.language and known:
        # Someone whose ticket was logged for them (a phone call) writes for the first
        # time: they are written to in its language already, and what they say may be
        # about it.
        profile = turn.state.profile.evolve(language=known[0])
        turn.state = turn.state.evolve(profile=profile, step="menu")
    if not turn.state.profile.language and turn.context.actor is None:
        # Until a language is chosen, the language question stands: a second "hi" asks
        # it again. (Staff have a language from the configuration: a command of theirs
        # is done whatever state their chat is in.)
        intent = i18n.keyword(turn.inbound.text)
        if intent == "help":
            show_help(turn)
        if turn.state.step == "language" and not intent:
            menu.on_language(turn)
        else:
            turn.goto("language")
        return turn.finish()
    # A caption is the description, never a keyword: "quit" under a photo of the error
    # must not throw the report away.
    if not turn.inbound.choice and not turn.inbound.attachments and handle_global_text(turn):
        return turn.finish()
    answer(turn)
    return turn.finish()


def greet_returning_reporter(turn: Turn) -> None:
    last_seen = turn.state.last_seen
    if (
        turn.state.draft is not None
        and turn.state.step in (*INTAKE_STEPS, "confirm")
        and last_seen is not None
        and turn.inbound.received_at - last_seen > turn.context.resume_after
    ):
        turn.say(turn.t("welcome_back"))


def answer(turn: Turn) -> None:
    choice = turn.inbound.choice
    if choice and choice not in turn.state.shown:
        # A button from an older message: say so and ask the current question again.
        turn.say(turn.t("stale_button"))
        turn.prompt()
        return
    turn.respond()
