"""The learned second opinion: a linear model over word and character n-grams of the normalised text.

Trained at development time by ``tools/train_nlu.py`` (numpy, a dev dependency) on the labelled
corpora that may be tuned on, and shipped as ``bot/nlu/data/intent_model.json``: for each kept
feature, the few (label, weight) pairs that matter. Inference is pure Python (a sparse dot product
and a softmax), loaded once at import; nothing is downloaded. Labels are the intents, plus
``abuse/threat`` and ``wrong_person/bereavement`` for the two details.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "data" / "intent_model.json"
CHAR_N = (4,)  # character n-grams of these lengths, across word boundaries


def features(norm: str) -> list[str]:
    """The features of a normalised text: words, word pairs and character n-grams."""
    words = norm.split()
    feats = ["w" + w for w in words]
    feats += ["b" + a + "_" + b for a, b in pairwise(words)]
    padded = " " + norm + " "
    for n in CHAR_N:
        feats += ["c" + padded[i : i + n] for i in range(len(padded) - n + 1)]
    return feats


@dataclass(frozen=True, slots=True)
class Opinion:
    """The model's reading: labels by probability, and the features that weighed most for the top one."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def label(self) -> str:
        return self.ranked[0][0]

    @property
    def probability(self) -> float:
        return self.ranked[0][1]

    def p(self, label: str) -> float:
        return next((p for name, p in self.ranked if name == label), 0.0)


class LinearModel:
    """Sparse multinomial logistic regression read from the shipped JSON file."""

    def __init__(self, labels: list[str], bias: list[float], weights: dict[str, list[list[float]]]) -> None:
        self.labels = labels
        self.bias = bias
        # feature -> ((label index, weight), ...)
        self.weights = {f: tuple((int(i), float(w)) for i, w in pairs) for f, pairs in weights.items()}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["labels"], data["bias"], data["weights"])

    def scores(self, norm: str) -> list[float]:
        scores = list(self.bias)
        get = self.weights.get
        for f in features(norm):
            pairs = get(f)
            if pairs:
                for i, w in pairs:
                    scores[i] += w
        return scores

    def opinion(self, norm: str) -> Opinion:
        scores = self.scores(norm)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        ranked = sorted(zip(self.labels, (e / total for e in exps), strict=True), key=lambda x: -x[1])
        return Opinion(tuple(ranked))

    def explain(self, norm: str, label: str, k: int = 6) -> list[tuple[str, float]]:
        """The features that pushed `label` up most in this text."""
        index = self.labels.index(label)
        contrib: dict[str, float] = {}
        for f in features(norm):
            for i, w in self.weights.get(f, ()):
                if i == index:
                    contrib[f] = contrib.get(f, 0.0) + w
        return sorted(contrib.items(), key=lambda x: -x[1])[:k]


@lru_cache(maxsize=1)
def model() -> LinearModel:
    """The shipped model (read once)."""
    return LinearModel.load()
