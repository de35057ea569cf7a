"""Follow-ups outside the scenario: installments, promises, formal-notice deadlines (pure dates).

- installment reminder 2 days before each due date (only while the date is still ahead);
- a missed installment gets one reminder 3 days after its date, and breaks the plan 7 days after;
- a promise protects the debtor until the end of its date plus one grace day; if it is not kept by
  then, one follow-up goes out the day after, and the scenario resumes;
- a formal notice whose deadline has passed unpaid calls for the court procedure (a human decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.facts import InstallmentFacts

INSTALLMENT_NOTICE_DAYS = 2
MISSED_REMINDER_DAYS = 3
PLAN_BROKEN_DAYS = 7
PROMISE_GRACE_DAYS = 1

BEFORE = "installment_reminder"
MISSED = "installment_missed"
BROKEN = "broken_plan"


@dataclass(frozen=True, slots=True)
class PlanStep:
    """What an active plan needs next: `kind` (BEFORE, MISSED or BROKEN) on `on`, for installment `ref`."""

    on: date
    kind: str
    ref: int


def plan_steps(installments: Sequence[InstallmentFacts], today: date) -> list[PlanStep]:
    """Every follow-up still to come for the unpaid installments, earliest first."""
    steps = []
    for inst in installments:
        if inst.paid:
            continue
        if not inst.reminded_before and today < inst.due_on:
            steps.append(PlanStep(inst.due_on - timedelta(days=INSTALLMENT_NOTICE_DAYS), BEFORE, inst.id))
        if not inst.reminded_missed:
            steps.append(PlanStep(inst.due_on + timedelta(days=MISSED_REMINDER_DAYS), MISSED, inst.id))
        steps.append(PlanStep(inst.due_on + timedelta(days=PLAN_BROKEN_DAYS), BROKEN, inst.id))
    # on the same day, breaking the plan wins over reminding it
    return sorted(steps, key=lambda s: (s.on, s.kind != BROKEN, s.ref))


def next_plan_step(installments: Sequence[InstallmentFacts], today: date) -> PlanStep | None:
    """The plan's next follow-up: a broken plan first, else the earliest reminder, else None."""
    steps = plan_steps(installments, today)
    broken = [s for s in steps if s.kind == BROKEN and s.on <= today]
    return broken[0] if broken else (steps[0] if steps else None)


def promise_followup_on(promise_due: date) -> date:
    """The day a promise not kept by its date (plus the grace day) gets its one follow-up."""
    return promise_due + timedelta(days=PROMISE_GRACE_DAYS + 1)


def court_procedure_on(notice_deadline: date) -> date:
    """The day after a formal notice's deadline, when an unpaid case is flagged for court."""
    return notice_deadline + timedelta(days=1)


def broken_on(installments: Sequence[InstallmentFacts], installment_id: int | None) -> date | None:
    """The day the installment `installment_id` breaks the plan if still unpaid, or None."""
    for inst in installments:
        if inst.id == installment_id and not inst.paid:
            return inst.due_on + timedelta(days=PLAN_BROKEN_DAYS)
    return None
