"""Structured logs (one JSON object a line) that never carry tokens, full phone numbers or
email addresses."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flows.privacy import mask

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


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
