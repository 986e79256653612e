"""Sending email through the helpdesk's SMTP server (aiosmtplib): the `email` channel's
sender for the outbox relay. A refused recipient or a permanent (5xx) answer makes the message
undeliverable, so the L1 helpdesk is told; anything else is tried again later."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import aiosmtplib

from adapters.mail.wire import render
from flows.delivery import RetryLater, Undeliverable
from flows.messages import Outbound


@dataclass(frozen=True)
class SmtpOptions:
    """The SMTP server, how to reach it, and the helpdesk's own addresses."""

    host: str
    sender: str  # the From address
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    reply_to: str = ""
    timeout_seconds: float = 20.0


class MailSender:
    def __init__(self, options: SmtpOptions, clock: Callable[[], datetime]) -> None:
        self.options = options
        self.clock = clock

    async def send(self, message: Outbound) -> str:
        options = self.options
        mail = render(message, options.sender, self.clock(), options.reply_to)
        try:
            await aiosmtplib.send(
                mail,
                hostname=options.host,
                port=options.port,
                username=options.username or None,
                password=options.password or None,
                use_tls=options.security == "tls",
                start_tls=options.security == "starttls",
                timeout=options.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            # The server's answer, without the address it names (it reaches the L1 chat).
            answers = [f"{item.code} {item.message}" for item in error.recipients]
            reason = f"recipient refused: {'; '.join(answers)}"
            if all(500 <= item.code < 600 for item in error.recipients):
                raise Undeliverable(reason) from error
            raise RetryLater(reason) from error
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise Undeliverable(f"SMTP {error.code}: {error.message}") from error
            raise RetryLater(f"SMTP {error.code}: {error.message}") from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise RetryLater(f"SMTP server unreachable: {error!r}") from error
        return str(mail["Message-ID"])
