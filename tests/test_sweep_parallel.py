"""The PostgreSQL sweep works its batches on several connections at once: it must write exactly what a
sweep of one batch after the other writes, and a batch that fails must not be half-written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.config import RelanceConfig
from relance.core.db import make_engine
from relance.core.models import Agent, Case, Debtor, Dispute, Message, OptOut, PromiseToPay
from scheduler.sweep import SweepReport
from tests import factories
from tests.conftest_scheduler import NOW, sweep_at

ZONES = [
    ("FR", "fr", "Europe/Paris", "+3361{:07d}"),
    ("BE", "fr", "Europe/Brussels", "+32470{:06d}"),
    ("US", "en", "America/New_York", "+1212555{:04d}"),  # 10:00 in New York: open
    ("US", "en", "America/Los_Angeles", "+1415555{:04d}"),  # 07:00 in Los Angeles: closed, queued for 08:00
    ("GB", "en", "Europe/London", "+44770090{:04d}"),
]


def portfolio(session: Session, n: int = 48) -> None:
    """`n` cases of every kind a sweep tells apart, the same ones (ids, addresses) in any fresh database."""
    agent = Agent(email="agent@example.com", name="Agent", password_hash="x")
    session.add(agent)
    session.flush()
    for i in range(n):
        country, locale, zone, phone = ZONES[i % len(ZONES)]
        made = factories.case_with_debt(
            session,
            amount="4.00" if i % 11 == 3 else f"{100 + 7 * i}.50",
            # most are late enough for a step; every tenth is not due yet (it waits for its day)
            due=NOW.date() - timedelta(days=1) if i % 10 == 9 else date(2026, 11, 1) - timedelta(days=i % 9 * 4),
            reference=f"INV-{i:04d}",
            ref=f"D-{i:04d}",
            phone=phone.format(i),
            country=country,
            locale=locale,
            timezones=zone,
            telegram_chat_id=9000 + i if i % 4 == 1 else None,
        )
        kind = i % 8
        if kind == 2:
            session.add(Dispute(case_id=made.id, opened_at=NOW - timedelta(days=1)))  # type: ignore[arg-type]
        elif kind == 4:
            session.add(OptOut(channel="sms", address=phone.format(i), source="keyword", created_at=NOW))
        elif kind == 5:
            made.agent_id = agent.id
        elif kind == 6:
            debtor = session.get(Debtor, made.debtor_id)
            assert debtor is not None
            debtor.wrong_person = True
        elif kind == 7:
            broken = PromiseToPay(
                case_id=made.id,  # type: ignore[arg-type]
                amount=made.balance,
                currency="EUR",
                due_on=NOW.date() - timedelta(days=3),
                created_at=NOW - timedelta(days=6),
            )
            session.add(broken)
            made.status = "promised"
        if i % 13 == 12:
            made.status = "paid"
        session.add(made)
    session.commit()


def written(engine: Engine) -> tuple[list[Any], list[Any], list[Any]]:
    """What a sweep leaves behind: the outbox, every case's check time and step, the events."""
    with engine.connect() as conn:
        messages = conn.execute(
            sa.select(
                Message.case_id, Message.channel, Message.kind, Message.step, Message.to_address,  # type: ignore[arg-type]
                Message.idempotency_key, Message.not_before, Message.status,  # type: ignore[arg-type]
            ).order_by(Message.idempotency_key)  # type: ignore[arg-type]
        ).all()  # fmt: skip
        cases = conn.execute(
            sa.select(Case.id, Case.status, Case.next_check_at, Case.last_step).order_by(Case.id)  # type: ignore[arg-type]
        ).all()
        events = conn.execute(sa.text("SELECT case_id, kind, actor FROM event ORDER BY case_id, id")).all()
    return [tuple(m) for m in messages], [tuple(c) for c in cases], [tuple(e) for e in events]


def counts(report: SweepReport) -> dict[str, Any]:
    return {k: v for k, v in report.as_dict().items() if k not in ("seconds", "phases")}


def test_a_parallel_postgresql_sweep_writes_what_one_sqlite_sweep_writes(
    sqlite_url: str, pg_url: str, config: RelanceConfig
) -> None:
    engines = {"sqlite": make_engine(sqlite_url), "postgresql": make_engine(pg_url)}
    try:
        for engine in engines.values():
            with Session(engine, expire_on_commit=False) as session:
                portfolio(session)
        one = sweep_at(engines["sqlite"], config, batch_size=5)
        # ten batches on three connections: each thread takes batches as the others finish theirs
        parallel = sweep_at(engines["postgresql"], config, batch_size=5, connections=3)
        assert counts(parallel) == counts(one)
        assert parallel.batches == one.batches == 9  # 44 active cases of 48
        assert parallel.queued > 10 and parallel.stopped and parallel.waiting  # the portfolio is varied
        assert written(engines["postgresql"]) == written(engines["sqlite"])
        # and the next minute, nothing is due on either
        later = NOW + timedelta(minutes=1)
        assert sweep_at(engines["postgresql"], config, later, batch_size=5, connections=3).examined == 0
    finally:
        for engine in engines.values():
            engine.dispose()


def test_a_batch_that_fails_is_not_written_and_the_sweep_raises(pg_url: str, config: RelanceConfig) -> None:
    engine = make_engine(pg_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            portfolio(session, n=24)
        with engine.begin() as conn:
            (victim,) = conn.execute(sa.text("SELECT id FROM cases WHERE id = 9")).one()
            # the database refuses the outbox row of one case: its batch's transaction fails
            conn.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "IF NEW.case_id = 9 THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                sa.text("CREATE TRIGGER refuse BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION refuse()")
            )
        with pytest.raises(sa.exc.DBAPIError, match="refused for the test"):
            sweep_at(engine, config, batch_size=4, connections=2)
        messages, cases, _ = written(engine)
        by_id = {c[0]: c for c in cases}
        failed = range(9, 13)  # the batch of cases 9 to 12 (ids in order, four per batch)
        assert all(by_id[i][2] is None and by_id[i][3] == 0 for i in failed)  # nothing of it was written
        assert not [m for m in messages if m[0] in failed]
        assert by_id[victim][2] is None
        # batches already taken by the other connection went through whole
        done = {m[0] for m in messages}
        assert done and all(by_id[i][2] is not None for i in done)
    finally:
        engine.dispose()
