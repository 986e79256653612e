"""An in-memory channel: records what would be sent, and can be told to fail.

Used by the tests and the benchmarks in place of a real chat network.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import count

from flows.delivery import RetryLater, Undeliverable
from flows.messages import Address, Outbound

CHANNEL = "memory"


class MemoryChannel:
    def __init__(self) -> None:
        self.sent: list[Outbound] = []
        self.by_address: dict[Address, list[Outbound]] = defaultdict(list)
        # Per address: how many sends fail before one succeeds; or never deliverable.
        self.failures: dict[Address, int] = {}
        self.unreachable: set[Address] = set()
        self.retry_after: float | None = None
        self._ids = count(1)

    async def send(self, message: Outbound) -> str:
        if message.address in self.unreachable:
            raise Undeliverable("the chat no longer exists")
        if self.failures.get(message.address, 0) > 0:
            self.failures[message.address] -= 1
            raise RetryLater("channel unavailable", self.retry_after)
        self.sent.append(message)
        self.by_address[message.address].append(message)
        return f"m{next(self._ids)}"

    def texts(self, address: Address) -> list[str]:
        return [message.text for message in self.by_address[address]]

    def last(self, address: Address) -> Outbound:
        return self.by_address[address][-1]
