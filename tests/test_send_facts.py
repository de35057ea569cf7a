"""The dispatcher's one-statement read of the send-time facts (PostgreSQL) gives what `scheduler.snapshot` gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.events import GENESIS, chain_heads, record_event
from relance.core.models import Debt, Dispute, Flag, Installment, Message, OptOut, PaymentPlan, PromiseToPay
from scheduler import send_facts, snapshot
from tests import factories

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _reminder(case_id: int, debtor_id: int, kind: str, status: str, sent_at: datetime | None, key: str) -> Message:
    return Message(
        case_id=case_id, debtor_id=debtor_id, direction="out", channel="sms", author="scheduler", kind=kind, body="",
        status=status, sent_at=sent_at, idempotency_key=key, created_at=NOW - timedelta(days=30),
    )  # fmt: skip


def _portfolio(session: Session) -> list[int]:
    """Cases with one of each fact the re-check reads (and one with none)."""
    made = [factories.case_with_debt(session, telegram_chat_id=9000 + n if n % 2 else None) for n in range(6)]
    ids = [c.id for c in made if c.id is not None]
    plain, disputed, promised, planned, reminded, flagged = made
    session.add(Dispute(case_id=disputed.id, status="open"))  # type: ignore[arg-type]
    session.add(Dispute(case_id=promised.id, status="rejected"))  # type: ignore[arg-type]
    for n, status in enumerate(("broken", "pending", "pending")):
        session.add(PromiseToPay(case_id=promised.id, amount=Decimal("50.5") + n, currency="EUR",  # type: ignore[arg-type]
                                 due_on=date(2026, 12, 1 + n), status=status))  # fmt: skip
    plan = PaymentPlan(case_id=planned.id, total=Decimal("300"), currency="EUR", installment_count=3,  # type: ignore[arg-type]
                       frequency="monthly", status="active")  # fmt: skip
    session.add(plan)
    session.flush()
    for seq in (3, 1, 2):
        session.add(Installment(plan_id=plan.id, seq=seq, due_on=date(2026, 11 + seq // 3, 10 + seq),  # type: ignore[arg-type]
                                amount=Decimal("100.00"), paid_amount=Decimal("100.00") if seq == 1 else Decimal("0"),
                                status="paid" if seq == 1 else "due"))  # fmt: skip
    older = Decimal("12.345")
    assert planned.id is not None
    session.add(Debt(creditor_id=planned.creditor_id, case_id=planned.id, reference="INV-OLDER", amount=older,
                     balance=older, currency="EUR", due_date=date(2026, 9, 1), created_at=NOW,
                     updated_at=NOW))  # fmt: skip
    assert reminded.id is not None and reminded.debtor_id is not None
    for n, (kind, status, sent) in enumerate((
        ("reminder", "sent", NOW - timedelta(days=2)), ("reminder", "delivered", NOW - timedelta(days=20)),
        ("reminder", "undelivered", NOW - timedelta(days=1)), ("reminder", "queued", None),
        ("installment_missed", "sent", NOW - timedelta(days=40)), ("reply", "sent", NOW - timedelta(hours=1)),
    )):  # fmt: skip
        session.add(_reminder(reminded.id, reminded.debtor_id, kind, status, sent, f"k:{reminded.id}:{n}"))
    for reason in ("no_response", "court_procedure", "delivery_failed"):
        session.add(Flag(case_id=flagged.id, reason=reason, recommended_action="call"))  # type: ignore[arg-type]
    session.flush()
    for case_id in (disputed.id, promised.id, promised.id):
        record_event(session, case_id=case_id, kind="note", actor="test", at=NOW)  # type: ignore[arg-type]
    session.add(OptOut(debtor_id=flagged.debtor_id, channel="sms", address=_phone(session, flagged.debtor_id),
                       source="keyword", created_at=NOW - timedelta(days=1)))  # fmt: skip
    session.add(OptOut(debtor_id=plain.debtor_id, channel="sms", address=_phone(session, plain.debtor_id),
                       source="keyword", created_at=NOW - timedelta(days=1), active=False))  # fmt: skip
    session.commit()
    return ids


def _phone(session: Session, debtor_id: int | None) -> str:
    from relance.core.models import Debtor

    found = session.get(Debtor, debtor_id)
    assert found is not None and found.phone is not None
    return found.phone


def test_one_statement_reads_what_the_snapshot_reads(pg_engine: Engine) -> None:
    with Session(pg_engine) as session:
        ids = _portfolio(session)
    with pg_engine.connect() as conn:
        cases = snapshot.cases_by_id(conn, ids)
        rel = snapshot.related(conn, ids, now=NOW)
        debts = snapshot.open_debts(conn, ids)
        heads = {i: GENESIS for i in ids} | chain_heads(conn, ids)
        addresses = {a for row in cases.values() for a in row.addresses().values()} | {"+33700000000"}
        blocked = snapshot.opted_out(conn, addresses)
        conn.rollback()
        raw = conn.connection.driver_connection
        facts = send_facts.read(raw, ids, now=NOW)
        fast_blocked = send_facts.opted_out(raw, addresses)
        raw.rollback()  # type: ignore[union-attr]
    assert facts.cases == cases
    assert facts.debts == debts
    assert facts.heads == heads and len(set(heads.values())) == 3  # two cases with events, the rest at GENESIS
    assert fast_blocked == blocked and len(blocked) == 1
    assert facts.rel.recent.keys() == rel.recent.keys()
    assert {k: sorted(v) for k, v in facts.rel.recent.items()} == {k: sorted(v) for k, v in rel.recent.items()}
    for name in ("disputes", "promises", "plans", "installments", "reminded", "pending", "flagged", "steps_sent"):
        assert getattr(facts.rel, name) == getattr(rel, name), name
    # every kind of fact was there to compare
    assert rel.disputes and rel.promises and rel.installments and rel.reminded and rel.pending and rel.flagged
    assert rel.steps_sent and rel.recent and len(debts[ids[3]]) == 2
    assert all(isinstance(v, Decimal) for rows in facts.debts.values() for _, v, _, _ in rows)
    assert str(facts.debts[ids[3]][0][1]) == "12.345" and str(facts.cases[ids[0]].balance) == "600.00"
    with pg_engine.connect() as conn:  # the statement changed nothing
        assert conn.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one() == 6
