"""The reminder scenario: steps in days after the due date, then escalation.

Steps are numbered from 1 (`Case.last_step` = 0 means none sent yet). A step is due from the start
of its day in the debtor's local time. Catching up: a case late for several steps (imported late,
or after downtime) gets only the latest due step, once; the skipped ones are never sent.
"""

from __future__ import annotations

from datetime import date, timedelta

from relance.core.config import Scenario


def step_on(scenario: Scenario, due_date: date, step: int) -> date:
    """The day step `step` (1-based) becomes due."""
    return due_date + timedelta(days=scenario.steps[step - 1])


def due_step(scenario: Scenario, *, due_date: date, last_step: int, today: date) -> int | None:
    """The latest step whose day has come and that is after `last_step`, or None."""
    latest = None
    for number in range(last_step + 1, len(scenario.steps) + 1):
        if step_on(scenario, due_date, number) <= today:
            latest = number
    return latest


def next_step_on(scenario: Scenario, *, due_date: date, last_step: int) -> date | None:
    """The day the step after `last_step` becomes due, or None after the last step."""
    if last_step >= len(scenario.steps):
        return None
    return step_on(scenario, due_date, last_step + 1)


def is_last(scenario: Scenario, step: int) -> bool:
    """Whether `step` is the scenario's last (the one announcing the formal notice)."""
    return step >= len(scenario.steps)


def escalation_on(scenario: Scenario, *, due_date: date, last_sent_on: date | None) -> date:
    """When a case that got the last step without paying is flagged for a formal notice.

    `escalate_after_days` after the last step's day, or after the day it actually went out when that
    was later (a debtor always gets the full delay after the message announcing the notice).
    """
    last_day = step_on(scenario, due_date, len(scenario.steps))
    if last_sent_on is not None and last_sent_on > last_day:
        last_day = last_sent_on
    return last_day + timedelta(days=scenario.escalate_after_days)
