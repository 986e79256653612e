"""The even pace of a channel's sends (`adapters.pace.Pace`) when the provider asks to slow down."""

from __future__ import annotations

import asyncio
import time

from adapters.pace import Pace

SPACING = 0.01
HOLD = 0.5


async def test_a_pause_asked_for_as_a_late_send_starts_still_holds_the_next_send() -> None:
    """Twilio's "slow down" is read while the loop is busy and a send let go by the timer
    has yet to start: that send starts late, and the pause must still hold the one after."""
    loop = asyncio.get_running_loop()
    pace = Pace(SPACING)
    await pace.acquire()  # the first send starts at once
    second = asyncio.create_task(pace.acquire())
    await asyncio.sleep(0)  # in line, behind the pace's timer
    asked: list[float] = []

    def provider_asks_to_slow_down() -> None:  # as the timer lets the second send go
        time.sleep(5 * SPACING)  # the loop busy: the second send will start late
        asked.append(time.monotonic())
        pace.hold(HOLD)

    # Due with the pace's own timer, and called just after it (timers due at one time run
    # in the order they were set).
    loop.call_at(pace.last_start + SPACING, provider_asks_to_slow_down)
    await second
    await pace.acquire()  # the third send
    assert time.monotonic() - asked[0] >= HOLD - SPACING
