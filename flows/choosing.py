"""Understanding what a person typed: numbers in any script, labels, prefixes, ticket IDs."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Odia (୦-୯) and Devanagari (०-९) digits count as the digits people mean.
_DIGITS = str.maketrans("୦୧୨୩୪୫୬୭୮୯०१२३४५६७८९", "01234567890123456789")
_TICKET = re.compile(r"^([A-Z]{2,4})[\s\-_#.]*0*(\d{1,9})$")


@functools.lru_cache(maxsize=256)
def normalise(text: str) -> str:
    """Case-, space- and digit-script-insensitive form of a short answer. (Remembered for the
    last few texts: a message is normalised several times on its way, by the keywords, the
    commands and the options, and the same short answers come from many people.)"""
    text = unicodedata.normalize("NFC", text).translate(_DIGITS).casefold().strip()
    text = text.lstrip("/").rstrip(".!?।")
    return " ".join(text.split())


def ticket_number(text: str, prefix: str) -> str | None:
    """'mk 1042', 'MK-1042', 'mk1042' all mean MK-1042; anything else is not a ticket ID."""
    compact = normalise(text).upper()
    match = _TICKET.match(compact)
    if not match or match.group(1) != prefix.upper():
        return None
    return f"{prefix.upper()}-{int(match.group(2))}"


@dataclass(frozen=True)
class Candidate:
    key: str
    names: tuple[str, ...]  # every label and alias that should match, any language


@dataclass(frozen=True)
class Picked:
    key: str


@dataclass(frozen=True)
class Narrowed:
    keys: tuple[str, ...]


@dataclass(frozen=True)
class NoMatch:
    pass


Match = Picked | Narrowed | NoMatch


def pick(text: str, choice: str, shown: Sequence[str], candidates: Iterable[Candidate]) -> Match:
    """Resolve an answer against a list: a pressed button, a shown number, a name or a prefix."""
    pool = list(candidates)
    keys = {candidate.key for candidate in pool}
    if choice and choice in keys:
        return Picked(choice)
    answer = normalise(text)
    if not answer:
        return NoMatch()
    if answer.isdecimal():
        # (Longer than any list: not read as a number, which Python refuses past 4,300 digits.)
        index = int(answer) - 1 if len(answer) <= 6 else -1
        if 0 <= index < len(shown) and shown[index] in keys:
            return Picked(shown[index])
        return NoMatch()
    exact = [c.key for c in pool if any(normalise(name) == answer for name in c.names)]
    if len(exact) == 1:
        return Picked(exact[0])
    prefixed = [c.key for c in pool if any(normalise(name).startswith(answer) for name in c.names)]
    if len(prefixed) == 1:
        return Picked(prefixed[0])
    if prefixed:
        return Narrowed(tuple(prefixed))
    return NoMatch()
