"""Import benchmark: `python bench/import_debts.py --rows 100000`.

Generates its own CSV (realistic FR/BE/US/GB rows, ~1.1 debts per debtor), imports it into a fresh
SQLite database (or --db URL) through the real importer, and prints rows/s and peak memory.
Peak memory is measured as the process's maximum resident set size, sampled before and after, so
the growth attributable to the import is visible too.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from relance.core.config import RelanceConfig, Settings
from relance.core.db import make_engine
from relance.core.importer import DEBT_OPTIONAL, DEBT_REQUIRED, import_debts
from relance.core.runtime import open_runtime


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    countries = [
        ("FR", "+336", "EUR", 8),
        ("BE", "+32470", "EUR", 6),
        ("US", "+1212555", "USD", 4),
        ("GB", "+447911", "GBP", 6),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(DEBT_REQUIRED) + list(DEBT_OPTIONAL))
        debtor = 0
        for i in range(rows):
            if rng.random() > 0.1 or debtor == 0:
                debtor += 1
            country, prefix, currency, digits = countries[debtor % 4]
            if country == "US":
                phone = f"+1212555{debtor % 10000:04d}"  # 555 numbers repeat: debtor_ref carries identity
            else:
                phone = f"{prefix}{debtor % 10**digits:0{digits}d}"
            due = date(2026, 9, 1) + timedelta(days=rng.randrange(90))
            writer.writerow(
                [
                    f"INV-{i:08d}",
                    f"Debtor {debtor}",
                    phone,
                    f"{rng.randrange(1000, 500000) / 100:.2f}",
                    currency,
                    due.isoformat(),
                    f"DR{debtor:08d}",
                    "",
                    "",
                    "",
                    country,
                    "",
                    "",
                    "",
                ]
            )


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a fresh temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "portfolio.csv"
        generate(csv_path, args.rows)
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        config = RelanceConfig()
        runtime = open_runtime(Settings(database_url=url), config=config, engine=make_engine(url))
        rss_before = max_rss_mib()
        started = time.perf_counter()
        with runtime.session() as session:
            report = import_debts(session, csv_path, config, now=datetime.now(UTC))
            session.commit()
        elapsed = time.perf_counter() - started
        rss_after = max_rss_mib()
    print(f"rows: {args.rows}  debts created: {report.debts_created}  cases: {report.cases_created}")
    print(f"elapsed: {elapsed:.1f} s  throughput: {args.rows / elapsed:,.0f} rows/s")
    print(
        f"peak RSS: {rss_after:.0f} MiB (before import {rss_before:.0f} MiB, growth {rss_after - rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
