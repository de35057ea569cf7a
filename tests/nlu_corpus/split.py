"""Split a labelled NLU corpus into train and held-out parts, deterministically.

Stratified by (locale, intent): inside each stratum the examples are ordered by the SHA-256 of
their locale and text, and the first 30 % (rounded) go to the held-out part. Usage::

    python tests/nlu_corpus/split.py corpus.jsonl tests/nlu_corpus

The split was made once, before any rule was written; examples added later go to train.jsonl.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

HELDOUT_SHARE = 0.3


def _key(record: dict) -> str:
    return hashlib.sha256(f"{record['locale']}\n{record['text']}".encode()).hexdigest()


def split(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """Return (train, heldout), stratified by locale and intent."""
    strata: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        strata[(r["locale"], r["intent"])].append(r)
    train, heldout = [], []
    for key in sorted(strata):
        ordered = sorted(strata[key], key=_key)
        cut = round(len(ordered) * HELDOUT_SHARE)
        heldout.extend(ordered[:cut])
        train.extend(ordered[cut:])
    return train, heldout


def _write(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(source: str, target: str) -> None:
    records = [json.loads(line) for line in Path(source).read_text(encoding="utf-8").splitlines() if line]
    train, heldout = split(records)
    _write(Path(target) / "train.jsonl", train)
    _write(Path(target) / "heldout.jsonl", heldout)
    sys.stdout.write(f"train {len(train)}, heldout {len(heldout)}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
