"""Split one fresh batch 50/50 into a tuning half and a FROZEN test half, once, deterministically.

Stratified by (intent, locale): inside each stratum the records are shuffled with a fixed seed
(`random.Random(SEED)`, over the records sorted by the SHA-256 of locale and text so the input
order does not matter) and the first half (rounded down) goes to ``.train``, the rest to ``.test``.
Usage::

    python tests/nlu_corpus/fresh/split_fresh.py /work/corpus/batch_a.jsonl

copies the batch to ``tests/nlu_corpus/fresh/batch_a.jsonl`` and writes ``batch_a.train.jsonl`` and
``batch_a.test.jsonl`` beside it. The ``.test`` halves are never read to tune rules or to train the
classifier: they are only scored (`tests/nlu_corpus/evaluate.py`).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sys
from collections import defaultdict
from pathlib import Path

SEED = 13
HERE = Path(__file__).resolve().parent


def _key(record: dict) -> str:
    return hashlib.sha256(f"{record['locale']}\n{record['text']}".encode()).hexdigest()


def split(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """(train, test), half of each (intent, locale) stratum each."""
    strata: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        strata[(r["intent"], r["locale"])].append(r)
    rng = random.Random(SEED)
    train, test = [], []
    for key in sorted(strata):
        group = sorted(strata[key], key=_key)
        rng.shuffle(group)
        cut = len(group) // 2
        train.extend(group[:cut])
        test.extend(group[cut:])
    return train, test


def _write(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(source: str) -> None:
    src = Path(source)
    name = src.stem
    target = HERE / f"{name}.jsonl"
    shutil.copyfile(src, target)
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]
    train, test = split(records)
    _write(HERE / f"{name}.train.jsonl", train)
    _write(HERE / f"{name}.test.jsonl", test)
    sys.stdout.write(f"{name}: {len(records)} records, train {len(train)}, test {len(test)}\n")


if __name__ == "__main__":
    main(sys.argv[1])
