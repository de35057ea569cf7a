"""Wall-clock arithmetic in IANA zones, exact across DST changes.

The central question is "which UTC instants show local date D between `start` and `end` on the
wall clock of zone Z?". Around a DST change the answer is not one interval: a spring-forward gap
removes local times (02:30 in Paris on the last Sunday of March never happens) and a fall-back
fold repeats them (01:30 in New York happens twice in November). `day_intervals` answers it
exactly by cutting the day into spans of constant UTC offset, so callers can jump from interval
to interval instead of scanning minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relance.core.errors import PolicyError

Interval = tuple[datetime, datetime]

# UTC offsets in use stay within -12 h … +14 h: the instants showing a given local time lie within
# 26 h of it either way.
_REACH = timedelta(hours=26)
# Offsets are sampled every 3 hours; no zone changes its offset twice within 3 hours.
_SAMPLE = 3 * 3600


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; an unknown name is a policy error (contact hours cannot be known)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyError(f"unknown time zone {name!r}: contact hours cannot be checked") from exc


def parse_zones(timezones: str | Iterable[str]) -> tuple[str, ...]:
    """Validated zone names from a space-separated string or a sequence; at least one."""
    names = tuple(timezones.split()) if isinstance(timezones, str) else tuple(timezones)
    if not names:
        raise PolicyError("no time zone: contact hours cannot be checked")
    for name in names:
        zone(name)
    return names


def _offset(tz: ZoneInfo, timestamp: int) -> timedelta:
    offset = datetime.fromtimestamp(timestamp, tz).utcoffset()
    assert offset is not None
    return offset


def _change_in(tz: ZoneInfo, lo: int, hi: int) -> int:
    """First second in (lo, hi] whose offset differs from the offset at lo (one change assumed)."""
    before = _offset(tz, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Instants in (start, end] at which the zone's UTC offset changes."""
    lo, stop = int(start.timestamp()), int(end.timestamp())
    found = []
    while lo < stop:
        hi = min(lo + _SAMPLE, stop)
        if _offset(tz, lo) != _offset(tz, hi):
            found.append(datetime.fromtimestamp(_change_in(tz, lo, hi), UTC))
        lo = hi
    return found


@lru_cache(maxsize=65536)
def day_intervals(zone_name: str, day: date, start: time, end: time) -> tuple[Interval, ...]:
    """UTC intervals [a, b) whose local time in the zone is on `day`, at or after `start`, before `end`."""
    tz = zone(zone_name)
    lo, hi = datetime.combine(day, start), datetime.combine(day, end)
    span_start, span_end = (lo - _REACH).replace(tzinfo=UTC), (hi + _REACH).replace(tzinfo=UTC)
    bounds = [span_start, *transitions(tz, span_start, span_end), span_end]
    out: list[Interval] = []
    for a, b in pairwise(bounds):
        offset = a.astimezone(tz).utcoffset()
        assert offset is not None
        s = max(a, (lo - offset).replace(tzinfo=UTC))
        e = min(b, (hi - offset).replace(tzinfo=UTC))
        if s >= e:
            continue
        if out and out[-1][1] == s:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return tuple(out)


def local_date(instant: datetime, zone_name: str) -> date:
    """The calendar date on the zone's wall clock at `instant`."""
    return instant.astimezone(zone(zone_name)).date()


@lru_cache(maxsize=65536)
def day_start(day: date, zones: tuple[str, ...]) -> datetime:
    """The first instant at which every zone's wall clock has reached `day`."""
    starts = []
    for name in zones:
        intervals = day_intervals(name, day, time.min, time.max)
        # a zone can skip a whole day (Pacific/Apia, 2011-12-30): the next day then starts it
        starts.append(intervals[0][0] if intervals else day_start(day + timedelta(days=1), (name,)))
    return max(starts)


@lru_cache(maxsize=4096)
def local_today(instant: datetime, zones: tuple[str, ...]) -> date:
    """The calendar date every candidate zone has reached at `instant` (the earliest of them)."""
    return min(local_date(instant, name) for name in zones)
