"""HTTP's Retry-After header (RFC 9110): how long a provider asks to be left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value: a number of seconds, or an HTTP date (one
    without a zone is taken as UTC); None when it is absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)
