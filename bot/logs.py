"""Structured logs (one JSON object a line) that never carry tokens, full phone numbers or
email addresses."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from flows.messages import Address

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = mask(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={mask(str(value))}"
            for key, value in vars(record).items()
            if key not in _STANDARD
        )
        line = f"{record.levelname.lower():7} {record.name}: {mask(record.getMessage())} {extras}"
        if record.exc_info:
            line += "\n" + mask(self.formatException(record.exc_info))
        return line.rstrip()


def configure(level: str = "INFO", style: str = "json") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if style == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log request URLs would print bot tokens; keep them at warnings.
    for noisy in ("httpx", "httpcore", "telegram", "twilio", "aiosqlite", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
