"""Sweep benchmark: `python bench/sweep.py --cases 100000`.

Builds its own SQLite database (migrated by Alembic, then N open cases written with plain sqlite3:
one creditor, N debtors across FR/BE/US/GB zones, one debt each, due 3 to 45 days ago, so every
case has a scenario step due — the catch-up case, the heaviest sweep there is). Then it:

1. copies the database (the floor runs on the copy, from the same starting state);
2. runs the real sweep (`scheduler.sweep.sweep`) at a Tuesday afternoon instant, when every
   zone's window is open, and times it;
3. measures the raw-SQLite floor on the copy: one plain SELECT of the same case rows (with their
   debtor columns) plus one `executemany` INSERT of exactly the outbox rows the sweep wrote;
4. prints cases/s and the ratio sweep time / floor time.

With `--db postgresql://…` the same cases are also written (COPY) into a fresh schema of that
database and swept there; the PostgreSQL time per case is printed beside SQLite's from the same run
(issue 17: PostgreSQL within 1.5x SQLite per case). The schema is dropped afterwards.

Targets (issue 17): 1,000,000 cases <= 25 s on SQLite (<= 2.5x the floor); PostgreSQL <= 1.5x SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from relance.core.config import RelanceConfig
from relance.core.db import ensure_schema, make_engine, normalise_url
from scheduler.sweep import PG_CONNECTIONS, sweep

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday: 16:00 Paris, 10:00 New York, 09:00 Chicago
STAMP = "2026-11-01 09:00:00.000000"
PROFILES = [
    ("FR", "fr", "Europe/Paris", "+336{:08d}", "EUR"),
    ("BE", "fr", "Europe/Brussels", "+32470{:06d}", "EUR"),
    ("US", "en", "America/New_York America/Chicago", "+1212{:07d}", "USD"),
    ("GB", "en", "Europe/London", "+447{:09d}", "GBP"),
]
OUTBOX_COLUMNS = (
    "case_id, debtor_id, direction, channel, author, kind, step, body, status, to_address, "
    "idempotency_key, not_before, attempts, created_at"
)


def build(path: Path, cases: int, seed: int = 7) -> None:
    """A migrated database holding `cases` open cases, one debtor and one debt each."""
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    creditor = "INSERT INTO creditor (id, key, name, created_at) VALUES (1, 'default', 'Example Creditor', ?)"
    db.execute(creditor, (STAMP,))
    debtors, rows, debts = rows_for(cases, seed)
    db.executemany(
        "INSERT INTO debtor (id, ref, name, phone, locale, country, timezones, wrong_person, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        debtors,
    )
    db.executemany(
        "INSERT INTO cases (id, creditor_id, debtor_id, status, currency, balance, due_date, last_step,"
        " dialogue_state, dialogue_data, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.executemany(
        "INSERT INTO debt (id, creditor_id, case_id, reference, amount, balance, currency, due_date, status,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        debts,
    )
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def rows_for(cases: int, seed: int = 7) -> tuple[list[tuple[object, ...]], ...]:
    """The debtor, case and debt rows of `build` (same seed, same values)."""
    rng = random.Random(seed)
    debtors, rows, debts = [], [], []
    for i in range(1, cases + 1):
        country, locale, zones, phone, currency = PROFILES[i % len(PROFILES)]
        amount = rng.randrange(2000, 500000) / 100
        due = (date(2026, 11, 24) - timedelta(days=rng.randrange(3, 46))).isoformat()
        debtors.append((i, f"DR{i:08d}", f"Debtor {i}", phone.format(i), locale, country, zones, 0, STAMP, STAMP))
        rows.append((i, 1, i, "open", currency, amount, due, 0, "idle", "{}", STAMP, STAMP))
        debts.append((i, 1, i, f"INV-{i:08d}", amount, amount, currency, due, "open", STAMP, STAMP))
    return debtors, rows, debts


def build_pg(admin_url: str, schema: str, cases: int) -> str:
    """A fresh migrated schema holding the same cases as `build`, written with COPY; its URL."""
    import sqlalchemy as sa

    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    url = sa.engine.make_url(normalise_url(admin_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    ensure_schema(engine)
    debtors, rows, debts = rows_for(cases)
    stamp = STAMP + "+00"
    with engine.begin() as conn:
        cur = conn.connection.cursor()
        cur.execute("INSERT INTO creditor (id, key, name, created_at) VALUES (1, 'default', 'Example Creditor', %s)",
                    (stamp,))  # fmt: skip
        copies = (
            ("debtor (id, ref, name, phone, locale, country, timezones, wrong_person, created_at, updated_at)",
             [(*d[:7], False, stamp, stamp) for d in debtors]),
            ("cases (id, creditor_id, debtor_id, status, currency, balance, due_date, last_step, dialogue_state,"
             " dialogue_data, opened_at, updated_at)", [(*r[:10], stamp, stamp) for r in rows]),
            ("debt (id, creditor_id, case_id, reference, amount, balance, currency, due_date, status, created_at,"
             " updated_at)", [(*d[:9], stamp, stamp) for d in debts]),
        )  # fmt: skip
        for target, values in copies:
            with cur.copy(f"COPY {target} FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        for table in ("debtor", "cases", "debt", "creditor"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
    engine.dispose()
    return rendered


def drop_pg(admin_url: str, schema: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def run_sweep_url(url: str, connections: int | None = None) -> tuple[float, float, int, dict[str, float]]:
    """(wall seconds, CPU seconds of this process, messages queued, seconds by phase) of one sweep at `url`.

    `connections`: on PostgreSQL, the sweep's (None: its default, `scheduler.sweep.PG_CONNECTIONS`)."""
    engine = make_engine(url)
    config = RelanceConfig()
    started, cpu = time.perf_counter(), time.process_time()
    report = sweep(engine, config=config, now=NOW, connections=connections)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return elapsed, cpu, report.queued, report.phases


def per_case(phases: dict[str, float], cases: int) -> str:
    """`read 6.2, decide 3.0, write 41.1, transitions 0.0 µs/case`"""
    return ", ".join(f"{k} {v / cases * 1e6:.1f}" for k, v in phases.items()) + " µs/case"


def run_sweep(path: Path) -> tuple[float, float, int, dict[str, float]]:
    return run_sweep_url(f"sqlite:///{path}")


def floor(copy: Path, swept: Path) -> tuple[float, float]:
    """Plain SELECT of the same case rows + executemany INSERT of the same outbox rows, raw sqlite3."""
    with sqlite3.connect(swept) as src:
        outbox = src.execute(f"SELECT {OUTBOX_COLUMNS} FROM message ORDER BY id").fetchall()
    db = sqlite3.connect(copy)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    started, cpu = time.perf_counter(), time.process_time()
    selected = db.execute(
        "SELECT c.id, c.creditor_id, c.status, c.currency, c.balance, c.due_date, c.last_step,"
        " c.last_reminder_at, c.last_inbound_at, c.paused_until, c.agent_id, c.notice_deadline, c.updated_at,"
        " d.id, d.name, d.locale, d.country, d.timezones, d.phone, d.telegram_chat_id, d.wrong_person"
        " FROM cases c JOIN debtor d ON d.id = c.debtor_id"
        " WHERE c.status IN ('open', 'promised', 'plan', 'formal_notice_sent')"
        " AND (c.next_check_at IS NULL OR c.next_check_at <= ?) ORDER BY c.id",
        (NOW.strftime("%Y-%m-%d %H:%M:%S.%f"),),
    ).fetchall()
    db.executemany(f"INSERT INTO message ({OUTBOX_COLUMNS}) VALUES ({', '.join('?' * 14)})", outbox)
    db.commit()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    assert len(selected) >= len(outbox)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--db", help="a PostgreSQL URL: also sweep the same cases there (in a fresh schema)")
    parser.add_argument(
        "--connections", type=int, help=f"PostgreSQL: batches worked at once (default {PG_CONNECTIONS}; 1: one by one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        db, copy = Path(tmp) / "sweep.db", Path(tmp) / "floor.db"
        started = time.perf_counter()
        build(db, args.cases)
        shutil.copy(db, copy)
        built = time.perf_counter() - started
        swept, swept_cpu, queued, phases = run_sweep(db)
        raw, raw_cpu = floor(copy, db)
    print(f"cases: {args.cases:,}  (database built in {built:.1f} s)")
    print(
        f"sweep: {swept:.2f} s wall, {swept_cpu:.2f} s CPU, {args.cases / swept:,.0f} cases/s, "
        f"{queued:,} messages queued"
    )
    print(f"  by phase: {per_case(phases, args.cases)}")
    print(f"raw-SQLite floor (SELECT + executemany INSERT of the same rows): {raw:.2f} s wall, {raw_cpu:.2f} s CPU")
    print(f"ratio sweep / floor: {swept / raw:.2f} wall, {swept_cpu / raw_cpu:.2f} CPU (target <= 2.5)")
    if args.db:
        schema = f"bench_sweep_{os.getpid()}"
        try:
            pg_swept, pg_cpu, pg_queued, pg_phases = run_sweep_url(
                build_pg(args.db, schema, args.cases), args.connections
            )
        finally:
            drop_pg(args.db, schema)
        assert pg_queued == queued, (pg_queued, queued)
        print(
            f"PostgreSQL sweep ({args.connections or PG_CONNECTIONS} connection(s)): {pg_swept:.2f} s, "
            f"{args.cases / pg_swept:,.0f} cases/s, {pg_queued:,} messages queued; "
            f"{pg_swept / args.cases * 1e6:.1f} µs/case vs SQLite {swept / args.cases * 1e6:.1f} µs/case "
            f"(ratio {pg_swept / swept:.2f}, target <= 1.5); client CPU {pg_cpu:.2f} s vs {swept_cpu:.2f} s"
        )
        print(
            f"  by phase, summed over the connections: {per_case(pg_phases, args.cases)}"
            " (bench/pg_write_costs.py takes the writes apart)"
        )


if __name__ == "__main__":
    main()
