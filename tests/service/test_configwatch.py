"""Every server process takes up a changed configuration file by itself (one saved on the
admin page of another process, or edited by hand), and never a broken one."""

from __future__ import annotations

import asyncio
import logging
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import update

from adapters.memory import MemoryChannel
from bot.configwatch import ConfigWatcher
from bot.helpdesk import Helpdesk
from db.models import Ticket
from tests.service.test_config import toml_document
from tests.support import Person, file_ticket
from tests.web.test_web_admin import KHORDHA, contents, save_configuration, signed_in_admin
from tests.web_support import console_client

NEW_ULB = """
[[ulbs]]
key = "banki"
labels = { en = "Banki NAC", or = "ବାଙ୍କୀ ଏନଏସି" }
aliases = ["Banki"]
"""


def with_new_ulb(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    first = text.index("[[ulbs]]")
    return text[:first] + NEW_ULB.lstrip() + "\n" + text[first:]


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def ulb_keys(helpdesk: Helpdesk) -> list[str]:
    return [ulb.key for ulb in helpdesk.dispatcher.directory.ulbs]


async def test_a_changed_file_is_taken_up_everywhere_it_is_read(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    watcher = ConfigWatcher(helpdesk, interval=30)
    assert not await watcher.check()  # unchanged
    write(config_file, with_new_ulb(config_file))
    assert await watcher.check()
    assert "banki" in ulb_keys(helpdesk)
    assert "banki" in [ulb.key for ulb in helpdesk.config.directory.ulbs]
    assert helpdesk.scheduler.config is helpdesk.config
    assert not await watcher.check()  # taken once


async def test_a_broken_file_is_not_taken_and_the_last_good_one_stays(
    helpdesk: Helpdesk, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ConfigWatcher(helpdesk, interval=30)
    before = helpdesk.config
    good = with_new_ulb(config_file)
    write(config_file, good.replace("[helpdesk]", "[helpdesk"))
    with caplog.at_level(logging.ERROR, logger="bot.configwatch"):
        assert not await watcher.check()
    assert helpdesk.config is before and "banki" not in ulb_keys(helpdesk)
    assert "not valid TOML" in caplog.text
    # Mended: taken up at the next look.
    write(config_file, good)
    assert await watcher.check() and "banki" in ulb_keys(helpdesk)


async def test_the_running_watcher_looks_by_itself_and_stops_when_told(
    helpdesk: Helpdesk, config_file: Path
) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(ConfigWatcher(helpdesk, interval=0.05).run(stop))
    write(config_file, with_new_ulb(config_file))
    for _ in range(100):
        if "banki" in ulb_keys(helpdesk):
            break
        await asyncio.sleep(0.05)
    assert "banki" in ulb_keys(helpdesk)
    stop.set()
    await asyncio.wait_for(running, 2)


async def test_a_file_saved_on_this_process_s_admin_page_is_not_taken_up_again(
    helpdesk: Helpdesk, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The admin page puts a saved configuration in use at once; the process's own watcher
    then finds the file changed, but with what is in use already."""
    watcher = ConfigWatcher(helpdesk, interval=30)
    async with console_client(helpdesk) as admin:
        await signed_in_admin(helpdesk, admin)
        saved = await save_configuration(admin, contents(config_file) + KHORDHA)
        assert saved.status_code == 303
    in_use = helpdesk.config
    assert "khordha" in ulb_keys(helpdesk)
    with caplog.at_level(logging.INFO, logger="bot.configwatch"):
        assert not await watcher.check()
    assert helpdesk.config is in_use
    assert "taken up" not in caplog.text
    # A change made by hand after it is taken up as before.
    write(config_file, with_new_ulb(config_file))
    assert await watcher.check() and "banki" in ulb_keys(helpdesk)


async def test_a_hand_edit_taking_away_a_team_that_has_tickets_is_not_taken(
    helpdesk: Helpdesk, channel: MemoryChannel, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As the admin page refuses it: the ticket would be left with no team's queue, and
    each sweep named a team that no longer exists."""
    number = await file_ticket(Person(helpdesk, channel, "memory:reporter-1"))
    async with helpdesk.unit_of_work() as uow:
        await uow.session.execute(
            update(Ticket).where(Ticket.number == number).values(team="hudd_admin")
        )
        await uow.commit()
    watcher = ConfigWatcher(helpdesk, interval=30)
    data = tomllib.loads(contents(config_file))
    data["teams"] = [team for team in data["teams"] if team["key"] != "hudd_admin"]
    data["reminders"] |= {"breach_escalation_team": "", "weekly_summary_team": ""}
    before = helpdesk.config
    write(config_file, toml_document(data))
    with caplog.at_level(logging.ERROR, logger="bot.configwatch"):
        assert not await watcher.check()
    assert helpdesk.config is before
    assert "cfg_team_open" in caplog.text and "hudd_admin" in caplog.text
    # Whatever a ticket names that a configuration lacks is shown by its key, not a crash.
    assert helpdesk.config.directory.team("gone_team").name("or") == "gone_team"
    assert await helpdesk.scheduler.sweep() >= 0
