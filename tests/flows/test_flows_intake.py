"""Reporter intake transcripts, run through the pure flow: no database, no channel."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from datetime import timedelta

import pytest

from flows.commands import ListMyTickets, ReplyToTicket, ShowTicket, SubmitTicket
from flows.conversation import MAX_NARROWED, MORE, PAGE_SIZE
from flows.i18n import CATALOGS, language_question
from flows.messages import Attachment
from flows.state import ConversationState, Draft
from tests.flowkit import (
    EN,
    HI,
    NOW,
    OR,
    Chat,
    Turn,
    draft_state,
    known_reporter,
    many_ulbs,
    open_ticket,
    resume_after,
    speaking,
    ulb_key,
    ulb_label,
)

DESCRIPTION = "Wage bill for muster roll MR/2026/118 is stuck at 'pending approval' for 3 days."
PHOTO = Attachment("photo", "tg-file-AgACAgUAAxkBAAIB", "image/jpeg", "screen.jpg")
PDF = Attachment("document", "tg-file-BQACAgUAAxkBAAIC", "application/pdf", "mb.pdf")
MENU_LABELS = ["Report a problem", "Check a ticket's status", "My tickets", "Change language"]
CONFIRM_LABELS = [
    "Submit",
    "Change ULB",
    "Change name or role",
    "Change module",
    "Change kind of problem",
    "Rewrite description",
    "Cancel",
]

# The answers that take a brand-new English reporter through the intake, and the step
# each answer leads to.
EN_ROUTE: tuple[tuple[str, str], ...] = (
    ("hi", "language"),
    ("1", "ulb"),  # English: a new reporter's report starts at once
    ("1", "role"),  # Jatni Municipality
    ("1", "name"),  # ULB employee
    ("Ramesh Das", "module"),
    ("5", "category"),  # Wage bills and payments
    ("2", "description"),  # The app or iFIX shows an error
    (DESCRIPTION, "confirm"),  # photos are sent at any step: no question of their own
)
FIRST_GREETING = language_question("")  # before any language is chosen
PROMPTS = {
    "language": "choose_language",
    "menu": "menu",
    "ulb": "ask_ulb",
    "role": "ask_role",
    "name": "ask_name",
    "module": "ask_module",
    "category": "ask_category",
    "description": "ask_description",
    "attachments": "ask_attachments",
}
INTAKE = ("ulb", "role", "name", "module", "category", "description", "confirm")


def started(catalog: dict[str, str]) -> str:
    """What a new reporter is told once their language is chosen (the report starts)."""
    return f"{catalog['language_set']} {catalog['hint_menu']}"


def reach(step_name: str, chat: Chat | None = None) -> tuple[Chat, Turn]:
    """A new English reporter, answered up to the question of `step_name`."""
    chat = chat or Chat()
    for text, reached in EN_ROUTE:
        turn = chat.send(text)
        if reached == step_name:
            return chat, turn
    raise AssertionError(f"the English route never reaches {step_name!r}")


def answer_after(step_name: str) -> tuple[str, str]:
    """The right answer at `step_name` and the step it leads to ("submitted" after the summary)."""
    names = [reached for _, reached in EN_ROUTE]
    index = names.index(step_name) + 1
    return EN_ROUTE[index] if index < len(EN_ROUTE) else ("1", "submitted")


def en_summary(**fields: object) -> str:
    values: dict[str, object] = {
        "ulb": "Jatni Municipality",
        "name": "Ramesh Das",
        "role": "ULB employee",
        "module": "Wage bills and payments",
        "category": "The app or iFIX shows an error",
        "description": DESCRIPTION,
        "attachments": 0,
    }
    values.update(fields)
    return EN["summary"].format(**values)


def asks(turn: Turn, step_name: str) -> bool:
    """Whether the last reply is the English question of `step_name`."""
    if step_name == "submitted":
        return isinstance(turn.submitted, SubmitTicket)
    if step_name == "confirm":
        return turn.question.startswith("Please check your report")
    if step_name == "language":  # no language yet: asked in all three
        return turn.question == FIRST_GREETING
    return turn.question == EN[PROMPTS[step_name]]


# -- complete transcripts -----------------------------------------------------------------


def test_english_transcript_from_hi_to_one_submitted_ticket() -> None:
    chat = Chat()
    turn = chat.send("hi")
    assert turn.question == FIRST_GREETING
    assert turn.labels == ["English", "ଓଡ଼ିଆ (Odia)", "हिन्दी (Hindi)"]

    # Someone new has come to report a problem: the report starts at once.
    turn = chat.send("1")
    assert turn.texts == [started(EN), EN["ask_ulb"]]
    assert turn.labels == ["Jatni Municipality", "Dhenkanal Municipality"]

    turn = chat.send("2")
    assert turn.question == EN["ask_role"]
    assert turn.labels == ["ULB employee", "CBO member"]

    turn = chat.send("1")
    assert turn.question == EN["ask_name"]

    turn = chat.send("  Ramesh   Das ")
    assert turn.question == EN["ask_module"]
    assert len(turn.labels) == 10
    assert turn.labels[4] == "Wage bills and payments"
    assert "More…" not in turn.labels

    turn = chat.send("5")
    assert turn.question == EN["ask_category"]
    assert turn.labels[1] == "The app or iFIX shows an error"

    turn = chat.send("2")
    assert turn.question == EN["ask_description"]

    turn = chat.send(DESCRIPTION)
    assert turn.question == en_summary(ulb="Dhenkanal Municipality")
    assert turn.labels == CONFIRM_LABELS
    assert chat.commands() == []

    turn = chat.send("1")
    assert turn.commands == (
        SubmitTicket(
            language="en",
            reporter_role="ulb_employee",
            reporter_name="Ramesh Das",
            ulb="dhenkanal",
            module="wage_bills",
            category="app_error",
            description=DESCRIPTION,
            attachments=(),
        ),
    )
    assert chat.commands() == list(turn.commands)


# A precomposed ଡ଼ (U+0B5C), ୟ (U+0B5F), a zero-width non-joiner and a line break: NFC would
# rewrite this text, so keeping it intact means the flow stored exactly what was typed.
ODIA_DESCRIPTION = (
    "ମଷ୍ଟର ରୋଲ ଅନୁମୋଦନ ପରେ ମଜୁରି ବିଲ ଦାଖଲ ହେଉନାହିଁ। ଦେ\u0b5f ସ୍କ୍ରିନ\u200cରେ ତ୍ରୁଟି ଆସୁଛି।\n"
    "ଟଙ୍କା ପଠାଇବା ସମ୍ଭବ ହେଉନାହିଁ, ଦୟାକରି ଦେଖନ୍ତୁ \u0b5cର"
)


def test_odia_transcript_is_asked_in_odia_and_keeps_the_odia_description_intact() -> None:
    assert unicodedata.normalize("NFC", ODIA_DESCRIPTION) != ODIA_DESCRIPTION
    chat = Chat()
    turn = chat.send("ନମସ୍କାର")
    assert turn.question == FIRST_GREETING
    assert "ନମସ୍କାର! ଏହା ଓଡ଼ିଶା" in turn.question and "ଆପଣଙ୍କ ଭାଷା ବାଛନ୍ତୁ" in turn.question

    turn = chat.send("୨")
    assert turn.texts == [started(OR), OR["ask_ulb"]]
    assert turn.question == "ଆପଣ କେଉଁ ପୌର ସଂସ୍ଥାରୁ?"
    assert turn.labels == ["ଜଟଣୀ ପୌରପାଳିକା", "ଢେଙ୍କାନାଳ ପୌରପାଳିକା"]

    turn = chat.send("ଢେଙ୍କାନାଳ")
    assert turn.question == OR["ask_role"]
    assert turn.labels == ["ପୌର ସଂସ୍ଥାର କର୍ମଚାରୀ", "ସମୁଦାୟ ସଂଗଠନର ସଦସ୍ୟ"]

    turn = chat.send("CBO ସଦସ୍ୟ")
    assert turn.question == OR["ask_name"]

    turn = chat.send("ସୁମିତ୍ରା ବେହେରା")
    assert turn.question == OR["ask_module"]
    assert "ମଜୁରି ବିଲ ଓ ଦେୟ" in turn.labels

    turn = chat.send("ମଜୁରି ବିଲ ଓ ଦେୟ")
    assert turn.question == "ଏହା କେଉଁ ପ୍ରକାରର ସମସ୍ୟା?"

    turn = chat.send("୨")
    assert turn.question == OR["ask_description"]

    turn = chat.send(ODIA_DESCRIPTION)
    assert turn.question == OR["summary"].format(
        ulb="ଢେଙ୍କାନାଳ ପୌରପାଳିକା",
        name="ସୁମିତ୍ରା ବେହେରା",
        role="ସମୁଦାୟ ସଂଗଠନର ସଦସ୍ୟ",
        module="ମଜୁରି ବିଲ ଓ ଦେୟ",
        category="ଆପ୍ ବା iFIX ରେ ତ୍ରୁଟି ଦେଖାଉଛି",
        description=ODIA_DESCRIPTION,
        attachments=0,
    )
    assert turn.labels[0] == "ଦାଖଲ କରନ୍ତୁ"

    ticket = chat.send("ଦାଖଲ କରନ୍ତୁ").submitted
    assert ticket == SubmitTicket(
        language="or",
        reporter_role="cbo_member",
        reporter_name="ସୁମିତ୍ରା ବେହେରା",
        ulb="dhenkanal",
        module="wage_bills",
        category="app_error",
        description=ODIA_DESCRIPTION,
    )
    assert ticket.description.encode() == ODIA_DESCRIPTION.encode()


def test_hindi_transcript_reaches_a_hindi_summary() -> None:
    chat = Chat()
    chat.send("नमस्ते")
    turn = chat.send("हिन्दी")
    assert turn.texts == [started(HI), HI["ask_ulb"]]
    assert chat.send("जटनी").question == HI["ask_role"]
    assert chat.send("नगर निकाय के कर्मचारी").question == HI["ask_name"]
    assert chat.send("सुनीता साहू").question == HI["ask_module"]
    assert chat.send("कार्यादेश / अनुबंध").question == HI["ask_category"]
    assert chat.send("४").question == HI["ask_description"]
    description = "कार्यादेश जारी करने पर स्क्रीन पर गलत राशि दिख रही है।"
    turn = chat.send(description)
    assert turn.question == HI["summary"].format(
        ulb="जटनी नगरपालिका",
        name="सुनीता साहू",
        role="नगर निकाय के कर्मचारी",
        module="कार्यादेश / अनुबंध",
        category="कुछ गलत काम कर रहा है (गलत आँकड़े, गलत स्क्रीन)",
        description=description,
        attachments=0,
    )
    assert turn.labels[0] == "जमा करें"
    assert chat.commands() == []


# -- a returning reporter -------------------------------------------------------------------


def test_second_report_skips_role_and_name_and_prefills_the_last_ulb() -> None:
    chat, _ = reach("confirm")
    chat.send("1")
    assert asks(chat.send("hi"), "menu")
    turn = chat.send("1")
    kept = EN["ulb_kept"].format(ulb="Jatni Municipality")
    assert turn.question == f"{kept}\n\n{EN['ask_module']}"
    chat.send("1")  # Projects
    chat.send("1")  # How do I…?
    turn = chat.send("How do I add a second executing agency to a project?")
    assert turn.question == en_summary(
        ulb="Jatni Municipality",
        module="Projects",
        category="How do I…? (help using the app)",
        description="How do I add a second executing agency to a project?",
    )

    turn = chat.send("Change ULB")
    assert turn.question == EN["ask_ulb"]
    turn = chat.send("Dhenkanal")
    assert turn.question.startswith("Please check your report")
    assert "ULB: Dhenkanal Municipality" in turn.question
    ticket = chat.send("1").submitted
    assert (ticket.ulb, ticket.reporter_name, ticket.reporter_role) == (
        "dhenkanal",
        "Ramesh Das",
        "ulb_employee",
    )
    assert (ticket.module, ticket.category) == ("projects", "how_to")


def test_the_name_the_chat_app_shows_is_not_asked_and_the_summary_shows_it() -> None:
    chat = Chat(sender_name="Ramesh  Das")
    chat.run("hi", "1", "1")
    assert chat.send("1").question == EN["ask_module"]  # ULB employee; the name is known
    turn = chat.run("5", "2", DESCRIPTION)[-1]
    assert turn.question == en_summary()
    assert chat.send("1").submitted.reporter_name == "Ramesh Das"


def test_a_name_from_the_chat_app_is_changed_from_the_summary_with_an_odia_digit() -> None:
    chat = Chat(state=speaking("or"), sender_name="ସୁମିତ୍ରା")
    chat.run("ମେନୁ", "୧", "୧")
    assert chat.send("୧").question == OR["ask_module"]
    chat.run("୫", "୨")
    assert chat.send(DESCRIPTION).question.startswith(OR["summary"].split("\n")[0])
    assert chat.send("୩").question == OR["ask_role"]  # Change name or role
    turn = chat.send("୨")
    assert turn.question == OR["ask_name"]
    assert turn.labels == [OR["use_name"].format(name="ସୁମିତ୍ରା")]
    assert "ସୁମିତ୍ରା ବେହେରା" in chat.send("ସୁମିତ୍ରା ବେହେରା").question
    assert chat.send("୧").submitted.reporter_name == "ସୁମିତ୍ରା ବେହେରା"


# -- keywords at any step ---------------------------------------------------------------------


@pytest.mark.parametrize("word", ["cancel", "ବାତିଲ", "रद्द"])
@pytest.mark.parametrize("step_name", INTAKE)
def test_cancel_discards_the_draft_at_any_step_and_returns_to_the_menu(
    step_name: str, word: str
) -> None:
    chat, _ = reach(step_name)
    turn = chat.send(word)
    assert turn.texts == [EN["cancelled"], EN["menu"]]
    assert turn.labels[0] == "Report a problem"
    assert turn.commands == ()
    # The next report starts from scratch: the ULB is asked again.
    assert chat.send("1").question == EN["ask_ulb"]


def test_cancel_button_on_the_summary_discards_the_report() -> None:
    chat, _ = reach("confirm")
    turn = chat.send("7")
    assert turn.texts == [EN["cancelled"], EN["menu"]]
    assert turn.commands == ()
    assert turn.labels[0] == "Report a problem"


def test_cancel_with_nothing_to_cancel_says_so() -> None:
    chat = Chat(state=speaking("en"))
    turn = chat.send("cancel")
    assert turn.texts == [EN["nothing_to_cancel"], EN["menu"]]


def test_cancel_during_a_summary_edit_does_not_leak_into_the_next_report() -> None:
    chat, _ = reach("confirm")
    assert chat.send("Change module").question == EN["ask_module"]
    chat.send("cancel")
    chat.run("1", "1", "5", "2")  # new report: ULB, module, category
    turn = chat.send(DESCRIPTION)
    assert turn.question == en_summary()


@pytest.mark.parametrize("word", ["menu", "ମେନୁ", "मेनू"])
def test_menu_keeps_the_draft_and_offers_to_continue_it(word: str) -> None:
    chat, _ = reach("category")
    turn = chat.send(word)
    assert turn.question == EN["menu"]
    assert turn.labels[0] == "Continue my unfinished report"
    assert "Report a problem" not in turn.labels

    turn = chat.send("1")
    assert turn.question == EN["ask_category"]
    assert chat.run("2", DESCRIPTION)[-1].question == en_summary()
    ticket = chat.send("Submit").submitted
    assert (ticket.ulb, ticket.module, ticket.reporter_name) == (
        "jatni",
        "wage_bills",
        "Ramesh Das",
    )


@pytest.mark.parametrize("step_name", ["ulb", "role", "module", "category", "description"])
def test_help_explains_and_asks_the_same_question_again(step_name: str) -> None:
    chat, asked = reach(step_name)
    turn = chat.send("help")
    assert turn.texts[0] == EN["help"].format(example="MK-1001")
    assert turn.question == asked.question
    assert turn.labels == asked.labels
    answer, reached = answer_after(step_name)
    assert asks(chat.send(answer), reached)


def test_help_on_the_summary_shows_the_summary_again() -> None:
    chat, asked = reach("confirm")
    turn = chat.send("help")
    assert "status MK-1001" in turn.texts[0]
    assert turn.question == asked.question
    assert chat.send("1").submitted.module == "wage_bills"


def test_question_mark_shows_help() -> None:
    chat, _ = reach("ulb")
    turn = chat.send("?")
    assert turn.texts[0] == EN["help"].format(example="MK-1001")


# -- answers the flow cannot use ------------------------------------------------------------


@pytest.mark.parametrize(
    ("step_name", "wrong", "complaint"),
    [
        ("language", "French", EN["not_understood"]),
        ("ulb", "Puri", EN["no_match"].format(answer="Puri")),
        ("ulb", "3", EN["no_match"].format(answer="3")),
        ("role", "teacher", EN["not_understood"]),
        ("module", "15", EN["no_match"].format(answer="15")),
        ("category", "payroll", EN["no_match"].format(answer="payroll")),
        ("confirm", "maybe", EN["not_understood"]),
    ],
)
def test_a_wrong_answer_is_re_asked_and_the_step_does_not_advance(
    step_name: str, wrong: str, complaint: str
) -> None:
    chat, asked = reach(step_name)
    turn = chat.send(wrong)
    assert turn.texts[0] == complaint
    assert turn.question == asked.question
    assert turn.labels == asked.labels
    assert turn.commands == ()
    answer, reached = answer_after(step_name)
    assert asks(chat.send(answer), reached)


def test_name_that_is_a_number_is_refused() -> None:
    chat, _ = reach("name")
    turn = chat.send("12")
    assert turn.texts == [EN["name_invalid"]]
    assert chat.send("Ramesh Das").question == EN["ask_module"]


def test_too_short_description_is_asked_for_again() -> None:
    chat, _ = reach("description")
    turn = chat.send("error!!")
    assert turn.texts == [EN["description_too_short"].format(minimum=10)]
    assert "at least 10 characters" in turn.question
    assert asks(chat.send("Bill error"), "confirm")


def test_a_wrong_answer_at_the_menu_is_re_asked_when_no_ticket_is_open() -> None:
    chat = Chat(state=known_reporter())
    turn = chat.send("pay my bill")
    assert turn.texts == [EN["not_understood"], EN["menu"]]


def test_text_typed_at_the_summary_is_added_to_the_description() -> None:
    chat, _ = reach("confirm")
    extra = "The same happens for MR/2026/119."
    turn = chat.send(extra)
    assert turn.texts == [
        EN["description_added"],
        en_summary(description=f"{DESCRIPTION}\n{extra}"),
    ]
    assert chat.send("1").submitted.description == f"{DESCRIPTION}\n{extra}"


@pytest.mark.parametrize("word", ["no", "नहीं", "ना", "ନା", "ନାହିଁ", "nahi"])
def test_a_report_saved_at_the_old_photos_question_goes_on_to_the_summary(word: str) -> None:
    """ "No" at "send photos, or continue" (a question no longer asked, that a report saved
    before may still wait at) is no more photos, not words for the description."""
    draft = Draft("jatni", "wage_bills", "app_error", DESCRIPTION)
    chat = Chat(state=draft_state(draft, step_name="attachments"))
    turn = chat.send(word)
    assert turn.question == en_summary(description=DESCRIPTION)


@pytest.mark.parametrize("step_name", ["name", "description", "confirm"])
def test_status_alone_asks_which_ticket_at_any_step(step_name: str) -> None:
    """Telegram's /status menu command sends "/status": never a name or part of a report."""
    chat, _ = reach(step_name)
    turn = chat.send("/status")
    assert turn.texts[-1] == EN["ask_ticket_id"].format(example="MK-1001")
    assert chat.state.draft is None or "status" not in chat.state.draft.description


def test_a_number_thousands_of_digits_long_is_a_wrong_answer_not_a_crash() -> None:
    chat, _ = reach("module")
    turn = chat.send("1" * 5000)
    assert turn.question == EN["ask_module"]


# -- attachments --------------------------------------------------------------------------


def test_photo_sent_mid_intake_is_kept_and_submitted() -> None:
    chat, asked = reach("module")
    turn = chat.send(attachments=[PHOTO])
    assert turn.texts == [EN["attachment_added"].format(count=1), asked.question]
    assert turn.labels == asked.labels
    chat.run("5", "2", DESCRIPTION)
    turn = chat.send(attachments=[PDF])
    assert turn.texts == [EN["attachment_added"].format(count=2), en_summary(attachments=2)]
    assert chat.send("1").submitted.attachments == (PHOTO, PDF)


def test_photo_with_a_caption_at_the_description_step_gives_both() -> None:
    chat, _ = reach("description")
    turn = chat.send(DESCRIPTION, attachments=[PHOTO])
    assert turn.texts == [EN["attachment_added"].format(count=1), en_summary(attachments=1)]
    ticket = chat.send("1").submitted
    assert (ticket.description, ticket.attachments) == (DESCRIPTION, (PHOTO,))


def test_a_caption_that_reads_like_a_keyword_is_the_description_not_a_cancel() -> None:
    chat, _ = reach("description")
    turn = chat.send("quit", attachments=[PHOTO])
    # Kept, and treated as a (too short) description: the report goes on.
    assert turn.texts[0] == EN["attachment_added"].format(count=1)
    assert "at least" in turn.texts[1]
    chat.run(DESCRIPTION)
    ticket = chat.send("1").submitted
    assert (ticket.description, ticket.attachments) == (DESCRIPTION, (PHOTO,))


def test_attachment_without_a_draft_starts_a_new_report_holding_it() -> None:
    chat = Chat(state=known_reporter())
    turn = chat.send(attachments=[PHOTO])
    kept = EN["ulb_kept"].format(ulb="Jatni Municipality")
    assert turn.texts == [EN["attachment_new_report"], f"{kept}\n\n{EN['ask_module']}"]
    chat.run("5", "2", DESCRIPTION)
    ticket = chat.send("1").submitted
    assert (ticket.ulb, ticket.attachments) == ("jatni", (PHOTO,))


def test_photo_as_the_very_first_message_still_asks_for_a_language() -> None:
    chat = Chat()
    turn = chat.send(attachments=[PHOTO])
    assert turn.question == FIRST_GREETING


def test_photo_sent_from_the_menu_joins_the_unfinished_report() -> None:
    chat, _ = reach("category")
    chat.send("menu")
    turn = chat.send(attachments=[PHOTO])
    assert EN["attachment_new_report"] not in turn.texts
    assert turn.texts[0] == EN["attachment_added"].format(count=1)


# -- edits from the summary ---------------------------------------------------------------


EXPECTED = SubmitTicket(
    "en", "ulb_employee", "Ramesh Das", "jatni", "wage_bills", "app_error", DESCRIPTION
)
NEW_DESCRIPTION = "Attendance of 12 May is missing from the muster roll."


@pytest.mark.parametrize(
    ("edit", "question", "answers", "summary", "expected"),
    [
        (
            "Change module",
            "ask_module",
            ["1"],
            en_summary(module="Projects"),
            dataclasses.replace(EXPECTED, module="projects"),
        ),
        (
            "Rewrite description",
            "ask_description",
            [NEW_DESCRIPTION],
            en_summary(description=NEW_DESCRIPTION),
            dataclasses.replace(EXPECTED, description=NEW_DESCRIPTION),
        ),
        (
            "Change name or role",
            "ask_role",
            ["CBO member", "Sita Nayak"],
            en_summary(name="Sita Nayak", role="CBO member"),
            dataclasses.replace(EXPECTED, reporter_role="cbo_member", reporter_name="Sita Nayak"),
        ),
        (
            "5",
            "ask_category",
            ["1"],
            en_summary(category="How do I…? (help using the app)"),
            dataclasses.replace(EXPECTED, category="how_to"),
        ),
        (
            "2",
            "ask_ulb",
            ["Dhenkanal Municipality"],
            en_summary(ulb="Dhenkanal Municipality"),
            dataclasses.replace(EXPECTED, ulb="dhenkanal"),
        ),
    ],
    ids=["module", "description", "contact", "category", "ulb"],
)
def test_an_edit_from_the_summary_comes_back_to_the_summary(
    edit: str, question: str, answers: list[str], summary: str, expected: SubmitTicket
) -> None:
    chat, _ = reach("confirm")
    assert chat.send(edit).question == EN[question]
    turns = chat.run(*answers)
    assert turns[-1].question == summary
    assert turns[-1].labels == CONFIRM_LABELS
    assert chat.send("Submit").submitted == expected


# -- time and restarts ----------------------------------------------------------------------


def test_a_stale_draft_greets_the_reporter_with_welcome_back() -> None:
    chat, _ = reach("module")
    chat.advance(hours=3)
    turn = chat.send("5")
    assert turn.texts == [EN["welcome_back"], EN["ask_category"]]


def test_a_recent_draft_continues_without_welcome_back() -> None:
    chat, _ = reach("module")
    chat.advance(seconds=resume_after().total_seconds() - 60)
    turn = chat.send("5")
    assert turn.texts == [EN["ask_category"]]


def test_a_stale_draft_saved_as_json_still_gets_welcome_back_in_its_language() -> None:
    before = Chat(state=known_reporter("or"))
    before.run("ମେନୁ", "୧")
    assert before.send("୮").question == OR["ask_category"]
    saved = before.state.to_json()
    chat = Chat(state=ConversationState.from_json(saved), now=NOW + timedelta(days=1))
    turn = chat.send("୧")
    assert turn.texts == [OR["welcome_back"], OR["ask_description"]]


def test_a_report_saved_with_every_field_before_an_upgrade_goes_on_after_it() -> None:
    # Until 2026-12-07 a state was saved as `dataclasses.asdict` gives it, and loaded through
    # each dataclass's `__init__`; now without either. A reporter halfway through a report
    # when the helpdesk is upgraded must not notice.
    before = Chat(state=known_reporter("or"))
    before.run("ମେନୁ", "୧", "୮", "୧")
    photo = Attachment("photo", "file-1", "image/jpeg")
    before.send("ବିଲ୍ ଅପଲୋଡ୍ ହେଉନାହିଁ", attachments=[photo])
    assert before.state.draft is not None and before.state.draft.attachments == (photo,)
    assert before.state.last_seen is not None
    every_field = dataclasses.asdict(before.state)
    every_field["last_seen"] = before.state.last_seen.isoformat()
    saved = json.dumps(every_field, ensure_ascii=False)
    assert json.loads(before.state.to_json()) == json.loads(saved)
    upgraded = Chat(state=ConversationState.from_json(saved), now=before.now)
    assert upgraded.state == before.state
    assert upgraded.send("୧").texts == before.send("୧").texts


def test_evolving_a_state_leaves_the_one_it_came_from_as_it_was() -> None:
    before = known_reporter("or")
    after = before.evolve(step="module", shown=("a", "b"))
    assert (before.step, before.shown, after.step, after.shown) == (
        known_reporter("or").step,
        (),
        "module",
        ("a", "b"),
    )
    assert after.profile == before.profile
    assert ConversationState.from_json(after.to_json()) == after
    with pytest.raises(TypeError, match="stepp"):
        before.evolve(stepp="module")


def test_state_survives_a_restart_mid_intake_and_the_report_continues() -> None:
    chat, _ = reach("module")
    chat.send(attachments=[PHOTO])
    chat.send("5")
    chat.restart()
    assert chat.send("2").question == EN["ask_description"]
    chat.restart()
    assert chat.send(DESCRIPTION).question == en_summary(attachments=1)
    chat.restart()
    ticket = chat.send("1").submitted
    assert ticket == SubmitTicket(
        "en",
        "ulb_employee",
        "Ramesh Das",
        "jatni",
        "wage_bills",
        "app_error",
        DESCRIPTION,
        (PHOTO,),
    )


def test_a_restart_after_every_message_gives_the_same_ticket() -> None:
    steady, _ = reach("confirm")
    restarting, _ = reach("confirm", Chat(restart_every_turn=True))
    assert restarting.send("1").submitted == steady.send("1").submitted


# -- long ULB lists -------------------------------------------------------------------------


def ulb_chat() -> Chat:
    """A known reporter whose unfinished report lacks only the ULB, with 115 ULBs to pick."""
    draft = Draft(module="login", category="infrastructure", description=DESCRIPTION)
    return Chat(state=draft_state(draft, step_name="menu"), directory_=many_ulbs())


def start_ulb_question(chat: Chat) -> Turn:
    assert chat.send("menu").labels[0] == "Continue my unfinished report"
    turn = chat.send("1")
    assert turn.question.startswith("Which ULB")
    return turn


def summary_ulb(turn: Turn) -> str:
    assert turn.question.startswith("Please check your report"), turn.question
    line = next(line for line in turn.question.splitlines() if line.startswith("ULB: "))
    return line.removeprefix("ULB: ")


def test_long_ulb_list_shows_one_page_and_more() -> None:
    ulbs = many_ulbs().ulbs
    assert len(ulbs) == 115
    turn = start_ulb_question(ulb_chat())
    assert turn.question == EN["ask_ulb_search"].format(example="Ana")
    assert len(turn.choices) == PAGE_SIZE + 1
    assert turn.labels[:PAGE_SIZE] == [ulb.label("en") for ulb in ulbs[:PAGE_SIZE]]
    assert turn.labels[-1] == "More…"
    assert turn.keys[-1] == MORE


@pytest.mark.parametrize("more", [str(PAGE_SIZE + 1), "More…", "more", "MORE"])
def test_more_shows_the_next_page_and_numbers_mean_what_was_shown(more: str) -> None:
    ulbs = many_ulbs().ulbs
    chat = ulb_chat()
    start_ulb_question(chat)
    turn = chat.send(more)
    assert turn.labels[:PAGE_SIZE] == [ulb.label("en") for ulb in ulbs[PAGE_SIZE : 2 * PAGE_SIZE]]
    assert turn.labels[-1] == "More…"
    assert summary_ulb(chat.send("3")) == ulbs[PAGE_SIZE + 2].label("en")


def test_more_button_pages_on_and_wraps_round_after_the_last_page() -> None:
    ulbs = many_ulbs().ulbs
    chat = ulb_chat()
    start_ulb_question(chat)
    seen: list[str] = []
    pages = -(-len(ulbs) // PAGE_SIZE)
    for _ in range(pages):
        turn = chat.send(choice=MORE)
        seen += turn.labels[:-1]
    # The other pages (PAGE_SIZE each, fewer on the last), then the first page again.
    assert seen[: len(ulbs) - PAGE_SIZE] == [ulb.label("en") for ulb in ulbs[PAGE_SIZE:]]
    assert turn.labels[:-1] == [ulb.label("en") for ulb in ulbs[:PAGE_SIZE]]


def test_typed_prefix_narrows_to_matching_ulbs_shown_numbered() -> None:
    chat = ulb_chat()
    start_ulb_question(chat)
    turn = chat.send("bh")
    assert turn.question == EN["ulb_narrowed"].format(answer="bh")
    assert turn.labels == [
        "Bhadrak Municipality",
        "Bhanjanagar Municipality",
        "Bhawanipatna Municipality",
        "Bhuban Municipality",
        "Bhubaneswar Municipal Corporation",
    ]
    assert MORE not in turn.keys
    assert summary_ulb(chat.send("3")) == "Bhawanipatna Municipality"
    assert chat.send("1").submitted.ulb == "bhawanipatna"


def test_narrowed_list_survives_a_restart_and_numbers_still_match() -> None:
    chat = ulb_chat()
    start_ulb_question(chat)
    chat.send("Kha")  # Khallikote, Khariar, Khariar Road
    chat.restart()
    assert summary_ulb(chat.send("3")) == "Khariar Road Municipality"
    assert chat.send("Submit").submitted.ulb == "khariar_road"


@pytest.mark.parametrize(
    ("typed", "town"),
    [("Jharsu", "Jharsuguda"), ("paradi", "Paradip"), ("Bhuban", "Bhuban"), ("Jatni", "Jatni")],
)
def test_a_unique_prefix_or_exact_name_picks_the_ulb_directly(typed: str, town: str) -> None:
    chat = ulb_chat()
    start_ulb_question(chat)
    turn = chat.send(typed)
    assert summary_ulb(turn) == ulb_label(town)
    assert chat.send("1").submitted.ulb == ulb_key(town)


def test_a_number_outside_the_narrowed_list_is_not_a_ulb() -> None:
    chat = ulb_chat()
    start_ulb_question(chat)
    chat.send("bh")
    turn = chat.send("7")
    assert turn.texts[0] == EN["no_match"].format(answer="7")
    assert turn.question == EN["ask_ulb_search"].format(example="Ana")


def test_the_ulb_prefilled_from_the_last_report_can_be_changed_in_a_long_list() -> None:
    state = speaking("en", role="ulb_employee", name="Ramesh Das", last_ulb="cuttack")
    chat = Chat(state=state, directory_=many_ulbs())
    # Report: Login and access, network problem.
    turn = chat.run("menu", "1", "8", "3", DESCRIPTION)[-1]
    assert summary_ulb(turn) == "Cuttack Municipal Corporation"
    chat.send("Change ULB")
    turn = chat.send("Puri")
    assert summary_ulb(turn) == "Puri Municipality"
    assert chat.send("1").submitted.ulb == "puri"


def test_a_prefix_matching_too_many_ulbs_never_shows_a_silently_cut_list() -> None:
    matches = [ulb for ulb in many_ulbs().ulbs if ulb.label("en").startswith("B")]
    assert len(matches) > MAX_NARROWED
    chat = ulb_chat()
    start_ulb_question(chat)
    turn = chat.send("B")
    shown = [key for key in turn.keys if key != MORE]
    assert shown == [] or set(shown) == {ulb.key for ulb in matches}


# -- status and my tickets ------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    ["status MK 1001", "status mk-1001", "ସ୍ଥିତି MK-1001", "स्थिति mk1001", "Status MK-01001"],
)
def test_status_in_any_language_asks_for_that_ticket(message: str) -> None:
    chat = Chat(state=speaking("en"))
    turn = chat.send(message)
    assert turn.commands == (ShowTicket("MK-1001"),)


def test_status_mid_intake_keeps_the_report_going() -> None:
    chat, _ = reach("module")
    turn = chat.send("status MK-1001")
    assert turn.commands == (ShowTicket("MK-1001"),)
    assert chat.send("5").question == EN["ask_category"]


def test_status_from_the_menu_asks_for_the_id_and_rejects_a_bad_one() -> None:
    chat = Chat(state=speaking("en"))
    chat.send("menu")
    assert chat.send("2").question == EN["ask_ticket_id"].format(example="MK-1001")
    turn = chat.send("AB-77")
    assert turn.texts == [EN["bad_ticket_id"].format(example="MK-1001")]
    assert turn.commands == ()
    assert chat.send("mk 1042").commands == (ShowTicket("MK-1042"),)


@pytest.mark.parametrize("message", ["my tickets", "My Tickets", "ମୋ ଟିକେଟ", "मेरे टिकट"])
def test_my_tickets_lists_the_reporters_tickets(message: str) -> None:
    chat = Chat(state=speaking("en"))
    assert chat.send(message).commands == (ListMyTickets(),)


def test_my_tickets_from_the_menu() -> None:
    chat = Chat(state=speaking("or"))
    turn = chat.send("ମେନୁ")
    assert turn.labels[2] == "ମୋ ଟିକେଟ"
    assert chat.send("୩").commands == (ListMyTickets(),)


# -- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "language"),
    [
        ("English", "en"),
        ("ଓଡ଼ିଆ", "or"),
        ("or", "or"),
        ("हिन्दी", "hi"),
        ("३", "hi"),
        pytest.param("Odia", "or"),
        pytest.param("Hindi", "hi"),
    ],
)
def test_language_can_be_chosen_by_its_name(answer: str, language: str) -> None:
    chat = Chat()
    chat.send("hello")
    turn = chat.send(answer)
    assert turn.texts == [started(CATALOGS[language]), CATALOGS[language]["ask_ulb"]]


def test_changing_language_mid_report_continues_the_report_in_the_new_language() -> None:
    chat, _ = reach("module")
    assert chat.send("language").question == EN["choose_language"]
    turn = chat.send("2")
    assert turn.texts == [OR["language_set"], OR["ask_module"]]
    assert "ମଜୁରି ବିଲ ଓ ଦେୟ" in turn.labels
    chat.run("୫", "୨", DESCRIPTION)
    ticket = chat.send("୧").submitted
    assert (ticket.language, ticket.ulb, ticket.module) == ("or", "jatni", "wage_bills")


# -- what a reporter writes while a ticket of theirs is open -----------------------------------


def test_free_text_goes_to_the_only_open_ticket_never_not_understood() -> None:
    chat = Chat(state=known_reporter(), open_tickets=[open_ticket("MK-1001")])
    turn = chat.send("MR/2026/0142")
    assert turn.commands == (ReplyToTicket("MK-1001", "MR/2026/0142"),)
    assert EN["not_understood"] not in turn.texts
    assert turn.texts == [EN["hint_menu"]]
    # A greeting or a menu word still shows the menu.
    assert chat.send("hi").question == EN["menu"]
    assert chat.send("menu").commands == ()


def test_with_several_open_tickets_the_reporter_is_asked_which_and_nothing_is_lost() -> None:
    tickets = [
        open_ticket("MK-1003", "muster_rolls", "Attendance of week 3 does not save"),
        open_ticket("MK-1001"),
    ]
    chat = Chat(state=known_reporter(), open_tickets=tickets)
    asked = chat.send("MR/2026/0142")
    assert asked.commands == ()
    assert asked.question == EN["ask_which_ticket"]
    assert asked.labels == [
        "MK-1003 · Muster rolls and attendance: Attendance of week 3 does not save",
        "MK-1001 · Wage bills and payments: Wage bill shows error 500 on submit",
    ]
    more = chat.send("it is the one for ward 7", attachments=[PHOTO])
    assert more.commands == () and more.question == EN["ask_which_ticket"]
    sent = chat.send("2")
    assert sent.commands == (
        ReplyToTicket("MK-1001", "MR/2026/0142\nit is the one for ward 7", (PHOTO,)),
    )
    assert chat.state.held == "" and chat.state.step == "menu"


def test_a_photo_sent_as_the_answer_goes_to_the_open_ticket_not_a_new_report() -> None:
    chat = Chat(state=known_reporter(), open_tickets=[open_ticket("MK-1001")])
    turn = chat.send("the error", attachments=[PHOTO])
    assert turn.commands == (ReplyToTicket("MK-1001", "the error", (PHOTO,)),)
    assert chat.state.draft is None


def test_text_beside_the_is_it_solved_question_reaches_the_team_and_the_question_stays() -> None:
    chat = Chat(state=known_reporter(), open_tickets=[open_ticket("MK-1001")])
    chat.state = dataclasses.replace(chat.state, step="confirm_resolution", ticket="MK-1001")
    turn = chat.send("The bill went through but shows the old amount")
    assert turn.commands == (
        ReplyToTicket("MK-1001", "The bill went through but shows the old amount"),
    )
    assert turn.keys == ["solved MK-1001 yes", "solved MK-1001 no"]


def test_mid_report_a_word_that_is_no_role_goes_to_the_open_ticket_and_the_question_stays() -> None:
    draft = Draft(ulb="jatni")
    state = dataclasses.replace(
        draft_state(draft, step_name="role"), profile=speaking("en").profile
    )
    chat = Chat(state=state, open_tickets=[open_ticket("MK-1001")])
    turn = chat.send("MR/2026/0142")
    assert turn.commands == (ReplyToTicket("MK-1001", "MR/2026/0142"),)
    assert turn.question == EN["ask_role"]
    # Answers to the report's own questions stay the report's.
    assert chat.send("1").state.step == "name"


def test_a_caller_whose_ticket_was_logged_for_them_is_answered_in_its_language() -> None:
    logged = dataclasses.replace(open_ticket("MK-1001"), language="or")
    chat = Chat(open_tickets=[logged])  # never wrote before: no language chosen
    turn = chat.send("MR/2026/0142")
    assert turn.commands == (ReplyToTicket("MK-1001", "MR/2026/0142"),)
    assert turn.texts == [OR["hint_menu"]]
    assert chat.state.profile.language == "or"
