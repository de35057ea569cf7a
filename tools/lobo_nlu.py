"""Leave-one-batch-out: would the model generalise better trained with the batches it leaves out?

    python tools/lobo_nlu.py [--epochs N] [--min-count N] [--tag NAME] [--jobs 2]

The batches in `tools/train_nlu.NOT_FOR_THE_MODEL` (u, v, x, y, z1-z6: the rules were tuned on them,
the model never saw them) are held out one at a time: for each batch B, a model is trained on the
current training files plus every other left-out batch, and the WHOLE pipeline (`bot.nlu.understand`:
rules + that model + combination) is scored on B as `tests/nlu_corpus/evaluate.py` scores it. The same
B is scored with the shipped model file and with the model `tools/train_nlu.py` makes today (same
files as the shipped one, today's normaliser), neither of which saw any of these batches. No frozen
file (heldout, `.test` halves, k/q/w) is read. Each pipeline runs in a subprocess with
`RELANCE_NLU_MODEL` pointing at the model file. Writes models and a JSON summary under --work.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "nlu_corpus"))

import train_nlu  # noqa: E402

CORPUS = ROOT / "tests" / "nlu_corpus"
SHIPPED = ROOT / "bot" / "nlu" / "data" / "intent_model.json"
PROTECTIVE = frozenset({"opt_out", "abuse", "dispute", "wrong_person", "human", "hardship"})


def held_batches() -> list[Path]:
    paths = [CORPUS / "fresh" / n for n in sorted(train_nlu.NOT_FOR_THE_MODEL) if n.endswith(".train.jsonl")]
    paths += [CORPUS / "extra" / n for n in sorted(train_nlu.NOT_FOR_THE_MODEL) if not n.endswith(".train.jsonl")]
    for p in paths:
        assert p.exists() and not p.name.endswith(".test.jsonl"), p
    return paths


def rows_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def train_to(out: Path, rows: list[dict], settings: dict) -> None:
    for key, value in settings.items():
        setattr(train_nlu, key, value)
    feats = [train_nlu.featurise(r) for r in rows]
    labels = [train_nlu.label_of(r) for r in rows]
    model = train_nlu.train(feats, labels, sorted(set(labels)))
    out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def score_with(model_path: Path, batch: Path) -> dict:
    """Score the pipeline reading `model_path` on `batch`, in a fresh interpreter."""
    env = {**os.environ, "RELANCE_NLU_MODEL": str(model_path), "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--score", str(batch)], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.splitlines()[-1])


def _score_main(batch: Path) -> None:
    from evaluate import load, predict_in_process, score

    from bot.nlu import learned

    assert str(learned.MODEL_PATH) == os.environ["RELANCE_NLU_MODEL"]
    rows = load(batch)
    got = predict_in_process(rows)
    r = score(batch.name, rows, got)
    false_protective = sum(
        w["intent"] not in PROTECTIVE and h.get("intent") in PROTECTIVE for w, h in zip(rows, got, strict=True)
    )
    print(
        json.dumps(
            {
                "total": r.total,
                "intent": r.intent_ok,
                "entities": r.entities_ok,
                "detail": r.detail_ok,
                "harmful": r.harmful,
                "false_protective": false_protective,
            }
        )
    )


def model_alone(work: Path, today: Path) -> None:
    """Label accuracy of each model alone on each held-out batch (its likeliest label, no rules)."""
    models = {
        "shipped": json.loads(SHIPPED.read_text(encoding="utf-8")),
        "today": json.loads(today.read_text(encoding="utf-8")),
    }
    totals = {a: [0, 0, 0] for a in (*models, "lobo")}
    print(f"{'batch':<22}{'n':>5}" + "".join(f"  {a + ' acc fprot':>18}" for a in totals))
    for batch in held_batches():
        rows = rows_of(batch)
        feats = [train_nlu.featurise(r) for r in rows]
        arms = {**models, "lobo": json.loads((work / f"lobo_{batch.stem}.json").read_text(encoding="utf-8"))}
        line = f"{batch.name:<22}{len(rows):>5}"
        for name, m in arms.items():
            ok = fprot = 0
            for r, fs in zip(rows, feats, strict=True):
                probs = train_nlu.predict(m, fs)
                got = m["labels"][max(range(len(probs)), key=probs.__getitem__)]
                ok += got == train_nlu.label_of(r)
                fprot += r["intent"] not in PROTECTIVE and got.split("/")[0] in PROTECTIVE
            totals[name] = [totals[name][0] + len(rows), totals[name][1] + ok, totals[name][2] + fprot]
            line += f"  {ok / len(rows):>12.3f} {fprot:>5}"
        print(line)
    print(
        f"{'TOTAL':<22}{totals['lobo'][0]:>5}" + "".join(f"  {t[1] / t[0]:>12.3f} {t[2]:>5}" for t in totals.values())
    )


def fold(args: tuple[Path, Path, dict]) -> tuple[str, dict]:
    batch, work, settings = args
    others = [p for p in held_batches() if p != batch]
    rows = train_nlu.load_rows()
    for p in others:
        rows += rows_of(p)
    out = work / f"lobo_{batch.stem}.json"
    train_to(out, rows, settings)
    return batch.name, score_with(out, batch) | {"train_rows": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--score", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=train_nlu.EPOCHS)
    parser.add_argument("--min-count", type=int, default=train_nlu.MIN_COUNT)
    parser.add_argument("--tag", default="base")
    parser.add_argument("--baselines", action="store_true", help="also score the shipped and today's model")
    parser.add_argument("--model-alone", action="store_true", help="score the models of --tag alone (no rules)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/work/scratch/nlumodel7"))
    args = parser.parse_args()
    if args.score:
        _score_main(args.score)
        return
    work = args.work / args.tag
    work.mkdir(parents=True, exist_ok=True)
    if args.model_alone:
        model_alone(work, args.work / "today.json")
        return
    settings = {"EPOCHS": args.epochs, "MIN_COUNT": args.min_count}
    batches = held_batches()
    result: dict[str, dict] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        if args.baselines:
            today = args.work / "today.json"
            if not today.exists():
                train_to(today, train_nlu.load_rows(), {})
            result["shipped"] = dict(
                zip((b.name for b in batches), pool.map(score_with, [SHIPPED] * len(batches), batches), strict=True)
            )
            result["today"] = dict(
                zip((b.name for b in batches), pool.map(score_with, [today] * len(batches), batches), strict=True)
            )
        result["lobo"] = dict(pool.map(fold, [(b, work, settings) for b in batches]))
    (work / "result.json").write_text(json.dumps({"settings": settings, **result}, indent=1), encoding="utf-8")
    report(result)


def _cells(s: dict) -> str:
    return (
        f"  {s['intent'] / s['total']:>7.3f} {s['entities'] / s['total']:>6.3f}"
        f" {s['harmful']:>4} {s['false_protective']:>5}"
    )


def report(result: dict) -> None:
    arms = list(result)
    names = list(result[arms[-1]])
    head = f"{'batch':<22}{'n':>5}" + "".join(f"  {a:>24}" for a in arms)
    print(head + "\n" + " " * 27 + "".join(f"  {'intent  ent  harm fprot':>24}" for _ in arms))
    totals = {a: dict.fromkeys(("total", "intent", "entities", "harmful", "false_protective"), 0) for a in arms}
    for name in names:
        line = f"{name:<22}{result[arms[-1]][name]['total']:>5}"
        for a in arms:
            s = result[a][name]
            line += _cells(s)
            for k in totals[a]:
                totals[a][k] += s[k]
        print(line)
    line = f"{'TOTAL':<22}{totals[arms[-1]]['total']:>5}"
    for a in arms:
        t = totals[a]
        line += _cells(t)
    print(line)
    print("intent right: " + ", ".join(f"{a} {totals[a]['intent']}" for a in arms))


if __name__ == "__main__":
    main()
