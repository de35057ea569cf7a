"""decide(): scenario steps inside the window and the caps; and the pure pipeline over random sweeps."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import event, given, settings
from hypothesis import strategies as st

from relance.core.config import Caps, ContactPolicy, Creditor, Window
from scheduler.caps import ROLLING
from scheduler.contact_window import ContactWindow, contact_window
from scheduler.decision import Due, Escalate, Stop, Wait, decide, recheck
from scheduler.facts import CaseFacts

PARIS = ZoneInfo("Europe/Paris")
RULES = Creditor(key="c", name="C", iban="FR7630006000011234567890189")
CAPS = Caps()
FR = contact_window(RULES, ContactPolicy(), country="FR", timezones="Europe/Paris")
DUE = date(2026, 11, 1)  # a Sunday; step 1 on Wednesday 4 November
OPEN = CaseFacts(status="open", balance=Decimal("600"), due_date=DUE)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc,arg-type]


def run(facts: CaseFacts, now: datetime, window: ContactWindow = FR) -> object:
    return decide(facts, rules=RULES, caps=CAPS, window=window, now=now)


def test_nothing_before_the_first_step_day() -> None:
    assert run(OPEN, paris(2026, 11, 3, 12, 0)) == Wait(paris(2026, 11, 4, 0, 0))


def test_first_step_due_at_the_window_opening() -> None:
    assert run(OPEN, paris(2026, 11, 4, 0, 5)) == Due(at=paris(2026, 11, 4, 8, 0), kind="reminder", step=1)
    assert run(OPEN, paris(2026, 11, 4, 9, 30)) == Due(at=paris(2026, 11, 4, 9, 30), kind="reminder", step=1)


def test_window_closed_now_gives_the_next_opening_not_a_loop() -> None:
    # Saturday 21 Nov 20:30 (step 3 day): closed until Monday 23 Nov 08:00
    late = replace(OPEN, last_step=2, reminders=(), last_sent_at=paris(2026, 11, 11, 10, 0))
    assert run(late, paris(2026, 11, 21, 20, 30)) == Due(at=paris(2026, 11, 23, 8, 0), kind="reminder", step=3)


def test_catch_up_starts_with_the_first_step() -> None:
    imported_late = run(OPEN, paris(2026, 11, 25, 10, 0))
    assert imported_late == Due(at=paris(2026, 11, 25, 10, 0), kind="reminder", step=1)


def test_caps_make_it_wait() -> None:
    sent = paris(2026, 11, 10, 10, 0)  # step 1; step 2 is due on the 17th (its gap of 7 days)
    followup = paris(2026, 11, 16, 10, 0)  # a promise follow-up counts for the caps
    recent = replace(OPEN, last_step=1, reminders=(sent, followup), last_sent_at=followup, last_step_sent_at=sent)
    assert run(recent, paris(2026, 11, 17, 9, 0)) == Wait(followup + timedelta(hours=48))
    wrote = paris(2026, 11, 13, 20, 0)
    quiet = replace(OPEN, last_step=1, last_inbound_at=wrote)
    assert run(quiet, paris(2026, 11, 14, 9, 0)) == Wait(wrote + timedelta(hours=72))
    # 72 h later is Monday 16 Nov 20:00, closed: due at Tuesday's opening
    assert run(quiet, wrote + timedelta(hours=72)) == Due(at=paris(2026, 11, 17, 8, 0), kind="reminder", step=2)


def test_one_reminder_in_the_outbox_at_a_time_and_pauses() -> None:
    assert run(replace(OPEN, pending_reminder=True), paris(2026, 11, 25, 10, 0)) == Wait(None)
    until = paris(2026, 11, 30, 0, 0)
    assert run(replace(OPEN, paused_until=until), paris(2026, 11, 25, 10, 0)) == Wait(until)


def test_stops_win() -> None:
    assert run(replace(OPEN, dispute_open=True), paris(2026, 11, 25, 10, 0)) == Stop("dispute")
    opted_out = replace(OPEN, channels=(), opted_out=frozenset({"sms"}))
    assert run(opted_out, paris(2026, 11, 25, 10, 0)) == Stop("opted_out")
    assert run(replace(OPEN, balance=Decimal("3")), paris(2026, 11, 25, 10, 0)) == Stop("under_tolerance")


def test_escalation_after_last_step() -> None:
    sent = paris(2026, 12, 1, 10, 0)
    done = replace(OPEN, last_step=4, last_sent_at=sent, reminders=(sent,), steps_sent=4)
    assert run(done, paris(2026, 12, 5, 10, 0)) == Wait(paris(2026, 12, 11, 0, 0))
    assert run(done, paris(2026, 12, 11, 0, 0)) == Escalate("no_response", "formal_notice")
    flagged = replace(done, flagged=frozenset({"no_response"}))
    assert run(flagged, paris(2026, 12, 20, 10, 0)) == Stop("awaiting_formal_notice")
    # fewer than two reminders actually left: never flagged for a formal notice
    assert run(replace(done, steps_sent=1), paris(2026, 12, 11, 0, 0)) == Escalate("unreachable", "call_debtor")


def test_formal_notice_deadline() -> None:
    noticed = replace(OPEN, status="formal_notice_sent", last_step=4, notice_deadline=date(2026, 12, 20))
    assert run(noticed, paris(2026, 12, 18, 10, 0)) == Wait(paris(2026, 12, 21, 0, 0))
    assert run(noticed, paris(2026, 12, 21, 3, 0)) == Escalate("court_procedure", "court_procedure")
    flagged = replace(noticed, flagged=frozenset({"court_procedure"}))
    assert run(flagged, paris(2026, 12, 22, 10, 0)) == Stop("formal_notice_sent")
    assert run(replace(noticed, balance=Decimal("0")), paris(2026, 12, 22, 10, 0)) == Stop("paid")
    assert run(replace(noticed, dispute_open=True), paris(2026, 12, 22, 10, 0)) == Stop("dispute")


def test_several_zones_wait_for_the_last_to_reach_the_day() -> None:
    us = contact_window(RULES, ContactPolicy(), country="US", timezones="America/New_York America/Los_Angeles")
    # 4 Nov 04:00 UTC: New York is on 3 Nov 23:00, Los Angeles on 3 Nov 20:00
    assert run(OPEN, datetime(2026, 11, 4, 4, 0, tzinfo=UTC), us) == Wait(datetime(2026, 11, 4, 8, 0, tzinfo=UTC))
    # 4 Nov 08:00 UTC: both are on 4 Nov; the window opens at 08:00 in Los Angeles = 16:00 UTC
    assert run(OPEN, datetime(2026, 11, 4, 8, 0, tzinfo=UTC), us) == Due(
        at=datetime(2026, 11, 4, 16, 0, tzinfo=UTC), kind="reminder", step=1
    )


def test_no_common_window_stops() -> None:
    mornings = Window(start=time(9), end=time(12))
    apart = contact_window(mornings, ContactPolicy(), country="US", timezones="Europe/Paris America/New_York")
    assert run(OPEN, paris(2026, 11, 4, 10, 0), apart) == Stop("no_contact_window")


# --------------------------------------------------------------------------- the pipeline, pure

ZONES = ["Europe/Paris", "America/New_York", "America/Los_Angeles", "Europe/Paris America/New_York"]


@settings(max_examples=300, deadline=None)
@given(
    zones=st.sampled_from(ZONES),
    due_offset=st.integers(-40, 10),
    sweeps=st.lists(st.integers(1, 12 * 60), min_size=60, max_size=200),
    lag=st.integers(0, 600),
    inbound=st.lists(st.integers(0, 70 * 24 * 60), max_size=5),
)
def test_random_sweeps_and_dispatch_keep_window_caps_and_order(
    zones: str, due_offset: int, sweeps: list[int], lag: int, inbound: list[int]
) -> None:
    """Sweeps at random instants, a dispatcher lagging by `lag` minutes, random debtor messages.

    Around the DST changes of March 2026. Whatever happens: every reminder leaves inside the window,
    the caps hold (counting the debtor's messages at the instant they arrive), steps go in order,
    each at most once, and never before its day.
    """
    start = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    window = contact_window(RULES, ContactPolicy(), country="US" if "America" in zones else "FR", timezones=zones)
    due = date(2026, 3, 1) + timedelta(days=due_offset)
    wrote = sorted(start + timedelta(minutes=m) for m in inbound)
    facts = CaseFacts(status="open", balance=Decimal("600"), due_date=due)
    queued: tuple[datetime, int] | None = None  # (not_before, step)
    sent: list[tuple[datetime, int]] = []
    now = start
    for gap in sweeps:
        now += timedelta(minutes=gap)
        last_inbound = max((w for w in wrote if w <= now), default=None)
        facts = replace(facts, last_inbound_at=last_inbound, reminders=tuple(t for t, _ in sent if now - t < ROLLING))
        dispatch_at = now + timedelta(minutes=lag)
        if queued is not None and queued[0] <= dispatch_at:
            later = max((w for w in wrote if w <= dispatch_at), default=None)
            check = recheck(
                replace(facts, last_inbound_at=later), kind="reminder", rules=RULES, caps=CAPS, now=dispatch_at
            )
            if isinstance(check, Wait) or not window.is_allowed(dispatch_at):
                later_start = check.until if isinstance(check, Wait) and check.until else dispatch_at
                deferred = window.next_allowed(later_start)
                assert deferred is not None
                queued = (deferred, queued[1])
            else:
                assert check is None
                sent.append((dispatch_at, queued[1]))
                facts = replace(facts, last_sent_at=dispatch_at, pending_reminder=False)
                queued = None
            continue
        decision = decide(
            replace(facts, pending_reminder=queued is not None), rules=RULES, caps=CAPS, window=window, now=now
        )
        if isinstance(decision, Due):
            assert decision.at >= now and window.is_allowed(decision.at)
            assert decision.step is not None
            queued = (decision.at, decision.step)
            facts = replace(facts, last_step=decision.step)
    event(f"sent {len(sent)}")
    times = [t for t, _ in sent]
    assert all(window.is_allowed(t) for t in times)
    assert [s for _, s in sent] == sorted({s for _, s in sent})
    for t, step in sent:
        assert t.astimezone(window_zone(zones)).date() >= due + timedelta(days=RULES.scenario.steps[step - 1])
    for a, b in itertools.pairwise(times):
        assert b - a >= timedelta(hours=48)
    for i in range(len(times) - 3):
        assert times[i + 3] - times[i] >= ROLLING
    for t in times:
        assert not any(w <= t < w + timedelta(hours=72) for w in wrote)


def window_zone(zones: str) -> ZoneInfo:
    """The zone reaching a date last (westernmost) among the candidates used above."""
    return ZoneInfo(zones.split()[-1])


@settings(max_examples=300, deadline=None)
@given(
    last_step=st.integers(min_value=0, max_value=4),
    days=st.integers(min_value=0, max_value=90),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_an_open_flag_holds_every_scenario_reminder(last_step: int, days: int, minutes: int) -> None:
    """A case waiting for a person gets no scenario reminder, whatever the day, and one queued is cancelled."""
    now = paris(2026, 11, 2, 0, 0) + timedelta(days=days, minutes=minutes)
    sent = None if last_step == 0 else paris(2026, 11, 2, 10, 0)
    flagged = replace(OPEN, last_step=last_step, last_sent_at=sent, flag_open=True)
    decision = run(flagged, now)
    event(type(decision).__name__)
    assert not isinstance(decision, Due | Escalate)
    assert recheck(flagged, kind="reminder", rules=RULES, caps=CAPS, now=now) == Stop("awaiting_agent")
    if isinstance(run(replace(flagged, flag_open=False), now), Due | Escalate):
        assert decision == Stop("awaiting_agent")  # what would have gone is held, not postponed


def test_an_open_flag_lets_an_agreed_plan_be_reminded() -> None:
    from scheduler.facts import InstallmentFacts

    plan = (InstallmentFacts(id=7, due_on=date(2026, 12, 5)), InstallmentFacts(id=8, due_on=date(2027, 1, 5)))
    flagged = replace(OPEN, plan_active=True, installments=plan, flag_open=True)
    decision = run(flagged, paris(2026, 12, 3, 10, 0))
    assert isinstance(decision, Due) and decision.kind == "installment_reminder" and decision.ref == 7
    assert recheck(flagged, kind="installment_reminder", rules=RULES, caps=CAPS, now=paris(2026, 12, 3, 10, 0)) is None


SITUATIONS = [
    OPEN,
    replace(OPEN, last_step=1, last_sent_at=paris(2026, 11, 5, 10, 0)),
    replace(OPEN, last_step=4, last_step_sent_at=paris(2026, 11, 10, 10, 0), steps_sent=4),
    replace(OPEN, status="promised", promise_id=7, promise_due=date(2026, 11, 20)),
    replace(OPEN, paused_until=paris(2026, 12, 1, 0, 0)),
    replace(OPEN, status="formal_notice_sent", notice_deadline=date(2026, 11, 20)),
    replace(OPEN, flag_open=True),
    replace(OPEN, status="paid"),
]


@given(
    facts=st.sampled_from(SITUATIONS),
    balances=st.lists(st.decimals(min_value=-100, max_value=10_000, places=2), min_size=2, max_size=2),
    now=st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)),
)
@settings(max_examples=300, deadline=None)
def test_decide_reads_the_balance_only_through_its_standing(
    facts: CaseFacts, balances: list[Decimal], now: datetime
) -> None:
    """Two balances of one standing (paid, under the tolerance, enough to remind) decide alike: the sweep
    memoises decisions of plain cases on the standing, not the balance (`snapshot.row_facts_key`)."""
    from scheduler.stops import balance_standing

    first, second = (replace(facts, balance=b) for b in balances)
    if balance_standing(first.balance, RULES.tolerance) == balance_standing(second.balance, RULES.tolerance):
        assert run(first, now) == run(second, now)
