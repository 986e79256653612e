"""Failed sign-ins per account name and per address: after too many in a window, that name
(or that address) must wait, whoever is guessing."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # a person mistyping does not need more
PER_ADDRESS = 20  # an office behind one address has several people signing in


class LoginGuard:
    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def blocked(self, account: str, address: str, now: datetime) -> bool:
        return (
            len(self._recent(f"account:{account}", now)) >= PER_ACCOUNT
            or len(self._recent(f"address:{address}", now)) >= PER_ADDRESS
        )

    def failed(self, account: str, address: str, now: datetime) -> None:
        for key in (f"account:{account}", f"address:{address}"):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 10_000:  # bounded memory under a spray of names
            for key in list(self._failures):
                self._recent(key, now)

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"account:{account}", None)
