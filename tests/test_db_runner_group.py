"""`DbRunner.grouped`: a burst of transactions committed together on SQLite, each as if alone.

Each test runs on SQLite (group commit) and PostgreSQL (one transaction each, in the thread pool,
where concurrent transactions may commit in any order: there, order per case comes from locks).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.db_runner import GROUP_MAX, DbRunner
from relance.core.models import Message
from tests.conftest_web import Stack, stack

__all__ = ["stack"]


@pytest.fixture
def runner(engine: Engine) -> Iterator[DbRunner]:
    key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE burst (id {key}, label VARCHAR(20) NOT NULL UNIQUE)")
    db = DbRunner(engine)
    yield db
    db.close()
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE burst")


def _insert(conn: Connection, label: str) -> int:
    """Store `label`; how many rows this transaction sees then (the earlier ones of its group included)."""
    if label.startswith("bad"):
        conn.exec_driver_sql("INSERT INTO burst (label) VALUES ('poison')")  # written, then rolled back
        raise ValueError(label)
    conn.execute(sa.text("INSERT INTO burst (label) VALUES (:label)"), {"label": label})
    return int(conn.exec_driver_sql("SELECT count(*) FROM burst").scalar_one())


def _labels(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT label FROM burst ORDER BY id").scalars())


def test_a_burst_runs_in_arrival_order_and_answers_once_committed(engine: Engine, runner: DbRunner) -> None:
    commits: list[int] = []
    sa.event.listen(engine, "commit", lambda _conn: commits.append(1))

    async def one(label: str) -> tuple[int, int]:
        count = await runner.grouped(_insert, label)
        return count, len(_labels(engine))  # another connection: only what was committed

    async def burst() -> list[tuple[int, int]]:
        return await asyncio.gather(*(one(f"m{i}") for i in range(10)))

    answers = asyncio.run(burst())
    assert all(committed >= count for count, committed in answers)  # answered once committed
    counts = [count for count, _ in answers]
    if engine.dialect.name == "sqlite":
        assert counts == list(range(1, 11))  # each saw the ones before it, in the order they came
        assert _labels(engine) == [f"m{i}" for i in range(10)]
        assert len(commits) == 1  # one commit for the burst
    else:
        assert sorted(_labels(engine)) == sorted(f"m{i}" for i in range(10)) and len(commits) == 10


def test_a_failing_transaction_fails_alone_and_nothing_is_stored_twice(engine: Engine, runner: DbRunner) -> None:
    async def burst() -> list[int | BaseException]:
        labels = ["m0", "m1", "bad2", "m3", "m4"]
        return await asyncio.gather(*(runner.grouped(_insert, label) for label in labels), return_exceptions=True)

    results = asyncio.run(burst())
    assert isinstance(results[2], ValueError) and str(results[2]) == "bad2"
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 2)
    # the failing one's write rolled back, the others stored once each
    assert sorted(_labels(engine)) == ["m0", "m1", "m3", "m4"]
    if engine.dialect.name == "sqlite":
        assert [r for i, r in enumerate(results) if i != 2] == [1, 2, 3, 4]
        assert _labels(engine) == ["m0", "m1", "m3", "m4"]


def test_a_burst_larger_than_a_group_is_committed_in_several(engine: Engine, runner: DbRunner) -> None:
    count = GROUP_MAX * 2 + 3

    async def burst() -> list[int]:
        return await asyncio.gather(*(runner.grouped(_insert, f"m{i}") for i in range(count)))

    counts = asyncio.run(burst())
    assert sorted(_labels(engine)) == sorted(f"m{i}" for i in range(count))
    if engine.dialect.name == "sqlite":
        assert counts == list(range(1, count + 1)) and _labels(engine) == [f"m{i}" for i in range(count)]


def test_a_burst_of_one_debtors_sms_with_retries_is_stored_once_each(stack: Stack) -> None:
    """Concurrent webhooks of one debtor, each sent twice (a provider's retries): one row each, same answers."""
    phone = stack.phone_of(stack.case())
    sids = [f"SM{i:032x}" for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda sid: stack.sms(from_=phone, body="INFO", sid=sid), sids * 2))
    assert all(a.status_code == 200 for a in answers)
    assert [a.text for a in answers[:8]] == [a.text for a in answers[8:]]  # a retry gets the first answer
    inbound = stack.messages(direction="in")
    assert sorted(m.provider_id for m in inbound) == sids
    assert stack.count(Message) == len(inbound) + sum(a.text.count("<Message>") for a in answers[:8])
