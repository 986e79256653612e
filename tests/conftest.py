"""Shared fixtures: a fixed clock, real databases (a SQLite file and PostgreSQL), the
helpdesk built exactly as in production with an in-memory channel at the network edge."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from adapters.memory import MemoryChannel
from bot.build import build
from bot.core.config import HelpdeskConfig, load_config
from bot.helpdesk import Helpdesk
from bot.settings import ROOT, Settings
from db.migrate import upgrade
from tests.telegram_fake import FakeTelegram

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/test"
)
# Per test run, so that two runs on one server never drop each other's template.
TEMPLATE_DB = f"helpdesk_test_template_{os.getpid()}"
# The fast path (db/onestep.py on SQLite, db/direct.py on SQLite and PostgreSQL) in the database
# tests, or with TEST_SQLITE_FAST_PATH=0 SQLAlchemy's plain path (what DATABASE_FAST_PATH=false
# gives a deployment). Tests marked `sqlite_paths` run on both, whatever this says.
SQLITE_FAST_PATH = os.environ.get("TEST_SQLITE_FAST_PATH", "1") != "0"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_paths: runs on SQLite's fast path and on its plain one (ids sqlite, "
        "sqlite-plain), and on PostgreSQL's two where the test takes database_url "
        "(postgres, postgres-plain)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `sqlite_paths` takes each database both ways: as `sqlite`, `sqlite-plain`,
    `postgres` and `postgres-plain` where it takes `database_url`, else as `sqlite` and
    `sqlite-plain`.
    (Added as a parametrize mark, before pytest reads them, so that it takes the place of
    `database_url`'s own params as a test's own mark would.)"""
    if metafunc.definition.get_closest_marker("sqlite_paths") is None:
        return
    if "sqlite_fast_path" not in metafunc.fixturenames or _parametrized(
        metafunc, "sqlite_fast_path"
    ):
        return
    if "database_url" not in metafunc.fixturenames:
        both = pytest.mark.parametrize(
            "sqlite_fast_path", [True, False], ids=["sqlite", "sqlite-plain"]
        )
    elif not _parametrized(metafunc, "database_url"):
        both = pytest.mark.parametrize(
            ("database_url", "sqlite_fast_path"),
            [("sqlite", True), ("sqlite", False), ("postgres", True), ("postgres", False)],
            indirect=["database_url"],
            ids=["sqlite", "sqlite-plain", "postgres", "postgres-plain"],
        )
    else:
        return
    metafunc.definition.add_marker(both)


def _parametrized(metafunc: pytest.Metafunc, name: str) -> bool:
    """Whether the test itself parametrizes `name` (`@pytest.mark.parametrize`)."""
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if name in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return True
    return False


class FixedClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _raw_dsn(url: str, database: str | None = None) -> str:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    if database is not None:
        dsn = dsn.rsplit("/", 1)[0] + f"/{database}"
    return dsn


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_raw_dsn(POSTGRES_URL), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database that each test copies: fast, and every test starts clean."""
    try:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{TEMPLATE_DB}"'))
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}). Start it "
            "(scripts/ensure-postgres.sh) or point TEST_POSTGRES_URL at a server."
        )
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{TEMPLATE_DB}"
    upgrade(url)
    yield TEMPLATE_DB
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "helpdesk.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_fast_path() -> bool:
    """Whether the database takes its fast path in this test (both ways if marked
    `sqlite_paths`). A test that makes its own engine passes it on: `create_engine(url,
    fast_path=…)`."""
    return SQLITE_FAST_PATH


def _take_path(fast_path: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every helpdesk this test builds from settings takes the database's path `fast_path`,
    set as a deployment sets it."""
    monkeypatch.setenv("DATABASE_FAST_PATH", "true" if fast_path else "false")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_fast_path: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "helpdesk.db"
        shutil.copy(template, path)
        _take_path(sqlite_fast_path, monkeypatch)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    _take_path(sqlite_fast_path, monkeypatch)
    name = f"helpdesk_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(
    sqlite_template: Path,
    tmp_path: Path,
    sqlite_fast_path: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    path = tmp_path / "helpdesk.db"
    shutil.copy(sqlite_template, path)
    _take_path(sqlite_fast_path, monkeypatch)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def config() -> HelpdeskConfig:
    return load_config(ROOT / "config" / "helpdesk.toml")


@pytest.fixture
def clock() -> FixedClock:
    # Friday 27 November 2026, 11:00 in Odisha.
    return FixedClock(datetime(2026, 11, 27, 5, 30, tzinfo=UTC))


@pytest.fixture
def channel() -> MemoryChannel:
    return MemoryChannel()


@pytest.fixture
async def helpdesk(
    database_url: str, config: HelpdeskConfig, clock: FixedClock, channel: MemoryChannel
) -> AsyncIterator[Helpdesk]:
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    desk = build(
        settings, senders={"memory": channel, "console": channel}, clock=clock, config=config
    )
    yield desk
    await desk.close()


@pytest.fixture
def config_file(helpdesk: Helpdesk, tmp_path: Path) -> Path:
    """The helpdesk reads and writes a copy of the shipped configuration."""
    path = tmp_path / "config" / "helpdesk.toml"
    path.parent.mkdir()
    shutil.copy(ROOT / "config" / "helpdesk.toml", path)
    helpdesk.settings = helpdesk.settings.model_copy(update={"helpdesk_config": path})
    return path


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A local Bot API server (tests that talk to Twilio or JIRA name their own `fake`)."""
    async with FakeTelegram() as server:
        yield server
