"""Throughput of `bot.nlu.understand` on one core, over the labelled corpora.

    python bench/nlu.py [--seconds 5]

Prints messages per second of CPU time (`time.process_time`: on a machine shared with other work
the wall clock counts the time other processes hold the core; the CPU time is what one core spends
on our messages) and, beside them, the wall-clock figure and the floor of issue 13 (10,000 msgs/s).
Two corpora: the short replies of tests/nlu_corpus (train, held-out, dev: the corpus the figure of
~5,400 msgs/s before issue 13 was measured on) and the fresh batches' tuning halves (longer e-mails
with quoted history). First pass with empty caches, then the steady state (same messages again:
only the per-word caches of the normaliser are warm, there is no cache of whole messages).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from bot.nlu import understand
from bot.nlu.normalise import clear_caches

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
            understand(*item)
        done += len(items)
    return done / (time.process_time() - cpu), done / (time.perf_counter() - wall), done


def run(seconds: float) -> None:
    understand("warm up: the model is read at first use", "fr", dt.date(2026, 1, 1))
    short = load([CORPUS / name for name in ("train.jsonl", "heldout.jsonl", "dev.jsonl")])
    fresh = load(sorted((CORPUS / "fresh").glob("*.train.jsonl")))
    for name, items in (("short replies (tests/nlu_corpus)", short), ("fresh tuning halves (e-mails too)", fresh)):
        clear_caches()
        cpu, wall = time.process_time(), time.perf_counter()
        for item in items:
            understand(*item)
        cold_cpu, cold_wall = len(items) / (time.process_time() - cpu), len(items) / (time.perf_counter() - wall)
        warm_cpu, warm_wall, done = _rate(items, seconds)
        print(f"nlu, {name}: {len(items)} distinct messages, one core")
        print(f"  first pass (empty caches): {cold_cpu:,.0f} msgs/s CPU ({cold_wall:,.0f} wall)")
        print(
            f"  steady state ({done:,} msgs): {warm_cpu:,.0f} msgs/s CPU ({warm_wall:,.0f} wall)"
            f"   floor {FLOOR:,}; before issue 13: ~{BEFORE:,} (short corpus)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    run(parser.parse_args().seconds)
