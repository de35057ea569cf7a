"""The one clock of the application.

Everything that needs "now" takes a `Clock`, so that the whole pipeline (sweep, dispatch,
dialogue, escalation) can run in simulated time. Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to (simulation and tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        instant = ensure_utc(instant)
        if instant < self._now:
            raise ValueError(f"simulated time cannot go back ({instant} < {self._now})")
        self._now = instant

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


def ensure_utc(instant: datetime) -> datetime:
    """Return `instant` in UTC; a naive datetime is refused, never guessed."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: pass a timezone-aware value")
    return instant.astimezone(UTC)


def utcnow() -> datetime:
    """The wall-clock instant in UTC (for defaults of rows created outside a Clock)."""
    return datetime.now(UTC)
