"""What the Telegram channel is told at start-up (`bot.build.telegram_options` makes it from
the settings): the bot, how updates come in, and the sending limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class TelegramOptions:
    token: str = field(repr=False)
    api_base_url: str
    mode: Literal["polling", "webhook"]
    # The helpdesk's public address, under which Telegram is told to post updates (webhook mode).
    public_url: str
    # What Telegram sends with each update to show that it comes from Telegram (webhook mode).
    webhook_secret: str | None = field(repr=False)
    poll_timeout: int
    max_per_second: float
    private_per_second: float
    group_per_minute: float
