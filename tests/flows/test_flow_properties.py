"""Properties of the pure conversation flow under any input, checked with hypothesis.

Random sequences of messages — any Unicode, Odia and Hindi, digits in three scripts,
keywords in three languages, ticket-ID-like strings, empty strings, button keys (current and
stale), attachments, staff commands — from reporters and staff. After every step:

* `step` did not raise, and answered with at least one reply or command;
* the state survives saving and loading (`to_json` / `from_json`) unchanged;
* a report being written is dropped only by an explicit cancel or by submitting it, and a
  submit produces exactly one `SubmitTicket`, carrying the report exactly as it stood.

Deterministic (`derandomize`): CI sees the same examples on every run.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import i18n
from flows.choosing import Candidate, Picked, pick
from flows.commands import SubmitTicket
from flows.conversation import CONFIRM_KEYS, FlowContext, Step, step
from flows.directory import Directory, Staff
from flows.messages import Address, Attachment, Inbound
from flows.staffcommands import VERBS
from flows.state import ConversationState, Draft, Profile
from tests.flowkit import NOW, directory, known_reporter, many_ulbs, resume_after, staff

PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_ODIA_DIGITS = "୦୧୨୩୪୫୬୭୮୯"
_DEVANAGARI_DIGITS = "०१२३४५६७८९"


def in_script(number: int, digits: str) -> str:
    return "".join(digits[int(d)] for d in str(number))


def _is_known_crasher(character: str) -> bool:
    # Superscripts, circled digits and the like: str.isdigit() says yes but int() refuses
    # them, and `flows.choosing.pick` and the rating step call int() after isdigit().
    # Kept out of the random text so the other properties are explored; the crash itself is
    # pinned by test_a_superscript_digit_does_not_crash_the_flow below.
    return character.isdigit() and not character.isdecimal()


# -- what people send -------------------------------------------------------------------------

keywords = st.sampled_from(
    sorted({word for words in i18n.KEYWORDS.values() for word in words} | {"?", "？", "/start"})
)
# Decimal digits of other scripts, which int() reads too.
other_digits = st.sampled_from(["١", "۲", "໓", "𝟙", "߁", "٣٤", "１"])
numbers = other_digits | st.integers(min_value=0, max_value=15).flatmap(
    lambda n: st.sampled_from(
        [str(n), in_script(n, _ODIA_DIGITS), in_script(n, _DEVANAGARI_DIGITS)]
    )
)
ticket_ids = st.builds(
    lambda prefix, separator, number: f"{prefix}{separator}{number}",
    st.sampled_from(["MK", "mk", "Mk", "XY", "MKK", "M"]),
    st.sampled_from(["-", " ", "", "#", "_", ".", " - "]),
    st.one_of(st.integers(0, 2000), st.integers(0, 10**12)).map(str)
    | st.integers(0, 2000).map(lambda n: in_script(n, _ODIA_DIGITS)),
)
free_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]).filter(
        lambda character: not _is_known_crasher(character)
    ),
    max_size=60,
)
odia_and_hindi = st.sampled_from(
    [
        "ନମସ୍କାର",
        "ମଜୁରି ବିଲ୍ ଦାଖଲ କଲେ ତ୍ରୁଟି ୫୦୦ ଆସୁଛି",
        "ଢେଙ୍କାନାଳ",
        "ସୁନୀତା ବେହେରା",
        "ଓଡ଼ିଆ",
        "मजदूरी बिल जमा करने पर त्रुटि 500 आती है",
        "हिंदी",
        "जटनी",
    ]
)
labels = st.sampled_from(
    sorted(
        {
            i18n.text(language, key)
            for language in i18n.CATALOGS
            for key in (
                "menu_report",
                "menu_continue",
                "menu_status",
                "menu_mine",
                "menu_language",
                "menu_help",
                "menu_queue",
                "menu_ticket",
                "attachments_done",
                "role_ulb_employee",
                "role_cbo_member",
                "confirm_yes",
                "confirm_no",
                *CONFIRM_KEYS,
            )
        }
        | {"Jatni", "Dhe", "wage", "English", "Odia", "cancel this", "more", "ULB", "cbo"}
    )
)
answers_about_tickets = st.builds(
    lambda verb, number, rest: f"{verb} {number} {rest}".strip(),
    st.sampled_from(["solved", "rate", "reply", "status", "ସ୍ଥିତି", "स्थिति"]),
    ticket_ids,
    st.sampled_from(["", "yes", "no", "no still broken", "5", "0", "୫", "ହଁ", "नहीं", "thanks"]),
)
staff_lines = st.builds(
    lambda verb, number, rest: f"{verb} {number} {rest}".strip(),
    st.sampled_from([*VERBS, "ticket", "/take", "TAKE", "queue"]),
    ticket_ids,
    st.sampled_from(["", "P1", "p9", "incident", "auto", "egov_tech", "MK-1002", "Fixed it"]),
)
descriptions = st.sampled_from(
    [
        "Wage bill shows error 500 on submit",
        "'; DROP TABLE tickets; -- <b>x</b> *y* _z_ [a](http://x)",
        "ମଜୁରି ବିଲ୍ ଦାଖଲ କଲେ ତ୍ରୁଟି 😀",
    ]
) | st.integers(min_value=1000, max_value=6000).map(lambda n: "long " * n)
texts = st.one_of(
    st.just(""),
    st.sampled_from(["  ", "\n", "1", "2", "7", "99"]),
    keywords,
    numbers,
    ticket_ids,
    free_text,
    odia_and_hindi,
    labels,
    answers_about_tickets,
    staff_lines,
    descriptions,
)
attachments = st.lists(
    st.builds(
        Attachment,
        st.sampled_from(["photo", "document", "voice", "video", "other"]),
        st.sampled_from(["FILE-1", "https://api.twilio.com/media/ME1", ""]),
        st.sampled_from(["image/jpeg", "audio/ogg", "application/pdf", ""]),
    ),
    min_size=1,
    max_size=2,
).map(tuple)
# Keys of buttons shown at some time or other: pressed late, they are stale.
STALE_KEYS = (
    "report",
    "status",
    "mine",
    "queue",
    "ticket",
    "language",
    "help",
    "en",
    "or",
    "hi",
    "jatni",
    "dhenkanal",
    "ulb_employee",
    "use_sender",
    "done",
    "__more",
    *CONFIRM_KEYS,
    *VERBS,
    "back",
    "P1",
    "auto",
    "rate MK-1001 5",
    "solved MK-1001 yes",
    "solved MK-1001 no",
    "not-a-key",
)


@dataclass(frozen=True)
class Message:
    text: str = ""
    choice: str = ""
    attachments: tuple[Attachment, ...] = ()
    minutes_later: int = 0


def message(last: Step | None) -> st.SearchStrategy[Message]:
    """A message: typed text, a button (one on screen, or a stale one), or attachments."""
    on_screen = {choice.key for reply in (last.replies if last else ()) for choice in reply.choices}
    return _messages(tuple(sorted(on_screen | set(last.state.shown if last else ()))))


@functools.cache
def _messages(on_screen: tuple[str, ...]) -> st.SearchStrategy[Message]:
    # Cached: building the strategies anew for every step would cost more than the step.
    buttons = st.sampled_from(STALE_KEYS)
    if on_screen:
        buttons = st.sampled_from(on_screen) | buttons
    later = st.sampled_from([0, 0, 0, 1, 30, 200])
    return st.one_of(
        st.builds(Message, text=texts, minutes_later=later),
        st.builds(Message, choice=buttons, minutes_later=later),
        st.builds(Message, text=st.just("") | texts, attachments=attachments),
    )


# -- who is talking, from where ---------------------------------------------------------------


def complete_draft(language: str) -> ConversationState:
    """A report at its summary, everything answered."""
    draft = Draft(
        ulb="jatni",
        module="wage_bills",
        category="app_error",
        description="Wage bill shows error 500 on submit",
        attachments=(Attachment("photo", "FILE-9", "image/jpeg"),),
    )
    state = known_reporter(language)
    return state.evolve(draft=draft, step="confirm", shown=CONFIRM_KEYS, last_seen=NOW)


starts = st.one_of(
    st.just(ConversationState()),
    st.sampled_from(["en", "or", "hi"]).map(known_reporter),
    st.sampled_from(["en", "or", "hi"]).map(complete_draft),
    st.sampled_from(["en", "or", "hi"]).map(
        lambda language: ConversationState(profile=Profile(language=language), step="menu")
    ),
)
actors: st.SearchStrategy[Staff | None] = st.sampled_from([None, None, "anita", "kiran"]).map(
    lambda key: staff(key) if key else None
)
directories: st.SearchStrategy[Directory] = st.sampled_from(["configured", "115 ULBs"]).map(
    lambda name: directory() if name == "configured" else many_ulbs()
)


# -- the properties ---------------------------------------------------------------------------


def is_complete(state: ConversationState) -> bool:
    draft, profile = state.draft, state.profile
    return (
        draft is not None
        and all((draft.ulb, draft.module, draft.category, draft.description))
        and bool(profile.role and profile.name)
    )


def asks_to_cancel(before: ConversationState, sent: Message) -> bool:
    """The message is an explicit cancel: the keyword, or the summary's cancel option."""
    if sent.attachments:
        return False  # attachments are added to the report whatever the caption says
    if not sent.choice and i18n.keyword(sent.text) == "cancel":
        return True
    if before.step != "confirm":
        return False
    language = before.profile.language or i18n.DEFAULT_LANGUAGE
    candidates = [Candidate(key, (i18n.text(language, key), key)) for key in CONFIRM_KEYS]
    picked = pick(sent.text, sent.choice, before.shown, candidates)
    return picked == Picked("cancel_report")


def check_step(before: ConversationState, sent: Message, result: Step) -> None:
    # A message at the attachments question with nothing in it is known to go unanswered
    # (see test_an_empty_message_at_the_attachments_question_is_answered).
    silent_known = before.step == "attachments" and not (sent.text.strip() or sent.choice)
    if not silent_known:
        assert result.replies or result.commands, "the helpdesk said nothing"
    assert ConversationState.from_json(result.state.to_json()) == result.state

    submitted = [c for c in result.commands if isinstance(c, SubmitTicket)]
    assert len(submitted) <= 1
    if submitted:
        assert is_complete(before) and before.step == "confirm"
        assert before.draft is not None
        draft, profile = before.draft, before.profile
        assert submitted[0] == SubmitTicket(
            language=profile.language or i18n.DEFAULT_LANGUAGE,
            reporter_role=profile.role,
            reporter_name=profile.name,
            ulb=draft.ulb,
            module=draft.module,
            category=draft.category,
            description=draft.description,
            attachments=draft.attachments,
        )
        assert result.state.draft is None
    elif before.draft is not None and result.state.draft is None:
        # (A report nothing was answered for, its ULB as kept from the last, has nothing to
        # lose: "menu" leaves it.)
        empty = before.draft == Draft(ulb=before.profile.last_ulb)
        assert empty or asks_to_cancel(before, sent), "the report was dropped without a cancel"
    if is_complete(before) and result.state.draft is not None:
        # Nothing answered is lost while the report waits (edits empty one field on purpose).
        assert set(before.draft.attachments) <= set(result.state.draft.attachments)  # type: ignore[union-attr]


SENDER_NAMES = st.sampled_from(["", "Ramesh Sahu", "ରମେଶ"])


def run_conversation(
    data: st.DataObject,
    state: ConversationState,
    actor: Staff | None,
    where: Directory,
    steps: int,
) -> None:
    address = Address("console", actor.key) if actor else Address("memory", "reporter")
    now, last = NOW, None
    for n in range(steps):
        sent = data.draw(message(last), label=f"message {n}")
        now += timedelta(minutes=sent.minutes_later)
        inbound = Inbound(
            address,
            f"p{n}",
            sent.text,
            now,
            sender_name=data.draw(SENDER_NAMES, label="name"),
            attachments=sent.attachments,
            choice=sent.choice,
        )
        context = FlowContext(where, now, actor=actor, resume_after=resume_after())
        result = step(state, inbound, context)
        check_step(state, sent, result)
        # The dispatcher saves the state as JSON and loads it for the next message.
        state, last = ConversationState.from_json(result.state.to_json()), result


@PROPERTIES
@given(
    data=st.data(),
    state=starts,
    actor=actors,
    where=directories,
    steps=st.integers(min_value=1, max_value=25),
)
def test_any_conversation_keeps_the_flows_promises(
    data: st.DataObject,
    state: ConversationState,
    actor: Staff | None,
    where: Directory,
    steps: int,
) -> None:
    run_conversation(data, state, actor, where, steps)


@PROPERTIES
@given(data=st.data(), language=st.sampled_from(["en", "or", "hi"]), actor=actors)
def test_a_report_at_its_summary_is_kept_until_cancelled_or_submitted(
    data: st.DataObject, language: str, actor: Staff | None
) -> None:
    run_conversation(data, complete_draft(language), actor, directory(), steps=8)


# -- what the properties found ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["²", "①", "rate MK-1001 ²"])
def test_a_superscript_digit_does_not_crash_the_flow(text: str) -> None:
    state = dataclasses.replace(known_reporter(), step="menu", shown=("report",))
    context = FlowContext(directory(), NOW, resume_after=resume_after())
    result = step(state, Inbound(Address("memory", "r"), "p", text, NOW), context)
    assert result.replies or result.commands


def test_an_empty_message_at_the_attachments_question_is_answered() -> None:
    state = complete_draft("en").evolve(step="attachments", shown=("done",))
    context = FlowContext(directory(), NOW, resume_after=resume_after())
    result = step(state, Inbound(Address("memory", "r"), "p", "", NOW), context)
    assert result.replies or result.commands
