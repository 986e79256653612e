"""Understanding short answers: digits in any script, ticket IDs, picking from a list."""

from __future__ import annotations

import pytest

from flows.choosing import (
    Candidate,
    Match,
    Narrowed,
    NoMatch,
    Picked,
    normalise,
    pick,
    ticket_number,
)

ULBS = [
    Candidate("jatni", ("Jatni Municipality", "ଜଟଣୀ ପୌରପାଳିକା", "जटनी नगरपालिका", "Jatni")),
    Candidate("dhenkanal", ("Dhenkanal Municipality", "ଢେଙ୍କାନାଳ ପୌରପାଳିକା", "Dhenkanal")),
    Candidate("bhadrak", ("Bhadrak Municipality", "ଭଦ୍ରକ ପୌରପାଳିକା", "Bhadrak")),
    Candidate("bhuban", ("Bhuban NAC", "Bhuban")),
    Candidate("bhubaneswar", ("Bhubaneswar Municipal Corporation", "ଭୁବନେଶ୍ୱର", "BMC")),
]
SHOWN = ("jatni", "dhenkanal", "bhadrak", "bhuban", "bhubaneswar")


# -- normalise ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("୧", "1"),
        ("୧୨୩୪୫୬୭୮୯୦", "1234567890"),
        ("१०", "10"),
        ("२ ", "2"),
        ("  Jatni   MUNICIPALITY ", "jatni municipality"),
        ("/start", "start"),
        ("Done.", "done"),
        ("ହଁ।", "ହଁ"),
        ("Cancel!", "cancel"),
    ],
)
def test_normalise_reads_digits_in_any_script_and_ignores_case_and_spacing(
    typed: str, meant: str
) -> None:
    assert normalise(typed) == meant


def test_normalise_makes_composed_and_decomposed_odia_equal() -> None:
    # ଡ଼ typed as one code point or as ଡ + nukta is the same letter.
    assert normalise("ଓ\u0b5cିଆ") == normalise("ଓ\u0b21\u0b3cିଆ")


# -- ticket_number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "MK-1042",
        "mk 1042",
        "MK-01042",
        "Mk1042",
        "mk  -  1042",
        "MK_1042",
        "mk#1042",
        " MK-1042 ",
        "MK-୧୦୪୨",
        "mk १०४२",
    ],
)
def test_ticket_number_is_case_space_dash_and_digit_script_insensitive(typed: str) -> None:
    assert ticket_number(typed, "MK") == "MK-1042"


@pytest.mark.parametrize(
    "typed",
    [
        "AB-1042",
        "MKX-1042",
        "1042",
        "MK-",
        "MK-1042a",
        "ticket MK-1042",
        "MK-1042 please",
        "",
    ],
)
def test_ticket_number_rejects_what_is_not_a_ticket_id(typed: str) -> None:
    assert ticket_number(typed, "MK") is None


def test_ticket_number_uses_the_configured_prefix() -> None:
    assert ticket_number("hd 7", "HD") == "HD-7"
    assert ticket_number("MK-7", "HD") is None


# -- pick -----------------------------------------------------------------------------------


def picked(text: str, choice: str = "", shown: tuple[str, ...] = SHOWN) -> Match:
    return pick(text, choice, shown, ULBS)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("1", "jatni"),
        ("୨", "dhenkanal"),
        ("३", "bhadrak"),
        ("5", "bhubaneswar"),
        (" 05 ", "bhubaneswar"),
    ],
)
def test_a_shown_number_in_any_script_picks_what_was_shown(typed: str, key: str) -> None:
    assert picked(typed) == Picked(key)


def test_numbers_refer_to_the_order_shown_not_the_candidates_order() -> None:
    assert picked("1", shown=("bhuban", "jatni")) == Picked("bhuban")


@pytest.mark.parametrize("typed", ["0", "6", "99", "-1", "୬"])
def test_numbers_outside_the_shown_range_match_nothing(typed: str) -> None:
    assert picked(typed) == NoMatch()


def test_a_number_when_nothing_was_shown_matches_nothing() -> None:
    assert picked("1", shown=()) == NoMatch()


def test_a_shown_key_that_is_not_a_candidate_matches_nothing() -> None:
    assert picked("1", shown=("puri",)) == NoMatch()


def test_a_pressed_button_wins_over_the_text() -> None:
    assert picked("Jatni", choice="bhadrak") == Picked("bhadrak")


def test_an_unknown_button_falls_back_to_the_text() -> None:
    assert picked("Dhenkanal", choice="puri") == Picked("dhenkanal")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Jatni Municipality", "jatni"),
        ("jatni", "jatni"),
        ("ଜଟଣୀ ପୌରପାଳିକା", "jatni"),
        ("जटनी नगरपालिका", "jatni"),
        ("bmc", "bhubaneswar"),
        ("ଭୁବନେଶ୍ୱର", "bhubaneswar"),
    ],
)
def test_any_label_or_alias_in_any_language_picks(typed: str, key: str) -> None:
    assert picked(typed) == Picked(key)


def test_an_exact_name_wins_over_a_longer_name_it_is_the_prefix_of() -> None:
    assert picked("Bhuban") == Picked("bhuban")


@pytest.mark.parametrize(
    ("typed", "key"), [("dhen", "dhenkanal"), ("Bhubanes", "bhubaneswar"), ("ଜଟ", "jatni")]
)
def test_a_unique_prefix_picks(typed: str, key: str) -> None:
    assert picked(typed) == Picked(key)


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("bh", ("bhadrak", "bhuban", "bhubaneswar")),
        ("BHUB", ("bhuban", "bhubaneswar")),
        ("j", ("jatni",)),
    ],
)
def test_a_shared_prefix_narrows_in_list_order(typed: str, keys: tuple[str, ...]) -> None:
    expected: Match = Picked(keys[0]) if len(keys) == 1 else Narrowed(keys)
    assert picked(typed) == expected


@pytest.mark.parametrize("typed", ["Puri", "", "   ", "Jatni Municipality Office"])
def test_unknown_or_empty_answers_match_nothing(typed: str) -> None:
    assert picked(typed) == NoMatch()
