"""Each channel's options, read from the settings: what a channel package needs, and no more
(adapters never see `Settings`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr

from adapters.jira.client import JiraOptions
from adapters.mail.smtp import SmtpOptions
from adapters.telegram.options import TelegramOptions
from adapters.whatsapp.channel import WhatsAppChannel
from adapters.whatsapp.menus import ContentMenus
from adapters.whatsapp.options import WhatsAppOptions
from bot.settings import Settings
from db.channel_stores import StoredMenus, last_heard
from db.uow import UnitOfWork


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def smtp_options(settings: Settings) -> SmtpOptions:
    return SmtpOptions(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=_secret(settings.smtp_password),
        sender=settings.smtp_from,
        reply_to=settings.smtp_reply_to,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def jira_options(settings: Settings) -> JiraOptions:
    return JiraOptions(
        url=settings.jira_url,
        project_key=settings.jira_project_key,
        email=settings.jira_email,
        api_token=_secret(settings.jira_api_token),
        personal_access_token=_secret(settings.jira_personal_access_token),
        timeout_seconds=settings.jira_timeout_seconds,
    )


def telegram_options(settings: Settings) -> TelegramOptions:
    token = _secret(settings.telegram_bot_token)
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return TelegramOptions(
        token=token,
        api_base_url=settings.telegram_api_base_url,
        mode=settings.telegram_mode,
        public_url=settings.public_url,
        webhook_secret=_secret(settings.telegram_webhook_secret) or None,
        poll_timeout=settings.telegram_poll_timeout,
        max_per_second=settings.telegram_max_per_second,
        private_per_second=settings.telegram_private_per_second,
        group_per_minute=settings.telegram_group_per_minute,
    )


def whatsapp_options(settings: Settings) -> WhatsAppOptions:
    return WhatsAppOptions(
        account_sid=settings.twilio_account_sid,
        auth_token=_secret(settings.twilio_auth_token) or "",
        whatsapp_from=settings.twilio_whatsapp_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        public_url=settings.public_url,
        api_base_url=settings.twilio_api_base_url,
        content_api_base_url=settings.twilio_content_api_base_url,
        max_per_second=settings.twilio_max_per_second,
        templates={kind: settings.whatsapp_templates(kind) for kind in ("update", "team")},
        keep_media=settings.twilio_keep_media,
        media_max_bytes=settings.twilio_media_max_bytes,
        media_dir=settings.media_dir,
    )


def whatsapp_channel(
    settings: Settings, units: Callable[[], UnitOfWork], clock: Callable[[], datetime]
) -> WhatsAppChannel:
    """The WhatsApp channel, its menus to tap kept in the database (TWILIO_INTERACTIVE_MENUS)."""
    options = whatsapp_options(settings)
    menus = None
    if settings.twilio_interactive_menus:
        menus = ContentMenus(options, StoredMenus(units), clock)
    return WhatsAppChannel(options, last_heard(units), menus, clock)
