"""What the WhatsApp channel is told of the settings: the account, its sender, where Twilio
is reached and this helpdesk is reached from, the sending rate, templates and media copies.
Built from the settings by the application (`bot.build.whatsapp_options`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class WhatsAppOptions:
    account_sid: str
    auth_token: str = field(repr=False)  # (kept out of logs and tracebacks)
    whatsapp_from: str  # whatsapp:+91…, unless a messaging service sends
    messaging_service_sid: str
    # The address Twilio calls (and signs its requests to): status callbacks go there.
    public_url: str
    api_base_url: str
    content_api_base_url: str
    max_per_second: float
    # Approved templates for messages outside the 24-hour window: for "update" (to
    # reporters) and "team" (staff alerts), language (or "*") → ContentSid.
    templates: Mapping[str, Mapping[str, str]]
    keep_media: bool
    media_max_bytes: int
    media_dir: Path
