"""Measure the variance of the learned model: train arms of models, score them on the frozen sets, compare.

    python tools/stability_nlu.py train ARM...      # writes /work/models/nlubag_<arm>_<variant>.json
    python tools/stability_nlu.py score ARM...      # per-row readings of each model, kept without texts
    python tools/stability_nlu.py table ARM...      # totals and flips between variants

Each arm is three models: ``base`` (current NOT_FOR_THE_MODEL, its seeds), ``more`` (every tuning
file, the round-10 ones included, same seeds) and ``seed`` (current files, other seeds). Stability is
the number of frozen rows whose pipeline reading changes between ``base`` and ``more``, and between
``base`` and ``seed``; quality is the frozen-set totals. The frozen texts are never printed: a
reading is kept as (intent right, entities right, harmful, intent read) per row, in file order.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_nlu

OUT = Path("/work/models")
CORPUS = train_nlu.CORPUS
FROZEN = (
    sorted((CORPUS / "fresh").glob("*.test.jsonl"))
    + [CORPUS / "heldout.jsonl"]
    + [CORPUS / "fresh" / f"batch_{b}.jsonl" for b in ("k", "q", "w", "z9", "z12", "z15")]
)
# arm: (seeds of `base`/`more`, seeds of `seed`, bootstrap, L2, epochs, min_count); the runs of an arm's variant
# are averaged into one model. `single` is the model shipped before issue 13's change, `bag5l2e3` the one after.
ARMS = {
    "single": ((13,), (7,), False, 1e-5, 25, 2),
    "bag5": ((13, 14, 15, 16, 17), (23, 24, 25, 26, 27), False, 1e-5, 25, 2),
    "boot5": ((13, 14, 15, 16, 17), (23, 24, 25, 26, 27), True, 1e-5, 25, 2),
    "boot9": (tuple(range(13, 22)), tuple(range(23, 32)), True, 1e-5, 25, 2),
    "l2e4": ((13,), (7,), False, 1e-4, 25, 2),
    "l2e3": ((13,), (7,), False, 1e-3, 25, 2),
    "l2e2": ((13,), (7,), False, 1e-2, 25, 2),
    "bag5l2e3": ((13, 14, 15, 16, 17), (23, 24, 25, 26, 27), False, 1e-3, 25, 2),
    "boot5l2e3": ((13, 14, 15, 16, 17), (23, 24, 25, 26, 27), True, 1e-3, 25, 2),
    "ep10mc3": ((13,), (7,), False, 1e-5, 10, 3),
}
_DATA: dict[bool, tuple] = {}


def data(more: bool) -> tuple:
    """Features, labels, label names and vocabulary of the training rows (round-10 files too if `more`)."""
    if more not in _DATA:
        keep = train_nlu.NOT_FOR_THE_MODEL
        train_nlu.NOT_FOR_THE_MODEL = frozenset() if more else keep
        rows = train_nlu.load_rows()
        train_nlu.NOT_FOR_THE_MODEL = keep
        feats = [train_nlu.featurise(r) for r in rows]
        labels = [train_nlu.label_of(r) for r in rows]
        _DATA[more] = (feats, labels, sorted(set(labels)))
    return _DATA[more]


def member(more: bool, seed: int, bootstrap: bool, l2: float, epochs: int, min_count: int) -> tuple:
    """One model's averaged weights before pruning (cached on disk)."""
    key = f"{int(more)}_{seed}_{int(bootstrap)}_{l2:g}_{epochs}_{min_count}"
    cache = OUT / "nlubag_cache" / f"{key}.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=True)
        return list(z["names"]), z["w"], z["b"], list(z["labels"])
    feats, labels, names = data(more)
    train_nlu.L2, train_nlu.EPOCHS, train_nlu.MIN_COUNT = l2, epochs, min_count
    sample = None
    if bootstrap:  # the vocabulary stays that of every row, so that the members' weights line up
        sample = [int(i) for i in np.random.default_rng(seed).integers(0, len(feats), len(feats))]
    fnames, w, b = train_nlu.fit(feats, labels, names, seed=seed, sample=sample)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, names=np.array(fnames, dtype=object), w=w, b=b, labels=np.array(names))
    return fnames, w, b, names


def average(members: list[tuple]) -> dict:
    """The mean of the members' weights (they share one vocabulary), pruned as train_nlu ships it."""
    names, labels = members[0][0], members[0][3]
    assert all(m[0] == names for m in members)
    w = sum(m[1] for m in members) / len(members)
    b = sum(m[2] for m in members) / len(members)
    return train_nlu.shipped(labels, names, w, b)


def variants(arm: str) -> dict[str, tuple[bool, tuple[int, ...]]]:
    seeds, other, *_ = ARMS[arm]
    return {"base": (False, seeds), "more": (True, seeds), "seed": (False, other)}


def _job(args: tuple) -> str:
    member(*args)
    return str(args)


def cmd_train(arms: list[str], jobs: int) -> None:
    todo = []
    for arm in arms:
        _, _, boot, l2, ep, mc = ARMS[arm]
        for more, seeds in variants(arm).values():
            todo += [(more, s, boot, l2, ep, mc) for s in seeds]
    todo = list(dict.fromkeys(todo))
    with ProcessPoolExecutor(jobs) as pool:
        for done in pool.map(_job, todo):
            print("trained", done, flush=True)
    for arm in arms:
        _, _, boot, l2, ep, mc = ARMS[arm]
        for name, (more, seeds) in variants(arm).items():
            model = average([member(more, s, boot, l2, ep, mc) for s in seeds])
            path = OUT / f"nlubag_{arm}_{name}.json"
            path.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            print(f"{path}: {len(model['weights'])} features, {path.stat().st_size:,} bytes", flush=True)


def readings() -> None:
    """Run in a child with RELANCE_NLU_MODEL set: each frozen row as (intent ok, entities ok, harmful)."""
    sys.path.insert(0, str(CORPUS))
    import evaluate

    out = {}
    for path in FROZEN:
        rows = evaluate.load(path)
        got = evaluate.predict_in_process(rows)
        out[path.name] = [
            [
                h.get("intent") == w["intent"],
                all(h.get(k) == w.get(k) for k in evaluate.ENTITIES),
                w["intent"] in evaluate.PROTECTIVE and h.get("intent") not in evaluate.PROTECTIVE,
                h.get("intent"),
            ]
            for w, h in zip(rows, got, strict=True)
        ]
    json.dump(out, sys.stdout)


def cmd_score(names: list[str], jobs: int) -> None:
    def one(name: str) -> None:
        model = OUT / f"{name}.json" if not name.startswith("/") else Path(name)
        env = {**os.environ, "RELANCE_NLU_MODEL": str(model), "OPENBLAS_NUM_THREADS": "1"}
        out = subprocess.run(
            [sys.executable, __file__, "_readings"], env=env, capture_output=True, text=True, check=True
        ).stdout
        (OUT / "nlubag_readings" / f"{model.stem}.json").write_text(out)
        print("scored", model.stem, flush=True)

    (OUT / "nlubag_readings").mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, names))


def load_readings(stem: str) -> dict:
    return json.loads((OUT / "nlubag_readings" / f"{stem}.json").read_text())


RECENT = ("batch_z10.test.jsonl", "batch_z11.test.jsonl", "batch_z15.jsonl")  # round 10's 962 rows


def totals(r: dict, only: tuple[str, ...] = ()) -> tuple[int, int, int, int]:
    rows = [x for f, v in r.items() if not only or f in only for x in v]
    return len(rows), sum(x[0] for x in rows), sum(x[1] for x in rows), sum(x[2] for x in rows)


def flips(a: dict, b: dict) -> tuple[int, int]:
    """Rows whose read intent differs, and rows whose harmful flag differs."""
    pairs = [(x, y) for f in a for x, y in zip(a[f], b[f], strict=True)]
    return sum(x[3] != y[3] for x, y in pairs), sum(x[2] != y[2] for x, y in pairs)


def cmd_table(arms: list[str]) -> None:
    print(
        f"{'model':<24}{'rows':>6}{'intent':>8}{'acc':>7}{'entities':>9}{'harmful':>8}"
        f"{'flips vs base':>14}{'harm flips':>11}  | r9+z15: intent harmful"
    )
    for arm in arms:
        base = load_readings(f"nlubag_{arm}_base")
        for name in ("base", "more", "seed"):
            r = load_readings(f"nlubag_{arm}_{name}")
            n, ok, ent, harm = totals(r)
            fl, hf = flips(base, r) if name != "base" else (0, 0)
            _, rok, _, rharm = totals(r, RECENT)
            print(
                f"{arm + '_' + name:<24}{n:>6}{ok:>8}{ok / n:>7.4f}{ent:>9}{harm:>8}{fl:>14}{hf:>11}"
                f"  | {rok:>6} {rharm:>7}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "score", "table", "_readings"])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if args.command == "train":
        cmd_train(args.names, args.jobs)
    elif args.command == "score":
        stems = (
            [f"nlubag_{a}_{v}" for a in args.names for v in ("base", "more", "seed")]
            if all(a in ARMS for a in args.names)
            else args.names
        )
        cmd_score(stems, args.jobs)
    elif args.command == "table":
        cmd_table(args.names)
    else:
        readings()


if __name__ == "__main__":
    main()
