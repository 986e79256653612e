"""What a log or an alert may show of an address: enough to tell two apart, never the whole
of a token, a phone number or an email address."""

from __future__ import annotations

import re

from flows.messages import Address

_SECRETS = (
    re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}"),  # Telegram bot tokens inside URLs
    re.compile(r"\+?\d{8,15}"),  # phone numbers and long chat IDs
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),  # email addresses
)


def mask(text: str) -> str:
    """Keep enough to tell two numbers apart in a log, never the whole of one."""

    def hide(match: re.Match[str]) -> str:
        value = match.group(0)
        return value[:3] + "…" + value[-2:] if len(value) > 6 else "…"

    for pattern in _SECRETS:
        text = pattern.sub(hide, text)
    return text


def masked(address: Address | str) -> str:
    return mask(str(address))
