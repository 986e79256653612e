"""Fixtures of the black-box suite: the emulators (one each per test session: they are slow
to start), a recorder in front of each per test, a real SMTP server, and `service`: the
helpdesk as a subprocess with every channel configured at once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.adapters.test_mail import Mailbox, mail_server, mailbox  # noqa: F401 (a real SMTP server)
from tests.blackbox import emulators
from tests.blackbox.emulators import Emulator
from tests.blackbox.jira import JiraCloud
from tests.blackbox.recorder import Recorder, recording
from tests.blackbox.service import (
    HELPDESK_WHATSAPP,
    JIRA_PROJECT,
    SMTP_FROM,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    Service,
)

ServiceFactory = Callable[..., Service]


@pytest.fixture(scope="session")
def emulator_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the emulators log; skips (fails in CI) when they are not installed."""
    if not (emulators.BIN / "prism").exists() or shutil.which("node") is None:
        hint = "scripts/ensure-emulators.sh installs Node.js and the emulators (make test runs it)"
        if os.environ.get("CI"):
            pytest.fail(f"the emulators are missing: {hint}")
        pytest.skip(f"the emulators are not installed: {hint}")
    return tmp_path_factory.mktemp("emulators")


@pytest.fixture(scope="session")
def twilio_prism(emulator_logs: Path) -> Iterator[Emulator]:
    spec = emulators.twilio_spec_for_prism(emulator_logs)
    with emulators.prism(spec, emulator_logs / "prism-twilio.log") as emulator:
        yield emulator


@pytest.fixture(scope="session")
def content_prism(emulator_logs: Path) -> Iterator[Emulator]:
    """Twilio's Content API: a new ContentSid for each menu made, as Twilio gives."""
    spec = emulators.shared_specs() / "twilio_content_v1.json"
    with emulators.prism(spec, emulator_logs / "prism-content.log", dynamic=True) as emulator:
        yield emulator


@pytest.fixture
def content(content_prism: Emulator) -> Iterator[Recorder]:
    """Twilio's Content API (prism on Twilio's description), every call recorded."""
    with recording(content_prism.url) as recorder:
        yield recorder


@pytest.fixture(scope="session")
def jira_prism(emulator_logs: Path) -> Iterator[Emulator]:
    spec = emulators.jira_spec_for_prism(emulator_logs)
    with emulators.prism(spec, emulator_logs / "prism-jira.log") as emulator:
        yield emulator


@pytest.fixture(scope="session")
def telegram_api(emulator_logs: Path) -> Iterator[Emulator]:
    with emulators.telegram_test_api(emulator_logs / "telegram-test-api.log") as emulator:
        yield emulator


@pytest.fixture
def twilio(twilio_prism: Emulator) -> Iterator[Recorder]:
    """Twilio's REST API (prism on Twilio's description), every call recorded."""
    with recording(twilio_prism.url) as recorder:
        yield recorder


@pytest.fixture
def jira(jira_prism: Emulator) -> Iterator[JiraCloud]:
    """Jira Cloud's REST API v3 (prism on Atlassian's description), every call recorded,
    what JIRA holds scripted by the test (`JiraCloud.answer`, `found`); nothing found yet."""
    with recording(jira_prism.url, kind=JiraCloud) as recorder:
        assert isinstance(recorder, JiraCloud)
        recorder.found([])
        yield recorder


@pytest.fixture
def telegram(telegram_api: Emulator) -> Iterator[Recorder]:
    """Telegram's Bot API (telegram-test-api), every call recorded."""
    with recording(telegram_api.url, telegram=True) as recorder:
        yield recorder


def channel_env(
    twilio: Recorder,
    telegram: Recorder,
    jira: JiraCloud,
    smtp_port: int,
    telegram_mode: str = "webhook",
) -> dict[str, str]:
    """Every channel on, as an operator fills in .env.example."""
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "TELEGRAM_MODE": telegram_mode,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_POLL_TIMEOUT": "2",
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": HELPDESK_WHATSAPP,
        "TWILIO_API_BASE_URL": twilio.url,
        # Numbered lists: the menus to tap have their own tests (test_whatsapp_menus).
        "TWILIO_INTERACTIVE_MENUS": "false",
        "JIRA_URL": jira.url,
        "JIRA_EMAIL": "helpdesk@mukta.example.org",
        "JIRA_API_TOKEN": "blackbox-jira-token",
        "JIRA_PROJECT_KEY": JIRA_PROJECT,
        "JIRA_WEBHOOK_SECRET": "blackbox-jira-secret",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "SMTP_FROM": SMTP_FROM,
        "SMTP_REPLY_TO": "l1@mukta.example.org",
        "SMTP_TIMEOUT_SECONDS": "5",
    }


@pytest.fixture
def service(
    tmp_path: Path,
    twilio: Recorder,
    telegram: Recorder,
    jira: JiraCloud,
    mailbox: tuple[Mailbox, int],  # noqa: F811 (the fixture imported above)
) -> Iterator[ServiceFactory]:
    """`service(**env)`: a helpdesk with every channel configured (not started yet);
    `env` adds or overrides settings (TELEGRAM_MODE="polling", OUTBOX_POLL_SECONDS="0.5")."""
    with ExitStack() as stack:

        def make(**env: str) -> Service:
            settings = channel_env(twilio, telegram, jira, mailbox[1])
            settings.update(env)
            folder = tmp_path / f"helpdesk{len(made)}"
            folder.mkdir()
            made.append(stack.enter_context(_closing(Service(folder, settings))))
            return made[-1]

        made: list[Service] = []
        yield make


class _closing:
    def __init__(self, service: Service) -> None:
        self.service = service

    def __enter__(self) -> Service:
        return self.service

    def __exit__(self, *_: object) -> None:
        self.service.close()
