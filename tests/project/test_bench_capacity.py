"""The capacity benchmark's step search and window count, on synthetic outcomes (no timing)."""

from __future__ import annotations

from bench.capacity import next_rate, sustained
from bench.common import busiest_second


def search(capacity: float, tried: dict[float, bool]) -> tuple[float, list[float]]:
    """Runs the search against a helpdesk that passes every rate up to `capacity`."""
    offered = []
    while (rate := next_rate(tried, ceiling=3200, precision=0.1)) is not None:
        offered.append(rate)
        tried[rate] = rate <= capacity
    return sustained(tried), offered


def test_the_search_brackets_the_capacity_within_its_precision() -> None:
    found, offered = search(450, {10: True, 80: True, 200: True})

    assert offered[:2] == [400, 800]  # doubling until a rate fails
    assert 0.9 * 450 <= found <= 450
    assert len(offered) <= 8


def test_a_failure_below_a_pass_ends_the_bracket_there() -> None:
    # 200 failed (a neighbour's moment) though 400 passed: what is reported passed below
    # every failure.
    tried = {10.0: True, 80.0: True, 200.0: False, 400.0: True}
    assert sustained(tried) == 80
    found, _ = search(120, tried)
    assert 80 <= found < 200


def test_nothing_passing_ends_the_search_with_no_capacity() -> None:
    assert next_rate({10: False, 80: False, 200: False}, ceiling=3200) is None
    assert sustained({10: False, 80: False, 200: False}) == 0


def test_the_search_stops_at_its_ceiling() -> None:
    found, offered = search(10_000, {10: True, 80: True, 200: True})
    assert found == 3200
    assert offered[-1] == 3200


def test_the_busiest_second_counts_any_window_not_calendar_seconds() -> None:
    # 60 sends in the second half of one second and 60 in the first half of the next.
    sends = [0.5 + i / 120 for i in range(60)] + [1.0 + i / 120 for i in range(60)]
    assert busiest_second(sends) == 120
    assert busiest_second([0.0, 1.0, 2.0]) == 1
    assert busiest_second([]) == 0
