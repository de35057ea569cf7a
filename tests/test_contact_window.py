"""Contact windows: fixed zone-aware instants (DST changes included), brute force, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.config import ContactPolicy, Creditor, Window
from relance.core.errors import PolicyError
from scheduler.contact_window import (
    ContactWindow,
    Hours,
    contact_window,
    intersect,
    is_holiday,
    may_send,
    reply_deadline,
)
from scheduler.local_time import day_intervals, day_start, local_today

PARIS, NEW_YORK, LOS_ANGELES = "Europe/Paris", "America/New_York", "America/Los_Angeles"
ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)
POLICY = ContactPolicy()


def rules(**window: object) -> Creditor:
    """A creditor whose own window is `window` (default: every day, 08:00–21:00)."""
    own = Window(**({"start": time(8), "end": time(21)} | window))  # type: ignore[arg-type]
    return Creditor(key="c", name="C", iban="FR7630006000011234567890189", window=own)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    """A wall-clock time in `zone`, as an aware UTC instant."""
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)  # type: ignore[misc,arg-type]


def window_for(country: str | None, zones: str, **creditor_window: object) -> ContactWindow:
    creditor = rules(**({"weekdays": ALL_DAYS} | creditor_window))
    return contact_window(creditor, POLICY, country=country, timezones=zones)


def always(zones: str, start: time, end: time) -> ContactWindow:
    """Every day, no holidays, between `start` and `end` (to probe DST edges)."""
    return ContactWindow(Hours(start, end, frozenset(ALL_DAYS), False), tuple(zones.split()))


# --------------------------------------------------------------------------- the French profile

FR = window_for("FR", PARIS)


@pytest.mark.parametrize(
    ("wall", "allowed"),
    [
        ((2026, 11, 24, 8, 0), True),  # Tuesday, opening minute
        ((2026, 11, 24, 7, 59), False),
        ((2026, 11, 24, 19, 59), True),
        ((2026, 11, 24, 20, 0), False),  # the end is exclusive
        ((2026, 11, 28, 10, 0), True),  # Saturday
        ((2026, 11, 29, 10, 0), False),  # Sunday
        ((2026, 11, 11, 10, 0), False),  # Armistice Day, a Wednesday
        ((2026, 7, 14, 12, 0), False),  # Bastille Day
        ((2026, 3, 29, 10, 0), False),  # the spring DST Sunday
        ((2026, 3, 28, 19, 30), True),  # Saturday evening before the change (UTC+1)
        ((2026, 3, 30, 8, 0), True),  # Monday after the change (UTC+2)
    ],
)
def test_french_profile(wall: tuple[int, ...], allowed: bool) -> None:
    assert FR.is_allowed(local(PARIS, *wall)) is allowed


def test_french_next_allowed_jumps_sunday_and_holiday() -> None:
    # Tuesday 10 Nov 2026 20:00 → Wednesday 11 is Armistice Day → Thursday 12 at 08:00 local
    assert FR.next_allowed(local(PARIS, 2026, 11, 10, 20, 0)) == local(PARIS, 2026, 11, 12, 8, 0)
    # Saturday 28 Nov evening → Monday 30 Nov 08:00
    assert FR.next_allowed(local(PARIS, 2026, 11, 28, 21, 15)) == local(PARIS, 2026, 11, 30, 8, 0)
    # inside the window: the instant itself
    inside = local(PARIS, 2026, 11, 24, 12, 34) + timedelta(seconds=17)
    assert FR.next_allowed(inside) == inside


def test_next_allowed_across_paris_spring_change() -> None:
    # Saturday 28 March 20:00 CET → Sunday closed → Monday 30 March 08:00 CEST = 06:00 UTC
    assert FR.next_allowed(local(PARIS, 2026, 3, 28, 20, 0)) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_next_allowed_across_paris_autumn_change() -> None:
    # no country: the fallback profile (09–19, Monday–Saturday) applies
    fallback = window_for(None, PARIS)
    # Saturday 24 Oct 20:00 CEST → Sunday 25 (the change) closed → Monday 09:00 CET = 08:00 UTC
    saturday_evening = datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    assert fallback.next_allowed(saturday_evening) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- DST gaps and folds


def test_window_starting_in_the_spring_gap_opens_when_the_clock_jumps() -> None:
    # 02:30 does not exist in Paris on 29 March 2026: at 01:00 UTC the clock jumps 02:00 → 03:00
    w = always(PARIS, time(2, 30), time(4, 0))
    assert w.next_allowed(datetime(2026, 3, 28, 23, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert not w.is_allowed(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    assert w.is_allowed(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))


def test_window_inside_the_new_york_fold_happens_twice() -> None:
    # 1 Nov 2026: 01:00–02:00 happens in EDT (05:00–06:00 UTC) and again in EST (06:00–07:00 UTC)
    w = always(NEW_YORK, time(1, 10), time(1, 20))
    assert day_intervals(NEW_YORK, date(2026, 11, 1), time(1, 10), time(1, 20)) == (
        (datetime(2026, 11, 1, 5, 10, tzinfo=UTC), datetime(2026, 11, 1, 5, 20, tzinfo=UTC)),
        (datetime(2026, 11, 1, 6, 10, tzinfo=UTC), datetime(2026, 11, 1, 6, 20, tzinfo=UTC)),
    )
    assert w.next_allowed(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
    assert w.is_allowed(local(NEW_YORK, 2026, 11, 1, 1, 15, fold=1))


def test_los_angeles_spring_gap_day_is_shorter() -> None:
    intervals = day_intervals(LOS_ANGELES, date(2026, 3, 8), time.min, time.max)
    ((start, end),) = intervals
    assert end - start == timedelta(hours=23) - timedelta(microseconds=1)


def test_window_ending_in_the_fold_is_reentered() -> None:
    # 00:30–01:30 on the New York fall-back day: 04:30–05:30 UTC (EDT) and 06:00–06:30 UTC (EST)
    w = always(NEW_YORK, time(0, 30), time(1, 30))
    assert w.next_allowed(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


ZONES_AND_CHANGES = [
    (PARIS, date(2026, 3, 29)),
    (PARIS, date(2026, 10, 25)),
    (NEW_YORK, date(2026, 3, 8)),
    (NEW_YORK, date(2026, 11, 1)),
    (LOS_ANGELES, date(2026, 3, 8)),
    (LOS_ANGELES, date(2026, 11, 1)),
]
EDGE_WINDOWS = [
    (time(8), time(20)),
    (time(0), time(2, 30)),
    (time(1), time(3)),
    (time(1, 30), time(2, 30)),
    (time(2), time(2, 30)),
    (time(2, 30), time(23, 59)),
]


@pytest.mark.parametrize(("zone", "change"), ZONES_AND_CHANGES)
@pytest.mark.parametrize(("start", "end"), EDGE_WINDOWS)
def test_next_allowed_matches_brute_force_around_dst(zone: str, change: date, start: time, end: time) -> None:
    """Every minute of three days around a DST change: next_allowed equals a minute-by-minute scan."""
    w = always(zone, start, end)
    origin = datetime.combine(change - timedelta(days=1), time(0), tzinfo=UTC)
    minutes = [origin + timedelta(minutes=i) for i in range(3 * 1440)]
    oracle = [start <= m.astimezone(ZoneInfo(zone)).time() < end for m in minutes]
    assert [w.is_allowed(m) for m in minutes] == oracle
    following: datetime | None = None
    for m, ok in zip(reversed(minutes), reversed(oracle), strict=True):
        following = m if ok else following
        if following is not None:
            assert w.next_allowed(m) == following, m


# --------------------------------------------------------------------------- several zones, profiles


def test_several_zones_allow_only_when_all_do() -> None:
    us = window_for("US", f"{NEW_YORK} {LOS_ANGELES}")
    # Tuesday 24 Nov 2026: NY 08–21 EST = 13–02 UTC; LA 08–21 PST = 16–05 UTC → 16:00–02:00 UTC
    assert not us.is_allowed(datetime(2026, 11, 24, 15, 59, tzinfo=UTC))
    assert us.is_allowed(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    assert us.is_allowed(datetime(2026, 11, 25, 1, 59, tzinfo=UTC))
    assert not us.is_allowed(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    assert us.next_allowed(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_us_federal_holiday_and_sunday() -> None:
    us = window_for("US", NEW_YORK)
    assert not us.is_allowed(local(NEW_YORK, 2026, 11, 26, 12, 0))  # Thanksgiving
    assert not us.is_allowed(local(NEW_YORK, 2026, 11, 29, 12, 0))  # Sunday
    assert us.is_allowed(local(NEW_YORK, 2026, 11, 27, 20, 59))
    assert not us.is_allowed(local(NEW_YORK, 2026, 11, 27, 21, 0))


def test_gb_bank_holidays_of_every_nation() -> None:
    gb = window_for("GB", "Europe/London")
    assert not gb.is_allowed(local("Europe/London", 2026, 1, 2, 12, 0))  # Scotland only
    assert not gb.is_allowed(local("Europe/London", 2026, 4, 6, 12, 0))  # Easter Monday, not Scotland
    assert gb.is_allowed(local("Europe/London", 2026, 1, 5, 20, 59))


def test_belgian_profile() -> None:
    be = window_for("BE", "Europe/Brussels")
    assert not be.is_allowed(local("Europe/Brussels", 2026, 7, 21, 12, 0))  # National Day
    assert be.is_allowed(local("Europe/Brussels", 2026, 7, 22, 19, 59))
    assert not be.is_allowed(local("Europe/Brussels", 2026, 7, 22, 20, 0))


def test_creditor_window_intersects_the_legal_one() -> None:
    office = window_for("FR", PARIS, start=time(9), end=time(21), weekdays=(1, 2, 3, 4, 5))
    assert office.hours == Hours(time(9), time(20), frozenset({1, 2, 3, 4, 5}), True)
    # Friday 27 Nov 19:00 → Saturday is allowed in France but not by this creditor → Monday 09:00
    assert office.next_allowed(local(PARIS, 2026, 11, 27, 20, 0)) == local(PARIS, 2026, 11, 30, 9, 0)


def test_unknown_country_uses_the_fallback_without_holidays() -> None:
    other = window_for("ZZ", "Asia/Tokyo")
    assert other.hours.start == time(9) and other.hours.end == time(19)
    assert other.is_allowed(local("Asia/Tokyo", 2026, 11, 23, 9, 0))  # a Japanese holiday, unknown here
    assert not is_holiday("ZZ", date(2026, 12, 25))


def test_empty_intersection_never_allows() -> None:
    night = window_for("FR", PARIS, start=time(21), end=time(23))
    assert night.hours.empty
    assert not night.is_allowed(local(PARIS, 2026, 11, 24, 22, 0))
    assert night.next_allowed(local(PARIS, 2026, 11, 24, 22, 0)) is None


def test_horizon_bounds_the_search() -> None:
    saturday_night = local(PARIS, 2026, 11, 28, 21, 0)
    assert FR.next_allowed(saturday_night, horizon=timedelta(hours=30)) is None
    assert FR.next_allowed(saturday_night, horizon=timedelta(hours=36)) == local(PARIS, 2026, 11, 30, 8, 0)


def test_unknown_or_missing_zone_is_refused() -> None:
    with pytest.raises(PolicyError, match="Mars/Olympus"):
        window_for("FR", "Mars/Olympus")
    with pytest.raises(PolicyError, match="no time zone"):
        window_for("FR", "  ")


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        FR.is_allowed(datetime(2026, 11, 24, 12, 0))


def test_intersection_of_windows() -> None:
    a = Window(start=time(8), end=time(20), weekdays=(1, 2, 3), public_holidays=False)
    b = Window(start=time(9), end=time(21), weekdays=(2, 3, 4), public_holidays=True)
    assert intersect(a, b) == Hours(time(9), time(20), frozenset({2, 3}), True)


# --------------------------------------------------------------------------- replies, day starts


def test_reply_grace_allows_any_hour_for_fifteen_minutes() -> None:
    wrote = local(PARIS, 2026, 11, 24, 23, 0)
    deadline = reply_deadline(wrote, 15)
    assert deadline == wrote + timedelta(minutes=15)
    assert may_send(wrote + timedelta(minutes=15), FR, deadline)
    assert not may_send(wrote + timedelta(minutes=15, seconds=1), FR, deadline)
    assert not may_send(wrote + timedelta(minutes=5), FR)  # not a reply: the window applies
    assert may_send(local(PARIS, 2026, 11, 24, 10, 0), FR)


def test_day_start_waits_for_every_zone() -> None:
    assert day_start(date(2026, 11, 24), (PARIS,)) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert day_start(date(2026, 11, 24), (PARIS, LOS_ANGELES)) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert day_start(date(2026, 3, 8), (LOS_ANGELES,)) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert day_start(date(2026, 3, 9), (LOS_ANGELES,)) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert local_today(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), (PARIS, LOS_ANGELES)) == date(2026, 11, 23)


def test_a_skipped_day_starts_with_the_next_one() -> None:
    # Samoa skipped 30 December 2011 entirely
    assert day_start(date(2011, 12, 30), ("Pacific/Apia",)) == day_start(date(2011, 12, 31), ("Pacific/Apia",))


# --------------------------------------------------------------------------- properties

ZONE_POOL = [
    PARIS,
    NEW_YORK,
    LOS_ANGELES,
    "Europe/London",
    "Europe/Brussels",
    "America/Chicago",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/Santiago",  # changes at midnight
]
DST_DAYS = [d for _, d in ZONES_AND_CHANGES]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Random instants, half of them within a day of a DST change of Paris, New York or Los Angeles."""
    if draw(st.booleans()):
        base = datetime.combine(draw(st.sampled_from(DST_DAYS)), time(0), tzinfo=UTC) - timedelta(days=1)
        return base + timedelta(seconds=draw(st.integers(0, 3 * 86400)))
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 4 * 365 * 86400)))


@st.composite
def windows(draw: st.DrawFn) -> ContactWindow:
    start = draw(st.integers(0, 23 * 60))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    creditor = rules(
        start=time(start // 60, start % 60),
        end=time(end // 60, end % 60),
        weekdays=tuple(sorted(draw(st.sets(st.integers(1, 7), min_size=1)))),
        public_holidays=draw(st.booleans()),
    )
    zones = draw(st.lists(st.sampled_from(ZONE_POOL), min_size=1, max_size=3, unique=True))
    country = draw(st.sampled_from(["FR", "BE", "US", "GB", None, "ZZ"]))
    return contact_window(creditor, POLICY, country=country, timezones=" ".join(zones))


@settings(max_examples=400, deadline=None)
@given(w=windows(), t=instants(), probes=st.lists(st.floats(0, 1), max_size=5))
def test_next_allowed_is_allowed_and_minimal(w: ContactWindow, t: datetime, probes: list[float]) -> None:
    found = w.next_allowed(t)
    if w.hours.empty:
        assert found is None
        return
    if found is None:  # only when no instant in 400 days is allowed in every zone at once
        assert not any(w.is_allowed(t + timedelta(hours=h)) for h in range(0, 400 * 24, 1))
        return
    assert found >= t
    assert w.is_allowed(found)
    if found > t:
        assert not w.is_allowed(max(t, found - timedelta(minutes=1)))
        assert not w.is_allowed(found - timedelta(microseconds=1))
        for p in probes:
            assert not w.is_allowed(min(t + (found - t) * p, found - timedelta(microseconds=1)))


FR_HOLIDAYS = holidays.country_holidays("FR", years=range(2025, 2030))


@settings(max_examples=400, deadline=None)
@given(t=instants())
def test_nothing_allowed_outside_the_french_profile(t: datetime) -> None:
    """product.md: FR Monday–Saturday 08:00–20:00 local, no Sundays, no French public holidays."""
    wall = t.astimezone(ZoneInfo(PARIS))
    legal = wall.isoweekday() != 7 and wall.date() not in FR_HOLIDAYS and 8 <= wall.hour < 20
    assert FR.is_allowed(t) is legal
    nxt = FR.next_allowed(t)
    assert nxt is not None
    wall = nxt.astimezone(ZoneInfo(PARIS))
    assert wall.isoweekday() != 7 and wall.date() not in FR_HOLIDAYS and 8 <= wall.hour < 20


@settings(max_examples=300, deadline=None)
@given(t=instants(), zones=st.lists(st.sampled_from(ZONE_POOL), min_size=2, max_size=3, unique=True))
def test_several_zones_are_the_conjunction_of_each(t: datetime, zones: list[str]) -> None:
    together = window_for("US", " ".join(zones))
    alone = [window_for("US", z) for z in zones]
    assert together.is_allowed(t) is all(w.is_allowed(t) for w in alone)
    nxt = together.next_allowed(t)
    if nxt is None:  # e.g. Paris, New York and Sydney never share an hour of 08:00–21:00
        assert not any(together.is_allowed(t + timedelta(minutes=15 * q)) for q in range(8 * 96))
    else:
        assert all(w.is_allowed(nxt) for w in alone)
