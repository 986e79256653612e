"""The rate limit per address on inbound messages (`InboundLimiter`).

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

from collections import deque
from datetime import datetime, timedelta
from enum import StrEnum

# The default for INBOUND_PER_MINUTE: a person answering the helpdesk's questions sends a
# handful of messages a minute; twenty leaves room for quick button presses and retries.
DEFAULT_PER_MINUTE = 20
WINDOW = timedelta(minutes=1)


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
