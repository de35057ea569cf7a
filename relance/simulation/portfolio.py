"""A generated portfolio for benchmarks and pinned simulation figures (`bench/simulate.py`, tests)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

# country, time zone, phone pattern, currency: debtors in four zones, taken in turn
PROFILES = [
    ("FR", "Europe/Paris", "+3361{:07d}", "EUR"),
    ("US", "America/New_York", "+1212{:07d}", "USD"),
    ("US", "America/Los_Angeles", "+1213{:07d}", "USD"),
    ("GB", "Europe/London", "+447911{:06d}", "GBP"),
]


def generated_portfolio(path: Path, cases: int, start: date) -> Path:
    """A CSV of `cases` debtors with one invoice each, due over the 60 days before `start` (fixed seed)."""
    rng = random.Random(7)
    lines = ["reference,debtor_name,phone,amount,currency,due_date,debtor_ref,country,timezone"]
    for n in range(cases):
        country, zone, phone, currency = PROFILES[n % len(PROFILES)]
        due = start - timedelta(days=rng.randint(-10, 60))
        amount = f"{rng.randint(20, 5000)}.{rng.randint(0, 99):02d}"
        number = phone.format(2_000_000 + n if country == "US" else n)
        lines.append(f"B-{n},Debtor {n},{number},{amount},{currency},{due},R{n},{country},{zone}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
