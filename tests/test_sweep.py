"""The sweep against SQLite and PostgreSQL: what it queues, when, and what it leaves alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.config import RelanceConfig
from relance.core.flags import resolve_flags
from relance.core.models import (
    Agent,
    Case,
    Debt,
    Debtor,
    Dispute,
    Flag,
    Installment,
    Message,
    OptOut,
    PaymentPlan,
    PromiseToPay,
)
from scheduler.snapshot import recheck_horizon
from scheduler.sweep import insert_outbox, outbox_row
from tests import factories
from tests.conftest_scheduler import NOW, case, events, outbox, sweep_at

DUE = date(2026, 11, 1)  # 23 days before NOW: steps 1 to 3 (days 3, 10, 20) have come, step 1 goes first


def new_case(session: Session, **kw: object) -> Case:
    made = factories.case_with_debt(session, due=kw.pop("due", DUE), **kw)  # type: ignore[arg-type]
    session.commit()
    return made


def test_due_cases_are_queued_once_with_their_key(engine: Engine, session: Session, config: RelanceConfig) -> None:
    a, b = new_case(session), new_case(session, telegram_chat_id=4242)
    report = sweep_at(engine, config)
    assert (report.examined, report.queued) == (2, 2)
    rows = outbox(engine)
    assert [(m.idempotency_key, m.kind, m.step, m.status, m.not_before) for m in rows] == [
        (f"reminder:{a.id}:1", "reminder", 1, "queued", NOW),  # catching up: the first step first
        (f"reminder:{b.id}:1", "reminder", 1, "queued", NOW),
    ]
    # telegram comes first in the default preference order when the debtor has a chat
    assert [(m.channel, m.to_address) for m in rows][1] == ("telegram", "4242")
    assert rows[0].channel == "sms" and rows[0].to_address and rows[0].to_address.startswith("+336")
    assert case(engine, a.id).last_step == 1
    assert case(engine, a.id).next_check_at == recheck_horizon(NOW)
    # the next sweep does not look at them again; a forced look finds the reminder still pending
    assert sweep_at(engine, config, NOW + timedelta(minutes=5)).examined == 0
    with engine.begin() as conn:
        conn.execute(sa.update(Case).values(next_check_at=None))
    again = sweep_at(engine, config, NOW + timedelta(minutes=10))
    assert (again.examined, again.queued) == (2, 0)
    assert len(outbox(engine)) == 2


def test_the_idempotency_key_makes_a_second_insert_a_no_op(engine: Engine, session: Session) -> None:
    made = new_case(session)
    from scheduler.snapshot import cases_by_id

    with engine.begin() as conn:
        row = cases_by_id(conn, [made.id])[made.id]  # type: ignore[list-item,index]
        values = outbox_row(row, channel="sms", kind="reminder", step=1, key="reminder:x:1", not_before=NOW, now=NOW)
        assert insert_outbox(conn, [values]) == 1
        assert insert_outbox(conn, [values, values]) == 0
    assert len(outbox(engine)) == 1


def test_a_closed_window_queues_for_its_next_opening(engine: Engine, session: Session, config: RelanceConfig) -> None:
    new_case(session)
    saturday_night = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)  # 21:30 in Paris
    sweep_at(engine, config, saturday_night)
    (message,) = outbox(engine)
    assert message.not_before == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris


def test_nothing_due_yet_sleeps_until_the_step_day(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session, due=date(2026, 11, 22))  # step 1 on 25 November
    report = sweep_at(engine, config)
    assert (report.queued, report.waiting) == (0, 1)
    assert case(engine, made.id).next_check_at == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # midnight in Paris


def test_sleep_lasts_until_the_day_at_most_a_week(engine: Engine, session: Session, config: RelanceConfig) -> None:
    soon = new_case(session, due=date(2026, 11, 23))  # step 1 on 26 November: sleeps until that day
    late = new_case(session, due=date(2026, 12, 20))
    sweep_at(engine, config)
    assert case(engine, soon.id).next_check_at == datetime(2026, 11, 25, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert case(engine, late.id).next_check_at == NOW + timedelta(days=7)


def test_new_rules_wake_every_active_case(engine: Engine, session: Session, config: RelanceConfig) -> None:
    new_case(session, due=date(2026, 11, 23))
    assert sweep_at(engine, config).examined == 1
    assert sweep_at(engine, config, NOW + timedelta(hours=1)).examined == 0  # asleep until 26 November
    # the creditor now reminds from the day after the due date: the case is decided again at once
    creditor = config.creditors[0]
    earlier = creditor.scenario.model_copy(update={"steps": (1, *creditor.scenario.steps[1:])})
    sooner = config.model_copy(update={"creditors": (creditor.model_copy(update={"scenario": earlier}),)})
    report = sweep_at(engine, sooner, NOW + timedelta(hours=2))
    assert (report.examined, report.queued) == (1, 1)
    assert sweep_at(engine, sooner, NOW + timedelta(hours=3)).examined == 0  # the same rules: nothing to wake


def test_imports_and_payments_wake_the_case(engine: Engine, session: Session, config: RelanceConfig) -> None:
    from relance.core.payments import record_payment

    made = new_case(session, due=date(2026, 11, 23))
    sweep_at(engine, config)
    assert case(engine, made.id).next_check_at is not None
    with Session(engine) as s:
        debt = s.execute(sa.select(Debt).where(Debt.case_id == made.id)).scalar_one()  # type: ignore[arg-type]
        record_payment(s, debt=debt, amount=Decimal("100.00"), paid_on=NOW.date(), at=NOW, source="test")
        s.commit()
    assert case(engine, made.id).next_check_at is None


def test_stop_conditions_queue_nothing(engine: Engine, session: Session, config: RelanceConfig) -> None:
    disputed = new_case(session)
    session.add(Dispute(case_id=disputed.id, opened_at=NOW))  # type: ignore[arg-type]
    new_case(session, amount="4.00")
    held = new_case(session)
    agent = Agent(email="a@example.com", name="A", password_hash="x")
    session.add(agent)
    session.flush()
    held.agent_id = agent.id
    session.add(held)
    new_case(session, phone="+33611111111")
    session.add(OptOut(channel="sms", address="+33611111111", source="keyword", created_at=NOW))
    wrong = new_case(session)
    debtor = session.get(Debtor, wrong.debtor_id)
    assert debtor is not None
    debtor.wrong_person = True
    session.add(debtor)
    paid = new_case(session)
    paid.status = "paid"
    session.add(paid)
    session.commit()
    report = sweep_at(engine, config)
    assert report.queued == 0
    assert dict(report.stopped) == {
        "dispute": 1, "under_tolerance": 1, "agent": 1, "opted_out": 1, "wrong_person": 1,
    }  # fmt: skip
    assert report.examined == 5  # the paid case is not even looked at


def test_opted_out_of_one_channel_uses_the_other(engine: Engine, session: Session, config: RelanceConfig) -> None:
    new_case(session, telegram_chat_id=777)
    session.add(OptOut(channel="telegram", address="777", source="telegram_stop", created_at=NOW))
    session.commit()
    sweep_at(engine, config)
    (message,) = outbox(engine)
    assert message.channel == "sms"


def test_caps_delay_the_next_reminder(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session)
    step_sent, sent = NOW - timedelta(days=12), NOW - timedelta(hours=30)  # step 3's gap (10 days) has passed
    made.last_step, made.last_reminder_at = 2, sent
    session.add(made)
    session.add_all([
        Message(case_id=made.id, debtor_id=made.debtor_id, direction="out", channel="sms", author="bot",
                kind="reminder", step=2, body="…", status="sent", sent_at=step_sent, created_at=step_sent,
                idempotency_key=f"reminder:{made.id}:2"),
        # a promise follow-up 30 hours ago: the caps count it
        Message(case_id=made.id, debtor_id=made.debtor_id, direction="out", channel="sms", author="bot",
                kind="promise_followup", body="…", status="sent", sent_at=sent, created_at=sent,
                idempotency_key="promise:1:followup"),
    ])  # fmt: skip
    session.commit()
    report = sweep_at(engine, config)
    assert report.queued == 0
    assert case(engine, made.id).next_check_at == sent + timedelta(hours=48)


def test_quiet_after_the_debtor_wrote(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session)
    made.last_inbound_at = NOW - timedelta(hours=60)
    session.add(made)
    session.commit()
    sweep_at(engine, config)
    assert outbox(engine) == []
    assert case(engine, made.id).next_check_at == NOW + timedelta(hours=12)


def test_batches(engine: Engine, session: Session, config: RelanceConfig) -> None:
    for _ in range(5):
        new_case(session)
    report = sweep_at(engine, config, batch_size=2)
    assert (report.batches, report.examined, report.queued) == (3, 5, 5)


def test_unknown_time_zone_is_stopped_not_crashed(engine: Engine, session: Session, config: RelanceConfig) -> None:
    new_case(session, timezones="Mars/Olympus")
    new_case(session)
    report = sweep_at(engine, config)
    assert report.stopped["invalid_time_zone"] == 1 and report.queued == 1


def test_promise_not_kept_gets_one_followup_then_the_scenario(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    made = new_case(session)
    made.status, made.last_step = "promised", 2
    session.add(made)
    promise = PromiseToPay(
        case_id=made.id,  # type: ignore[arg-type]
        amount=Decimal("100"),
        currency="EUR",
        due_on=date(2026, 11, 20),
        created_at=NOW - timedelta(days=10),
    )
    session.add(promise)
    session.commit()
    sweep_at(engine, config)
    (message,) = outbox(engine)
    assert (message.kind, message.idempotency_key) == ("promise_followup", f"promise:{promise.id}:followup")
    with Session(engine) as s:
        kept = s.get(PromiseToPay, promise.id)
        assert kept is not None and kept.status == "broken" and kept.followed_up_at == NOW
    assert case(engine, made.id).status == "open"
    assert [e.kind for e in events(engine, "promise_broken")] == ["promise_broken"]


def test_pending_promise_holds_the_scenario(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session)
    session.add(
        PromiseToPay(case_id=made.id, amount=Decimal("100"), currency="EUR", due_on=date(2026, 11, 30), created_at=NOW)  # type: ignore[arg-type]
    )
    session.commit()
    sweep_at(engine, config)
    assert outbox(engine) == []
    # asleep until the follow-up day after the promised date's grace, at most a week (a payment wakes it)
    assert case(engine, made.id).next_check_at == recheck_horizon(NOW, durable=True)


def _plan(session: Session, made: Case, *dues: date) -> list[Installment]:
    plan = PaymentPlan(
        case_id=made.id,  # type: ignore[arg-type]
        total=Decimal("600"),
        currency="EUR",
        installment_count=len(dues),
        frequency="monthly",
        status="active",
    )
    session.add(plan)
    session.flush()
    rows = [Installment(plan_id=plan.id, seq=i, due_on=d, amount=Decimal("300")) for i, d in enumerate(dues, 1)]  # type: ignore[arg-type]
    session.add_all(rows)
    made.status = "plan"
    session.add(made)
    session.commit()
    return rows


def test_installment_notice_two_days_before(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session)
    first, _ = _plan(session, made, date(2026, 11, 26), date(2026, 12, 26))
    sweep_at(engine, config)
    (message,) = outbox(engine)
    assert (message.kind, message.idempotency_key) == ("installment_reminder", f"installment:{first.id}:before")
    # sent, then nothing until the missed-installment reminder 3 days after the date
    with engine.begin() as conn:
        conn.execute(sa.update(Message).values(status="sent", sent_at=NOW))
        conn.execute(sa.update(Case).values(next_check_at=None))
    sweep_at(engine, config, NOW + timedelta(days=2))
    assert len(outbox(engine)) == 1
    sweep_at(engine, config, datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    assert [m.idempotency_key for m in outbox(engine)][1:] == [f"installment:{first.id}:missed"]


def test_broken_plan_is_flagged_and_the_debtor_told(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session)
    _plan(session, made, date(2026, 11, 10), date(2026, 12, 10))  # first one 14 days late
    report = sweep_at(engine, config)
    assert report.escalated["broken_plan"] == 1
    with Session(engine) as s:
        plan = s.execute(sa.select(PaymentPlan)).scalar_one()
        flag = s.execute(sa.select(Flag)).scalar_one()
    assert plan.status == "broken"
    assert (flag.reason, flag.recommended_action) == ("broken_plan", "call_debtor")
    assert [m.kind for m in outbox(engine)] == ["plan_broken"]
    assert case(engine, made.id).status == "open"


def test_no_response_after_the_last_step_is_flagged_once(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    made = new_case(session, due=date(2026, 10, 1))
    made.last_step, made.last_reminder_at = 4, datetime(2026, 10, 31, 10, 0, tzinfo=UTC)
    session.add(made)
    for step, day in ((3, 21), (4, 31)):  # two reminders actually left: enough for a formal notice
        at = datetime(2026, 10, day, 10, 0, tzinfo=UTC)
        session.add(
            Message(case_id=made.id, debtor_id=made.debtor_id, direction="out", channel="sms", author="bot",
                    kind="reminder", step=step, body="…", status="delivered", sent_at=at, created_at=at,
                    idempotency_key=f"reminder:{made.id}:{step}")
        )  # fmt: skip
    session.commit()
    assert sweep_at(engine, config).escalated["no_response"] == 1
    again = sweep_at(engine, config, NOW + timedelta(hours=1))
    assert again.stopped["awaiting_formal_notice"] == 1
    with Session(engine) as s:
        flags = list(s.execute(sa.select(Flag)).scalars())
    assert [(f.reason, f.recommended_action) for f in flags] == [("no_response", "formal_notice")]
    # only an agent lifts this stop: the safety net passes weekly, and the agent's action wakes the case
    assert case(engine, made.id).next_check_at == recheck_horizon(NOW + timedelta(hours=1), durable=True)
    assert recheck_horizon(NOW, durable=True) == NOW + timedelta(days=7)
    with Session(engine) as s:
        current = s.get(Case, made.id)
        assert current is not None
        assert resolve_flags(s, case=current, at=NOW + timedelta(hours=2)) == 1
        s.commit()
    assert case(engine, made.id).next_check_at is None
    assert sweep_at(engine, config, NOW + timedelta(hours=3)).stopped["awaiting_formal_notice"] == 1


def test_stops_only_an_agent_lifts_sleep_a_week_others_a_day(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    disputed = new_case(session)
    session.add(Dispute(case_id=disputed.id, opened_at=NOW))  # type: ignore[arg-type]
    small = new_case(session, amount="4.00")  # under the tolerance: a new debt may be imported any day
    session.commit()
    sweep_at(engine, config)
    assert case(engine, disputed.id).next_check_at == NOW + timedelta(days=7)
    assert case(engine, small.id).next_check_at == NOW + timedelta(days=1)


def test_formal_notice_deadline_passed_unpaid(engine: Engine, session: Session, config: RelanceConfig) -> None:
    made = new_case(session, due=date(2026, 9, 1))
    made.status, made.last_step, made.notice_deadline = "formal_notice_sent", 4, date(2026, 11, 20)
    session.add(made)
    session.commit()
    assert sweep_at(engine, config).escalated["court_procedure"] == 1
    with Session(engine) as s:
        flag = s.execute(sa.select(Flag)).scalar_one()
    assert flag.recommended_action == "court_procedure"
    assert outbox(engine) == []


def test_a_case_waiting_for_a_person_gets_no_reminder_until_the_flag_is_resolved(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    from relance.core.flags import raise_flag

    made = new_case(session)
    raise_flag(session, case=made, reason="human_requested", at=NOW - timedelta(hours=1))
    session.commit()
    report = sweep_at(engine, config)
    assert (report.queued, dict(report.stopped)) == (0, {"awaiting_agent": 1})
    assert case(engine, made.id).next_check_at == recheck_horizon(NOW, durable=True)
    with Session(engine) as s:
        current = s.get(Case, made.id)
        assert current is not None
        resolve_flags(s, case=current, at=NOW + timedelta(minutes=5))
        s.commit()
    assert sweep_at(engine, config, NOW + timedelta(minutes=6)).queued == 1


def test_a_cancelled_step_is_released_and_queued_again_later(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    """A first reminder cancelled at send time does not count: the case opens with step 1 again, not step 2."""
    from scheduler import outbox as box

    made = new_case(session)
    sweep_at(engine, config)
    with Session(engine) as s:
        (claimed,) = box.claim(s, worker="w", now=NOW, lease=timedelta(minutes=10), limit=10)
        s.commit()
        assert box.cancel(s, claimed, worker="w", now=NOW, reason="promise_pending", scheduler_kind=True)
        s.commit()
    assert case(engine, made.id).last_step == 0
    (cancelled,) = outbox(engine)
    assert cancelled.status == "cancelled" and cancelled.idempotency_key == f"reminder:{made.id}:1:x{cancelled.id}"
    sweep_at(engine, config, NOW + timedelta(minutes=5))
    queued = [m for m in outbox(engine) if m.status == "queued"]
    assert [(m.step, m.idempotency_key) for m in queued] == [(1, f"reminder:{made.id}:1")]


def test_facts_of_a_case_nothing_else_mentions_are_those_of_the_full_look_up(engine: Engine, session: Session) -> None:
    """The sweep's shortcut for cases without related rows (`Related.seal`) builds the same facts."""
    from scheduler.snapshot import case_facts, cases_by_id, related

    plain = new_case(session)
    busy = new_case(session, telegram_chat_id=77)
    session.add(Dispute(case_id=busy.id, opened_at=NOW))  # type: ignore[arg-type]
    session.commit()
    with engine.connect() as conn:
        rows = cases_by_id(conn, [plain.id, busy.id])  # type: ignore[list-item]
        rel = related(conn, rows, now=NOW)
    assert rel.touched == {busy.id}
    for made in (plain, busy):
        row = rows[made.id]  # type: ignore[index]
        quick = case_facts(row, rel, enabled=("telegram", "sms"), blocked={})
        unsealed = replace(rel, touched=None)
        assert quick == case_facts(row, unsealed, enabled=("telegram", "sms"), blocked={})
    assert case_facts(rows[busy.id], rel, enabled=("sms",), blocked={}).dispute_open  # type: ignore[index]


def test_a_long_sparse_list_of_cases_finds_the_same_rows(engine: Engine, session: Session) -> None:
    """A sparse set of more than a few ids (bound as one JSON list on SQLite) selects exactly those cases."""
    from scheduler.snapshot import due_cases, related

    a, b, c = new_case(session), new_case(session), new_case(session)
    session.add(Dispute(case_id=b.id, opened_at=NOW))  # type: ignore[arg-type]
    session.commit()
    absent = [100_000 + 7 * k for k in range(80)]  # no such cases: a long, sparse list
    wanted = sorted([a.id, b.id, *absent])  # type: ignore[list-item]
    with engine.connect() as conn:
        rows = due_cases(conn, wanted, now=NOW)
        rel = related(conn, wanted, now=NOW)
    assert [r.id for r in rows] == [a.id, b.id] and c.id not in rel.touched  # type: ignore[operator]
    assert rel.disputes == {b.id}


def test_the_sweep_reads_each_case_with_its_own_debtor_as_the_plain_join_does(engine: Engine, session: Session) -> None:
    """`due_cases` (on PostgreSQL each debtor looked up by key in a LATERAL subquery, on SQLite the
    driver's rows) gives exactly the rows of the plain case-debtor join, for a list of ids and for an
    id range (the shape of a big batch), and leaves out the cases that are not active or not due."""
    from scheduler.snapshot import _CASE_COLUMNS, C, CaseRow, _case_select, _due_cases_query, due_cases

    made = []
    for k in range(6):
        factories.debtor(session)  # debtors between the cases' own: ids of cases and debtors differ
        made.append(new_case(session, telegram_chat_id=k if k % 2 else None, country="BE" if k == 3 else "FR"))
    wrong, mailed = session.get(Debtor, made[1].debtor_id), session.get(Debtor, made[2].debtor_id)
    wrong.wrong_person, mailed.email = True, "Someone@Example.com"  # type: ignore[union-attr]
    made[4].status, made[5].next_check_at = "paid", NOW + timedelta(hours=1)
    session.add_all([*made, wrong, mailed])
    session.commit()
    ids = [c.id for c in made]
    plain = _case_select().where(C.id.in_(ids), C.status != "paid", C.id != made[5].id).order_by(C.id)
    with engine.connect() as conn:
        expected = [CaseRow._make(row) for row in conn.execute(plain)]
        assert len(_CASE_COLUMNS) == len(CaseRow._fields) and len(expected) == 4
        for wanted in (ids, ids[:2] + ids[3:]):  # all, then a list with a gap
            assert due_cases(conn, sorted(wanted), now=NOW) == [row for row in expected if row.id in wanted]
        by_range = _due_cases_query("range", conn.dialect.name == "sqlite")
        params = {"lowest": min(ids), "highest": max(ids), "now": NOW}
        assert [CaseRow._make(row) for row in conn.execute(by_range, params)] == expected
    seen = [(r.wrong_person, r.email) for r in expected]
    assert seen == [(False, None), (True, None), (False, "Someone@Example.com"), (False, None)]


def test_plain_cases_decided_once_per_shared_key_each_get_their_own_message(
    engine: Engine, session: Session, config: RelanceConfig
) -> None:
    """Plain cases sharing what `decide` reads share one decision, never one message: each is queued
    with its own key and address, and a balance of another standing (under the tolerance, paid) or a
    later due date is decided for itself."""
    a, b = new_case(session, amount="600.00"), new_case(session, amount="1234.56")  # same standing
    small = new_case(session, amount="3.00")  # under the default tolerance of 5
    later = new_case(session, due=NOW.date() - timedelta(days=1))  # its first step's day has not come
    gone = new_case(session, telegram_chat_id=99)
    session.add(OptOut(channel="telegram", address="99", source="telegram_stop", created_at=NOW))
    session.commit()
    report = sweep_at(engine, config)
    assert report.stopped["under_tolerance"] == 1 and report.waiting == 1
    rows = outbox(engine)
    assert [(m.case_id, m.idempotency_key, m.step) for m in rows] == [
        (a.id, f"reminder:{a.id}:1", 1),
        (b.id, f"reminder:{b.id}:1", 1),
        (gone.id, f"reminder:{gone.id}:1", 1),
    ]
    assert len({m.to_address for m in rows}) == 3 and rows[2].channel == "sms"  # telegram opted out
    assert case(engine, small.id).last_step == 0 and case(engine, later.id).last_step == 0


def test_the_plain_decision_key_tells_apart_every_field_the_facts_read() -> None:
    """`row_facts_key` changes whenever `row_facts` gives other facts (the balance up to its standing),
    field by field: a field the facts read and the key forgot would make two cases share a decision."""
    from scheduler.snapshot import CaseRow, row_facts, row_facts_key
    from scheduler.stops import balance_standing

    base = CaseRow(
        id=1, creditor_id=1, status="open", currency="EUR", balance=Decimal("600"), due_date=DUE, last_step=0,
        last_reminder_at=None, last_inbound_at=None, paused_until=None, agent_id=None, notice_deadline=None,
        debtor_id=1, debtor_name="A", locale="fr", country="FR", timezones="Europe/Paris", phone="+33612345678",
        telegram_chat_id=None, wrong_person=False, flagged_at=None, opened_at=NOW, email=None,
    )  # fmt: skip
    changed: dict[str, object] = {
        "id": 2, "creditor_id": 2, "status": "promised", "currency": "USD", "balance": Decimal("3"),
        "due_date": DUE + timedelta(days=1), "last_step": 1, "last_reminder_at": NOW, "last_inbound_at": NOW,
        "paused_until": NOW, "agent_id": 3, "notice_deadline": DUE, "debtor_id": 2, "debtor_name": "B",
        "locale": "en", "country": "BE", "timezones": "Europe/Brussels", "phone": "+33699999999",
        "telegram_chat_id": 5, "wrong_person": True, "flagged_at": NOW, "opened_at": NOW - timedelta(days=1),
        "email": "b@example.com",
    }  # fmt: skip
    assert set(changed) == set(CaseRow._fields)
    tolerance = Decimal("5")

    def view(row: CaseRow) -> tuple[object, ...]:
        facts = row_facts(row, ("sms",), frozenset())
        return (replace(facts, balance=Decimal(0)), balance_standing(facts.balance, tolerance))

    for name, value in changed.items():
        other = base._replace(**{name: value})
        if view(other) != view(base):
            assert row_facts_key(other, ("sms",), frozenset(), tolerance) != row_facts_key(
                base, ("sms",), frozenset(), tolerance
            ), name
    same_standing = base._replace(balance=Decimal("9999.99"))
    assert row_facts_key(same_standing, ("sms",), frozenset(), tolerance) == row_facts_key(
        base, ("sms",), frozenset(), tolerance
    )


def test_the_sweep_keys_a_driver_row_as_its_case_row() -> None:
    """On SQLite the sweep keys plain cases on the driver's row (`facts_key`), with the balance's standing
    read from the stored number (`sweep._standing`): two rows with one key have one `row_facts_key` once
    read, field by field, and the standing is `balance_standing` of the balance as `read_money` reads it,
    at and around the tolerance, at zero, and for the integers and floats SQLite gives back."""
    from scheduler.raw_sqlite import read_money
    from scheduler.snapshot import FIELD, CaseRow, facts_key, row_facts_key, sqlite_case_row
    from scheduler.stops import balance_standing
    from scheduler.sweep import _standing

    raw = [
        1, 1, "open", "EUR", 600.0, "2026-11-01", 0, None, None, None, None, None, 1, "A", "fr", "FR",
        "Europe/Paris", "+33612345678", None, 0, None, "2026-11-01 09:00:00.000000", None,
    ]  # fmt: skip
    assert len(raw) == len(CaseRow._fields)
    changed = {
        "id": 2, "creditor_id": 2, "status": "promised", "currency": "USD", "balance": 3.0, "due_date": "2026-11-02",
        "last_step": 1, "last_reminder_at": "2026-11-20 10:00:00.000000", "last_inbound_at": "2026-11-20 10:00:00",
        "paused_until": "2026-11-30 09:00:00.000000", "agent_id": 3, "notice_deadline": "2026-11-10", "debtor_id": 2,
        "debtor_name": "B", "locale": "en", "country": "BE", "timezones": "Europe/Brussels", "phone": "+33699999999",
        "telegram_chat_id": 5, "wrong_person": 1, "flagged_at": "2026-11-20 10:00:00.000000",
        "opened_at": "2026-10-01 09:00:00.000000", "email": "b@example.com",
    }  # fmt: skip
    assert set(changed) == set(CaseRow._fields)
    tolerance = Decimal("5")
    standing = _standing(tolerance, sqlite=True)

    def keys(values: list[object]) -> tuple[tuple[object, ...], tuple[object, ...]]:
        row = sqlite_case_row(values)
        by_row = row_facts_key(row, ("sms",), frozenset(), tolerance)
        return facts_key(values, ("sms",), frozenset(), standing(values[FIELD["balance"]])), by_row

    base_raw, base_row = keys(raw)
    for name, value in changed.items():
        other = list(raw)
        other[FIELD[name]] = value
        other_raw, other_row = keys(other)
        assert (other_raw == base_raw) == (other_row == base_row), name
    for value in (0, 0.0, -0.0, -1, 0.01, 4, 4.99, 4.9999999, 5, 5.0, 5.0000001, 5.99, 6, 6.0, 1e300, 600.12):
        assert standing(value) == balance_standing(read_money(value), tolerance), value
    for tol in (Decimal(0), Decimal("-1"), Decimal("0.3"), Decimal("1e9")):
        for value in (0, 0.3, 0.29999999999999998, 1.3, 1.0000000001, 1e9, 1e9 + 1, 1e9 + 1.5):
            assert _standing(tol, sqlite=True)(value) == balance_standing(read_money(value), tol), (tol, value)


def test_reach_is_channels_for_of_every_combination_of_addresses_and_opt_outs() -> None:
    """`Reach` (the sweep's memoised `channels_for`) answers as `channels_for` for every debtor shape:
    each address present or not, opted out or not, e-mails spelt with spaces and capitals."""
    from itertools import product

    from scheduler.snapshot import CaseRow, Reach, channels_for

    base = CaseRow(
        id=1, creditor_id=1, status="open", currency="EUR", balance=Decimal("600"), due_date=DUE, last_step=0,
        last_reminder_at=None, last_inbound_at=None, paused_until=None, agent_id=None, notice_deadline=None,
        debtor_id=1, debtor_name="A", locale="fr", country="FR", timezones="Europe/Paris", phone=None,
        telegram_chat_id=None, wrong_person=False, flagged_at=None, opened_at=NOW, email=None,
    )  # fmt: skip
    blocked = {("sms", "+33600000002"): NOW, ("telegram", "12"): NOW, ("email", "b@example.com"): NOW}
    phones, chats = ("", None, "+33600000001", "+33600000002"), (None, 11, 12)
    emails = ("", None, "a@x", " B@Example.com")
    for enabled in (("telegram", "sms", "email"), ("sms",), ("email", "console", "sms")):
        for opted_out in (blocked, {}):
            reach = Reach(enabled, opted_out)
            for phone, chat, email in product(phones, chats, emails):
                row = base._replace(phone=phone, telegram_chat_id=chat, email=email)
                assert reach(phone, chat, email) == channels_for(row, enabled, opted_out), (enabled, row)


def test_reminder_keys_are_reminder_key() -> None:
    from scheduler.keys import reminder_key, reminder_keys

    assert [reminder_keys(step)(case_id) for step in (1, 4) for case_id in (1, 20_001)] == [
        reminder_key(case_id, step) for step in (1, 4) for case_id in (1, 20_001)
    ]
