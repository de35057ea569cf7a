"""Sweep the thresholds of `bot.nlu.combine` on out-of-fold readings of the tuning rows.

    python tools/train_nlu.py --cv 5 --oof /tmp/oof.jsonl            # the out-of-fold probabilities
    python tools/combine_thresholds.py folds /tmp/folds               # the 5 fold models themselves (~6 min)
    python tools/combine_thresholds.py sweep --folds /tmp/folds       # the table (~3 min)
    python tools/combine_thresholds.py sweep --oof /tmp/oof.jsonl     # the same, with the written readings

Every row of the tuning files (train.jsonl, dev.jsonl, the ``.train`` halves, extra/) goes through the
whole pipeline (`bot.nlu.understanding.read`: rules, combination, self-corrections) with the model's
opinion of a row that trains the model taken from a model that did not see it: the fold model of
`tools/train_nlu.py --cv 5` (same folds, same training), or the probabilities `--oof` wrote. The rows
the model is not trained on (`train_nlu.NOT_FOR_THE_MODEL`) are read by the shipped model, which never
saw them either. No frozen file (heldout.jsonl, ``.test`` halves, whole batches) is read.

With `--folds` the fold model reads the text as the runtime does (`read_form`: courtesy words taken
off, self-corrections' fragments too); with `--oof` a row's probabilities are those of the text as
training featurises it (courtesy words kept), and fragments are read by the shipped model.

For each threshold, one value at a time, the counts of the whole pipeline: intent right, harmful
misreads (a protective gold intent read as one that is not, as `tests/nlu_corpus/evaluate.py` counts
them) and protective over-reads (a non-protective gold intent read as a protective one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import train_nlu  # noqa: E402

from bot.nlu import combine, understanding  # noqa: E402
from bot.nlu.learned import LinearModel, Opinion, model  # noqa: E402

PROTECTIVE = frozenset({"opt_out", "abuse", "dispute", "wrong_person", "human", "hardship"})
CV = 5


def fold_of_rows(count: int) -> list[int]:
    """The fold of each of the `count` rows of `train_nlu.load_rows()`, as `train_nlu.py --cv 5` draws them."""
    folds = [i % CV for i in range(count)]
    random.Random(train_nlu.SEED).shuffle(folds)
    return folds


def cmd_folds(out: Path) -> None:
    """Train and write the fold models of `train_nlu.py --cv 5` (the one that did not see each row)."""
    rows = train_nlu.load_rows()
    feats = [train_nlu.featurise(r) for r in rows]
    labels = [train_nlu.label_of(r) for r in rows]
    names = sorted(set(labels))
    folds = fold_of_rows(len(rows))
    out.mkdir(parents=True, exist_ok=True)
    for fold in range(CV):
        kept = [i for i in range(len(rows)) if folds[i] != fold]
        trained = train_nlu.train([feats[i] for i in kept], [labels[i] for i in kept], names)
        (out / f"fold{fold}.json").write_text(json.dumps(trained, separators=(",", ":")), encoding="utf-8")
        print(f"fold {fold}: {len(kept)} rows -> {out / f'fold{fold}.json'}", flush=True)


@dataclass
class Row:
    text: str
    locale: str
    intent: str
    today: dt.date
    fold: int | None  # None: a row the model is not trained on (the shipped model never saw it)
    probs: dict[str, float] | None = None  # the `--oof` probabilities


def tuning_rows(oof: Path | None) -> list[Row]:
    """Every tuning row, those that train the model in `train_nlu.load_rows()` order, then the others."""
    trained = train_nlu.load_rows()
    folds = fold_of_rows(len(trained))
    rows = [
        Row(r["text"], r["locale"], r["intent"], dt.date.fromisoformat(r["today"]), f)
        for r, f in zip(trained, folds, strict=True)
    ]
    if oof is not None:
        written = [json.loads(line) for line in oof.read_text(encoding="utf-8").splitlines() if line.strip()]
        # `--cv` writes fold by fold, each fold's rows in order
        order = [i for fold in range(CV) for i in range(len(rows)) if folds[i] == fold]
        assert len(order) == len(written), "the --oof file is not of today's tuning rows"
        for i, w in zip(order, written, strict=True):
            assert (rows[i].text, rows[i].intent) == (w["text"], w["intent"]), "the --oof file's rows differ"
            rows[i].probs = w["probs"]
    for name in sorted(train_nlu.NOT_FOR_THE_MODEL):
        path = train_nlu.CORPUS / "fresh" / name
        assert name.endswith(".train.jsonl") and path.exists(), path
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                rows.append(Row(r["text"], r["locale"], r["intent"], dt.date.fromisoformat(r["today"]), None))
    return rows


def _opinion(labels: list[str], probs: list[float]) -> Opinion:
    """An opinion as `LinearModel.opinion` makes it (ties kept in label order)."""
    ranked = sorted(zip(labels, probs, strict=True), key=lambda pair: pair[1], reverse=True)
    grouped: dict[str, list[str]] = {}
    for label in sorted(labels):
        grouped.setdefault(label.split("/")[0], []).append(label)
    return Opinion(tuple(ranked), dict(ranked), grouped)


class OutOfFold:
    """Stands for `bot.nlu.learned.model()` while one row is read: its fold model, or its `--oof`
    probabilities for the whole message (the shipped model for fragments)."""

    def __init__(self, fold_models: list[LinearModel] | None) -> None:
        self.fold_models = fold_models
        self.row: Row | None = None
        self.whole: str | None = None  # the row's read form (the `--oof` probabilities stand for it)

    def opinion(self, norm: str) -> Opinion:
        row = self.row
        assert row is not None
        if row.fold is None:
            return model().opinion(norm)
        if self.fold_models is not None:
            return self.fold_models[row.fold].opinion(norm)
        if norm == self.whole and row.probs is not None:
            labels = sorted(row.probs)
            return _opinion(labels, [row.probs[label] for label in labels])
        return model().opinion(norm)


@contextmanager
def thresholds(**values: object) -> Iterator[None]:
    """`bot.nlu.combine`'s constants set to `values` for the time of the block."""
    before = {name: getattr(combine, name) for name in values}
    for name, value in values.items():
        setattr(combine, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(combine, name, value)


@dataclass
class Prepared:
    """What does not hang on the thresholds: a row's read form, rules' reading and the model's opinion."""

    row: Row
    norm: str
    rules: tuple[str, float, dict[str, float]]
    opinion: Opinion
    may_correct: bool  # `read` may look for a self-correction (then it is read whole, fragments and all)
    offered: bool = False  # a sum per period offered beside a difficulty (`combine`'s `offered`)


def prepare(rows: list[Row], stand_in: OutOfFold) -> list[Prepared]:
    prepared = []
    for row in rows:
        loc = "en" if row.locale[:2].lower() == "en" else "fr"
        original = understanding._prepare(row.text)
        parsed = understanding._parse(original, loc)
        stand_in.row, stand_in.whole = row, parsed.norm
        rules = understanding._rule_reading(parsed)
        may = understanding._may_correct(parsed.norm, original)
        offered = "hardship" in rules[2] and understanding._rate_offered(parsed.norm, parsed.amounts, parsed.terms)
        prepared.append(Prepared(row, parsed.norm, rules, stand_in.opinion(parsed.norm), may, offered))
    return prepared


def read_all(prepared: list[Prepared], stand_in: OutOfFold) -> list[str]:
    """The intent the whole pipeline (`understanding.read`) reads in each row, the model replaced by
    `stand_in`: the combination of the whole message, and `read` itself where a correction may count."""
    got = []
    for p in prepared:
        stand_in.row, stand_in.whole = p.row, p.norm  # the model of the row's fold reads a long message's stretches
        intent = combine.combine(p.norm, *p.rules, p.opinion, stand_in.opinion, offered=p.offered).intent
        if intent not in PROTECTIVE and p.may_correct:
            intent = understanding.read(p.row.text, p.row.locale, p.row.today)[0].intent
        got.append(intent)
    return got


def counts(rows: list[Row], got: list[str]) -> tuple[int, int, int]:
    right = sum(g == r.intent for r, g in zip(rows, got, strict=True))
    harmful = sum(r.intent in PROTECTIVE and g not in PROTECTIVE for r, g in zip(rows, got, strict=True))
    over = sum(r.intent not in PROTECTIVE and g in PROTECTIVE for r, g in zip(rows, got, strict=True))
    return right, harmful, over


def settings() -> Iterator[tuple[str, dict[str, object]]]:
    """One threshold moved at a time, the others as shipped."""
    c = combine
    scalars = {
        "THREAT_P": (0.3, 0.4, 0.5, 0.6, 0.7),
        "THREAT_P_STRONG": (0.5, 0.6, 0.7, 0.8, 0.9),
        "PROTECTIVE_P": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
        "PROTECTIVE_P_STRONG": (0.3, 0.35, 0.4, 0.45, 0.47, 0.48, 0.49, 0.5, 0.51, 0.52, 0.55, 0.6),
        "POOLED_P": (0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.3, 1.01),
        "POOLED_P_STRONG": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 1.01),
        "AGREE_P": (0.25, 0.3, 0.35, 0.4, 0.5, 0.6),
        "MODEL_P": (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 1.01),
    }
    for name, values in scalars.items():
        for v in values:
            yield f"{name}={v}{' (shipped)' if v == getattr(c, name) else ''}", {name: v}
    for label in sorted(c.LABEL_P):
        for v in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
            shipped = " (shipped)" if v == c.LABEL_P[label] else ""
            yield f"LABEL_P[{label}]={v}{shipped}", {"LABEL_P": {**c.LABEL_P, label: v}}
    for pair in c.SWAP_P:
        for v in (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01):
            shipped = " (shipped)" if v == c.SWAP_P[pair] else ""
            yield f"SWAP_P[{pair[0]}->{pair[1]}]={v}{shipped}", {"SWAP_P": {**c.SWAP_P, pair: v}}


def pooled_picks(prepared: list[Prepared], stand_in: OutOfFold, base: list[str]) -> None:
    """What the pooled-protective rule decides: the rows read otherwise without it, by the label it picks."""
    with thresholds(POOLED_P=2.0, POOLED_P_STRONG=2.0):
        without = read_all(prepared, stand_in)
    tally: dict[str, list[int]] = {}
    for p, got, other in zip(prepared, base, without, strict=True):
        if got != other:
            gold = p.row.intent
            kind = 0 if got == gold else 1 if gold in PROTECTIVE else 2 if got in PROTECTIVE else 3
            tally.setdefault(got, [0, 0, 0, 0])[kind] += 1
    print("rows the pooled rule decides, by the label it reads: right / another protective / over-read / other")
    for label, cells in sorted(tally.items()):
        print(f"  {label:<14}" + "".join(f"{n:>4}" for n in cells))


def cmd_sweep(folds_dir: Path | None, oof: Path | None, only: list[str]) -> None:
    fold_models = None
    if folds_dir is not None:
        fold_models = [LinearModel.load(folds_dir / f"fold{k}.json") for k in range(CV)]
    rows = tuning_rows(oof)
    stand_in = OutOfFold(fold_models)
    understanding.model = lambda: stand_in  # type: ignore[assignment]  # `_read_parsed` asks it each time
    prepared = prepare(rows, stand_in)
    base = read_all(prepared, stand_in)
    right0, harmful0, over0 = counts(rows, base)
    print(f"{len(rows)} tuning rows ({sum(r.fold is not None for r in rows)} out-of-fold)")
    print(f"{'setting':<44}{'right':>7}{'harmful':>9}{'over':>6}{'moved':>7}   vs shipped")
    print(f"{'shipped':<44}{right0:>7}{harmful0:>9}{over0:>6}{0:>7}")
    if not only:
        pooled_picks(prepared, stand_in, base)
    for name, values in settings():
        if only and not any(name.startswith(o) for o in only):
            continue
        with thresholds(**values):
            got = read_all(prepared, stand_in)
        right, harmful, over = counts(rows, got)
        moved = sum(a != b for a, b in zip(base, got, strict=True))
        better = "  <-" if right > right0 and harmful <= harmful0 else ""
        print(
            f"{name:<44}{right:>7}{harmful:>9}{over:>6}{moved:>7}"
            f"   {right - right0:+d} / {harmful - harmful0:+d} / {over - over0:+d}{better}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    folds = sub.add_parser("folds", help="train and write the fold models")
    folds.add_argument("out", type=Path)
    sweep = sub.add_parser("sweep", help="print the table")
    sweep.add_argument("--folds", type=Path, help="the fold models' directory (`folds`)")
    sweep.add_argument("--oof", type=Path, help="the probabilities of `train_nlu.py --cv 5 --oof`")
    sweep.add_argument("--only", nargs="*", default=[], help="settings whose name starts so")
    args = parser.parse_args()
    if args.command == "folds":
        cmd_folds(args.out)
    elif (args.folds is None) == (args.oof is None):
        parser.error("sweep reads --folds or --oof, one of them")
    else:
        cmd_sweep(args.folds, args.oof, args.only)


if __name__ == "__main__":
    main()
