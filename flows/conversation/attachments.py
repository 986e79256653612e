"""Photos, documents and voice notes, taken at any step: kept on the report (their captions
describing the problem), or passed to the open ticket they answer."""

from __future__ import annotations

from flows.choosing import normalise
from flows.conversation.answers import NO_WORDS
from flows.conversation.chat import INTAKE_STEPS
from flows.conversation.intake import continue_intake
from flows.conversation.passing import pass_to_ticket
from flows.conversation.turn import Turn
from flows.messages import Choice
from flows.state import Draft


def take_attachments(turn: Turn) -> bool:
    """Keep photos and documents on the report, or on the open ticket they answer. True
    when nothing is left to answer."""
    had_draft = turn.state.draft is not None
    in_intake = had_draft and turn.state.step in (*INTAKE_STEPS, "confirm")
    answering = turn.state.step in ("reply_ticket", "which_ticket")
    if (answering or not had_draft) and pass_to_ticket(turn):
        return True
    draft = turn.state.draft or Draft(ulb=turn.state.profile.last_ulb)
    draft = draft.evolve(attachments=draft.attachments + turn.inbound.attachments)
    caption = turn.inbound.text.strip()
    if in_intake and turn.state.step == "description" and caption:
        # The caption answers the description question: let that step take it.
        turn.state = turn.state.evolve(draft=draft)
        turn.say(turn.t("attachment_added", count=len(draft.attachments)))
        return False
    spoken = (
        not caption
        and in_intake
        and turn.state.step == "description"
        and all(a.kind == "voice" for a in turn.inbound.attachments)
    )
    if spoken:
        # A voice note can be the whole description (many prefer speaking to typing).
        caption = turn.t("voice_description")
    if caption:
        # A caption describes the problem; nothing typed is dropped.
        description = f"{draft.description}\n{caption}" if draft.description else caption
        draft = draft.evolve(description=description)
    turn.state = turn.state.evolve(draft=draft)
    if in_intake:
        turn.say(turn.t("attachment_added", count=len(draft.attachments)))
        if spoken:
            continue_intake(turn)
        else:
            turn.prompt()
    elif had_draft:
        turn.say(turn.t("attachment_added", count=len(draft.attachments)))
        resume_intake(turn)
    else:
        turn.say(turn.t("attachment_new_report"))
        resume_intake(turn)
    return True


def resume_intake(turn: Turn) -> None:
    if turn.state.profile.language:
        continue_intake(turn)
    else:
        turn.goto("language")


def ask_attachments(turn: Turn) -> None:
    turn.offer(turn.t("ask_attachments"), [Choice("done", turn.t("attachments_done"))])


def on_attachments(turn: Turn) -> None:
    answer = normalise(turn.inbound.text)
    done_words = {"done", "skip", "continue", "1", normalise(turn.t("attachments_done"))}
    done_words |= NO_WORDS  # "no" (more photos) in any language
    if turn.inbound.choice == "done" or answer in done_words:
        turn.goto("confirm")
        return
    if not answer:
        # Nothing readable (a sticker, a location): ask again rather than stay silent.
        turn.prompt()
        return
    # More words after the description belong to it; nothing typed is dropped.
    description = f"{turn.draft.description}\n{turn.inbound.text.strip()}"
    turn.update_draft(description=description)
    turn.say(turn.t("description_added"))
    turn.prompt()
