"""Console benchmark: `python bench/console.py --cases 100000 --messages 1000000`.

Builds its own SQLite database (migrated by Alembic, then filled with plain sqlite3 `executemany`:
N cases of three creditors, one debtor and one debt each, messages spread over the last 180 days
on SMS and Telegram with some delivery failures, flags, promises, plans with installments, payments).
Then it signs in over HTTP (FastAPI's TestClient, the real console app) and times, five runs each
after one warm-up, the pages an agent opens all day:

- the cases list (page 1, by last activity) and sorted by balance;
- a search by part of a name (accent-insensitive), by a national phone number, by an invoice reference;
- the dashboard (12 weeks, all creditors) and for one creditor.

The first call of each is printed too: the dashboard's first call also counts the settled days into
`message_day_stat` (once per database; later calls read them back).

Each figure is printed beside the budget (300 ms, issue 16), beside the floor of the same run (the
login page: HTTP, session and template with no query), and beside the same request once the list
and dashboard indexes of migration 0003 are dropped (the baseline they improve on).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from relance.core.agents import create_agent, find_agent
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.db import ensure_schema, make_engine
from relance.core.models import fold
from relance.core.runtime import open_runtime
from relance.web.console import mount_console

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
BUDGET_MS = 300.0
RUNS = 5
FIRST = [
    "Camille",
    "Hélène",
    "Jérôme",
    "Léa",
    "Noémie",
    "Chloé",
    "Lucas",
    "Hugo",
    "Zoé",
    "Inès",
    "Émile",
    "Mary",
    "John",
    "Oliver",
    "Amelia",
    "Sophie",
    "Thomas",
    "Ana",
    "Björn",
    "François",
]
LAST = [
    "Martin",
    "Dupré",
    "Lefèvre",
    "Müller",
    "Smith",
    "García",
    "Peeters",
    "Janssens",
    "Moreau",
    "Bérenger",
    "Johnson",
    "Brown",
    "Wilson",
    "Dubois",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Girard",
    "Noël",
]
PROFILES = [
    ("FR", "fr", "Europe/Paris", "+336{:08d}", "EUR"),
    ("BE", "fr", "Europe/Brussels", "+32470{:06d}", "EUR"),
    ("US", "en", "America/New_York", "+1212{:07d}", "USD"),
    ("GB", "en", "Europe/London", "+447{:09d}", "GBP"),
]
INDEXES_0003 = (
    "ix_cases_balance",
    "ix_cases_due_date",
    "ix_cases_updated_at",
    "ix_cases_step_totals",  # migration 0006: replaced 0003's step_status and creditor_totals
    "ix_debtor_email",
    "ix_debtor_name_folded",
    "ix_debtor_country",
    "ix_message_day_channel",
    "ix_message_case_created",
    "ix_payment_paid_on",
    "ix_installment_due_on",
    "ix_promisetopay_due_on",
    "ix_debt_currency_totals",
    "ix_debt_creditor_totals",
)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, cases: int, messages: int, seed: int = 16) -> None:
    """A migrated database with `cases` cases and `messages` messages, written with plain sqlite3."""
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    created = stamp(NOW - timedelta(days=200))
    db.executemany(
        "INSERT INTO creditor (id, key, name, created_at) VALUES (?,?,?,?)",
        [(1, "acme", "ACME SARL", created), (2, "globex", "Globex Ltd", created), (3, "initech", "Initech", created)],
    )
    _cases(db, rng, cases)
    _messages(db, rng, cases, messages)
    _workflow(db, rng, cases)
    db.commit()
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _cases(db: sqlite3.Connection, rng: random.Random, n: int) -> None:
    debtors, cases, debts = [], [], []
    statuses = ["open"] * 10 + ["plan", "promised", "paid", "paid", "disputed", "closed"]
    for i in range(1, n + 1):
        country, locale, zone, phone, currency = PROFILES[i % len(PROFILES)]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        opened = NOW - timedelta(days=rng.randrange(1, 365), minutes=rng.randrange(1440))
        due = (opened - timedelta(days=rng.randrange(1, 30))).date().isoformat()
        amount = rng.randrange(2000, 500000) / 100
        status = rng.choice(statuses)
        balance = 0.0 if status in ("paid", "closed") else amount
        email = f"debtor{i}@example.com" if i % 3 == 0 else None
        debtors.append(
            (
                i,
                f"DR{i:08d}",
                name,
                fold(name),
                phone.format(i),
                email,
                locale,
                country,
                zone,
                0,
                stamp(opened),
                stamp(opened),
            )
        )
        touched = stamp(opened + timedelta(days=rng.randrange(0, max(1, (NOW - opened).days))))
        cases.append(
            (i, 1 + i % 3, i, status, currency, balance, due, rng.randrange(0, 5), "idle", "{}", stamp(opened), touched)
        )
        debts.append(
            (
                i,
                1 + i % 3,
                i,
                f"INV-{i:08d}",
                amount,
                balance,
                currency,
                due,
                "paid" if balance == 0 else "open",
                stamp(opened),
                stamp(opened),
            )
        )
    db.executemany(
        "INSERT INTO debtor (id, ref, name, name_folded, phone, email, locale, country, timezones, wrong_person,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        debtors,
    )
    db.executemany(
        "INSERT INTO cases (id, creditor_id, debtor_id, status, currency, balance, due_date, last_step,"
        " dialogue_state, dialogue_data, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        cases,
    )
    db.executemany(
        "INSERT INTO debt (id, creditor_id, case_id, reference, amount, balance, currency, due_date, status,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        debts,
    )


def _messages(db: sqlite3.Connection, rng: random.Random, cases: int, n: int) -> None:
    sql = (
        "INSERT INTO message (case_id, debtor_id, direction, channel, author, kind, body, status, attempts,"
        " created_at, error_code) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    )
    batch = []
    for _ in range(n):
        case = rng.randrange(1, cases + 1)
        inbound = rng.random() < 0.25
        channel = "telegram" if rng.random() < 0.15 else "sms"
        roll = rng.random()
        status = "received" if inbound else ("failed" if roll < 0.04 else "delivered" if roll < 0.9 else "sent")
        at = NOW - timedelta(seconds=rng.randrange(0, 180 * 86400))
        batch.append(
            (
                case,
                case,
                "in" if inbound else "out",
                channel,
                "debtor" if inbound else "bot",
                "inbound" if inbound else "reminder",
                "Bonjour, voici un rappel de votre facture.",
                status,
                1,
                stamp(at),
                "30003" if status == "failed" else None,
            )
        )
        if len(batch) == 100_000:
            db.executemany(sql, batch)
            batch.clear()
    db.executemany(sql, batch)


def _workflow(db: sqlite3.Connection, rng: random.Random, cases: int) -> None:
    reasons = ["no_response", "dispute", "hardship", "human_requested", "broken_plan", "unclear"]
    flags, promises, plans, installments, payments = [], [], [], [], []
    for i in range(1, cases + 1, 20):
        at = NOW - timedelta(hours=rng.randrange(1, 24 * 20))
        flags.append((i, rng.choice(reasons), rng.randrange(1, 5), "call_debtor", "open", stamp(at)))
    for i in range(2, cases + 1, 25):
        due = (NOW - timedelta(days=rng.randrange(-30, 90))).date().isoformat()
        promises.append((i, 100.0, "EUR", due, rng.choice(["kept", "broken", "pending"]), stamp(NOW)))
    for plan_id, i in enumerate(range(3, cases + 1, 25), 1):
        plans.append(
            (
                plan_id,
                i,
                300.0,
                "EUR",
                3,
                "monthly",
                rng.choice(["active", "active", "broken", "completed"]),
                stamp(NOW - timedelta(days=40)),
            )
        )
        for seq in (1, 2, 3):
            due = (NOW + timedelta(days=rng.randrange(-40, 80))).date().isoformat()
            installments.append((plan_id, seq, due, 100.0, 0.0, "due"))
    for i in range(4, cases + 1, 6):
        paid_on = (NOW - timedelta(days=rng.randrange(0, 180))).date().isoformat()
        payments.append((i, rng.randrange(1000, 100000) / 100, "EUR", paid_on, "import", stamp(NOW)))
    db.executemany(
        "INSERT INTO flag (case_id, reason, priority, recommended_action, status, created_at) VALUES (?,?,?,?,?,?)",
        flags,
    )
    db.executemany(
        "INSERT INTO promisetopay (case_id, amount, currency, due_on, status, created_at) VALUES (?,?,?,?,?,?)",
        promises,
    )
    db.executemany(
        "INSERT INTO paymentplan (id, case_id, total, currency, installment_count, frequency, status, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        plans,
    )
    db.executemany(
        "INSERT INTO installment (plan_id, seq, due_on, amount, paid_amount, status) VALUES (?,?,?,?,?,?)",
        installments,
    )
    db.executemany(
        "INSERT INTO payment (case_id, amount, currency, paid_on, source, created_at) VALUES (?,?,?,?,?,?)",
        payments,
    )


def client_for(path: Path) -> TestClient:
    """The console app over `path`, signed in as an agent."""
    settings = Settings(database_url=f"sqlite:///{path}", config=Path("/nonexistent/relance.toml"))
    runtime = open_runtime(settings, config=RelanceConfig(), clock=SimulatedClock(NOW))
    with runtime.session() as session:
        if find_agent(session, "bench@example.com") is None:  # a kept database has it already
            create_agent(session, email="bench@example.com", name="Bench", password="bench password 16", at=NOW)
            session.commit()
    app = FastAPI()
    mount_console(app, runtime)
    client = TestClient(app)
    client.__enter__()  # one event loop for every request (without it each request starts a thread)
    page = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    signed = client.post(
        "/console/login",
        data={"email": "bench@example.com", "password": "bench password 16", "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return client


COLD: dict[int, float] = {}


CPU: dict[int, list[float]] = {}


def timed(get: Callable[[], object]) -> list[float]:
    """Wall-clock milliseconds of RUNS calls after a warm-up; their CPU time (this process) goes to CPU."""
    started = time.perf_counter()
    get()  # warm-up: caches, prepared statements (and the dashboard's first fill of message_day_stat)
    COLD[id(get)] = (time.perf_counter() - started) * 1000
    out, cpu = [], []
    for _ in range(RUNS):
        started, used = time.perf_counter(), time.process_time()
        get()
        out.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    CPU[id(get)] = cpu
    return out


def requests(client: TestClient, phone: str) -> dict[str, Callable[[], object]]:
    def get(url: str, expect: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(url)
            assert response.status_code == 200 and expect in response.text, (url, response.status_code)
            return response

        return run

    return {
        "cases list, page 1": get("/console/cases", "cases</small>"),
        "cases list by balance": get("/console/cases?sort=balance", "cases</small>"),
        "search: name 'helene'": get("/console/cases?q=helene", "Hélène"),
        f"search: phone '{phone}'": get(f"/console/cases?q={phone}", "DR00000004"),
        "search: invoice reference": get("/console/cases?q=INV-00054321", "DR00054321"),
        "dashboard, 12 weeks": get("/console/dashboard", "<svg"),
        "dashboard, one creditor": get("/console/dashboard?creditor_id=2", "<svg"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without the 0003 indexes")
    parser.add_argument("--keep", type=Path, help="build the database at this path (reused when it exists)")
    args = parser.parse_args()
    assert args.cases >= 54_321, "the searches look for case 54321: use --cases 54321 or more"
    with tempfile.TemporaryDirectory(prefix="relance-bench-console-") as tmp:
        path = args.keep or Path(tmp) / "console.db"
        started = time.perf_counter()
        if not path.exists():
            build(path, args.cases, args.messages)
        print(
            f"{args.cases:,} cases, {args.messages:,} messages: database ready in {time.perf_counter() - started:.1f} s"
        )
        client = client_for(path)
        login = lambda: client.get("/console/login")  # noqa: E731
        floor = statistics.median(timed(login))
        floor_cpu = statistics.median(CPU[id(login)])
        phone = "06 00 00 00 04"  # case 4 is French: +33600000004 written as on the invoice
        runs = requests(client, phone)
        results = {name: timed(run) for name, run in runs.items()}
        cold = {name: COLD[id(run)] for name, run in runs.items()}
        cpu = {name: statistics.median(CPU[id(run)]) for name, run in runs.items()}
        baseline: dict[str, float] = {}
        if not args.no_baseline:
            with sqlite3.connect(path) as db:
                marks = ",".join("?" * len(INDEXES_0003))
                ddl = db.execute(f"SELECT sql FROM sqlite_master WHERE name IN ({marks})", INDEXES_0003).fetchall()
                for index in INDEXES_0003:
                    db.execute(f"DROP INDEX {index}")
            baseline = {name: statistics.median(timed(run)) for name, run in requests(client, phone).items()}
            with sqlite3.connect(path) as db:  # a kept database gets its indexes back
                for (sql,) in ddl:
                    db.execute(sql)
    print(
        f"floor (login page, no query): {floor:.1f} ms wall, {floor_cpu:.1f} ms CPU;"
        f" budget per page: {BUDGET_MS:.0f} ms; {RUNS} runs each"
        " (CPU = this process's CPU time: what a request costs when the machine is not shared)"
    )
    print(
        f"{'request':34} {'median':>8} {'max':>8}  {'CPU':>6}  {'budget':>7}  {'first call':>10}"
        f"  {'without 0003 indexes':>21}"
    )
    worst = 0.0
    for name, runs in results.items():
        median, top = statistics.median(runs), max(runs)
        worst = max(worst, median)
        before = f"{baseline[name]:.0f} ms" if name in baseline else "-"
        verdict = "ok" if median <= BUDGET_MS else "OVER"
        print(
            f"{name:34} {median:6.0f} ms {top:6.0f} ms  {cpu[name]:3.0f} ms  {verdict:>7}  {cold[name]:7.0f} ms"
            f"  {before:>21}"
        )
    print(f"slowest median: {worst:.0f} ms (budget {BUDGET_MS:.0f} ms, floor {floor:.1f} ms)")
    print(f"load average while measuring: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
