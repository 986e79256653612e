"""Where a person's chat stands, as the steps and the back end both ask it: the language they
are answered in, and whether they are in the middle of a report's questions."""

from __future__ import annotations

from flows import i18n
from flows.directory import Staff
from flows.state import ConversationState

INTAKE_STEPS = ("ulb", "role", "name", "module", "category", "description", "attachments")


def language_of(state: ConversationState, actor: Staff | None) -> str:
    """The language a person is answered in: theirs once chosen; for staff who never chose,
    the one the configuration gives them."""
    if state.profile.language:
        return state.profile.language
    return actor.language if actor is not None and actor.language else i18n.DEFAULT_LANGUAGE


def mid_report(state: ConversationState) -> bool:
    """Whether the person is answering a report's questions (never interrupted). A report
    saved for later while they answer about a ticket is not that."""
    return state.draft is not None and state.step in (*INTAKE_STEPS, "confirm")


def may_pass_to_ticket(state: ConversationState) -> bool:
    """Whether a reporter's message may go to an open ticket of theirs: anywhere but in a
    report's questions, except one answered from a short list (what matches none of it is
    not an answer to it)."""
    return not mid_report(state) or state.step == "role"
