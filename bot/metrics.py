"""What Prometheus scrapes at /metrics: how the helpdesk is doing, from any of its processes.

Two kinds of figures, so that several `serve` processes on one PostgreSQL database give one
picture:

- What happened in a process (inbound messages by channel and outcome, sends by channel and
  result, request latency by route) is counted in memory with prometheus_client: on the hot
  path a counter's increment and nothing else. With several processes, give them all one
  PROMETHEUS_MULTIPROC_DIR: every process then writes its counts there (in files of its own,
  kept after it exits, so that counts go on from a restart) and any one of them answers a
  scrape with the sum.
- What the database holds (the outbox rows not sent, by channel and status, and how long the
  oldest due one has waited; open and breached tickets by team; breaches so far) is read at
  scrape time, so it is the same whichever process answers: three small queries, the first two
  reading only unsent rows and open tickets by the indexes on their status, the third the
  scheduler's notices (a few a ticket). Nothing of it is kept in the process.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Receive, Scope, Send

from db.uow import UnitOfWork
from flows.messages import Inbound

CONTENT_TYPE = CONTENT_TYPE_LATEST
INBOUND = Counter(
    "helpdesk_inbound_messages",
    "Messages received, by channel and what became of them "
    "(processed, duplicate, rate_limited, failed, not_stored: the provider should resend).",
    ["channel", "outcome"],
)
SENDS = Counter(
    "helpdesk_outbox_sends",
    "Outbox rows handed to a channel, by channel and result (sent, retry, throttled, "
    "failed: given up, undeliverable).",
    ["channel", "result"],
)
LATENCY = Histogram(
    "helpdesk_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by route (webhooks one by one, the console "
    "together).",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONSOLE_PREFIX = "/console"


@functools.cache
def _inbound(channel: str, outcome: str) -> Counter:
    """The counter of one channel and outcome (a handful of each), found once: `labels`
    takes a lock and builds its key at every call."""
    return INBOUND.labels(channel, outcome)


R = TypeVar("R", bound=str)
S = TypeVar("S")
P = ParamSpec("P")


def counts_inbound(
    handle: Callable[Concatenate[S, Inbound, P], Awaitable[R]],
) -> Callable[Concatenate[S, Inbound, P], Awaitable[R]]:
    """Count each message `handle` takes by its channel and the outcome it returns; one that
    raises could not be stored (the webhook answers 503 and the provider sends it again)."""

    @functools.wraps(handle)
    async def counted(self: S, inbound: Inbound, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            outcome = await handle(self, inbound, *args, **kwargs)
        except BaseException:
            _inbound(inbound.address.channel, "not_stored").inc()
            raise
        _inbound(inbound.address.channel, str(outcome)).inc()
        return outcome

    return counted


class _Row(Protocol):
    @property
    def channel(self) -> str: ...


class _Outcome(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def attempted(self) -> bool: ...


Out = TypeVar("Out", bound=_Outcome)
W = TypeVar("W", bound=_Row)


def result_of(outcome: _Outcome) -> str:
    """A send's result: its row's new status, a wait not tried (throttled) or a try to repeat."""
    if outcome.status != "pending":
        return outcome.status
    return "retry" if outcome.attempted else "throttled"


def counts_sends(
    send: Callable[Concatenate[S, W, P], Awaitable[Out]],
) -> Callable[Concatenate[S, W, P], Awaitable[Out]]:
    """Count each row `send` hands to its channel by channel and result."""

    @functools.wraps(send)
    async def counted(self: S, row: W, /, *args: P.args, **kwargs: P.kwargs) -> Out:
        outcome = await send(self, row, *args, **kwargs)
        SENDS.labels(row.channel, result_of(outcome)).inc()
        return outcome

    return counted


def sends_counted() -> dict[tuple[str, str], int]:
    """The sends counted in this process so far, by channel and result (what a relay in a
    process of its own reports to `serve`: `bot.relay_process`)."""
    return {
        (sample.labels["channel"], sample.labels["result"]): int(sample.value)
        for family in SENDS.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def count_sends(channel: str, result: str, count: int) -> None:
    """Add sends counted in another process (the relay's) to this one's."""
    SENDS.labels(channel, result).inc(count)


class RequestTimer:
    """ASGI middleware: each HTTP request's time to its answer, by a route of a few: the paths
    it is told (webhooks, /healthz, /metrics) by name, the console's pages as one, and
    anything else as "other", so that no address a visitor makes up becomes a label."""

    def __init__(self, app: ASGIApp, paths: Iterable[str]) -> None:
        self.app = app
        self.timers = {path: LATENCY.labels(path) for path in paths}
        self.console = LATENCY.labels(CONSOLE_PREFIX)
        self.other = LATENCY.labels("other")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        timer = self.timers.get(path)
        if timer is None:
            timer = self.console if path.startswith(CONSOLE_PREFIX) else self.other
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            timer.observe(time.perf_counter() - started)


@dataclass(frozen=True)
class Backlog:
    """The outbox rows of one channel in one status that are not sent (yet)."""

    channel: str
    status: str
    rows: int
    first_due: datetime | None  # the earliest due time of its rows due now (pending only)
    oldest: datetime | None  # when its oldest row was written


@dataclass(frozen=True)
class Snapshot:
    """What the database says at scrape time."""

    now: datetime
    backlog: list[Backlog]
    tickets: dict[str, tuple[int, int]]  # team -> (open, breached now)
    breaches: int  # SLA breach notices queued so far (one per team stint that breached)


async def snapshot(uow: UnitOfWork, now: datetime) -> Snapshot:
    backlog = [Backlog(*row) for row in await uow.outbox.backlog(now)]
    # Only the open and breached counts of the digest's figures are used (no day to count).
    figures = await uow.tickets.open_figures(now, now, now)
    tickets = {team: (opened, breached) for team, (opened, _, breached) in figures.items()}
    breaches = await uow.outbox.notices_counted("breach:")
    return Snapshot(now, backlog, tickets, breaches)


class _SnapshotCollector:
    def __init__(self, taken: Snapshot | None) -> None:
        self.taken = taken

    def collect(self) -> Iterable[Metric]:
        read = GaugeMetricFamily(
            "helpdesk_database_read",
            "1 when this scrape read the outbox and ticket figures from the database; 0 when "
            "the database could not be read (those figures are then missing).",
            value=0 if self.taken is None else 1,
        )
        if self.taken is None:
            return [read]
        return [read, *self._figures(self.taken)]

    def _figures(self, taken: Snapshot) -> list[Metric]:
        now = taken.now
        rows = GaugeMetricFamily(
            "helpdesk_outbox_messages",
            "Outbox rows not sent, by channel and status (pending: waiting for a send or a "
            "retry; failed and undeliverable: given up). Sent rows: helpdesk_outbox_sends.",
            labels=["channel", "status"],
        )
        due = GaugeMetricFamily(
            "helpdesk_outbox_oldest_due_age_seconds",
            "How long the pending row due the longest has waited since it fell due (0: none). "
            "More than a few seconds: something holds it (an earlier message to its chat "
            "waits for a retry, or the relay is not sending).",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "helpdesk_outbox_oldest_pending_age_seconds",
            "How long ago the oldest pending row was written: the longest anyone has waited.",
            labels=["channel"],
        )
        for item in taken.backlog:
            rows.add_metric([item.channel, item.status], item.rows)
            if item.status != "pending":
                continue
            waited = (now - item.first_due).total_seconds() if item.first_due else 0.0
            due.add_metric([item.channel], max(waited, 0.0))
            if item.oldest is not None:
                oldest.add_metric([item.channel], max((now - item.oldest).total_seconds(), 0.0))
        opened = GaugeMetricFamily(
            "helpdesk_open_tickets", "Tickets not yet resolved, by team.", labels=["team"]
        )
        breached = GaugeMetricFamily(
            "helpdesk_sla_breached_tickets",
            "Open tickets past their response due time with no response yet, by team.",
            labels=["team"],
        )
        for team, (count, late) in sorted(taken.tickets.items()):
            opened.add_metric([team], count)
            breached.add_metric([team], late)
        breaches = CounterMetricFamily(
            "helpdesk_sla_breaches",
            "Response targets missed so far (each team's time with a ticket counts once).",
            value=taken.breaches,
        )
        return [rows, due, oldest, opened, breached, breaches]


def exposition(taken: Snapshot | None) -> bytes:
    """The text a scrape gets: this process's counters (every process's, in multiprocess
    mode), then the database's figures, and whether it could be read (None: it could not)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(_SnapshotCollector(taken))
    return generate_latest(counted) + generate_latest(database)
