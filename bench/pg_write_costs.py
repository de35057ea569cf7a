"""Where a PostgreSQL sweep's time goes: `python bench/pg_write_costs.py --db postgresql://… [--cases 200000]`.

Issue 17 asks for a PostgreSQL sweep within 1.5x SQLite's time per case; `bench/sweep.py --db` measures
3x. The client's share is no longer the problem (a sweep's own CPU on PostgreSQL is below SQLite's): the
server's row work is. This script builds the sweep benchmark's cases (`bench/sweep.build_pg`, a fresh
schema, dropped afterwards) and times, on the server, the two writes a sweep makes per case, each
taken apart:

- the outbox INSERT as the sweep makes it (`message`, its 7 indexes, its foreign keys, ON CONFLICT),
  then into copies of `message` without the foreign keys, without ON CONFLICT, without any index;
- the check-time UPDATE as the sweep makes it (`cases`: next_check_at and last_step, two indexed
  columns, so never a HOT update: every one of the table's 9 indexes gets a new entry), then the same
  UPDATE on a narrow side table holding only those two columns (primary key and one index).

Each figure is printed per case beside the whole INSERT's and UPDATE's; the next lines say what the
sweep would gain from each change. Last, the real sweep (`scheduler.sweep.sweep`) runs twice on fresh
copies of the cases, by phase (`SweepReport.phases`): on the schema as it is, and on the same schema
with the outbox's two foreign keys dropped — the one change that can be tried without changing the
code. Nothing here changes the schema of the application.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sweep as sweep_bench  # the sibling benchmark: its cases and schema

from relance.core.db import make_engine

# the outbox rows of a sweep's first step, one per case, as `scheduler.sweep.insert_outbox` writes them
_ROWS = (
    "SELECT id, debtor_id, 'out', 'sms', 'bot', 'reminder', 1, '', 'queued', '+33600000000', 'reminder:' || id || ':1',"
    " now(), 0, now() FROM cases"
)
_COLUMNS = (
    "(case_id, debtor_id, direction, channel, author, kind, step, body, status, to_address, idempotency_key,"
    " not_before, attempts, created_at)"
)
_ON_CONFLICT = " ON CONFLICT (idempotency_key) DO NOTHING"
_UPDATE = "UPDATE {table} SET next_check_at = now() + interval '7 days', last_step = 1"


_COPY = "CREATE TABLE msg_copy (LIKE message INCLUDING ALL)"
_BARE_COPY = "CREATE TABLE msg_copy (LIKE message INCLUDING DEFAULTS)"
_FKS = (
    "ALTER TABLE msg_copy ADD FOREIGN KEY (case_id) REFERENCES cases (id),"
    " ADD FOREIGN KEY (debtor_id) REFERENCES debtor (id)"
)
_DROP = "DROP TABLE IF EXISTS msg_copy"
_INTO_COPY = f"INSERT INTO msg_copy {_COLUMNS} {_ROWS}"
_SIDE_TABLE = (
    "CREATE TABLE case_check AS SELECT id AS case_id, next_check_at, last_step FROM cases",
    "ALTER TABLE case_check ADD PRIMARY KEY (case_id)",
    "CREATE INDEX ON case_check (next_check_at)",
    "ANALYZE case_check",
)
# (label, set-up statements…, the statement timed)
STEPS = (
    ("INSERT", "outbox INSERT as the sweep makes it (7 indexes, 2 foreign keys, ON CONFLICT)",
     f"INSERT INTO message {_COLUMNS} {_ROWS}{_ON_CONFLICT}"),
    ("with_fk", "  the same into a copy with its foreign keys", _DROP, _COPY, _FKS, _INTO_COPY + _ON_CONFLICT),
    ("no_fk", "  the same without the foreign keys", _DROP, _COPY, _INTO_COPY + _ON_CONFLICT),
    ("no_conflict", "  without foreign keys or ON CONFLICT", _DROP, _COPY, _INTO_COPY),
    ("no_index", "  without foreign keys, ON CONFLICT or any index", _DROP, _BARE_COPY, _INTO_COPY),
    ("UPDATE", "check-time UPDATE as the sweep makes it (cases: 9 indexes, no HOT update)",
     _UPDATE.format(table="cases")),
    ("narrow", "  the same on a narrow side table (primary key and one index)", *_SIDE_TABLE,
     _UPDATE.format(table="case_check")),
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (a schema is created there and dropped)")
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args()
    schema = f"bench_pgcost_{os.getpid()}"
    url = sweep_bench.build_pg(args.db, schema, args.cases)
    engine = make_engine(url)
    us: dict[str, float] = {}  # µs per case, by step
    print(f"{args.cases:,} cases; each write in its own transaction, timed until the server answers")
    try:
        for key, label, *statements in STEPS:
            with engine.begin() as conn:
                for sql in statements[:-1]:
                    conn.exec_driver_sql(sql)
                started = time.perf_counter()
                conn.exec_driver_sql(statements[-1])
                us[key] = (time.perf_counter() - started) / args.cases * 1e6
            print(f"{us[key]:8.1f} µs/case  {label}")
    finally:
        engine.dispose()
        sweep_bench.drop_pg(args.db, schema)
    print(
        f"the sweep's two writes: {us['INSERT'] + us['UPDATE']:.1f} µs/case on the server; of which foreign-key "
        f"checks {us['with_fk'] - us['no_fk']:.1f}, the wide indexed UPDATE over a narrow one "
        f"{us['UPDATE'] - us['narrow']:.1f} (compare `python bench/sweep.py --db …`: SQLite's whole sweep per case)"
    )
    for label, statements in (("as it is", ()), ("without the outbox's foreign keys", (_DROP_OUTBOX_FKS,))):
        seconds, phases = _real_sweep(args.db, args.cases, statements)
        print(
            f"the real sweep, schema {label}: {seconds / args.cases * 1e6:.1f} µs/case "
            f"({sweep_bench.per_case(phases, args.cases)})"
        )


_DROP_OUTBOX_FKS = (
    "ALTER TABLE message DROP CONSTRAINT IF EXISTS message_case_id_fkey,"
    " DROP CONSTRAINT IF EXISTS message_debtor_id_fkey"
)


def _real_sweep(db: str, cases: int, statements: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    """(seconds, seconds by phase) of `scheduler.sweep.sweep` over fresh cases, once `statements` have run."""
    schema = f"bench_pgsweep_{os.getpid()}"
    try:
        url = sweep_bench.build_pg(db, schema, cases)
        engine = make_engine(url)
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
        engine.dispose()
        seconds, _cpu, queued, phases = sweep_bench.run_sweep_url(url)
        assert queued == cases, (queued, cases)
        return seconds, phases
    finally:
        sweep_bench.drop_pg(db, schema)


if __name__ == "__main__":
    main()
