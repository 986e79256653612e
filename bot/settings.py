"""Settings from the environment and `.env` (every one is listed in `.env.example`).

Relative paths (`.env`, the configuration file, a SQLite database, media and report files) are
taken from the repository root when the service runs from its source tree (a clone, or the
editable install `make` makes), so it finds its files whatever directory it is started from.
An installed copy (`pip install .`) has no such root: its home is the working directory it is
started in (systemd's WorkingDirectory), which holds `.env`, `config/` and `data/`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.core.ratelimit import DEFAULT_PER_MINUTE

SOURCE_TREE = Path(__file__).resolve().parent.parent
ROOT = SOURCE_TREE if (SOURCE_TREE / "pyproject.toml").is_file() else Path.cwd()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///data/helpdesk.db"
    # PostgreSQL connections per process: kept open, and more when busy (closed after use).
    database_pool_size: int = Field(default=20, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    # The fast path: SQLite's one-step driver (db.onestep) and the statements every message
    # runs sent straight to the driver (db.direct, SQLite and PostgreSQL); false: SQLAlchemy's
    # plain path, should an upgrade of SQLAlchemy, aiosqlite or asyncpg break the fast one,
    # which leans on their internals. Its first name, DATABASE_SQLITE_FAST_PATH, still counts.
    database_fast_path: bool = Field(
        default=True,
        validation_alias=AliasChoices("database_fast_path", "database_sqlite_fast_path"),
    )
    helpdesk_config: Path = Path("config/helpdesk.toml")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    # The reverse proxies whose X-Forwarded-For is believed (uvicorn's own default).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    log_format: str = Field(default="json", pattern="^(json|text)$")
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1)
    # How long a process holds the messages it is sending; after a crash they go out again
    # this long after they were taken. Longer than the slowest send (Twilio: 30 s).
    outbox_lease_seconds: float = Field(default=120, ge=1)
    # How long `serve` keeps a message for a chat no channel of it sends to (console chats,
    # read by `python -m bot chat` sessions) before it is marked expired.
    outbox_unserved_minutes: float = Field(default=60, gt=0)
    # `serve`'s relay in a process of its own (bot.relay_process); auto: with two cores or more.
    relay_process: Literal["auto", "on", "off"] = "auto"
    # Messages one chat may send in a minute; more are kept but not answered (bot.core.ratelimit).
    inbound_per_minute: int = Field(default=DEFAULT_PER_MINUTE, ge=1)

    # Where the service is reachable from the internet (webhooks), e.g. https://helpdesk.example
    public_url: str = ""
    # When set, /metrics answers only a request with `Authorization: Bearer <this>`.
    metrics_token: SecretStr | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr | None = None
    telegram_poll_timeout: int = Field(default=10, ge=0, le=50)
    # Telegram's published limits; lower them if Telegram answers 429 often.
    telegram_max_per_second: float = Field(default=30, gt=0)
    telegram_private_per_second: float = Field(default=1, gt=0)
    telegram_group_per_minute: float = Field(default=20, gt=0)

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str = ""  # whatsapp:+91…, or a messaging service below
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    # Messages a second the WhatsApp sender may send, spaced evenly (Twilio's default for a
    # WhatsApp sender is 80; text-only senders can be raised to 400).
    twilio_max_per_second: float = Field(default=80, gt=0)
    # Approved templates for messages outside WhatsApp's 24-hour window: one ContentSid, or
    # one per language as "en=HX…,or=HX…,hi=HX…". Variables: {{1}} ticket ID, {{2}} the text.
    twilio_content_ticket_update: str = ""
    twilio_content_staff_alert: str = ""
    # Inside the 24-hour window, choices go as lists and buttons to tap, made once each
    # through Twilio's Content API (at this address); false: numbered lists to type from.
    twilio_interactive_menus: bool = True
    twilio_content_api_base_url: str = "https://content.twilio.com"
    # Keep a copy of photos, documents and voice notes (downloaded with the account's keys).
    twilio_keep_media: bool = False
    # The largest media file fetched from Twilio (copies and the console's downloads): 16 MB,
    # WhatsApp's own limit for audio and video.
    twilio_media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1)
    media_dir: Path = Path("data/media")
    # Where the weekly summary charts are kept.
    reports_dir: Path = Path("data/reports")
    # How often each server process looks for a changed configuration file (0: never).
    config_check_seconds: float = Field(default=30, ge=0)

    def whatsapp_templates(self, kind: str) -> dict[str, str]:
        """Language → ContentSid for "update" (to reporters) or "team" (staff alerts)."""
        raw = (
            self.twilio_content_ticket_update
            if kind == "update"
            else (self.twilio_content_staff_alert)
        )
        if not raw.strip():
            return {}
        if "=" not in raw:
            return {"*": raw.strip()}
        pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
        return {language.strip(): sid.strip() for language, sid in pairs}

    # Email to callers who reported by email (off unless SMTP_HOST is set).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = ""
    smtp_reply_to: str = ""
    smtp_timeout_seconds: float = Field(default=20, gt=0)

    @model_validator(mode="after")
    def email_needs_a_sender_address(self) -> Settings:
        if self.smtp_host and "@" not in self.smtp_from:
            raise ValueError("SMTP_HOST is set but SMTP_FROM is not an email address")
        return self

    # JIRA mirror of the tickets that reach eGov (off unless JIRA_URL is set).
    jira_url: str = ""
    jira_email: str = ""
    jira_api_token: SecretStr | None = None  # JIRA Cloud: email + API token
    jira_personal_access_token: SecretStr | None = None  # Data Center: a bearer token instead
    jira_project_key: str = ""
    jira_webhook_secret: SecretStr | None = None
    jira_timeout_seconds: float = Field(default=10, gt=0)
    jira_poll_seconds: float = Field(default=0, ge=0)  # 0: rely on the webhook

    @model_validator(mode="after")
    def jira_needs_credentials(self) -> Settings:
        if self.jira_url:
            if not self.jira_project_key:
                raise ValueError("JIRA_URL is set but JIRA_PROJECT_KEY is not")
            token = self.jira_api_token is not None and bool(self.jira_email)
            if not token and self.jira_personal_access_token is None:
                raise ValueError(
                    "JIRA needs JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or "
                    "JIRA_PERSONAL_ACCESS_TOKEN (Data Center)"
                )
        return self

    @field_validator("media_dir", "reports_dir")
    @classmethod
    def media_from_root(cls, path: Path) -> Path:
        return path if path.is_absolute() else ROOT / path

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_secret",
        "twilio_auth_token",
        "smtp_password",
        "jira_api_token",
        "jira_personal_access_token",
        "jira_webhook_secret",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def empty_secret_is_unset(cls, value: object) -> object:
        """`NAME=` (as .env.example lists every secret) is no secret at all."""
        return None if value == "" else value

    @model_validator(mode="after")
    def whatsapp_needs_a_sender(self) -> Settings:
        if self.twilio_account_sid:
            if self.twilio_auth_token is None:
                raise ValueError("TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not")
            if not (self.twilio_whatsapp_from or self.twilio_messaging_service_sid):
                raise ValueError(
                    "WhatsApp needs TWILIO_WHATSAPP_FROM (whatsapp:+…) or "
                    "TWILIO_MESSAGING_SERVICE_SID"
                )
            if not self.public_url:
                raise ValueError("WhatsApp needs PUBLIC_URL: Twilio signs requests to it")
        return self

    @model_validator(mode="after")
    def webhook_needs_address_and_secret(self) -> Settings:
        if self.telegram_bot_token is not None and self.telegram_mode == "webhook":
            secret = self.telegram_webhook_secret
            if not self.public_url:
                raise ValueError("TELEGRAM_MODE=webhook needs PUBLIC_URL")
            if secret is None or not re.fullmatch(
                r"[A-Za-z0-9_-]{1,256}", secret.get_secret_value()
            ):
                raise ValueError(
                    "TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters "
                    "of A-Z, a-z, 0-9, _ and -"
                )
        return self

    @field_validator("helpdesk_config")
    @classmethod
    def from_root(cls, path: Path) -> Path:
        return path if path.is_absolute() else ROOT / path

    @field_validator("database_url")
    @classmethod
    def sqlite_file_from_root(cls, url: str) -> str:
        try:
            parsed = make_url(url)
            parsed.get_dialect()  # a database SQLAlchemy knows, through a driver installed
        except (ArgumentError, NoSuchModuleError) as error:
            raise ValueError(
                "not a database URL the helpdesk can use (sqlite+aiosqlite:///… or "
                f"postgresql+asyncpg://…): {error}"
            ) from error
        database = parsed.database
        if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return url
        if Path(database).is_absolute():
            return url
        return parsed.set(database=str(ROOT / database)).render_as_string(hide_password=False)


def environment_without_settings(*also: str) -> dict[str, str]:
    """This process's environment less every helpdesk setting (and the variables named in
    `also`): the base for starting a helpdesk command whose settings are all given
    explicitly, so that nothing set in the caller's shell leaks into it."""
    left_out = _setting_names() | {name.upper() for name in also}
    return {key: value for key, value in os.environ.items() if key.upper() not in left_out}


def _setting_names() -> set[str]:
    """Every name a setting is read by: its own, and a former one still honoured."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(name.upper())
        if isinstance(field.validation_alias, AliasChoices):
            names |= {str(choice).upper() for choice in field.validation_alias.choices}
    return names
