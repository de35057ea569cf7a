"""Train the learned second opinion of the NLU (`bot.nlu.learned`) and write its data file.

    python tools/train_nlu.py                 # writes bot/nlu/data/intent_model.json
    python tools/train_nlu.py --cv 5 --oof /tmp/oof.jsonl   # out-of-fold readings to tune the combination

Reproducible: fixed seed, fixed order. Trained only on what may be tuned on: tests/nlu_corpus/
train.jsonl and dev.jsonl and the ``.train`` halves of the fresh batches, never on heldout.jsonl nor
on any ``.test`` half. Needs numpy (the ``dev`` extra); the runtime reads the JSON with pure Python.
Model: multinomial logistic regression over `bot.nlu.learned.features`, averaged SGD with L2, then
pruned to the weights that matter so that inference stays a short sparse dot product. The shipped
weights are the mean of BAG such runs over the same rows, each shuffled with its own seed (SEED,
SEED + 1, ...): still one linear model, read as before, but its readings no longer hang on one
shuffling order (issue 13: `python tools/stability_nlu.py` measures it). About 30 s per run.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np

from bot.nlu.learned import MODEL_PATH, features
from bot.nlu.normalise import normalise
from bot.nlu.reply_text import extract_reply

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "nlu_corpus"
SEED = 13
EPOCHS = 25
LR = 0.2
L2 = 1e-3  # applied to the weights a row touches, at each of its updates
MIN_COUNT = 2  # features seen fewer times are dropped
PRUNE = 0.02  # weights smaller than this are not shipped
# Runs averaged into the shipped model, the same rows shuffled with seeds SEED .. SEED + BAG - 1. Issue 13
# (tools/stability_nlu.py, every frozen file, 10,006 rows, read by the whole pipeline): one run with L2 1e-5, as
# shipped until then, read 204 rows differently with seed 7 instead of 13 and 230 with the round-10 tuning halves
# added (harmful misreads 34 / 35 / 35, intent 9,580 / 9,567 / 9,576 right); the mean of 5 runs with L2 1e-3 moves
# 67 and 70 (harmful 24 / 22 / 23, intent 9,637 / 9,641 / 9,638). Either change alone helps less (5 runs at 1e-5:
# 84 / 85 moved, 29 harmful; one run at 1e-3: 175 / 167, 29); bootstrap samples instead of reshuffles, fewer epochs
# or a larger MIN_COUNT did worse.
BAG = 5


# Batches the rules were tuned on but the model was not trained on, until round 10. Rounds 4 and 7 measured the
# model trained with them on rows the rules had been tuned on with the shipped model in the loop (out-of-fold,
# then leave-one-batch-out on u, v, x, y, z1-z6): the pipeline lost a little, and they were left out. Round 7
# noted the bias of that test: a fair one needs batches neither the rules nor the model have seen. Round 10 ran
# it on three fresh batches written for it, before any change (z13, z14 and z15, 1,400 rows: 1,352 right and
# 4 harmful misreads with the model trained on every tuning row, against 1,349 and 5 with the round-3 model),
# and the frozen halves agree (SCORES.md, round 10): every tuning row up to round 9 now trains the model.
# Round 10's own tuning halves tune the rules only. Round 11 ran the fair test for them on three batches written
# after round 10 (z17, z18 and z19, 1,400 rows, before any change of round 11): trained with them, the model read
# 1,344 right with 3 harmful misreads, against 1,342 and 4 without, and every frozen file 0.964 / 29 harmful
# against 0.963 / 28: a wash, within the model's noise. It also lost two readings the rounds had pinned ("je
# rembourse sur 6 mois" read as a dispute), so they stay out with round 11's own halves.
# Round 12's halves (z22, z23) tune the rules only, like round 11's, until batches written after them can test them.
# So does round 13's (z25).
NOT_FOR_THE_MODEL = frozenset(
    {
        "batch_z13.train.jsonl",
        "batch_z14.train.jsonl",
        "batch_z17.train.jsonl",
        "batch_z18.train.jsonl",
        "batch_z22.train.jsonl",
        "batch_z23.train.jsonl",
        "batch_z25.train.jsonl",
        "batch_z29.train.jsonl",
        "batch_z30.train.jsonl",
        "batch_z31.train.jsonl",
        "batch_z33.train.jsonl",
    }
)


def training_files() -> list[Path]:
    files = [CORPUS / "train.jsonl", CORPUS / "dev.jsonl"]
    files += sorted((CORPUS / "fresh").glob("*.train.jsonl"))
    files += sorted((CORPUS / "extra").glob("*.jsonl"))  # training-only batches (never scored as a test)
    assert not any(f.name.endswith(".test.jsonl") or f.name == "heldout.jsonl" for f in files)
    return [f for f in files if f.name not in NOT_FOR_THE_MODEL]


def label_of(row: dict) -> str:
    detail = row.get("detail")
    return f"{row['intent']}/{detail}" if detail else row["intent"]


def load_rows() -> list[dict]:
    rows = []
    for path in training_files():
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def featurise(row: dict) -> list[str]:
    locale = "en" if row["locale"].startswith("en") else "fr"
    return features(normalise(extract_reply(row["text"]), locale))


def fit(
    feats: list[list[str]],
    labels: list[str],
    label_names: list[str],
    *,
    seed: int = SEED,
    sample: list[int] | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One averaged-SGD run: the vocabulary (features of every row seen MIN_COUNT times), its weights
    (one row per feature, one column per label) and the biases. `sample` lists the rows to train on
    (with repeats: a bootstrap sample), every row once by default."""
    counts = Counter(f for fs in feats for f in set(fs))
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    x = [np.array(sorted({vocab[f] for f in fs if f in vocab}), dtype=np.int64) for fs in feats]
    y = np.array([label_names.index(lab) for lab in labels])
    k = len(label_names)
    w = np.zeros((len(vocab), k))
    b = np.zeros(k)
    # averaged SGD with the lazy trick: avg = w - u / c, where u collects c * each update
    u, ub, c = np.zeros_like(w), np.zeros_like(b), 1
    order = list(range(len(x))) if sample is None else list(sample)
    rng = random.Random(seed)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        lr = LR / (1 + epoch * 0.5)
        for j in order:
            idx = x[j]
            s = w[idx].sum(axis=0) + b
            p = np.exp(s - s.max())
            p /= p.sum()
            p[y[j]] -= 1.0
            delta = lr * (p + L2 * w[idx])
            w[idx] -= delta
            u[idx] -= c * delta
            b -= lr * p
            ub -= c * lr * p
            c += 1
    return sorted(vocab, key=vocab.__getitem__), w - u / c, b - ub / c


def shipped(label_names: list[str], names: list[str], w: np.ndarray, b: np.ndarray) -> dict:
    """The model as the runtime reads it: weights under PRUNE dropped, the rest to 0.001."""
    weights = {}
    for f, row in zip(names, w, strict=True):
        pairs = [[i, round(float(v), 3)] for i, v in enumerate(row) if abs(v) >= PRUNE]
        if pairs:
            weights[f] = pairs
    return {"labels": label_names, "bias": [round(float(v), 3) for v in b], "weights": weights}


def train(feats: list[list[str]], labels: list[str], label_names: list[str], *, bag: int = BAG) -> dict:
    """The shipped model: the mean of `bag` runs of `fit` shuffled with seeds SEED, SEED + 1, ..., pruned."""
    names, w_sum, b_sum = fit(feats, labels, label_names, seed=SEED)
    for k in range(1, bag):
        _, w, b = fit(feats, labels, label_names, seed=SEED + k)
        w_sum, b_sum = w_sum + w, b_sum + b
    return shipped(label_names, names, w_sum / bag, b_sum / bag)


def predict(model: dict, fs: list[str]) -> list[float]:
    s = list(model["bias"])
    for f in fs:
        for i, v in model["weights"].get(f, ()):
            s[i] += v
    top = max(s)
    e = [np.exp(v - top) for v in s]
    return [float(v / sum(e)) for v in e]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0, help="k-fold: write out-of-fold readings instead of the model")
    parser.add_argument("--oof", type=Path, default=Path("/tmp/nlu_oof.jsonl"))
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    rows = load_rows()
    feats = [featurise(r) for r in rows]
    labels = [label_of(r) for r in rows]
    label_names = sorted(set(labels))
    if args.cv:
        folds = [i % args.cv for i in range(len(rows))]
        random.Random(SEED).shuffle(folds)
        correct = 0
        with args.oof.open("w", encoding="utf-8") as out:
            for fold in range(args.cv):
                tr = [i for i in range(len(rows)) if folds[i] != fold]
                model = train([feats[i] for i in tr], [labels[i] for i in tr], label_names)
                for i in (i for i in range(len(rows)) if folds[i] == fold):
                    probs = predict(model, feats[i])
                    best = label_names[int(np.argmax(probs))]
                    correct += best == labels[i]
                    out.write(json.dumps({**rows[i], "probs": dict(zip(label_names, probs, strict=True))}) + "\n")
        print(f"{len(rows)} rows, {args.cv}-fold out-of-fold label accuracy {correct / len(rows):.3f}")
        return
    model = train(feats, labels, label_names)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(rows)} rows, {len(model['weights'])} features kept, {args.out.stat().st_size:,} bytes -> {args.out}")


if __name__ == "__main__":
    main()
