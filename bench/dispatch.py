"""Dispatcher benchmark: `python bench/dispatch.py [--db postgresql://…/db] [--messages 20000] [--workers 4]`.

Builds a database (a temporary SQLite file by default; with `--db`, a fresh schema of that
PostgreSQL database, dropped afterwards) holding N open cases 25 days late, one debt each, for
debtors always reachable (country "ZZ", windows always open), and runs the real sweep
(`scheduler.sweep.sweep`): N first reminders in the outbox, their text still to be written. Then:

1. the real dispatcher (`scheduler.dispatch.Dispatcher`) drains it in W worker processes (SQLite:
   one, as in production), each sending through the project's in-memory `RecordingChannel` for SMS
   (no network; it has no `send_keyed`, so the dispatcher works one transaction per message — the
   mode real providers use); each worker checks, writes the text, sends, records;
2. on a second, identical database (same build, same sweep) the floor: W raw-driver loops
   (psycopg / sqlite3, no SQLAlchemy) doing what the dispatcher must do per message at the
   least — claim a batch in one transaction (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
   LIMIT n) RETURNING`), then, per message and in one transaction each: the fenced update to
   `sent` with a body, the case's wake-up (which locks the case's event chain), the chain head, the
   hash-chained `message_sent` event — with neither the send-time re-check nor rendering.

Both are checked afterwards: every row `sent` once, one `message_sent` event each. Printed:
messages/s (wall, from the first worker's start to the last one's end), client CPU per message
(the workers' own process time) and, on PostgreSQL, the server CPU per message (the workers'
backends, from /proc), for the dispatcher beside the floor.

Target (issue 17): PostgreSQL, 4 workers, one transaction per message: >= 600 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/dispatch.py` from anywhere
    sys.path.insert(0, str(ROOT))

from relance.core.config import ContactPolicy, Creditor, RelanceConfig, Window  # noqa: E402
from relance.core.db import ensure_schema, make_engine, normalise_url  # noqa: E402
from relance.core.models import Case, Debt, Debtor  # noqa: E402

ALWAYS = Window(start=dtime(0), end=dtime.max, weekdays=(1, 2, 3, 4, 5, 6, 7), public_holidays=False)
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def config() -> RelanceConfig:
    """Windows that never close (debtors in country "ZZ"): the bench runs on the system clock."""
    creditor = Creditor(key="default", name="Example Creditor", iban="FR7630006000011234567890189", window=ALWAYS)
    return RelanceConfig(creditors=(creditor,), contact=ContactPolicy(fallback=ALWAYS))


# --------------------------------------------------------------------------- building


def build(url: str, messages: int) -> None:
    """Migrate, write `messages` open cases (25 days late) and sweep them: that many reminders queued."""
    from scheduler.sweep import sweep

    engine = make_engine(url)
    ensure_schema(engine)
    due = (datetime.now(UTC) - timedelta(days=25)).date()
    amount = Decimal("120.00")
    with engine.begin() as conn:
        creditor = "INSERT INTO creditor (id, key, name, created_at) VALUES (1, 'default', 'Example Creditor', :s)"
        conn.execute(sa.text(creditor), {"s": STAMP})
        debtors = [
            {"id": i, "ref": f"D{i:07d}", "name": f"Debtor {i}", "phone": f"+3370{i:07d}",
             "locale": ("fr", "en")[i % 2], "country": "ZZ", "timezones": "UTC", "wrong_person": False,
             "created_at": STAMP, "updated_at": STAMP}
            for i in range(1, messages + 1)
        ]  # fmt: skip
        conn.execute(sa.insert(Debtor.__table__), debtors)  # type: ignore[attr-defined]
        cases = [
            {"id": i, "creditor_id": 1, "debtor_id": i, "status": "open", "currency": "EUR", "balance": amount,
             "due_date": due, "last_step": 0, "dialogue_state": "idle", "dialogue_data": {}, "opened_at": STAMP,
             "updated_at": STAMP}
            for i in range(1, messages + 1)
        ]  # fmt: skip
        conn.execute(sa.insert(Case.__table__), cases)  # type: ignore[attr-defined]
        debts = [
            {"id": i, "creditor_id": 1, "case_id": i, "reference": f"INV-{i:07d}", "amount": amount, "balance": amount,
             "currency": "EUR", "due_date": due, "status": "open", "created_at": STAMP, "updated_at": STAMP}
            for i in range(1, messages + 1)
        ]  # fmt: skip
        conn.execute(sa.insert(Debt.__table__), debts)  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            for table in ("debtor", "cases", "debt", "creditor"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                conn.exec_driver_sql(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
    report = sweep(engine, config=config(), now=datetime.now(UTC), channels=("sms",))
    assert report.queued == messages, report.summary()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def pg_schema_url(admin_url: str, schema: str) -> str:
    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    url = sa.engine.make_url(normalise_url(admin_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def drop_pg(admin_url: str, schema: str) -> None:
    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def check(url: str, messages: int) -> None:
    """Every row sent, each with exactly one `message_sent` event."""
    engine = make_engine(url)
    with engine.connect() as conn:
        statuses: dict[str, int] = dict(
            conn.exec_driver_sql("SELECT status, count(*) FROM message GROUP BY status").all()
        )
        events = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT case_id) FROM event WHERE kind = 'message_sent'"
        ).one()
    engine.dispose()
    assert statuses == {"sent": messages}, statuses
    assert tuple(events) == (messages, messages), tuple(events)


# --------------------------------------------------------------------------- workers


def run_workers(mode: str, url: str, workers: int, batch: int) -> list[dict[str, Any]]:
    """Start `workers` processes, let them go together once all are ready; their reports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    for n in range(workers):
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--url", url, "--batch", str(batch),
                   "--name", f"bench-{mode}-{os.getpid()}-{n}"]  # fmt: skip
        procs.append(subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=3600)
        assert proc.returncode == 0, f"{mode} worker failed ({proc.returncode})"
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def _backend_cpu(conn: Any, name: str) -> float:
    """CPU seconds used so far by this worker's PostgreSQL backends (same machine: /proc)."""
    pids = [p for (p,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,))]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _with_name(url: str, name: str) -> str:
    if not url.startswith("postgresql"):
        return url
    return sa.engine.make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


def _server_cpu(url: str, name: str) -> float | None:
    if not url.startswith("postgresql"):
        return None
    import psycopg

    plain = sa.engine.make_url(url).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        return _backend_cpu(conn, name)


def _dispatcher(url: str, batch: int) -> Any:
    """The real dispatcher, built before the start (imports, templates), sending to an in-memory channel."""
    from bot.channels.recording import RecordingChannel
    from messages.render import Renderer
    from relance.core.clock import SystemClock
    from scheduler.dispatch import Dispatcher

    cfg = config()
    engine = make_engine(url)
    channel = RecordingChannel(name="sms")
    dispatcher = Dispatcher(engine, config=cfg, renderer=Renderer.from_config(cfg), channels={"sms": channel},
                            clock=SystemClock(), batch=batch)  # fmt: skip
    with engine.connect() as conn:  # a connection opened before the start (its backend's CPU counted from there)
        conn.exec_driver_sql("SELECT 1")
    return dispatcher, channel


async def _dispatch(dispatcher: Any, channel: Any, url: str, name: str) -> tuple[int, float | None]:
    report = await dispatcher.drain()
    server = _server_cpu(url, name)  # before the backends go away
    dispatcher.engine.dispose()
    assert report.outcomes["sent"] == report.claimed == len(channel.sent), report
    return report.claimed, server


def worker(mode: str, url: str, batch: int, name: str) -> None:
    url = _with_name(url, name)
    floor = _floor_pg if url.startswith("postgresql") else _floor_sqlite
    if mode == "floor":
        prepared = floor(url, batch)
    else:
        dispatcher, channel = _dispatcher(url, batch)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    server0 = _server_cpu(url, name) or 0.0
    cpu0, started = time.process_time(), time.time()
    if mode == "dispatcher":
        sent, server = asyncio.run(_dispatch(dispatcher, channel, url, name))
        cpu, ended = time.process_time() - cpu0, time.time()
    else:
        sent = prepared()
        cpu, ended = time.process_time() - cpu0, time.time()
        server = _server_cpu(url, name)
    if mode == "floor":
        prepared(close=True)
    print(json.dumps({"sent": sent, "start": started, "end": ended, "cpu": cpu,
                      "server": None if server is None else server - server0}))  # fmt: skip


# --------------------------------------------------------------------------- the floor

_CLAIM = (
    "UPDATE message SET status = 'sending', claimed_by = {p}, claimed_at = {p}, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM message WHERE direction = 'out' AND status = 'queued' "
    "AND (not_before IS NULL OR not_before <= {p}) ORDER BY not_before, id LIMIT {p}{lock}) "
    "RETURNING id, case_id, kind, step, idempotency_key"
)
_SENT = (
    "UPDATE message SET status = 'sent', provider_id = {p}, sent_at = {p}, body = {p}, last_error = NULL "
    "WHERE id = {p} AND claimed_by = {p} AND status = 'sending'"
)
_WAKE = "UPDATE cases SET next_check_at = NULL, last_reminder_at = {p} WHERE id = {p}"
_HEAD = "SELECT hash FROM event WHERE case_id = {p} ORDER BY id DESC LIMIT 1"
_EVENT = (
    "INSERT INTO event (case_id, at, actor, actor_id, kind, data, prev_hash, hash) "
    "VALUES ({p}, {p}, 'dispatcher', NULL, 'message_sent', {p}, {p}, {p})"
)


def _event(case_id: int, at: str, message: tuple[Any, ...], body: str, pid: str, prev: str) -> tuple[str, str]:
    """The `message_sent` event's hash and data, canonical JSON as `relance.core.events` writes them."""
    payload = {"message_id": message[0], "kind": message[2], "step": message[3], "key": message[4], "channel": "sms",
               "provider_id": pid, "body_sha256": hashlib.sha256(body.encode()).hexdigest()}  # fmt: skip
    event = {"actor": "dispatcher", "actor_id": None, "at": at, "case_id": case_id, "data": payload,
             "kind": "message_sent", "prev_hash": prev}  # fmt: skip
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest(), json.dumps(payload, sort_keys=True, separators=(",", ":"))


def _floor_pg(url: str, batch: int) -> Any:
    import psycopg

    plain = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(plain)
    name = f"floor-{os.getpid()}"
    sql = {k: v.format(p="%s", lock=" FOR UPDATE SKIP LOCKED") for k, v in
           {"claim": _CLAIM, "sent": _SENT, "wake": _WAKE, "head": _HEAD, "event": _EVENT}.items()}  # fmt: skip

    def run(close: bool = False) -> int:
        if close:
            conn.close()
            return 0
        sent = 0
        while True:
            now = datetime.now(UTC)
            with conn.transaction():
                claimed = conn.execute(sql["claim"], (name, now, now, batch)).fetchall()
            if not claimed:
                return sent
            for m in sorted(claimed):
                body = f"Rappel: {m[1]} doit 120,00 EUR depuis 25 jours. Payez sur https://pay.example/c/{m[1]}"
                pid = f"rec-{m[0]:032x}"
                at = datetime.now(UTC)
                with conn.transaction():
                    assert conn.execute(sql["sent"], (pid, at, body, m[0], name)).rowcount == 1
                    conn.execute(sql["wake"], (at, m[1]))
                    head = conn.execute(sql["head"], (m[1],)).fetchone()
                    digest, data = _event(m[1], at.isoformat(), m, body, pid, head[0] if head else "0" * 64)
                    conn.execute(sql["event"], (m[1], at, data, head[0] if head else "0" * 64, digest))
                sent += 1

    return run


def _floor_sqlite(url: str, batch: int) -> Any:
    import sqlite3

    db = sqlite3.connect(sa.engine.make_url(url).database or "", isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        db.execute(f"PRAGMA {pragma}")
    name = f"floor-{os.getpid()}"
    sql = {k: v.format(p="?", lock="") for k, v in
           {"claim": _CLAIM, "sent": _SENT, "wake": _WAKE, "head": _HEAD, "event": _EVENT}.items()}  # fmt: skip

    def stamp(at: datetime) -> str:
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")

    def run(close: bool = False) -> int:
        if close:
            db.close()
            return 0
        sent = 0
        while True:
            now = stamp(datetime.now(UTC))
            db.execute("BEGIN IMMEDIATE")
            claimed = db.execute(sql["claim"], (name, now, now, batch)).fetchall()
            db.execute("COMMIT")
            if not claimed:
                return sent
            for m in sorted(claimed):
                body = f"Rappel: {m[1]} doit 120,00 EUR depuis 25 jours. Payez sur https://pay.example/c/{m[1]}"
                pid = f"rec-{m[0]:032x}"
                at = datetime.now(UTC)
                db.execute("BEGIN IMMEDIATE")
                assert db.execute(sql["sent"], (pid, stamp(at), body, m[0], name)).rowcount == 1
                db.execute(sql["wake"], (stamp(at), m[1]))
                head = db.execute(sql["head"], (m[1],)).fetchone()
                digest, data = _event(m[1], at.isoformat(), m, body, pid, head[0] if head else "0" * 64)
                db.execute(sql["event"], (m[1], stamp(at), data, head[0] if head else "0" * 64, digest))
                db.execute("COMMIT")
                sent += 1

    return run


# --------------------------------------------------------------------------- main


def summary(label: str, reports: list[dict[str, Any]]) -> tuple[float, str]:
    sent = sum(r["sent"] for r in reports)
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    cpu = sum(r["cpu"] for r in reports) / sent * 1e3
    servers = [r["server"] for r in reports]
    server = "" if None in servers else f", server CPU {sum(servers) / sent * 1e3:.2f} ms/message"
    shares = "/".join(str(r["sent"]) for r in reports)
    return sent / wall, (f"{label}: {sent:,} messages in {wall:.2f} s = {sent / wall:,.0f} messages/s "
                         f"(per worker {shares}); client CPU {cpu:.2f} ms/message{server}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="a PostgreSQL URL (the bench works in fresh schemas of it); default SQLite")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4, help="dispatcher processes (PostgreSQL; SQLite: 1)")
    parser.add_argument("--batch", type=int, default=20, help="rows claimed at a time (the Dispatcher's default)")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--worker", choices=["dispatcher", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.url, args.batch, args.name)
        return
    workers = args.workers if args.db else 1
    with tempfile.TemporaryDirectory(prefix="relance-bench-dispatch-") as tmp:
        schemas: list[str] = []

        def database(label: str) -> str:
            if not args.db:
                return f"sqlite:///{Path(tmp) / label}.db"
            schemas.append(f"bench_dispatch_{os.getpid()}_{label}")
            return pg_schema_url(args.db, schemas[-1])

        try:
            started = time.perf_counter()
            urls = {"dispatcher": database("dispatcher")}
            if not args.skip_floor:
                urls["floor"] = database("floor")
            for url in urls.values():
                build(url, args.messages)
            backend = "PostgreSQL" if args.db else "SQLite"
            print(f"{backend}, {args.messages:,} reminders queued by the sweep, {workers} worker(s), "
                  f"batch {args.batch} (databases built in {time.perf_counter() - started:.1f} s)")  # fmt: skip
            results = {}
            for mode, url in urls.items():
                results[mode] = summary(mode, run_workers(mode, url, workers, args.batch))
                check(url, args.messages)
                print(results[mode][1], flush=True)
            if "floor" in results:
                print(f"dispatcher / floor: {results['dispatcher'][0] / results['floor'][0]:.2f} of the floor's rate")
            if args.db:
                print(f"target (issue 17): >= 600 messages/s with 4 workers: {results['dispatcher'][0]:,.0f}")
        finally:
            for schema in schemas:
                drop_pg(args.db, schema)


if __name__ == "__main__":
    main()
