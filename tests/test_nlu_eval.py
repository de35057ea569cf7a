"""Evaluation of the NLU on the labelled corpus (`tests/nlu_corpus/`).

The held-out part was split off before any rule was written and is never used to tune them; the
test prints per-intent precision and recall, intent accuracy and exact-entity accuracy (amount,
installments, frequency and date all equal), and asserts the targets of issue 5.
Run with ``-s`` to see the report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.nlu import INTENTS, understand

CORPUS = Path(__file__).parent / "nlu_corpus"
ENTITIES = ("amount", "installments", "frequency", "date")


@dataclass
class Report:
    total: int
    intent_correct: int
    entities_correct: int
    precision: dict[str, float]
    recall: dict[str, float]
    support: Counter[str]
    errors: list[str]

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.total

    @property
    def entity_accuracy(self) -> float:
        return self.entities_correct / self.total

    def render(self, name: str) -> str:
        lines = [f"\n{name}: {self.total} messages", f"{'intent':<16}{'support':>8}{'precision':>11}{'recall':>8}"]
        for label in INTENTS:
            lines.append(f"{label:<16}{self.support[label]:>8}{self.precision[label]:>11.3f}{self.recall[label]:>8.3f}")
        lines.append(f"intent accuracy {self.intent_accuracy:.3f}, exact-entity accuracy {self.entity_accuracy:.3f}")
        return "\n".join(lines + self.errors[:20])


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line]


def evaluate(rows: list[dict]) -> Report:
    predicted: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    support: Counter[str] = Counter()
    entities_ok, errors = 0, []
    for row in rows:
        got = understand(row["text"], row["locale"], date.fromisoformat(row["today"])).to_json()
        support[row["intent"]] += 1
        predicted[got["intent"]] += 1
        correct[got["intent"]] += got["intent"] == row["intent"]
        same_entities = all(got[k] == row[k] for k in ENTITIES)
        entities_ok += same_entities
        if got["intent"] != row["intent"] or not same_entities:
            want = {k: row[k] for k in ("intent", *ENTITIES)}
            have = {k: got[k] for k in ("intent", *ENTITIES)}
            errors.append(f"  {row['locale']} {row['text']!r}: want {want}, got {have}")
    return Report(
        total=len(rows),
        intent_correct=sum(correct.values()),
        entities_correct=entities_ok,
        precision={i: correct[i] / predicted[i] if predicted[i] else 1.0 for i in INTENTS},
        recall={i: correct[i] / support[i] if support[i] else 1.0 for i in INTENTS},
        support=support,
        errors=errors,
    )


def test_corpus_shape() -> None:
    rows = load("train.jsonl") + load("heldout.jsonl")
    per_locale = Counter(r["locale"] for r in rows)
    assert len(rows) >= 400 and per_locale["fr"] >= 150 and per_locale["en"] >= 150
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert not {(r["locale"], r["text"]) for r in load("train.jsonl")} & {
        (r["locale"], r["text"]) for r in load("heldout.jsonl")
    }


def test_heldout_targets() -> None:
    report = evaluate(load("heldout.jsonl"))
    print(report.render("held-out (never tuned on)"))
    assert report.intent_accuracy >= 0.95
    assert report.entity_accuracy >= 0.95


@pytest.mark.parametrize("name", ["train.jsonl", "dev.jsonl"])
def test_tuned_sets_stay_accurate(name: str) -> None:
    report = evaluate(load(name))
    print(report.render(name))
    assert report.intent_accuracy >= 0.97
    assert report.entity_accuracy >= 0.97
