"""Scenario steps, catching up, escalation dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from relance.core.config import Scenario
from scheduler.scenario import due_step, escalation_on, is_last, next_step_on, step_on

DEFAULT = Scenario()
DUE = date(2026, 11, 1)


def test_default_scenario() -> None:
    assert DEFAULT.steps == (3, 10, 20, 30)
    assert DEFAULT.escalate_after_days == 10
    assert [step_on(DEFAULT, DUE, n) for n in (1, 2, 3, 4)] == [
        date(2026, 11, 4),
        date(2026, 11, 11),
        date(2026, 11, 21),
        date(2026, 12, 1),
    ]
    assert is_last(DEFAULT, 4) and not is_last(DEFAULT, 3)


@pytest.mark.parametrize(
    ("last_step", "today", "expected"),
    [
        (0, date(2026, 11, 3), None),  # day 2: nothing yet
        (0, date(2026, 11, 4), 1),  # day 3
        (1, date(2026, 11, 10), None),
        (1, date(2026, 11, 11), 2),
        (0, date(2026, 11, 25), 3),  # imported on day 24: only the latest due step, once
        (1, date(2026, 12, 5), 4),  # after downtime: skip 2 and 3
        (3, date(2026, 11, 30), None),
        (4, date(2027, 3, 1), None),  # the scenario is over
    ],
)
def test_due_step_catches_up_with_the_latest_only(last_step: int, today: date, expected: int | None) -> None:
    assert due_step(DEFAULT, due_date=DUE, last_step=last_step, today=today) == expected


def test_next_step_on() -> None:
    assert next_step_on(DEFAULT, due_date=DUE, last_step=0) == date(2026, 11, 4)
    assert next_step_on(DEFAULT, due_date=DUE, last_step=3) == date(2026, 12, 1)
    assert next_step_on(DEFAULT, due_date=DUE, last_step=4) is None


def test_escalation_after_the_last_step() -> None:
    assert escalation_on(DEFAULT, due_date=DUE, last_sent_on=None) == date(2026, 12, 11)
    assert escalation_on(DEFAULT, due_date=DUE, last_sent_on=date(2026, 12, 1)) == date(2026, 12, 11)
    # the last step went out late: the debtor still gets the full 10 days after it
    assert escalation_on(DEFAULT, due_date=DUE, last_sent_on=date(2026, 12, 4)) == date(2026, 12, 14)


def test_custom_scenario_and_validation() -> None:
    quick = Scenario(steps=(0, 7), escalate_after_days=0)
    assert due_step(quick, due_date=DUE, last_step=0, today=DUE) == 1
    assert escalation_on(quick, due_date=DUE, last_sent_on=None) == date(2026, 11, 8)
    with pytest.raises(ValidationError):
        Scenario(steps=(10, 3))
    with pytest.raises(ValidationError):
        Scenario(steps=())


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.integers(0, 60), min_size=1, max_size=6, unique=True).map(lambda s: tuple(sorted(s))),
    sweep_days=st.lists(st.integers(0, 90), min_size=1, max_size=40),
)
def test_catching_up_never_bursts(steps: tuple[int, ...], sweep_days: list[int]) -> None:
    """Sweeps on random days (gaps = downtime): at most one step per sweep, each once, in order."""
    plan = Scenario(steps=steps)
    last, sent = 0, []
    for day in sorted(set(sweep_days)):
        today = DUE + timedelta(days=day)
        step = due_step(plan, due_date=DUE, last_step=last, today=today)
        if step is not None:
            assert step_on(plan, DUE, step) <= today
            # nothing later than `step` is due: it is the latest
            assert step == len(steps) or step_on(plan, DUE, step + 1) > today
            sent.append((today, step))
            last = step
    assert [s for _, s in sent] == sorted({s for _, s in sent})
    assert len({d for d, _ in sent}) == len(sent)
    if sent and max(sweep_days) >= steps[-1]:
        assert last == len(steps)
