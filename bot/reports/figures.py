"""What a report is made of: each team's stint with a ticket and its outcome, the figures of
one ticket, one group of tickets and the whole report. Plain values, no database."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from db.models import Ticket, TicketEvent

MET, BREACHED, OPEN = "met", "breached", "open"
DIMENSIONS = ("team", "priority", "ulb", "module", "category")
DIMENSION_TITLES = {
    "overall": "All tickets",
    "team": "By team",
    "priority": "By priority",
    "ulb": "By ULB",
    "module": "By module",
    "category": "By category",
}


@dataclass(frozen=True)
class Stint:
    """A ticket's time with one team: from reaching it to that team's first response."""

    team: str
    start: datetime
    due: datetime
    # The first take/comment/ask, or the moment the team passed it on or resolved it.
    answered_at: datetime | None
    answered_by: str  # the action that answered: take, comment, ask, escalate, resolve, …
    outcome: str  # met | breached | open
    response_hours: float | None  # business hours from start to answered_at


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        """Met as a share of the decided stints; None when nothing was decided yet."""
        return 100 * self.met / self.decided if self.decided else None

    @classmethod
    def of(cls, stints: Iterable[Stint]) -> Compliance:
        outcomes = Counter(stint.outcome for stint in stints)
        return cls(outcomes[MET], outcomes[BREACHED], outcomes[OPEN])


@dataclass(frozen=True)
class Spread:
    """Business hours: how many values, their median and 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Spread:
        known = sorted(value for value in values if value is not None)
        return cls(len(known), percentile(known, 0.5), percentile(known, 0.9))


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's and Excel's PERCENTILE.INC)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class TicketFigures:
    ticket: Ticket
    events: tuple[TicketEvent, ...]
    stints: tuple[Stint, ...]
    first_response_hours: float | None  # created → the first team's answer
    resolution_hours: float | None  # created → resolved_at
    reopened: bool

    @property
    def sla_outcome(self) -> str:
        """Breached if any team breached; open while one still has time; else met."""
        outcomes = {stint.outcome for stint in self.stints}
        for outcome in (BREACHED, OPEN, MET):
            if outcome in outcomes:
                return outcome
        return ""


@dataclass(frozen=True)
class Group:
    """One line of the summary: the tickets (or, for teams, the stints) of one group."""

    dimension: str
    key: str
    label: str
    compliance: Compliance
    first_response: Spread
    resolution: Spread
    volume: int


@dataclass(frozen=True)
class Satisfaction:
    ratings: int = 0
    mean: float | None = None
    satisfied_share: float | None = None  # ratings of 4 or 5, as a share of all ratings


@dataclass(frozen=True)
class Report:
    first_day: date
    end_day: date  # exclusive
    now: datetime
    timezone: str
    tickets: tuple[TicketFigures, ...]
    overall: Group
    groups: dict[str, tuple[Group, ...]]  # dimension -> groups in configuration order
    per_day: tuple[tuple[date, int], ...]
    reopened: int
    satisfaction: Satisfaction

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / len(self.tickets) if self.tickets else None
