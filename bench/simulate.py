"""Benchmark: `relance simulate` over 10,000 cases and 45 days (issue 17: <= 15 s). Prints seconds and messages.

Both the wall time and the CPU time of this process (all its threads) are printed: on a shared machine
the CPU time is the steadier figure.

Usage: python bench/simulate.py [cases] [days]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from relance.cli.simulate import run
from relance.simulation.portfolio import generated_portfolio

START = date(2026, 11, 9)


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 45
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "portfolio.csv"
        generated_portfolio(csv, cases, START)
        began, cpu = time.perf_counter(), time.process_time()
        _, events, summary, _ = run(csv, start=START, days=days, db=None, config_path=Path(tmp) / "none.toml")
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{summary['cases']} cases, {days} days: {seconds:.1f} s wall, {cpu:.1f} s CPU (target <= 15 s)")
    print(f"messages out {summary['messages_out']}, in {summary['messages_in']}, events {len(events)}")
    print(f"flags {summary['flags']}, skipped rows {summary['skipped_rows']}")


if __name__ == "__main__":
    main()
