"""Benchmark: `relance simulate` over 10,000 cases and 45 days (issue 17: <= 15 s). Prints seconds and messages.

Both the wall time and the CPU time of this process (all its threads) are printed: on a shared machine
the CPU time is the steadier figure.

Usage: python bench/simulate.py [cases] [days]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from relance.cli.simulate import run

PROFILES = [
    ("FR", "Europe/Paris", "+3361{:07d}", "EUR"),
    ("US", "America/New_York", "+1212{:07d}", "USD"),
    ("US", "America/Los_Angeles", "+1213{:07d}", "USD"),
    ("GB", "Europe/London", "+447911{:06d}", "GBP"),
]
START = date(2026, 11, 9)


def portfolio(path: Path, cases: int) -> None:
    """A CSV of `cases` debtors with one invoice each, due over the 60 days before the start."""
    rng = random.Random(7)
    lines = ["reference,debtor_name,phone,amount,currency,due_date,debtor_ref,country,timezone"]
    for n in range(cases):
        country, zone, phone, currency = PROFILES[n % len(PROFILES)]
        due = START - timedelta(days=rng.randint(-10, 60))
        amount = f"{rng.randint(20, 5000)}.{rng.randint(0, 99):02d}"
        number = phone.format(2_000_000 + n if country == "US" else n)
        lines.append(f"B-{n},Debtor {n},{number},{amount},{currency},{due},R{n},{country},{zone}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 45
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "portfolio.csv"
        portfolio(csv, cases)
        began, cpu = time.perf_counter(), time.process_time()
        _, events, summary, _ = run(csv, start=START, days=days, db=None, config_path=Path(tmp) / "none.toml")
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{summary['cases']} cases, {days} days: {seconds:.1f} s wall, {cpu:.1f} s CPU (target <= 15 s)")
    print(f"messages out {summary['messages_out']}, in {summary['messages_in']}, events {len(events)}")
    print(f"flags {summary['flags']}, skipped rows {summary['skipped_rows']}")


if __name__ == "__main__":
    main()
