"""The console's words in Odia (keys as in `bot.web.strings.ENGLISH`)."""

from __future__ import annotations

ODIA: dict[str, str] = {}
