"""Throughput of `bot.nlu.understand` on one core, over the labelled corpus (repeated).

    python bench/nlu.py [--seconds 5]

Prints messages per second for a first pass with empty caches and for the steady state.
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


def load() -> list[tuple[str, str, dt.date]]:
    """Every corpus message with its locale and day."""
    items = []
    for name in ("train.jsonl", "heldout.jsonl", "dev.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            items.append((r["text"], r["locale"], dt.date.fromisoformat(r["today"])))
    return items


def run(seconds: float) -> None:
    items = load()
    clear_caches()
    start = time.perf_counter()
    for item in items:
        understand(*item)
    cold = len(items) / (time.perf_counter() - start)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in items:
            understand(*item)
        done += len(items)
    warm = done / (time.perf_counter() - start)
    print(f"nlu: {len(items)} distinct messages, one core")
    print(f"  first pass (empty caches): {cold:,.0f} msgs/s")
    print(f"  steady state ({done:,} msgs): {warm:,.0f} msgs/s  (target >= 2,000)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    run(parser.parse_args().seconds)
