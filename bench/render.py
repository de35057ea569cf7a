"""Rendering speed of SMS reminders: renders per second on one core.

Renders the scenario reminders (first, middle, last) in French and English for a rotating set of
varied contexts (names, references, amounts, one to three debts), as the sweep does, and prints
the rate twice: rendering alone, and building the context plus rendering. Target: >= 20,000 SMS
renders per second.

    python bench/render.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from messages import DebtLine, Renderer, reminder_context, reminder_template_name
from messages.samples import sample_creditor

TARGET = 20_000
STEPS = 4


def _contexts(count: int, seed: int = 7) -> list[tuple[str, str, dict[str, Any]]]:
    """Varied (template name, locale, context) triples, built up front."""
    rng = random.Random(seed)
    creditors = [sample_creditor(name=n) for n in ("Acme Plomberie", "Boulangerie Émile", "Northwind Traders Ltd")]
    jobs = []
    for i in range(count):
        debts = [
            DebtLine(
                f"INV-{rng.randrange(10**6):06d}-{k}",
                Decimal(rng.randrange(500, 999_999_999)) / 100,
                "EUR",
                date(2026, 1, 1) + timedelta(days=rng.randrange(300)),
            )
            for k in range(rng.choice((1, 1, 1, 2, 3)))
        ]
        step = rng.randrange(1, STEPS + 1)
        context = reminder_context(
            creditors[i % 3],
            debtor_name=f"Debtor {i}",
            debts=debts,
            step_index=step,
            step_count=STEPS,
            today=date(2026, 11, 27),
        )
        jobs.append((reminder_template_name(step, STEPS), ("fr", "en")[i % 2], context))
    return jobs


def _rate(seconds: float, work: Any, batch: int) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        done += batch
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    args = parser.parse_args()
    renderer = Renderer()
    jobs = _contexts(2_000)
    for name, locale, context in jobs[:50]:  # warm the template cache and the date cache
        renderer.render(name, locale=locale, channel="sms", **context)

    def render_only() -> None:
        for name, locale, context in jobs:
            renderer.render(name, locale=locale, channel="sms", **context)

    creditor = sample_creditor()
    debts = [DebtLine("INV-000123-0", Decimal("1234.50"), "EUR", date(2026, 10, 1))]

    def build_and_render() -> None:
        for i in range(len(jobs)):
            step = i % STEPS + 1
            context = reminder_context(
                creditor,
                debtor_name="Jeanne Martin",
                debts=debts,
                step_index=step,
                step_count=STEPS,
                today=date(2026, 11, 27),
            )
            renderer.render(reminder_template_name(step, STEPS), locale="fr", channel="sms", **context)

    rate = _rate(args.seconds, render_only, len(jobs))
    full = _rate(args.seconds, build_and_render, len(jobs))
    verdict = "OK" if rate >= TARGET else "BELOW TARGET"
    print(f"SMS reminder renders: {rate:,.0f}/s (target {TARGET:,}/s: {verdict})")
    print(f"context build + render: {full:,.0f}/s")


if __name__ == "__main__":
    main()
