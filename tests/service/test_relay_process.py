"""When `serve` sends from a relay process of its own (RELAY_PROCESS): the running service
is tested in tests/blackbox/test_relay_process.py."""

from __future__ import annotations

import pytest

from bot.relay_process import wanted


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
