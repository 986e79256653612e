"""Email for callers who reported by email: an `Outbound` becomes one plain-text message.
Pure translation; sending is `adapters.mail.smtp`.

Email has no buttons: offered choices are listed as text, and the footer says how to answer
(the helpdesk does not read replies by itself; they reach the Reply-To mailbox, if one is
set, or a call to the helpdesk does)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from adapters.text import shorten
from flows import i18n
from flows.messages import Outbound

CHANNEL = "email"
SUBJECT_LENGTH = 78


def render(message: Outbound, sender: str, sent_at: datetime, reply_to: str = "") -> EmailMessage:
    language = message.language or i18n.DEFAULT_LANGUAGE
    mail = EmailMessage()
    # splitlines: a header may hold no line break of any kind (\r, \u2028, \x85 …).
    first_line = next(iter(message.text.strip().splitlines()), "")
    number = message.ticket_number
    subject = f"[{number}] {first_line}" if number else first_line
    mail["Subject"] = shorten(subject, SUBJECT_LENGTH)
    mail["From"] = sender
    mail["To"] = message.address.chat_id
    if reply_to:
        mail["Reply-To"] = reply_to
    # Required of every message (RFC 5322): aiosmtplib does not add it, and a relay may
    # refuse a message without one or leave the caller's mail client to guess.
    mail["Date"] = format_datetime(sent_at)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # Sent by the helpdesk, not a person (RFC 3834): callers' out-of-office replies stay away.
    mail["Auto-Submitted"] = "auto-generated"
    body = message.text.strip()
    if message.choices:
        body += "\n\n" + "\n".join(f"- {choice.label}" for choice in message.choices)
    footer = i18n.text(language, "email_footer", number=number or "-")
    mail.set_content(f"{body}\n\n--\n{footer}\n")
    return mail
