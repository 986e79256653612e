"""Every server process takes up a changed configuration file by itself (one saved on the
admin page of another process, or edited by hand), and never a broken one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.build import Helpdesk
from bot.configwatch import ConfigWatcher
from tests.test_web_admin import KHORDHA, contents, save_configuration, signed_in_admin
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
    assert not watcher.check()  # unchanged
    write(config_file, with_new_ulb(config_file))
    assert watcher.check()
    assert "banki" in ulb_keys(helpdesk)
    assert "banki" in [ulb.key for ulb in helpdesk.config.directory.ulbs]
    assert helpdesk.scheduler.config is helpdesk.config
    assert not watcher.check()  # taken once


async def test_a_broken_file_is_not_taken_and_the_last_good_one_stays(
    helpdesk: Helpdesk, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher = ConfigWatcher(helpdesk, interval=30)
    before = helpdesk.config
    good = with_new_ulb(config_file)
    write(config_file, good.replace("[helpdesk]", "[helpdesk"))
    with caplog.at_level(logging.ERROR, logger="bot.configwatch"):
        assert not watcher.check()
    assert helpdesk.config is before and "banki" not in ulb_keys(helpdesk)
    assert "not valid TOML" in caplog.text
    # Mended: taken up at the next look.
    write(config_file, good)
    assert watcher.check() and "banki" in ulb_keys(helpdesk)


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
        assert not watcher.check()
    assert helpdesk.config is in_use
    assert "taken up" not in caplog.text
    # A change made by hand after it is taken up as before.
    write(config_file, with_new_ulb(config_file))
    assert watcher.check() and "banki" in ulb_keys(helpdesk)
