"""Sending email through the helpdesk's SMTP server (aiosmtplib): the `email` channel's
sender for the outbox relay. A refused recipient or a permanent (5xx) answer makes the message
undeliverable, so the L1 helpdesk is told; anything else is tried again later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiosmtplib

from adapters.mail.wire import render
from bot.settings import Settings
from flows.delivery import RetryLater, Undeliverable
from flows.messages import Outbound


class MailSender:
    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.clock = clock

    async def send(self, message: Outbound) -> str:
        settings = self.settings
        mail = render(message, settings.smtp_from, self.clock(), settings.smtp_reply_to)
        password = settings.smtp_password
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=password.get_secret_value() if password else None,
                use_tls=settings.smtp_security == "tls",
                start_tls=settings.smtp_security == "starttls",
                timeout=settings.smtp_timeout_seconds,
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
