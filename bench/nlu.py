"""Throughput of `bot.nlu.understand` on one core, over the labelled corpora.

    python bench/nlu.py [--seconds 5] [--stages]

Prints messages per second of CPU time (`time.process_time`: on a machine shared with other work
the wall clock counts the time other processes hold the core; the CPU time is what one core spends
on our messages) and, beside them, the wall-clock figure and the floor of issue 13 (10,000 msgs/s).
Two corpora: the short replies of tests/nlu_corpus (train, held-out, dev: the corpus the figure of
~5,400 msgs/s before issue 13 was measured on) and the fresh batches' tuning halves (longer e-mails
with quoted history). First pass with empty caches, then the steady state (same messages again:
only the per-word caches of the normaliser are warm). Every message is read through
`understanding.read`: the memo of `understand` for repeated short texts (a webhook's "STOP", "oui")
is left out, or the steady state would measure dictionary look-ups.
`--stages` also prints the CPU µs per message of each stage of `bot.nlu.understanding.read`
(reply extraction, normaliser, dates, counts, amounts, evidence, rules, model, combination), the
best of several passes (each stage timed on its own: the timer calls add a little to the sum).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from bot.nlu import understanding
from bot.nlu.amounts import find_amounts
from bot.nlu.combine import combine
from bot.nlu.dates import find_dates
from bot.nlu.installments import find_terms
from bot.nlu.intents import classify_with_readings
from bot.nlu.learned import model
from bot.nlu.normalise import clear_caches, normalise
from bot.nlu.understanding import read

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "nlu_corpus"
FLOOR = 10_000  # msgs/s, issue 13
BEFORE = 5_400  # msgs/s steady state on the short corpus before issue 13 (rules only), quoted by the issue


def load(paths: list[Path]) -> list[tuple[str, str, dt.date]]:
    """Every message of `paths` with its locale and day."""
    items = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            items.append((r["text"], r["locale"], dt.date.fromisoformat(r["today"])))
    return items


def _rate(items: list[tuple[str, str, dt.date]], seconds: float) -> tuple[float, float, int]:
    done, cpu, wall = 0, time.process_time(), time.perf_counter()
    while time.process_time() - cpu < seconds:
        for item in items:
            read(*item)
        done += len(items)
    return done / (time.process_time() - cpu), done / (time.perf_counter() - wall), done


STAGES = ("reply", "normalise", "dates", "counts", "amounts", "evidence", "rules", "model", "combine")


def _stage_pass(items: list[tuple[str, str, dt.date]]) -> dict[str, float]:
    """CPU seconds spent in each stage of `understanding.read` over `items` (the same steps)."""
    spent = dict.fromkeys(STAGES, 0.0)
    clock, linear = time.process_time, model()
    for text, locale, _today in items:
        loc = "en" if str(locale)[:2].lower() == "en" else "fr"
        t0 = clock()
        original = understanding._prepare(str(text))
        t1 = clock()
        norm = normalise(original, loc)
        t2 = clock()
        dates = find_dates(norm, loc)
        t3 = clock()
        terms = find_terms(norm, [(d.start, d.end) for d in dates])
        t4 = clock()
        amounts = find_amounts(norm, [(d.start, d.end) for d in dates] + terms.spans)
        t5 = clock()
        understanding._two_payments(norm, terms, dates, amounts)
        evidence = understanding._evidence(norm, dates, amounts, terms)
        t6 = clock()
        intent, confidence, found = classify_with_readings(norm, original, evidence)
        t7 = clock()
        opinion = linear.opinion(norm)
        t8 = clock()
        combine(norm, intent, confidence, found, opinion)
        t9 = clock()
        marks = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9)
        for name, begin, end in zip(STAGES, marks, marks[1:], strict=False):
            spent[name] += end - begin
    return spent


def stages(items: list[tuple[str, str, dt.date]], passes: int = 5) -> None:
    """Print the µs per message of each stage, the best of `passes` passes."""
    best = dict.fromkeys(STAGES, float("inf"))
    for _ in range(passes):
        for name, seconds in _stage_pass(items).items():
            best[name] = min(best[name], seconds)
    print("  per stage, µs CPU per message: " + ", ".join(f"{n} {best[n] / len(items) * 1e6:.1f}" for n in STAGES))
    print(f"  sum of stages: {sum(best.values()) / len(items) * 1e6:.1f} µs")


def run(seconds: float, by_stage: bool = False) -> None:
    read("warm up: the model is read at first use", "fr", dt.date(2026, 1, 1))
    short = load([CORPUS / name for name in ("train.jsonl", "heldout.jsonl", "dev.jsonl")])
    fresh = load(sorted((CORPUS / "fresh").glob("*.train.jsonl")))
    for name, items in (("short replies (tests/nlu_corpus)", short), ("fresh tuning halves (e-mails too)", fresh)):
        clear_caches()
        cpu, wall = time.process_time(), time.perf_counter()
        for item in items:
            read(*item)
        cold_cpu, cold_wall = len(items) / (time.process_time() - cpu), len(items) / (time.perf_counter() - wall)
        warm_cpu, warm_wall, done = _rate(items, seconds)
        print(f"nlu, {name}: {len(items)} distinct messages, one core")
        print(f"  first pass (empty caches): {cold_cpu:,.0f} msgs/s CPU ({cold_wall:,.0f} wall)")
        print(
            f"  steady state ({done:,} msgs): {warm_cpu:,.0f} msgs/s CPU ({warm_wall:,.0f} wall)"
            f"   floor {FLOOR:,}; before issue 13: ~{BEFORE:,} (short corpus)"
        )
        if by_stage:
            stages(items)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stages", action="store_true", help="also print the µs per message of each stage")
    args = parser.parse_args()
    run(args.seconds, args.stages)
