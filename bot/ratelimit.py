"""Rate limits: per address on inbound messages (`InboundLimiter`), and the even pace of a
channel's sends (`Pace`).

Per address, so one chat (a stuck client, a script, a person holding a key down) cannot keep
the dispatcher and the database busy for everyone else.

A sliding window per address: at most `limit` messages are let through in any `window`.
Messages over the limit are not counted, so a flood ends as soon as the window has moved
past the messages that were let through. Nor do redeliveries count (the dispatcher takes
them back with `forget`): a provider retrying never uses up a person's allowance.

The state lives in this process only: with several processes each applies the limit on its
own, which still bounds what one chat can cause.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections import deque
from datetime import datetime, timedelta
from enum import StrEnum

# The default for INBOUND_PER_MINUTE: a person answering the helpdesk's questions sends a
# handful of messages a minute; twenty leaves room for quick button presses and retries.
DEFAULT_PER_MINUTE = 20
WINDOW = timedelta(minutes=1)
# How late a timer may fire and the overall pace still make up for it (see `Pace`).
TIMER_SLACK = 0.005
# How much sooner than it came an interactive send waits in a `Pace` line: ahead of any bulk.
INTERACTIVE_URGENCY = 3600.0


class Verdict(StrEnum):
    ALLOW = "allow"
    # Over the limit, and the person has not been told yet in this window.
    TELL = "tell"
    # Over the limit, and already told: keep quiet, one notice per window is enough.
    QUIET = "quiet"


class InboundLimiter:
    def __init__(self, limit: int = DEFAULT_PER_MINUTE, window: timedelta = WINDOW) -> None:
        if limit < 1:
            raise ValueError("the limit must allow at least one message")
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[datetime]] = {}
        self._told: dict[str, datetime] = {}
        self._swept: datetime | None = None

    def check(self, key: str, now: datetime) -> Verdict:
        """Count one message from `key` at `now` if the limit allows it; say what to do."""
        self._sweep(now)
        seen = self._seen.setdefault(key, deque())
        self._forget_before(seen, now - self.window)
        if len(seen) < self.limit:
            seen.append(now)
            return Verdict.ALLOW
        told = self._told.get(key)
        if told is not None and now - told < self.window:
            return Verdict.QUIET
        self._told[key] = now
        return Verdict.TELL

    def forget(self, key: str, at: datetime) -> None:
        """Take back a message let through at `at`: it was not a new one (a provider
        delivering it again) or was not taken after all, so it does not count."""
        seen = self._seen.get(key)
        if seen is not None and at in seen:
            seen.remove(at)

    def untell(self, key: str, at: datetime) -> None:
        """The notice decided at `at` was not sent: the next message over the limit sends it."""
        if self._told.get(key) == at:
            del self._told[key]

    @staticmethod
    def _forget_before(seen: deque[datetime], start: datetime) -> None:
        while seen and seen[0] <= start:
            seen.popleft()

    def _sweep(self, now: datetime) -> None:
        """Once a window, drop addresses that have gone quiet, so memory stays bounded by
        the chats active in the last minute rather than every chat ever seen."""
        if self._swept is not None and now - self._swept < self.window:
            return
        self._swept = now
        start = now - self.window
        for key in list(self._seen):
            self._forget_before(self._seen[key], start)
            if not self._seen[key]:
                del self._seen[key]
        for key, told in list(self._told.items()):
            if told <= start:
                del self._told[key]


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
            self.last_start = now  # held up between its turn and its start
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
