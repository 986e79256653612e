"""Settings from the environment and `.env` (every one is listed in `.env.example`).

Relative paths (the configuration file, a SQLite database) are taken from the repository
root, so the service finds its files whatever directory it is started from.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///data/helpdesk.db"
    helpdesk_config: Path = Path("config/helpdesk.toml")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    log_format: str = Field(default="json", pattern="^(json|text)$")
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1)

    @field_validator("helpdesk_config")
    @classmethod
    def from_root(cls, path: Path) -> Path:
        return path if path.is_absolute() else ROOT / path

    @field_validator("database_url")
    @classmethod
    def sqlite_file_from_root(cls, url: str) -> str:
        parsed = make_url(url)
        database = parsed.database
        if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return url
        if Path(database).is_absolute():
            return url
        return parsed.set(database=str(ROOT / database)).render_as_string(hide_password=False)
