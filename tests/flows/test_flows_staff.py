"""Staff working tickets through the pure flow: one-liners, the guided route, help."""

from __future__ import annotations

import dataclasses

import pytest

from flows.commands import Command, ShowQueue, ShowTicket, StaffAction
from flows.conversation import MORE
from tests.flowkit import EN, HI, OR, Chat, Turn, speaking, staff

# A ticket's menu is short: the everyday actions, the rest behind "More…".
ACTION_KEYS = ["take", "comment", "ask", "resolve", "escalate", MORE]
ACTION_LABELS = [
    "Take it",
    "Comment to reporter",
    "Ask the reporter",
    "Resolve",
    "Escalate",
    "More…",
]
MORE_LABELS = [
    "Set type",
    "Set priority",
    "Close",
    "Reopen",
    "Link to a Problem",
    "Mark as duplicate",
    "Internal note",
    "Back to menu",
]
STAFF_MENU = [
    "Report a problem",
    "My team's open tickets",
    "Work on a ticket",
    "Check a ticket's status",
    "My tickets",
    "Change language",
    "Help",
]
NUMBER = "MK-1001"


def anita(language: str = "en") -> Chat:
    """The L1 helpdesk operator, who has already chosen a language."""
    return Chat(state=speaking(language), actor=staff("anita"), address="console:anita")


def offers_actions(turn: Turn, number: str = NUMBER) -> bool:
    return turn.question == EN["ticket_actions"].format(number=number) and turn.keys == ACTION_KEYS


ONE_LINERS: list[tuple[str, Command]] = [
    ("take MK-1001", StaffAction(NUMBER, "take")),
    ("priority mk 1001 P1", StaffAction(NUMBER, "priority", value="P1")),
    ("type MK-1001 incident", StaffAction(NUMBER, "type", value="incident")),
    ("escalate MK-1001", StaffAction(NUMBER, "escalate", value="auto")),
    ("escalate MK-1001 egov", StaffAction(NUMBER, "escalate", value="egov")),
    ("comment MK-1001 some text", StaffAction(NUMBER, "comment", note="some text")),
    (
        "resolve MK-1001 Bill re-submitted after the iFIX fix",
        StaffAction(NUMBER, "resolve", note="Bill re-submitted after the iFIX fix"),
    ),
    (
        "reopen MK-1001 Reporter says the bill is stuck again",
        StaffAction(NUMBER, "reopen", note="Reporter says the bill is stuck again"),
    ),
    ("close MK-1001", StaffAction(NUMBER, "close")),
    (
        "note MK-1001 Called the ULB: the bill is stuck in iFIX",
        StaffAction(NUMBER, "note", note="Called the ULB: the bill is stuck in iFIX"),
    ),
]


@pytest.mark.parametrize(("message", "command"), ONE_LINERS)
def test_staff_one_liner_gives_its_command_and_no_menu_after_it(
    message: str, command: Command
) -> None:
    """The command's answer says what changed; a menu after every typed command (it was
    the ticket's 13 actions) only buries it."""
    turn = anita().send(message)
    assert turn.commands == (command,)
    assert turn.texts == []


def test_a_tapped_card_action_is_its_command_not_a_stale_button() -> None:
    """A ticket card's action tapped in a staff member's own chat (WhatsApp's list on the
    card) names its command."""
    turn = anita().send("Take it", choice="take MK-1001")
    assert turn.commands == (StaffAction(NUMBER, "take"),)
    assert EN["stale_button"] not in turn.texts


def test_a_one_liner_drops_a_question_left_open() -> None:
    """Asked which priority for MK-1001, Anita types a command instead: a later "1" must
    not set MK-1001's priority to P1 unseen."""
    chat = anita()
    chat.send("priority MK-1001")
    assert chat.send("take MK-1002").commands == (StaffAction("MK-1002", "take"),)
    turn = chat.send("1")
    assert turn.commands == ()
    assert turn.texts == [EN["not_understood"], EN["menu"]]


def test_showing_a_ticket_offers_its_short_menu() -> None:
    turn = anita().send("ticket MK-1001")
    assert turn.commands == (ShowTicket(NUMBER),)
    assert offers_actions(turn)
    assert turn.labels == ACTION_LABELS


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("Take mk1001", StaffAction(NUMBER, "take")),
        ("TAKE MK 01001", StaffAction(NUMBER, "take")),
        ("priority MK-1001 p2", StaffAction(NUMBER, "priority", value="p2")),
        ("Escalate MK#1001 hudd_tech", StaffAction(NUMBER, "escalate", value="hudd_tech")),
        ("type mk-1001 change_request", StaffAction(NUMBER, "type", value="change_request")),
        (
            "comment MK-1001 Please resend the photo.\nThe first one was blank.",
            StaffAction(
                NUMBER, "comment", note="Please resend the photo.\nThe first one was blank."
            ),
        ),
    ],
)
def test_one_liners_tolerate_case_spacing_and_keep_multi_line_notes(
    message: str, command: Command
) -> None:
    assert anita().send(message).commands == (command,)


@pytest.mark.parametrize(
    ("message", "value"),
    [
        ("type MK-1001 change request", "change request"),
        ("escalate MK-1001 hudd tech", "hudd tech"),
    ],
)
def test_a_one_liner_value_of_several_words_is_kept_whole(message: str, value: str) -> None:
    (command,) = anita().send(message).commands
    assert isinstance(command, StaffAction)
    assert command.value == value


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("priority MK-1001", "ask_priority"),
        ("type MK-1001", "ask_type"),
        ("link MK-1001", "ask_parent"),
        ("duplicate MK-1001", "ask_parent"),
        ("note MK-1001", "ask_internal_note"),
    ],
)
def test_a_one_liner_without_its_value_asks_for_it(message: str, question: str) -> None:
    turn = anita().send(message)
    assert not any(isinstance(c, StaffAction) and not c.value for c in turn.commands)
    assert turn.question == EN[question].format(number=NUMBER)


def test_the_action_menu_after_a_one_liner_works_on_the_same_ticket() -> None:
    chat = anita()
    chat.send("ticket mk 1042")
    turn = chat.send("1")
    assert turn.commands == (StaffAction("MK-1042", "take"),)
    assert offers_actions(turn, "MK-1042")
    turn = chat.send(str(len(ACTION_KEYS)))  # More…
    assert turn.labels == MORE_LABELS
    assert chat.send("2").commands == ()  # Set priority: which one?
    assert chat.send("1").commands == (StaffAction("MK-1042", "priority", value="P1"),)
    chat.send("6")
    turn = chat.send(str(len(MORE_LABELS)))  # the last one: back to the menu
    assert turn.question == EN["menu"]
    assert turn.labels == STAFF_MENU


def guided(*answers: str) -> tuple[Chat, Turn]:
    """Staff menu → Work on a ticket → MK-1001, then `answers`."""
    chat = anita()
    assert chat.send("menu").labels == STAFF_MENU
    assert chat.send("3").question == EN["ask_ticket_id"].format(example="MK-1001")
    turn = chat.send("mk-1001")
    assert turn.commands == (ShowTicket(NUMBER),)
    assert offers_actions(turn)
    for answer in answers:
        turn = chat.send(answer)
    return chat, turn


@pytest.mark.parametrize(
    ("answers", "question", "one_liner"),
    [
        (["1"], "", "take MK-1001"),
        (["Set priority", "1"], "ask_priority", "priority mk 1001 P1"),
        (["Set type", "Incident"], "ask_type", "type MK-1001 incident"),
        (["5", "1"], "ask_team", "escalate MK-1001"),
        (["Escalate", "eGov team"], "ask_team", "escalate MK-1001 egov"),
        (["2", "some text"], "ask_comment", "comment MK-1001 some text"),
        (
            ["4", "Bill re-submitted after the iFIX fix"],
            "ask_resolution",
            "resolve MK-1001 Bill re-submitted after the iFIX fix",
        ),
        (["Close"], "", "close MK-1001"),
        (
            ["Reopen", "Reporter says the bill is stuck again"],
            "ask_reopen_reason",
            "reopen MK-1001 Reporter says the bill is stuck again",
        ),
    ],
)
def test_guided_route_gives_the_same_command_as_the_one_liner(
    answers: list[str], question: str, one_liner: str
) -> None:
    chat, _ = guided(answers[0])
    if question:
        asked = chat.turns[-1]
        assert asked.question == EN[question].format(number=NUMBER)
        assert asked.commands == ()
        turn = chat.send(answers[1])
    else:
        turn = chat.turns[-1]
    expected = anita().send(one_liner).commands
    assert turn.commands == expected
    assert offers_actions(turn)


def test_guided_value_questions_offer_the_right_choices() -> None:
    chat, turn = guided("Set type")
    assert turn.labels == ["Problem", "Incident", "Change Request", "Bug Fix"]
    assert chat.send("3").commands == (StaffAction(NUMBER, "type", value="change_request"),)
    turn = chat.send("Set priority")
    assert turn.labels == ["P1", "P2", "P3", "P4"]
    assert chat.send("୨").commands == (StaffAction(NUMBER, "priority", value="P2"),)
    turn = chat.send("5")
    assert turn.keys == ["auto", "master_trainers", "hudd_tech", "egov_tech", "egov"]
    assert turn.labels[0] == "By its category (recommended)"
    assert chat.send("3").commands == (StaffAction(NUMBER, "escalate", value="hudd_tech"),)


def test_guided_value_question_re_asks_a_wrong_value() -> None:
    chat, _ = guided("Set priority")
    turn = chat.send("P7")
    assert turn.texts[0] == EN["not_understood"]
    assert turn.question == EN["ask_priority"].format(number=NUMBER)
    assert turn.commands == ()
    assert chat.send("p4").commands == (StaffAction(NUMBER, "priority", value="P4"),)


def test_guided_route_rejects_a_bad_ticket_id() -> None:
    chat = anita()
    chat.run("menu", "3")
    turn = chat.send("1001")
    assert turn.texts == [EN["bad_ticket_id"].format(example="MK-1001")]
    assert turn.commands == ()


def test_staff_queue_from_the_menu_and_by_keyword() -> None:
    chat = anita()
    chat.send("menu")
    assert chat.send("2").commands == (ShowQueue(),)
    assert chat.send("queue").commands == (ShowQueue(),)


def test_staff_in_odia_get_the_action_menu_in_odia() -> None:
    turn = anita("or").send("ticket MK-1001")
    assert turn.commands == (ShowTicket(NUMBER),)
    assert turn.question == OR["ticket_actions"].format(number=NUMBER)
    assert turn.labels[0] == "ନିଜ ଦାୟିତ୍ୱରେ ନିଅନ୍ତୁ"


@pytest.mark.parametrize(
    "message", ["take MK-1001", "escalate MK-1001 egov", "resolve MK-1001 done", "queue"]
)
def test_a_reporter_typing_a_staff_command_gets_no_staff_action(message: str) -> None:
    chat = Chat(state=speaking("en"), address="memory:ramesh")
    turn = chat.send(message)
    assert not any(isinstance(c, StaffAction | ShowQueue) for c in turn.commands)
    assert turn.texts == [EN["not_understood"], EN["menu"]]
    assert "Work on a ticket" not in turn.labels


def test_a_reporter_mid_report_typing_a_staff_command_keeps_reporting() -> None:
    chat = Chat(state=speaking("en", role="ulb_employee", name="Ramesh Das"))
    chat.run("menu", "1", "1", "5", "2")
    turn = chat.send("take MK-1001")
    assert turn.commands == ()
    assert turn.question.startswith("Please check your report")
    assert chat.send("1").submitted.description == "take MK-1001"


def test_staff_help_lists_the_staff_commands() -> None:
    turn = anita().send("help")
    teams = "l1, master_trainers, hudd_tech, egov_tech, egov, hudd_admin"
    assert turn.texts[:2] == [
        EN["help"].format(example="MK-1001"),
        EN["staff_help"].format(example="MK-1001", teams=teams),
    ]
    assert "take MK-1001" in turn.texts[1]
    assert "escalate MK-1001 [team]" in turn.texts[1]
    assert turn.question == EN["menu"]


def test_reporter_help_has_no_staff_commands() -> None:
    turn = Chat(state=speaking("en")).send("help")
    assert turn.texts == [EN["help"].format(example="MK-1001"), EN["menu"]]
    assert all("escalate" not in text for text in turn.texts)


# -- staff who never chose a language -------------------------------------------------------


def test_a_staff_members_first_command_is_done_not_swallowed_by_the_language_question() -> None:
    chat = Chat(actor=staff("anita"), address="console:anita")
    first = chat.send("take MK-1001")
    assert first.commands == (StaffAction(NUMBER, "take"),)
    assert EN["choose_language"] not in first.texts
    # Every command after it is done too: none alternates with the language question.
    for message, command in ONE_LINERS:
        turn = chat.send(message)
        assert turn.commands == (command,), message
        assert EN["choose_language"] not in turn.texts
    assert chat.send("queue").commands == (ShowQueue(),)
    assert chat.state.profile.language == ""  # never asked, still changeable with "language"


def test_a_staff_member_is_answered_in_the_language_the_configuration_gives_them() -> None:
    odia_anita = dataclasses.replace(staff("anita"), language="or")
    turn = Chat(actor=odia_anita, address="console:anita").send("take MK-1001")
    assert list(turn.commands) == [StaffAction(NUMBER, "take")]  # done, not met by a language list
    assert Chat(actor=odia_anita, address="console:anita").send("menu").question == OR["menu"]
    chosen = Chat(state=speaking("hi"), actor=odia_anita, address="console:anita")
    assert chosen.send("menu").question == HI["menu"]  # a chosen language wins
