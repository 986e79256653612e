"""Which configured chats a running service can send to. `serve` sends on the channels its
settings enable; console chats are read only by `python -m bot chat` sessions (the terminal
channel for trying the helpdesk out), which show the rows queued for them in the same
database. What nobody sends waits for a chat session a while (OUTBOX_UNSERVED_MINUTES), then
`serve` marks it expired and counts it, so that "pending" keeps meaning "on its way"."""

from __future__ import annotations

from adapters.console import CHANNEL as CONSOLE
from adapters.mail.wire import CHANNEL as MAIL
from adapters.telegram.wire import CHANNEL as TELEGRAM
from adapters.whatsapp.wire import CHANNEL as WHATSAPP
from bot.settings import Settings
from flows.directory import Directory
from flows.jira import CHANNEL as JIRA

# The setting that switches each channel on, to name when a configured chat needs it.
SWITCHES = {
    TELEGRAM: "TELEGRAM_BOT_TOKEN",
    WHATSAPP: "TWILIO_ACCOUNT_SID",
    MAIL: "SMTP_HOST",
    JIRA: "JIRA_URL",
}


def served_channels(settings: Settings) -> frozenset[str]:
    """The channels `serve` sends on with these settings."""
    switched_on = {
        TELEGRAM: settings.telegram_bot_token is not None,
        WHATSAPP: bool(settings.twilio_account_sid),
        MAIL: bool(settings.smtp_host),
        JIRA: bool(settings.jira_url),
    }
    return frozenset(channel for channel, on in switched_on.items() if on)


def unserved(directory: Directory, served: frozenset[str]) -> list[str]:
    """Each configured chat `serve` will not send to, with whose it is and why."""
    found = [
        (f"team {team.key}", address)
        for team in directory.teams
        for address in team.chats
        if address.channel not in served
    ]
    found += [
        (f"staff {member.key}", address)
        for member in directory.staff
        for address in member.addresses
        if address.channel not in served
    ]
    return [f"{whose}: {address} ({_why(address.channel)})" for whose, address in found]


def _why(channel: str) -> str:
    if channel == CONSOLE:
        return "read only by `python -m bot chat` sessions"
    switch = SWITCHES.get(channel)
    return f"{switch} is not set" if switch else f"no channel {channel!r}"
