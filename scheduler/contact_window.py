"""When a debtor may be contacted: the creditor's window ∩ the jurisdiction's, in the debtor's local time.

Rules, all in the debtor's wall-clock time:
- an instant is allowed when its local weekday is allowed, its local date is not a public holiday of
  the debtor's country (when either window excludes holidays), and its local time is in
  [start, end) — the end is exclusive: with 08:00–20:00, 19:59 is allowed and 20:00 is not;
- a debtor with several candidate zones (a US number spanning zones) is allowed only when every
  zone allows;
- the intersection of two windows is the latest start, the earliest end, the common weekdays, and
  holidays excluded if either excludes them; an empty intersection never allows contact.

`next_allowed` jumps from interval to interval (see `scheduler.local_time`), so it costs a few
dictionary lookups per day scanned, never a minute loop; it returns the exact earliest instant.
The one exception to the window, a reply to the debtor's own message within
`Caps.reply_grace_minutes`, is `may_send`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from threading import Lock

import holidays

from relance.core.clock import ensure_utc
from relance.core.config import ContactPolicy, Window
from relance.core.config import Creditor as CreditorRules
from scheduler.local_time import day_intervals, parse_zones, zone

log = logging.getLogger(__name__)

HORIZON = timedelta(days=400)

# Bank holidays differ between the nations of the UK: protect the debtor with all of them.
HOLIDAY_SUBDIVISIONS: dict[str, tuple[str, ...]] = {"GB": ("ENG", "NIR", "SCT", "WLS")}

_holiday_lock = Lock()


@lru_cache(maxsize=1024)
def holiday_dates(country: str, year: int) -> frozenset[date]:
    """Public holidays of `country` in `year` (empty when the holidays package does not know it)."""
    subdivisions = HOLIDAY_SUBDIVISIONS.get(country, (None,))
    days: set[date] = set()
    with _holiday_lock:  # holidays objects populate lazily and are not thread-safe
        for subdiv in subdivisions:
            try:
                days.update(holidays.country_holidays(country, subdiv=subdiv, years=year).keys())
            except NotImplementedError:
                log.warning("no public holiday calendar for country %r: only weekdays apply", country)
                return frozenset()
    return frozenset(days)


def is_holiday(country: str | None, day: date) -> bool:
    """Whether `day` is a public holiday in `country` (no country: no holidays known)."""
    return bool(country) and day in holiday_dates(country.upper(), day.year)  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class Hours:
    """Allowed local hours: [start, end) on the given ISO weekdays, maybe skipping holidays."""

    start: time
    end: time
    weekdays: frozenset[int]
    skip_holidays: bool

    @property
    def empty(self) -> bool:
        return self.end <= self.start or not self.weekdays


def intersect(*windows: Window) -> Hours:
    """The hours allowed by every window."""
    weekdays = frozenset(range(1, 8))
    for w in windows:
        weekdays &= frozenset(w.weekdays)
    return Hours(
        start=max(w.start for w in windows),
        end=min(w.end for w in windows),
        weekdays=weekdays,
        skip_holidays=any(w.public_holidays for w in windows),
    )


@dataclass(frozen=True, slots=True)
class ContactWindow:
    """The contact window of one debtor: hours, candidate zones and the country's holidays."""

    hours: Hours
    zones: tuple[str, ...]
    country: str | None = None

    def open_day(self, day: date) -> bool:
        """Whether contact is possible at all on local date `day`."""
        if day.isoweekday() not in self.hours.weekdays:
            return False
        return not (self.hours.skip_holidays and is_holiday(self.country, day))

    def is_allowed(self, instant: datetime) -> bool:
        """Whether every candidate zone allows contact at `instant`."""
        if self.hours.empty:
            return False
        for name in self.zones:
            local = ensure_utc(instant).astimezone(zone(name))
            if not (self.open_day(local.date()) and self.hours.start <= local.time() < self.hours.end):
                return False
        return True

    def next_allowed(self, instant: datetime, horizon: timedelta = HORIZON) -> datetime | None:
        """The earliest allowed instant at or after `instant`, or None within `horizon`."""
        # memoised: a sweep asks the same question for every debtor sharing a window at one `now`
        return _next_allowed(self, instant if instant.tzinfo is UTC else ensure_utc(instant), horizon)

    def search(self, cur: datetime, horizon: timedelta) -> datetime | None:
        """`next_allowed` without the memo (for a UTC `cur`)."""
        if self.hours.empty:
            return None
        limit = cur + horizon
        while cur <= limit:
            candidates = [self._zone_next(name, cur, limit) for name in self.zones]
            if any(c is None for c in candidates):
                return None
            nxt = max(candidates)  # type: ignore[type-var]
            if nxt == cur:
                return cur
            cur = nxt  # type: ignore[assignment]
        return None

    def _zone_next(self, name: str, cur: datetime, limit: datetime) -> datetime | None:
        """Earliest instant at or after `cur` allowed by zone `name` alone."""
        # start one local day early: a fold at midnight can replay yesterday's evening after `cur`
        day = cur.astimezone(zone(name)).date() - timedelta(days=1)
        last = limit.astimezone(zone(name)).date() + timedelta(days=1)
        while day <= last:
            if self.open_day(day):
                for start, end in day_intervals(name, day, self.hours.start, self.hours.end):
                    if end > cur:
                        return max(start, cur)
            day += timedelta(days=1)
        return None


@lru_cache(maxsize=16384)
def _next_allowed(window: ContactWindow, cur: datetime, horizon: timedelta) -> datetime | None:
    return window.search(cur, horizon)


def contact_window(
    creditor: CreditorRules | Window,
    policy: ContactPolicy,
    *,
    country: str | None,
    timezones: str | Iterable[str],
) -> ContactWindow:
    """The window of a debtor in `country` with candidate `timezones`, for a creditor (or its window)."""
    own = creditor if isinstance(creditor, Window) else creditor.window
    return ContactWindow(
        hours=intersect(own, policy.for_country(country)),
        zones=parse_zones(timezones),
        country=country.upper() if country else None,
    )


def reply_deadline(inbound_at: datetime, grace_minutes: int) -> datetime:
    """Until when an answer to the debtor's message at `inbound_at` may go at any hour."""
    return ensure_utc(inbound_at) + timedelta(minutes=grace_minutes)


def may_send(instant: datetime, window: ContactWindow, reply_until: datetime | None = None) -> bool:
    """Whether an outbound message may go at `instant`: inside the window, or a reply still in grace."""
    if reply_until is not None and ensure_utc(instant) <= ensure_utc(reply_until):
        return True
    return window.is_allowed(instant)
