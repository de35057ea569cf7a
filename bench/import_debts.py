"""Import benchmark: `python bench/import_debts.py [--rows 10000 100000 500000] [--cli 20000 100000] [--db URL]`.

For each size of `--rows`, generates a CSV (realistic FR/BE/US/GB rows, ~1.1 debts per debtor),
imports it into a fresh database through the real importer (`relance import debts` does the same
call), and prints rows/s and µs per row beside a **floor measured in the same run**: a raw sqlite3
script that writes the same debtors, cases, debts and events (one executemany per table, one
transaction, no validation, no phone parsing, hashes computed the cheapest way) into a fresh
database with the same schema and indexes. Wall time and the process's CPU time are both shown (on
a shared machine the CPU time is the steadier figure); `growth` is the CPU cost per row against the
smallest size's, for the importer and for the floor. Peak RSS is read from /proc/self/status
(VmHWM, reset before each import where the kernel allows it; the floor runs after the import), so
the memory figure of each size is its own. `--rows` with no size skips this part, `--cli` with no
size the next one.

Then, for each size of `--cli` (SQLite only), the **real command line** as a subprocess —
`relance import debts FILE` on a fresh database, start-up, migrations and all — beside the floor
script run as a subprocess of its own (`--floor CSV DB`: the interpreter and the standard library
only, on a database whose schema was made beforehand), with the children's CPU time from
`wait4`. The start-up of `relance --help` and `relance import debts --help` is shown first.
`--repeat N` keeps the best of N runs of each subprocess figure.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

COLUMNS = ["reference", "debtor_name", "phone", "amount", "currency", "due_date", "debtor_ref", "email",
           "telegram_chat_id", "locale", "country", "timezone", "creditor", "address"]  # fmt: skip
COUNTRIES = [
    ("FR", "+336", "EUR", 8),
    ("BE", "+32470", "EUR", 6),
    ("US", "+1212555", "USD", 4),
    ("GB", "+447911", "GBP", 6),
]


def rows_of(count: int, prefix: str = "", seed: int = 1) -> Iterator[list[str]]:
    rng = random.Random(seed)
    debtor = 0
    for i in range(count):
        if rng.random() > 0.1 or debtor == 0:
            debtor += 1
        country, prefix, currency, digits = COUNTRIES[debtor % 4]
        span = 300_000 if country == "GB" else 10**digits  # +44 7911 3… is not allocated
        phone = f"{prefix}{debtor % span:0{digits}d}"  # numbers may repeat: debtor_ref carries identity
        due = date(2026, 9, 1) + timedelta(days=rng.randrange(90))
        amount = f"{rng.randrange(1000, 500000) / 100:.2f}"
        ref, debtor_ref = f"{prefix}INV-{i:08d}", f"{prefix}DR{debtor:08d}"
        yield [ref, f"Debtor {debtor}", phone, amount, currency, due.isoformat(), debtor_ref,
               "", "", "", country, "", "", ""]  # fmt: skip


def generate(path: Path, count: int, prefix: str = "") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows_of(count, prefix))


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def fresh_runtime(url: str, config: Any) -> Any:
    from relance.core.config import Settings
    from relance.core.db import make_engine
    from relance.core.runtime import open_runtime

    return open_runtime(Settings(database_url=url), config=config, engine=make_engine(url))


def floor_sqlite(csv_path: Path, db_path: Path, now: datetime) -> float:
    """The same writes with sqlite3 alone: seconds for reading the CSV and writing the four tables."""
    stamp = now.replace(tzinfo=None).isoformat(" ", "microseconds")
    started = time.perf_counter()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    debtors: dict[str, int] = {}
    cases: dict[int, int] = {}
    debtor_rows, case_rows, debt_rows, event_rows = [], [], [], []
    heads: dict[int, str] = {}

    def event(case_id: int, kind: str, data: dict[str, str]) -> None:
        prev = heads.get(case_id, "0" * 64)
        digest = hashlib.sha256(json.dumps([case_id, kind, data, prev]).encode()).hexdigest()
        heads[case_id] = digest
        event_rows.append((case_id, stamp, "import", kind, json.dumps(data), prev, digest))

    with csv_path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for ref, name, phone, amount, currency, due, dref, _e, _t, _l, country, *_ in reader:
            debtor_id = debtors.get(dref)
            if debtor_id is None:
                debtor_id = debtors[dref] = len(debtors) + 1
                debtor_rows.append((debtor_id, dref, name, phone, "en", country, "UTC", 0, stamp, stamp))
            case_id = cases.get(debtor_id)
            if case_id is None:
                case_id = cases[debtor_id] = len(cases) + 1
                case_rows.append((case_id, 1, debtor_id, "open", currency, float(amount), due, stamp, stamp))
                event(case_id, "case_opened", {"debtor_ref": dref})
            debt_rows.append((1, case_id, ref, float(amount), float(amount), currency, due, "open", stamp, stamp))
            event(case_id, "debt_imported", {"reference": ref, "amount": amount, "due_date": due})
    conn.executemany(
        "INSERT INTO debtor (id, ref, name, phone, locale, country, timezones, wrong_person, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        debtor_rows,
    )
    conn.executemany(
        "INSERT INTO cases (id, creditor_id, debtor_id, status, currency, balance, due_date, last_step,"
        " dialogue_state, dialogue_data, opened_at, updated_at) VALUES (?,?,?,?,?,?,?,0,'idle','{}',?,?)",
        case_rows,
    )
    conn.executemany(
        "INSERT INTO debt (creditor_id, case_id, reference, amount, balance, currency, due_date, status,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        debt_rows,
    )
    conn.executemany(
        "INSERT INTO event (case_id, at, actor, kind, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?)", event_rows
    )
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def in_process(sizes: list[int], db: str | None) -> None:
    """The importer called in this process, beside the floor, at each size."""
    from relance.core.config import RelanceConfig
    from relance.core.importer import import_debts

    now = datetime.now(UTC)
    config = RelanceConfig()
    print("in process (the importer's call; floor = raw sqlite3 in the same process)")
    print(f"{'rows':>8} {'import s':>9} {'rows/s':>9} {'µs/row':>7} {'floor s':>8} {'floor µs/row':>13} "
          f"{'ratio':>6} {'CPU µs/row':>11} {'floor CPU':>10} {'CPU ratio':>10} {'growth':>7} {'floor growth':>13} "
          f"{'peak RSS MiB':>13}")  # fmt: skip
    first: tuple[float, float] | None = None
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "portfolio.csv"
            generate(csv_path, count, f"S{count}-" if db else "")  # one --db database for every size
            url = db or f"sqlite:///{Path(tmp) / 'bench.db'}"
            runtime = fresh_runtime(url, config)
            reset_peak_rss()
            started, cpu = time.perf_counter(), time.process_time()
            with runtime.session() as session:
                report = import_debts(session, csv_path, config, now=now)
                session.commit()
            elapsed, import_cpu = time.perf_counter() - started, time.process_time() - cpu
            peak = peak_rss_mib()
            runtime.engine.dispose()
            floor_db = Path(tmp) / "floor.db"  # after the import: the floor's lists do not count in its RSS
            fresh_runtime(f"sqlite:///{floor_db}", config).engine.dispose()  # same schema, migrations applied
            cpu = time.process_time()
            floor = floor_sqlite(csv_path, floor_db, now)
            floor_cpu = time.process_time() - cpu
        assert report.debts_created == count, report
        per_row, floor_per_row = import_cpu / count * 1e6, floor_cpu / count * 1e6
        first = first or (per_row, floor_per_row)
        print(
            f"{count:>8} {elapsed:>9.2f} {count / elapsed:>9,.0f} {elapsed / count * 1e6:>7.1f} {floor:>8.2f} "
            f"{floor / count * 1e6:>13.1f} {elapsed / floor:>6.2f} {per_row:>11.1f} {floor_per_row:>10.1f} "
            f"{import_cpu / floor_cpu:>10.2f} {per_row / first[0] - 1:>+7.0%} {floor_per_row / first[1] - 1:>+13.0%} "
            f"{peak:>13.0f}",
            flush=True,
        )


def relance_command() -> list[str]:
    """`relance`, as installed beside this interpreter."""
    script = Path(sys.executable).with_name("relance")
    return [str(script)] if script.exists() else [sys.executable, "-m", "relance.cli"]


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime


def best(runs: int, measure: Any) -> tuple[float, float]:
    """The run with the least CPU of `runs`."""
    return min((measure() for _ in range(runs)), key=lambda r: r[1])


def command_line(sizes: list[int], repeat: int) -> None:
    """`relance import debts` as a subprocess (fresh database each time) beside the floor script, also a subprocess."""
    from relance.core.config import RelanceConfig

    relance = relance_command()
    env = dict(os.environ)
    print("\nstart-up (best of", repeat, "runs)")
    for args in (["--help"], ["import", "debts", "--help"]):
        wall, cpu = best(repeat, lambda args=args: timed(relance + args, env))
        print(f"  relance {' '.join(args):<22} wall {wall:5.2f} s   CPU {cpu:5.2f} s")
    wall, cpu = best(repeat, lambda: timed([sys.executable, "-c", "pass"], env))
    print(f"  {'python -c pass':<30} wall {wall:5.2f} s   CPU {cpu:5.2f} s")
    print("\nthe command line (`relance import debts FILE`, fresh SQLite database, migrations included)")
    print("beside the floor script as a process of its own (`--floor`: schema made beforehand)")
    print(f"{'rows':>8} {'CLI wall s':>11} {'CLI CPU s':>10} {'floor wall s':>13} {'floor CPU s':>12} "
          f"{'wall ratio':>11} {'CPU ratio':>10} {'CLI CPU µs/row':>15}")  # fmt: skip
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "portfolio.csv"
            generate(csv_path, count)

            def cli(tmp: str = tmp, csv_path: Path = csv_path) -> tuple[float, float]:
                db = Path(tmp) / "cli.db"
                for leftover in Path(tmp).glob("cli.db*"):
                    leftover.unlink()
                run_env = env | {"RELANCE_DATABASE_URL": f"sqlite:///{db}", "RELANCE_CONFIG": f"{tmp}/none.toml"}
                return timed([*relance, "import", "debts", str(csv_path)], run_env)

            def floor(tmp: str = tmp, csv_path: Path = csv_path) -> tuple[float, float]:
                db = Path(tmp) / "floor.db"
                for leftover in Path(tmp).glob("floor.db*"):
                    leftover.unlink()
                fresh_runtime(f"sqlite:///{db}", RelanceConfig()).engine.dispose()
                return timed([sys.executable, __file__, "--floor", str(csv_path), str(db)], env)

            cli_wall, cli_cpu = best(repeat, cli)
            floor_wall, floor_cpu = best(repeat, floor)
        print(
            f"{count:>8} {cli_wall:>11.2f} {cli_cpu:>10.2f} {floor_wall:>13.2f} {floor_cpu:>12.2f} "
            f"{cli_wall / floor_wall:>11.2f} {cli_cpu / floor_cpu:>10.2f} {cli_cpu / count * 1e6:>15.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 500_000],
                        help="sizes imported in this process (none: skip)")  # fmt: skip
    parser.add_argument("--cli", type=int, nargs="*", default=[20_000, 100_000],
                        help="sizes imported by the `relance` command as a subprocess (none: skip)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs for the subprocess figures")
    parser.add_argument("--db", help="database URL to import into (default: a fresh SQLite file per size)")
    parser.add_argument("--floor", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)  # the floor as a process
    args = parser.parse_args()
    if args.floor:
        floor_sqlite(Path(args.floor[0]), Path(args.floor[1]), datetime.now(UTC))
        return
    if args.rows:
        in_process(args.rows, args.db)
    if args.cli and not args.db:
        command_line(args.cli, args.repeat)


if __name__ == "__main__":
    main()
