"""Follow-ups, pure: installments, promises, formal-notice deadlines (and how decide() uses them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from relance.core.config import Caps, ContactPolicy, Creditor
from scheduler import followups
from scheduler.contact_window import contact_window
from scheduler.decision import Due, Escalate, Stop, Wait, decide
from scheduler.facts import CaseFacts, InstallmentFacts

PARIS = ZoneInfo("Europe/Paris")
RULES = Creditor(key="c", name="C", iban="FR7630006000011234567890189")
FR = contact_window(RULES, ContactPolicy(), country="FR", timezones="Europe/Paris")
FIRST = InstallmentFacts(id=11, due_on=date(2026, 12, 1))
SECOND = InstallmentFacts(id=12, due_on=date(2027, 1, 1))
PLAN = CaseFacts(
    status="plan",
    balance=Decimal("600"),
    due_date=date(2026, 11, 1),
    last_step=1,
    plan_active=True,
    installments=(FIRST, SECOND),
)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc,arg-type]


def run(facts: CaseFacts, now: datetime) -> object:
    return decide(facts, rules=RULES, caps=Caps(), window=FR, now=now)


def test_plan_steps_in_order() -> None:
    steps = followups.plan_steps([FIRST, SECOND], date(2026, 11, 20))
    assert [(s.on, s.kind, s.ref) for s in steps] == [
        (date(2026, 11, 29), "installment_reminder", 11),
        (date(2026, 12, 4), "installment_missed", 11),
        (date(2026, 12, 8), "broken_plan", 11),
        (date(2026, 12, 30), "installment_reminder", 12),
        (date(2027, 1, 4), "installment_missed", 12),
        (date(2027, 1, 8), "broken_plan", 12),
    ]


def test_paid_installments_need_nothing_and_late_notices_are_dropped() -> None:
    paid = replace(FIRST, paid=True)
    assert [s.ref for s in followups.plan_steps([paid, SECOND], date(2026, 12, 2))] == [12, 12, 12]
    # the notice before the date is pointless once the date has come
    kinds = [s.kind for s in followups.plan_steps([FIRST], date(2026, 12, 1))]
    assert kinds == ["installment_missed", "broken_plan"]


def test_next_plan_step_prefers_breaking() -> None:
    late = replace(FIRST, reminded_before=True)
    assert followups.next_plan_step([late, SECOND], date(2026, 12, 8)) == followups.PlanStep(
        date(2026, 12, 8), "broken_plan", 11
    )
    assert followups.next_plan_step([], date(2026, 12, 8)) is None


def test_installment_notice_two_days_before_inside_the_window() -> None:
    # 29 Nov 2026 is a Sunday: the notice goes Monday 30 Nov at 08:00
    assert run(PLAN, paris(2026, 11, 29, 10, 0)) == Due(
        at=paris(2026, 11, 30, 8, 0), kind="installment_reminder", ref=11
    )
    assert run(PLAN, paris(2026, 11, 20, 10, 0)) == Wait(paris(2026, 11, 29, 0, 0))


def test_missed_installment_reminder_then_broken_plan() -> None:
    noticed = replace(PLAN, installments=(replace(FIRST, reminded_before=True), SECOND))
    assert run(noticed, paris(2026, 12, 2, 10, 0)) == Wait(paris(2026, 12, 4, 0, 0))
    assert run(noticed, paris(2026, 12, 4, 10, 0)) == Due(
        at=paris(2026, 12, 4, 10, 0), kind="installment_missed", ref=11
    )
    reminded = replace(noticed, installments=(replace(FIRST, reminded_before=True, reminded_missed=True), SECOND))
    assert run(reminded, paris(2026, 12, 5, 10, 0)) == Wait(paris(2026, 12, 8, 0, 0))
    assert run(reminded, paris(2026, 12, 8, 0, 1)) == Escalate("broken_plan", "call_debtor", ref=11)


def test_plan_allows_only_installment_messages() -> None:
    # scenario step 3 would be due on 21 Nov, but a plan is active: nothing but its own follow-ups
    assert run(PLAN, paris(2026, 11, 21, 10, 0)) == Wait(paris(2026, 11, 29, 0, 0))


def test_promise_silences_until_the_grace_day_is_over_then_one_followup() -> None:
    promised = CaseFacts(
        status="promised",
        balance=Decimal("600"),
        due_date=date(2026, 11, 1),
        last_step=1,
        promise_id=7,
        promise_due=date(2026, 11, 19),
    )
    assert followups.promise_followup_on(date(2026, 11, 19)) == date(2026, 11, 21)
    # step 2 (11 Nov) would be due: the promise holds it back
    assert run(promised, paris(2026, 11, 12, 10, 0)) == Wait(paris(2026, 11, 21, 0, 0))
    assert run(promised, paris(2026, 11, 20, 19, 0)) == Wait(paris(2026, 11, 21, 0, 0))
    assert run(promised, paris(2026, 11, 21, 9, 0)) == Due(at=paris(2026, 11, 21, 9, 0), kind="promise_followup", ref=7)


def test_paid_promise_or_plan_stops_everything() -> None:
    assert run(replace(PLAN, balance=Decimal("0")), paris(2026, 12, 8, 10, 0)) == Stop("paid")
