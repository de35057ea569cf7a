"""Helpers for the scheduler's database tests (sweep, dispatcher, processes).

Also a process entry point for the crash and concurrency tests:

    python -m tests.conftest_scheduler worker DB_URL CONFIG_TOML RECORDING_JSONL [LEASE_SECONDS [DIE_AFTER]]

runs a real `Dispatcher` on the system clock against `DB_URL`, sending through a file-backed
`RecordingChannel` (each message flushed and fsynced before the send returns), until the outbox
has nothing due, then exits 0. It prints `ready` once it has started. With DIE_AFTER = n, the
process kills itself with SIGKILL right after the channel accepted its n-th message: the worst
moment, after the provider took the message and before our commit. `forked_worker` runs the same
worker in a process forked by a `multiprocessing` fork server that imported this module once.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.recording import RecordingChannel
from messages.render import Renderer
from relance.core.clock import Clock, SystemClock
from relance.core.config import ContactPolicy, Creditor, RelanceConfig, Window, load_config
from relance.core.models import Case, Event, Message, MessageStatus
from scheduler.dispatch import Dispatcher, Retry
from scheduler.sweep import SweepReport, sweep

# Tuesday 24 November 2026, 10:00 UTC = 11:00 in Paris, 05:00 in New York
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ALWAYS = Window(start=time(0), end=time.max, weekdays=(1, 2, 3, 4, 5, 6, 7), public_holidays=False)


def sweep_at(engine: Engine, config: RelanceConfig, now: datetime = NOW, **kw: Any) -> SweepReport:
    return sweep(engine, config=config, now=now, **kw)


def outbox(engine: Engine, **where: Any) -> list[Message]:
    """Outbound messages, in id order (optionally filtered by column values)."""
    with Session(engine) as session:
        query = sa.select(Message).where(Message.direction == "out").order_by(Message.id)  # type: ignore[arg-type]
        for column, value in where.items():
            query = query.where(getattr(Message, column) == value)  # type: ignore[arg-type]
        return list(session.execute(query).scalars())


def case(engine: Engine, case_id: int | None) -> Case:
    assert case_id is not None
    with Session(engine) as session:
        row = session.get(Case, case_id)
        assert row is not None
        return row


def events(engine: Engine, kind: str | None = None) -> list[Event]:
    with Session(engine) as session:
        query = sa.select(Event).order_by(Event.id)  # type: ignore[arg-type]
        if kind is not None:
            query = query.where(Event.kind == kind)  # type: ignore[arg-type]
        return list(session.execute(query).scalars())


def recording() -> dict[str, RecordingChannel]:
    return {"telegram": RecordingChannel(name="telegram"), "sms": RecordingChannel(name="sms")}


def dispatcher(engine: Engine, config: RelanceConfig, clock: Clock, channels: dict[str, Any], **kw: Any) -> Dispatcher:
    renderer = Renderer.from_config(config)
    return Dispatcher(engine, config=config, renderer=renderer, channels=channels, clock=clock, **kw)


def always_open_config() -> RelanceConfig:
    """A configuration whose windows never close (debtors in country "ZZ"): for tests on the system clock."""
    creditor = Creditor(
        key="default", name="Example Creditor", iban="FR7630006000011234567890189", window=ALWAYS,
    )  # fmt: skip
    return RelanceConfig(creditors=(creditor,), contact=ContactPolicy(fallback=ALWAYS))


ALWAYS_OPEN_TOML = """
[[creditors]]
key = "default"
name = "Example Creditor"
iban = "FR7630006000011234567890189"
[creditors.window]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
public_holidays = false

[contact.fallback]
start = "00:00"
end = "23:59:59.999999"
weekdays = [1, 2, 3, 4, 5, 6, 7]
public_holidays = false
"""


def bulk_cases(engine: Engine, count: int, *, due: date, country: str = "ZZ", zone: str = "UTC") -> None:
    """`count` open cases of one debt each (debtor i has phone +3370000i), written in bulk."""
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO creditor (key, name, created_at) VALUES ('default', 'Example Creditor', :s)"),
                     {"s": stamp})  # fmt: skip
        creditor_id = conn.execute(sa.text("SELECT id FROM creditor WHERE key = 'default'")).scalar_one()
        rng = random.Random(count)
        for start in range(0, count, 5000):
            numbers = range(start + 1, min(count, start + 5000) + 1)
            debtors = [
                {
                    "ref": f"D{i:07d}",
                    "name": f"Debtor {i}",
                    "phone": f"+3370{i:07d}",
                    "locale": rng.choice(["fr", "en"]),
                    "country": country,
                    "timezones": zone,
                    "wrong_person": False,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for i in numbers
            ]
            conn.execute(sa.insert(sa.table("debtor", *map(sa.column, debtors[0]))), debtors)
            ids: dict[str, int] = dict(conn.execute(sa.text("SELECT ref, id FROM debtor WHERE ref >= :a AND ref <= :b"),
                                    {"a": f"D{numbers[0]:07d}", "b": f"D{numbers[-1]:07d}"}).all())  # fmt: skip
            _bulk_case_rows(conn, [(i, ids[f"D{i:07d}"]) for i in numbers], creditor_id, due, stamp)


def _bulk_case_rows(conn: Any, pairs: Sequence[tuple[int, int]], creditor_id: int, due: date, stamp: datetime) -> None:
    from relance.core.models import Debt

    amount = Decimal("120.00")
    cases = [
        {"creditor_id": creditor_id, "debtor_id": d, "status": "open", "currency": "EUR", "balance": amount,
         "due_date": due, "last_step": 0, "dialogue_state": "idle", "dialogue_data": {}, "opened_at": stamp,
         "updated_at": stamp}
        for _, d in pairs
    ]  # fmt: skip
    conn.execute(sa.insert(Case), cases)
    debtor_ids = [d for _, d in pairs]
    query = sa.select(Case.debtor_id, Case.id).where(Case.debtor_id.in_(debtor_ids))  # type: ignore[call-overload,attr-defined]
    by_debtor = dict(conn.execute(query).all())
    debts = [
        {"creditor_id": creditor_id, "case_id": by_debtor[d], "reference": f"INV-{i:07d}", "amount": amount,
         "balance": amount, "currency": "EUR", "due_date": due, "status": "open", "created_at": stamp,
         "updated_at": stamp}
        for i, d in pairs
    ]  # fmt: skip
    conn.execute(sa.insert(Debt), debts)


# --------------------------------------------------------------------------- worker process


class _DyingChannel(RecordingChannel):
    """A recording channel whose process dies right after accepting its n-th message."""

    die_after: int = 0

    async def send_text(self, to: str, text: str) -> Any:
        result = await super().send_text(to, text)
        if self.die_after and len(self.sent) >= self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


async def _work(
    url: str, config_path: Path, recording_path: Path, lease: float, die_after: int = 0, ready: Any = None
) -> None:
    from relance.core.db import make_engine

    engine = make_engine(url)
    config = load_config(config_path)
    channel = _DyingChannel(name="sms", path=recording_path)
    channel.die_after = die_after
    channels = {"sms": channel}
    worker = dispatcher(engine, config, SystemClock(), channels, lease=timedelta(seconds=lease),
                        retry=Retry(base=timedelta(milliseconds=10)))  # fmt: skip
    if ready is None:
        print("ready", flush=True)
    else:
        ready.send("ready")
        ready.close()
    idle = 0
    while idle < 3:  # a few empty looks: rows of a killed worker come back when their lease expires
        report = await worker.run_once()
        if report.claimed:
            idle = 0
            continue
        if not _anything_left(engine):
            idle += 1
        await asyncio.sleep(0.05 if idle else min(lease / 4, 0.25))
    engine.dispose()


def _anything_left(engine: Engine) -> bool:
    with engine.connect() as conn:
        left = conn.execute(
            sa.select(sa.func.count()).select_from(Message).where(Message.status.in_(["queued", "sending"]))  # type: ignore[attr-defined]
        ).scalar_one()
    return bool(left)


def read_lines(path: Path) -> list[str]:
    """The `text` of each complete line of a recording file."""
    from bot.channels.recording import read_recording

    return [r.text for r in read_recording(path)]


def sqlite_path(url: str) -> Path:
    return Path(sa.engine.make_url(url).database or "")


def wal_checkpoint(url: str) -> None:
    with sqlite3.connect(sqlite_path(url)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def forked_worker(url: str, config_path: Path, recording_path: Path, lease: float, die_after: int, ready: Any) -> None:
    """The worker, in a process forked from a server that imported this module already: it says
    `ready` on the `ready` connection (a `multiprocessing` pipe's sending end) instead of stdout."""
    asyncio.run(_work(url, config_path, recording_path, lease, die_after, ready))


def _main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[0] != "worker":
        raise SystemExit(__doc__)
    lease = float(argv[4]) if len(argv) > 4 else 1.0
    die_after = int(argv[5]) if len(argv) > 5 else 0
    asyncio.run(_work(argv[1], Path(argv[2]), Path(argv[3]), lease, die_after))


if __name__ == "__main__":
    _main(sys.argv[1:])


__all__ = ["NOW", "MessageStatus"]
