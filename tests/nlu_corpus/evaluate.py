"""Score `bot.nlu.understand` (or the `relance nlu` command) on labelled JSON-lines corpora.

    python tests/nlu_corpus/evaluate.py FILE... [--cli] [--confusion] [--errors N]

For each file: intent accuracy, exact-entity accuracy (amount, installments, frequency and date all
equal), detail accuracy, harmful misreads (a protective gold intent read as a non-protective one),
per-intent precision and recall and, with ``--confusion``, the confusion table. ``--cli`` pipes the
file through ``relance nlu`` (the acceptance contract) instead of calling `understand` in process.
``--errors`` lists misreads, and is refused on a frozen ``.test`` half: those are scored, never read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

INTENTS = (
    "promise_to_pay",
    "already_paid",
    "dispute",
    "hardship",
    "payment_plan",
    "opt_out",
    "human",
    "wrong_person",
    "info_request",
    "affirm",
    "deny",
    "abuse",
    "unknown",
)
PROTECTIVE = frozenset({"opt_out", "abuse", "dispute", "wrong_person", "human", "hardship"})
ENTITIES = ("amount", "installments", "frequency", "date")


@dataclass
class Report:
    name: str
    total: int = 0
    intent_ok: int = 0
    entities_ok: int = 0
    detail_ok: int = 0
    harmful: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_ok / self.total if self.total else 1.0

    @property
    def entity_accuracy(self) -> float:
        return self.entities_ok / self.total if self.total else 1.0

    @property
    def detail_accuracy(self) -> float:
        return self.detail_ok / self.total if self.total else 1.0

    def precision(self, label: str) -> float:
        predicted = sum(n for (_, got), n in self.confusion.items() if got == label)
        return self.confusion[(label, label)] / predicted if predicted else 1.0

    def recall(self, label: str) -> float:
        support = self.support(label)
        return self.confusion[(label, label)] / support if support else 1.0

    def support(self, label: str) -> int:
        return sum(n for (want, _), n in self.confusion.items() if want == label)

    def summary(self) -> str:
        return (
            f"{self.name}: {self.total} msgs, intent {self.intent_accuracy:.3f}, entities {self.entity_accuracy:.3f},"
            f" detail {self.detail_accuracy:.3f}, harmful misreads {self.harmful}"
        )

    def per_intent(self) -> str:
        lines = [f"{'intent':<16}{'support':>8}{'precision':>10}{'recall':>8}"]
        for label in INTENTS:
            lines.append(f"{label:<16}{self.support(label):>8}{self.precision(label):>10.3f}{self.recall(label):>8.3f}")
        return "\n".join(lines)

    def confusion_table(self) -> str:
        short = [label[:6] for label in INTENTS]
        lines = ["gold \\ read      " + " ".join(f"{s:>6}" for s in short)]
        for want in INTENTS:
            cells = " ".join(f"{self.confusion[(want, got)] or '.':>6}" for got in INTENTS)
            lines.append(f"{want:<16} {cells}")
        return "\n".join(lines)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def predict_in_process(rows: list[dict]) -> list[dict]:
    from bot.nlu import understand

    return [understand(r["text"], r["locale"], date.fromisoformat(r["today"])).to_json() for r in rows]


def predict_cli(rows: list[dict]) -> list[dict]:
    """Through `relance nlu`, JSON lines on stdin, as the acceptance check runs it."""
    stdin = "".join(json.dumps({k: r[k] for k in ("text", "locale", "today")}, ensure_ascii=False) + "\n" for r in rows)
    exe = Path(sys.executable).with_name("relance")
    out = subprocess.run([str(exe), "nlu"], input=stdin, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def score(name: str, rows: list[dict], got: list[dict], *, keep_errors: bool = False) -> Report:
    report = Report(name)
    for want, have in zip(rows, got, strict=True):
        report.total += 1
        report.confusion[(want["intent"], have.get("intent"))] += 1
        report.intent_ok += have.get("intent") == want["intent"]
        same = all(have.get(k) == want.get(k) for k in ENTITIES)
        report.entities_ok += same
        report.detail_ok += have.get("detail") == want.get("detail")
        harmful = want["intent"] in PROTECTIVE and have.get("intent") not in PROTECTIVE
        report.harmful += harmful
        if keep_errors and (
            have.get("intent") != want["intent"] or not same or have.get("detail") != want.get("detail")
        ):
            w = {k: want.get(k) for k in ("intent", "detail", *ENTITIES)}
            h = {k: have.get(k) for k in ("intent", "detail", *ENTITIES)}
            report.errors.append(
                f"{'HARMFUL ' if harmful else ''}{want['locale']} {want['text']!r}\n   want {w}\n   got  {h}"
            )
    return report


def evaluate(path: Path, *, cli: bool = False, keep_errors: bool = False) -> Report:
    rows = load(path)
    got = predict_cli(rows) if cli else predict_in_process(rows)
    return score(path.name, rows, got, keep_errors=keep_errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--confusion", action="store_true")
    parser.add_argument("--errors", type=int, default=0)
    args = parser.parse_args()
    total = None
    for path in args.files:
        if args.errors and path.name.endswith(".test.jsonl"):
            parser.error(f"{path.name} is a frozen test half: it is scored, its misreads are not listed")
        report = evaluate(path, cli=args.cli, keep_errors=bool(args.errors))
        print(report.summary())
        print(report.per_intent())
        if args.confusion:
            print(report.confusion_table())
        for line in report.errors[: args.errors]:
            print(line)
        total = report if total is None else _merge(total, report)
    if total is not None and len(args.files) > 1:
        print("ALL " + total.summary())
        if args.confusion:
            print(total.per_intent())
            print(total.confusion_table())


def _merge(a: Report, b: Report) -> Report:
    merged = Report("all", a.total + b.total, a.intent_ok + b.intent_ok, a.entities_ok + b.entities_ok)
    merged.detail_ok, merged.harmful = a.detail_ok + b.detail_ok, a.harmful + b.harmful
    merged.confusion = a.confusion + b.confusion
    return merged


if __name__ == "__main__":
    main()
