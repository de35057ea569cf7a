"""Scenario steps: anchors, order, gaps, catching up, escalation (pure, with hypothesis for the properties)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from messages.catalog import reminder_template_name
from relance.core.config import Caps, ContactPolicy, Creditor, Scenario
from scheduler.contact_window import contact_window
from scheduler.decision import Due, Escalate, Stop, Wait, decide
from scheduler.facts import CaseFacts
from scheduler.scenario import anchor_day, escalation_on, gap_before, is_last, next_step_on, step_on

DEFAULT = Scenario()
DUE = date(2026, 11, 1)
PARIS = ZoneInfo("Europe/Paris")
IBAN = "FR7630006000011234567890189"


def test_default_scenario() -> None:
    assert DEFAULT.steps == (3, 10, 20, 30)
    assert DEFAULT.escalate_after_days == 10
    assert DEFAULT.anchor == "due_date" and DEFAULT.min_reminders_before_notice == 2
    assert [step_on(DEFAULT, DUE, n) for n in (1, 2, 3, 4)] == [
        date(2026, 11, 4),
        date(2026, 11, 11),
        date(2026, 11, 21),
        date(2026, 12, 1),
    ]
    assert is_last(DEFAULT, 4) and not is_last(DEFAULT, 3)
    assert [gap_before(DEFAULT, n) for n in (1, 2, 3, 4)] == [timedelta(0), *(timedelta(days=d) for d in (7, 10, 10))]


@pytest.mark.parametrize(
    ("last_step", "last_sent_on", "expected"),
    [
        (0, None, date(2026, 11, 4)),  # step 1 on its day
        (1, date(2026, 11, 4), date(2026, 11, 11)),  # step 2 on its day
        (1, date(2026, 11, 25), date(2026, 12, 2)),  # imported late: step 2 a full gap (7 days) after step 1
        (3, date(2026, 12, 20), date(2026, 12, 30)),  # after downtime: never two steps close together
        (4, date(2026, 12, 1), None),  # the scenario is over
    ],
)
def test_next_step_waits_for_its_day_and_its_gap(last_step: int, last_sent_on: date | None, expected: date) -> None:
    assert next_step_on(DEFAULT, anchor=DUE, last_step=last_step, last_sent_on=last_sent_on) == expected


def test_anchors() -> None:
    placed = date(2026, 12, 10)
    assert anchor_day(DEFAULT, due_date=DUE, placed_on=placed) == DUE
    on_placement = DEFAULT.model_copy(update={"anchor": "placement"})
    assert anchor_day(on_placement, due_date=DUE, placed_on=placed) == placed
    first = DEFAULT.model_copy(update={"anchor": "first_contact"})
    # before anything was sent, step 1 is due on the placement day; later steps count from the first sent
    assert step_on(first, anchor_day(first, due_date=DUE, placed_on=placed), 1) == placed
    sent = date(2026, 12, 12)
    anchor = anchor_day(first, due_date=DUE, placed_on=placed, first_sent_on=sent)
    assert step_on(first, anchor, 2) == date(2026, 12, 19)


def test_escalation_after_the_last_step() -> None:
    assert escalation_on(DEFAULT, anchor=DUE, last_sent_on=None) == date(2026, 12, 11)
    assert escalation_on(DEFAULT, anchor=DUE, last_sent_on=date(2026, 12, 1)) == date(2026, 12, 11)
    # the last step went out late: the debtor still gets the full 10 days after it
    assert escalation_on(DEFAULT, anchor=DUE, last_sent_on=date(2026, 12, 4)) == date(2026, 12, 14)


def test_validation() -> None:
    with pytest.raises(ValidationError):
        Scenario(steps=(10, 3))
    with pytest.raises(ValidationError):
        Scenario(steps=())
    with pytest.raises(ValidationError, match="min_reminders_before_notice"):
        Scenario(steps=(5,))
    assert Scenario(steps=(5,), min_reminders_before_notice=1).steps == (5,)
    with pytest.raises(ValidationError):
        Scenario(anchor="tomorrow")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- decide() over a case's life


def _rules(plan: Scenario) -> Creditor:
    return Creditor(key="c", name="C", iban=IBAN, scenario=plan)


WINDOW = contact_window(_rules(DEFAULT), ContactPolicy(), country="FR", timezones="Europe/Paris")
START = datetime(2026, 11, 2, 7, 0, tzinfo=PARIS).astimezone(UTC)


def _life(plan: Scenario, *, overdue: int, hours: list[int], cancel_first: bool = False) -> list[tuple[str, object]]:
    """Sweeps at the given hours after START, each due message sent at once (or the first one cancelled).

    Returns what happened in order: ("sent", (instant, step)) and ("escalate", reason).
    """
    due = START.astimezone(PARIS).date() - timedelta(days=overdue)
    facts = CaseFacts(status="open", balance=Decimal("500"), due_date=due, placed_at=START)
    rules, caps, out = _rules(plan), Caps(), []
    now = START
    for hour in sorted(set(hours)):
        now = START + timedelta(hours=hour)
        d = decide(facts, rules=rules, caps=caps, window=WINDOW, now=now)
        if isinstance(d, Due):
            at = d.at
            if cancel_first:  # cancelled at send time: the step is released (scheduler.outbox._release_step)
                cancel_first = False
                continue
            recent = tuple(t for t in (*facts.reminders, at) if at - t < timedelta(days=7))
            facts = replace(
                facts,
                last_step=d.step or facts.last_step,
                last_sent_at=at,
                reminders=recent,
                steps_sent=facts.steps_sent + 1,
                first_step_sent_at=facts.first_step_sent_at or at,
                last_step_sent_at=at,
            )
            out.append(("sent", (at, d.step)))
        elif isinstance(d, Escalate):
            out.append(("escalate", d.reason))
            facts = replace(facts, flagged=facts.flagged | {d.reason})
    return out


SCENARIOS = st.builds(
    lambda steps, anchor, after: Scenario(steps=steps, anchor=anchor, escalate_after_days=after),
    st.lists(st.integers(0, 40), min_size=2, max_size=5, unique=True).map(lambda s: tuple(sorted(s))),
    st.sampled_from(["due_date", "placement", "first_contact"]),
    st.integers(0, 15),
)


@settings(max_examples=200, deadline=None)
@given(
    plan=SCENARIOS,
    overdue=st.integers(5, 120),
    hours=st.lists(st.integers(0, 130 * 24), min_size=1, max_size=150),
    cancel_first=st.booleans(),
)
def test_steps_go_in_order_with_their_gaps_whatever_the_anchor(
    plan: Scenario, overdue: int, hours: list[int], cancel_first: bool
) -> None:
    """Debts 5-120 days overdue, sweeps at random hours (gaps = downtime), any anchor.

    The first message is step 1 and never the last reminder's wording; steps go one by one; each
    waits its gap after the previous one actually sent; never two on one day; escalation only after
    `min_reminders_before_notice` reminders.
    """
    life = _life(plan, overdue=overdue, hours=hours, cancel_first=cancel_first)
    sent = [v for k, v in life if k == "sent"]
    event(f"{plan.anchor}: {len(sent)} sent")
    steps = [s for _, s in sent]
    assert steps == list(range(1, len(steps) + 1))
    if sent:
        assert reminder_template_name(1, len(plan.steps)) == "reminder_first"
    days = [t.astimezone(PARIS).date() for t, _ in sent]
    for (a, b), step in zip(itertools.pairwise(days), steps[1:], strict=False):
        assert b - a >= gap_before(plan, step) >= timedelta(days=1)
    for i, (kind, _) in enumerate(life):
        if kind == "escalate":
            assert sum(1 for k, _ in life[:i] if k == "sent") >= plan.min_reminders_before_notice


def test_a_debt_imported_long_overdue_opens_with_step_one() -> None:
    life = _life(DEFAULT, overdue=25, hours=list(range(0, 60 * 24, 6)))
    sent = [v for k, v in life if k == "sent"]
    assert [s for _, s in sent] == [1, 2, 3, 4]
    days = [t.astimezone(PARIS).date() for t, _ in sent]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    assert gaps[0] == 7 and all(g >= 10 for g in gaps[1:]) and max(gaps) <= 11  # a Sunday may add a day
    assert ("escalate", "no_response") in life


def test_no_escalation_when_too_few_reminders_left() -> None:
    """All steps queued but only one reached the debtor: a person is asked to reach them, no formal notice."""
    due = date(2026, 9, 1)
    facts = CaseFacts(
        status="open", balance=Decimal("500"), due_date=due, last_step=4, steps_sent=1,
        last_step_sent_at=datetime(2026, 10, 1, 9, tzinfo=UTC), last_sent_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
    )  # fmt: skip
    now = datetime(2026, 11, 10, 10, tzinfo=UTC)
    d = decide(facts, rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert d == Escalate("unreachable", "call_debtor")
    enough = decide(replace(facts, steps_sent=2), rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert enough == Escalate("no_response", "formal_notice")
    after = decide(replace(facts, flagged=frozenset({"unreachable"})), rules=_rules(DEFAULT), caps=Caps(),
                   window=WINDOW, now=now)  # fmt: skip
    assert after == Stop("awaiting_formal_notice")


def test_a_flag_waiting_for_a_person_holds_the_promise_follow_up() -> None:
    facts = CaseFacts(
        status="promised", balance=Decimal("500"), due_date=DUE, last_step=1, promise_id=9,
        promise_due=date(2026, 11, 10),
    )  # fmt: skip
    now = datetime(2026, 11, 14, 10, tzinfo=UTC)
    free = decide(facts, rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert isinstance(free, Due) and free.kind == "promise_followup"
    held = decide(replace(facts, flag_open=True), rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert held == Stop("awaiting_agent")


def test_a_flag_waiting_for_a_person_holds_the_missed_installment_reminder() -> None:
    from scheduler.facts import InstallmentFacts

    plan = (InstallmentFacts(id=7, due_on=date(2026, 11, 5), reminded_before=True),)
    facts = CaseFacts(status="plan", balance=Decimal("500"), due_date=DUE, plan_active=True, installments=plan)
    now = datetime(2026, 11, 9, 10, tzinfo=UTC)
    free = decide(facts, rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert isinstance(free, Due) and free.kind == "installment_missed"
    held = decide(replace(facts, flag_open=True), rules=_rules(DEFAULT), caps=Caps(), window=WINDOW, now=now)
    assert isinstance(held, Wait) and held.until is not None
    assert held.until.astimezone(PARIS).date() == date(2026, 11, 12)  # the day the plan breaks
