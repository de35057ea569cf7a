"""The reminder scenario: ordered steps, counted from the creditor's anchor, then escalation.

Steps are numbered from 1 (`Case.last_step` = 0 means none sent yet). Each scenario says what its
days count from (`Scenario.anchor`):
- `due_date`: the debt's due date (an SME reminding its own invoices);
- `placement`: the day the case was imported (an agency receiving debts long overdue);
- `first_contact`: the first reminder goes out on placement, the later ones count from the day it
  actually went out.

Whatever the anchor, steps go in order, one at a time: the first message a case ever gets is step 1
(the courteous one), and step n is due from the later of its own day (anchor + `steps[n-1]`) and the
day step n-1 actually went out plus the gap between the two steps (`steps[n-1] - steps[n-2]`, at
least one day). Catching up after downtime or a late import therefore never skips a step, never
sends two in one day, and never opens with the last reminder. A step is due from the start of its
day in the debtor's local time.

Escalation to the formal notice needs `min_reminders_before_notice` reminders that actually left,
then `escalate_after_days` after the last one.
"""

from __future__ import annotations

from datetime import date, timedelta

from relance.core.config import Scenario

DUE_DATE = "due_date"
PLACEMENT = "placement"
FIRST_CONTACT = "first_contact"


def anchor_day(
    scenario: Scenario, *, due_date: date, placed_on: date | None = None, first_sent_on: date | None = None
) -> date:
    """Day 0 of the scenario for one case (see the module docstring)."""
    if scenario.anchor == PLACEMENT and placed_on is not None:
        return placed_on
    if scenario.anchor == FIRST_CONTACT:
        start = first_sent_on or placed_on or due_date
        return start - timedelta(days=scenario.steps[0])
    return due_date


def step_on(scenario: Scenario, anchor: date, step: int) -> date:
    """The day step `step` (1-based) is scheduled for, counted from `anchor`."""
    return anchor + timedelta(days=scenario.steps[step - 1])


def gap_before(scenario: Scenario, step: int) -> timedelta:
    """The least time between step `step - 1` actually sent and step `step` (at least a day)."""
    if step <= 1:
        return timedelta(0)
    return timedelta(days=max(1, scenario.steps[step - 1] - scenario.steps[step - 2]))


def next_step(scenario: Scenario, *, last_step: int) -> int | None:
    """The step after `last_step`, or None when the scenario is over."""
    return last_step + 1 if last_step < len(scenario.steps) else None


def next_step_on(scenario: Scenario, *, anchor: date, last_step: int, last_sent_on: date | None) -> date | None:
    """The day the step after `last_step` is due: its own day, and its gap after the previous one sent."""
    step = next_step(scenario, last_step=last_step)
    if step is None:
        return None
    on = step_on(scenario, anchor, step)
    if step > 1 and last_sent_on is not None:
        on = max(on, last_sent_on + gap_before(scenario, step))
    return on


def is_last(scenario: Scenario, step: int) -> bool:
    """Whether `step` is the scenario's last (the one announcing the formal notice)."""
    return step >= len(scenario.steps)


def may_escalate(scenario: Scenario, *, sent: int) -> bool:
    """Whether enough reminders actually left for the case to be escalated to a formal notice."""
    return sent >= scenario.min_reminders_before_notice


def escalation_on(scenario: Scenario, *, anchor: date, last_sent_on: date | None) -> date:
    """When a case that got the last step without paying is flagged for a formal notice.

    `escalate_after_days` after the last step's day, or after the day it actually went out when that
    was later (a debtor always gets the full delay after the message announcing the notice).
    """
    last_day = step_on(scenario, anchor, len(scenario.steps))
    if last_sent_on is not None and last_sent_on > last_day:
        last_day = last_sent_on
    return last_day + timedelta(days=scenario.escalate_after_days)
