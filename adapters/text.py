"""Fitting text into a channel's message size limit without cutting words or lines."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, split at paragraph, then line, then word
    boundaries; a single word longer than the limit is cut."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator, 0, limit + 1)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def shorten(text: str, limit: int) -> str:
    """The text, or its start with an ellipsis when it is longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
