"""Caps: 3 reminders per rolling 7 days, 48 h apart, none within 72 h after the debtor wrote."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.config import Caps
from scheduler.caps import QUIET_KINDS, REMINDER_KINDS, caps_allow, earliest_by_caps

CAPS = Caps()
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def test_no_history_allows_at_once() -> None:
    assert earliest_by_caps(CAPS, after=T0, reminders=[]) == T0


def test_48_hours_between_two_reminders() -> None:
    assert earliest_by_caps(CAPS, after=T0 + H, reminders=[T0]) == T0 + 48 * H
    assert not caps_allow(CAPS, T0 + 48 * H - timedelta(seconds=1), reminders=[T0])
    assert caps_allow(CAPS, T0 + 48 * H, reminders=[T0])


def test_gap_holds_towards_a_planned_later_reminder_too() -> None:
    assert not caps_allow(CAPS, T0, reminders=[T0 + 47 * H])
    assert caps_allow(CAPS, T0, reminders=[T0 + 48 * H])


def test_at_most_three_in_any_rolling_seven_days() -> None:
    sent = [T0, T0 + 2 * D, T0 + 4 * D]
    # the 48 h gap alone would allow T0 + 6 days; the rolling week pushes it to T0 + 7 days
    assert earliest_by_caps(CAPS, after=T0 + 4 * D, reminders=sent) == T0 + 7 * D
    assert not caps_allow(CAPS, T0 + 7 * D - timedelta(seconds=1), reminders=sent)


def test_rolling_week_looks_at_every_window_not_only_the_last() -> None:
    # a reminder slipped between two others must not make four within a week
    sent = [T0, T0 + 2 * D, T0 + 6 * D]
    assert not caps_allow(CAPS, T0 + 4 * D, reminders=sent)
    assert earliest_by_caps(CAPS, after=T0 + 3 * D, reminders=sent) == T0 + 8 * D


def test_no_scenario_reminder_within_72_hours_after_the_debtor_wrote() -> None:
    wrote = T0 + 5 * D
    assert earliest_by_caps(CAPS, after=wrote + H, reminders=[T0], last_inbound=wrote) == wrote + 72 * H
    # an installment notice the debtor agreed to is not held back by the quiet period
    assert earliest_by_caps(CAPS, after=wrote + H, reminders=[T0], last_inbound=wrote, quiet=False) == wrote + H


def test_custom_caps() -> None:
    strict = Caps(max_per_rolling_7_days=1, min_hours_between=0, quiet_hours_after_inbound=0)
    assert earliest_by_caps(strict, after=T0 + H, reminders=[T0]) == T0 + 7 * D
    assert earliest_by_caps(strict, after=T0 + H, reminders=[], last_inbound=T0 + H) == T0 + H


def test_kinds() -> None:
    assert QUIET_KINDS < REMINDER_KINDS
    assert "reply" not in REMINDER_KINDS and "installment_reminder" not in QUIET_KINDS


# --------------------------------------------------------------------------- properties

offsets = st.integers(0, 30 * 24 * 60)  # minutes within a month


@settings(max_examples=400, deadline=None)
@given(
    history=st.lists(offsets, max_size=8),
    after=offsets,
    inbound=st.none() | offsets,
    quiet=st.booleans(),
    probes=st.lists(st.floats(0, 1, exclude_max=True), max_size=6),
)
def test_earliest_is_allowed_and_minimal(
    history: list[int], after: int, inbound: int | None, quiet: bool, probes: list[float]
) -> None:
    reminders = [T0 + timedelta(minutes=m) for m in history]
    start = T0 + timedelta(minutes=after)
    last_inbound = None if inbound is None else T0 + timedelta(minutes=inbound)
    found = earliest_by_caps(CAPS, after=start, reminders=reminders, last_inbound=last_inbound, quiet=quiet)
    assert found >= start
    assert caps_allow(CAPS, found, reminders=reminders, last_inbound=last_inbound, quiet=quiet)
    for p in probes:
        probe = min(start + (found - start) * p, found - timedelta(microseconds=1))
        if probe >= start:
            assert not caps_allow(CAPS, probe, reminders=reminders, last_inbound=last_inbound, quiet=quiet)


@settings(max_examples=300, deadline=None)
@given(
    sweeps=st.lists(st.integers(1, 36 * 60), min_size=1, max_size=60),
    inbound=st.lists(st.integers(0, 60 * 24 * 60), max_size=6),
)
def test_caps_hold_over_random_sequences_of_sweeps(sweeps: list[int], inbound: list[int]) -> None:
    """A sweep sends whenever the caps allow at that instant; the resulting history keeps every cap."""
    wrote = sorted(T0 + timedelta(minutes=m) for m in inbound)
    sent: list[datetime] = []
    now = T0
    for gap in sweeps:
        now += timedelta(minutes=gap)
        last_inbound = max((w for w in wrote if w <= now), default=None)
        if earliest_by_caps(CAPS, after=now, reminders=sent, last_inbound=last_inbound) == now:
            sent.append(now)
    for a, b in itertools.pairwise(sent):
        assert b - a >= 48 * H
    for i in range(len(sent) - 3):
        assert sent[i + 3] - sent[i] >= 7 * D
    for s in sent:
        assert not any(w <= s < w + 72 * H for w in wrote)
