"""The even pace of a channel's sends (`Pace`): starts spaced evenly, the most urgent first."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time

# How late a timer may fire and the overall pace still make up for it (see `Pace`).
TIMER_SLACK = 0.005
# How much sooner than it came an interactive send waits in a `Pace` line: ahead of any bulk.
INTERACTIVE_URGENCY = 3600.0


class Pace:
    """Starts `spacing` apart, one after another; the sends waiting go most urgent first.

    A send waits in line as if it had come `urgency` seconds earlier than it did: an answer
    to what a chat just wrote ahead of bulk messages (INTERACTIVE_URGENCY); on Telegram, a
    chat that still has a long way to go (a group, or a chat with messages queued behind this
    one) ahead of one that will be done with this message.

    When the event loop was held up (a timer or a granted send ran more than TIMER_SLACK
    late), sends already on their way may reach the provider late too, all at once: the next send
    then waits a full `spacing` from that moment. Otherwise a start that fell due a little
    late does not slow the pace: any `n` successive starts span at least
    `(n - 1) * spacing - TIMER_SLACK`.
    """

    def __init__(self, spacing: float) -> None:
        self.spacing = spacing
        self.last_start = -math.inf
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._granted_at: float | None = None  # a send was let go and has not started yet

    async def acquire(self, urgency: float = 0.0) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (time.monotonic() - urgency, next(self._arrivals), future))
        self._next()
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():  # let go, then cancelled
                self._granted_at = None
                self._next()
            else:
                future.cancel()  # skipped in line
            raise
        now = time.monotonic()
        if self._granted_at is not None and now - self._granted_at > TIMER_SLACK:
            # Held up between its turn and its start: the next is timed from now, unless a
            # pause asked for meanwhile (`hold`) ends later.
            self.last_start = max(self.last_start, now)
        self._granted_at = None
        self._next()

    def delay(self, urgency: float = 0.0) -> float:
        """About how long a send of this `urgency` would wait for its start now: the sends
        ahead of it in line, one `spacing` each, after any pause."""
        now = time.monotonic()
        key = now - urgency
        ahead = sum(1 for first, _, future in self._waiting if first <= key and not future.done())
        return max(self.last_start + self.spacing - now, 0.0) + ahead * self.spacing

    def hold(self, seconds: float) -> None:
        """The provider asked to slow down: no send starts for `seconds` from now (then the
        pace resumes, one `spacing` apart)."""
        self.last_start = max(self.last_start, time.monotonic() + seconds - self.spacing)
        self._next()

    def _next(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._granted_at is not None:
            return  # the send let go starts first; the next one is timed from it
        while self._waiting and self._waiting[0][2].done():
            heapq.heappop(self._waiting)
        if not self._waiting:
            return
        now = time.monotonic()
        due = self.last_start + self.spacing
        if now < due:
            self._timer = asyncio.get_running_loop().call_at(due, self._on_time, due)
            return
        _, _, future = heapq.heappop(self._waiting)
        self.last_start = max(due, now - TIMER_SLACK)
        self._granted_at = now
        future.set_result(None)

    def _on_time(self, due: float) -> None:
        self._timer = None
        now = time.monotonic()
        if now - due > TIMER_SLACK:  # the loop was held up: time the next send afresh
            self.last_start = now
        self._next()
