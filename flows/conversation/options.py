"""Picking an answer from what was offered: a numbered list (long ones a page at a time, typed
prefixes narrowing them) and what becomes of an answer that matches none of it."""

from __future__ import annotations

from collections.abc import Sequence

from flows.choosing import Candidate, Narrowed, Picked, pick
from flows.conversation.passing import pass_to_ticket
from flows.conversation.turn import Turn
from flows.directory import Option
from flows.messages import Choice

# Options shown at once: a list of at most this many is shown whole; a longer one a page
# at a time, each page and its "More…" fitting one WhatsApp list (at most 10 items).
LIST_SIZE = 10
PAGE_SIZE = LIST_SIZE - 1
# A typed prefix that matches more than this asks for more letters instead (the matches
# too fit in one WhatsApp list).
MAX_NARROWED = LIST_SIZE
MORE = "__more"


def option_candidates(options: Sequence[Option]) -> list[Candidate]:
    return [Candidate(o.key, (*o.labels.values(), o.key, *o.aliases)) for o in options]


def offer_options(turn: Turn, question: str, options: Sequence[Option]) -> None:
    """A numbered list, a page at a time for long lists (typed prefixes narrow it)."""
    if len(options) <= LIST_SIZE:
        turn.offer(question, [Choice(o.key, o.label(turn.language)) for o in options])
        return
    pages = (len(options) + PAGE_SIZE - 1) // PAGE_SIZE
    start = (turn.state.page % pages) * PAGE_SIZE
    visible = options[start : start + PAGE_SIZE]
    choices = [Choice(o.key, o.label(turn.language)) for o in visible]
    turn.offer(question, [*choices, Choice(MORE, turn.t("more"))])


def answer_option(turn: Turn, options: Sequence[Option]) -> str | None:
    """The picked option's key; otherwise narrows the list or re-asks, and returns None."""
    candidates = option_candidates(options)
    candidates.append(Candidate(MORE, (turn.t("more"), "more")))
    match = pick(turn.inbound.text, turn.inbound.choice, turn.state.shown, candidates)
    if isinstance(match, Picked) and match.key == MORE:
        turn.state = turn.state.evolve(page=turn.state.page + 1)
        turn.prompt()
        return None
    if isinstance(match, Picked):
        return match.key
    if isinstance(match, Narrowed):
        answer = turn.inbound.text.strip()
        if len(match.keys) > MAX_NARROWED:
            turn.say(turn.t("too_many_matches", answer=answer, count=len(match.keys)))
            return None
        narrowed = [o for o in options if o.key in match.keys]
        choices = [Choice(o.key, o.label(turn.language)) for o in narrowed]
        turn.offer(turn.t("ulb_narrowed", answer=answer), choices)
        return None
    turn.say(turn.t("no_match", answer=turn.inbound.text.strip()[:60]))
    turn.prompt()
    return None


def pick_from(turn: Turn, candidates: Sequence[Candidate]) -> str | None:
    """The picked key; otherwise None, having re-asked (or, for a reporter with a ticket
    open, passed what they wrote to it: it answers none of the helpdesk's options)."""
    match = pick(turn.inbound.text, turn.inbound.choice, turn.state.shown, candidates)
    if isinstance(match, Picked):
        return match.key
    if not turn.inbound.choice and pass_to_ticket(turn):
        return None
    turn.say(turn.t("not_understood"))
    turn.prompt()
    return None
