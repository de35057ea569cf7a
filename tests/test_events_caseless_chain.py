"""Events without a case (sign-ins, accounts) form one chain that concurrent writers cannot fork."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.events import EVENT, GENESIS, event_to_dict, record_event, verify_chain
from relance.core.models import Event

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THREADS, EACH = 6, 5


def _caseless(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        query = sa.select(Event).where(Event.case_id.is_(None)).order_by(Event.id)  # type: ignore[union-attr]
        return list(session.execute(query).scalars())


def test_concurrent_appends_queue_instead_of_forking(engine: Engine) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def sign_ins(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with Session(engine) as session:
                    record_event(
                        session, case_id=None, kind="agent_signed_in", actor="agent", actor_id=n,
                        at=AT + timedelta(seconds=i), data={"client": f"10.0.0.{n}"},
                    )  # fmt: skip
                    session.commit()
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=sign_ins, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    chain = _caseless(engine)
    assert len(chain) == THREADS * EACH
    assert chain[0].prev_hash == GENESIS and verify_chain([event_to_dict(e) for e in chain]) == []
    assert len({e.prev_hash for e in chain}) == len(chain)  # one line, no fork


def test_the_database_refuses_a_fork_of_the_caseless_chain(engine: Engine) -> None:
    with Session(engine) as session:
        first = record_event(session, case_id=None, kind="agent_created", actor="cli", at=AT)
        session.commit()
    forked = {"case_id": None, "at": AT, "actor": "x", "actor_id": None, "kind": "forged", "data": {},
              "prev_hash": first.prev_hash, "hash": "f" * 64}  # fmt: skip
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(EVENT), forked)
