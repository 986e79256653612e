"""When `serve` sends from a relay process of its own (RELAY_PROCESS), and its side of the
pipe to it, against stand-in children; the running service with its real relay process is
tested in tests/blackbox/test_relay_process.py."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot import metrics
from bot.relay_process import RelayProcess, wanted


@pytest.mark.parametrize(
    ("setting", "sends", "cores", "expected"),
    [
        ("auto", True, 2, True),
        ("auto", True, 8, True),
        ("auto", True, 1, False),  # one core: the two processes would only take turns
        ("auto", False, 8, False),  # console chats only: nothing for a relay to send
        ("on", False, 1, True),
        ("off", True, 8, False),
    ],
)
def test_auto_means_a_second_core_and_a_channel_to_send_on(
    setting: str, sends: bool, cores: int, expected: bool
) -> None:
    assert wanted(setting, sends, cores) is expected  # type: ignore[arg-type]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def test_the_sends_a_relay_process_reports_are_counted_where_prometheus_scrapes() -> None:
    before = metrics.sends_counted().get(("telegram", "sent"), 0)
    child = RelayProcess(python("print('sends telegram sent 3', flush=True); input()"))
    stop = asyncio.Event()
    running = asyncio.create_task(child.run(stop))
    async with asyncio.timeout(20):
        while metrics.sends_counted().get(("telegram", "sent"), 0) < before + 3:  # noqa: ASYNC110 (counted by the reader task)
            await asyncio.sleep(0.05)
    assert child.running
    stop.set()  # its stdin closes: input() ends, and so does the child
    await asyncio.wait_for(running, 20)
    assert not child.running
    assert metrics.sends_counted()[("telegram", "sent")] == before + 3


async def test_a_relay_process_that_cannot_start_is_tried_again_and_serve_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    child = RelayProcess(["/nonexistent/python", "-m", "bot", "relay"])
    stop = asyncio.Event()
    running = asyncio.create_task(child.run(stop))
    async with asyncio.timeout(20):
        while "starting another" not in caplog.text:  # noqa: ASYNC110 (a log line)
            await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 20)  # ends without an error of its own
    assert not child.running
