"""The learned second opinion: a linear model over word and character n-grams of the normalised text.

Trained at development time by ``tools/train_nlu.py`` (numpy, a dev dependency) on the labelled
corpora that may be tuned on, and shipped as ``bot/nlu/data/intent_model.json``: for each kept
feature, the few (label, weight) pairs that matter. Inference is a sparse dot product (the features
found in one Aho–Corasick pass, their packed integer weights summed) and a softmax, the model read
once at first use; nothing is downloaded. Labels are the intents, plus
``abuse/threat`` and ``wrong_person/bereavement`` for the two details.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise, repeat
from operator import add, itemgetter, sub, truediv
from pathlib import Path

import ahocorasick

# RELANCE_NLU_MODEL points the runtime at another model file (tools/lobo_nlu.py scores models it trained)
MODEL_PATH = Path(os.environ.get("RELANCE_NLU_MODEL") or Path(__file__).resolve().parent / "data" / "intent_model.json")
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


def _pairs(joined: str) -> list[tuple[str, str]]:
    """Every word pair `a, b` written `a_b` (words may hold an underscore themselves: "d_accord")."""
    return [(joined[:i], joined[i + 1 :]) for i, ch in enumerate(joined) if ch == "_"]


@dataclass(frozen=True, slots=True)
class Opinion:
    """The model's reading: labels by probability, and the features that weighed most for the top one."""

    ranked: tuple[tuple[str, float], ...]
    by_label: dict[str, float] = field(default_factory=dict, compare=False, repr=False)  # `ranked` as a dict
    # the model's labels by intent ("abuse": ["abuse", "abuse/threat"]), shared by its opinions
    labels_by_intent: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.ranked[0][0]

    @property
    def probability(self) -> float:
        return self.ranked[0][1]

    def p(self, label: str) -> float:
        if self.by_label:
            return self.by_label.get(label, 0.0)
        return next((p for name, p in self.ranked if name == label), 0.0)


SCALE = 1000  # weights are shipped to 0.001: they add up exactly as integers
FIELD = 64  # bits per label in a packed feature vector (8 bytes: the fields are read back in one unpack)
OFFSET = 1 << 32  # added to every weight so that each field stays non-negative
MASK = (1 << FIELD) - 1
_PROBABILITY = itemgetter(1)
WINDOWS_MOST = 1 << 15  # word pairs whose packed sums are remembered (a few MB)


def _canonical(norm: str) -> bool:
    """Words separated by single spaces, none at either end: each word is a space-delimited run."""
    return norm == " ".join(norm.split())


class LinearModel:
    """Sparse multinomial logistic regression read from the shipped JSON file.

    Each feature's weights for every label are packed into one integer (a fixed-point field of
    `FIELD` bits per label, offset to stay positive): the scores of a text are then one sum of
    integers, read back field by field. Exact, and several times faster than adding floats label by
    label in Python (a message has at most `MAX_CHARS` features, far below the 2**31 the fields hold).

    The features of a text are found in one Aho–Corasick pass over the padded text ``" " + norm +
    " "``: a word ``w`` is the string ``" w "``, a word pair ``" a b "``, a character n-gram itself;
    each string carries the packed sum and the count of the features it stands for (a two-letter
    word and the 4-gram around it are one string and two features).
    """

    def __init__(self, labels: list[str], bias: list[float], weights: dict[str, list[list[float]]]) -> None:
        self.labels = labels
        self.bias = bias
        self.by_label: list[dict[str, float]] = [{} for _ in labels]  # for explanations
        self.packed: dict[str, int] = {}
        for f, pairs in weights.items():
            fields = [OFFSET] * len(labels)
            for i, w in pairs:
                self.by_label[int(i)][f] = float(w)
                fields[int(i)] += round(float(w) * SCALE)
            self.packed[f] = sum(v << (FIELD * i) for i, v in enumerate(fields))
        # the same packed weights keyed as `scores` reads the text (no feature names built per message)
        self.by_word = {f[1:]: v for f, v in self.packed.items() if f[0] == "w"}
        self.by_pair = {pair: v for f, v in self.packed.items() if f[0] == "b" for pair in _pairs(f[1:])}
        self.by_chars = {f[1:]: v for f, v in self.packed.items() if f[0] == "c"}
        self._unpack = struct.Struct(f"<{len(labels) + 1}Q").unpack  # the labels' fields and the count
        self._bytes = FIELD // 8 * (len(labels) + 1)
        self._automaton = self._strings()
        # `_window_sum` of each word pair met (the first word: None for a text's first word; bounded: `WINDOWS_MOST`)
        self._windows: dict[tuple[str | None, str], int] = {}
        self.labels_by_intent: dict[str, list[str]] = {}
        for label in sorted(labels):
            self.labels_by_intent.setdefault(label.split("/")[0], []).append(label)

    def _strings(self) -> ahocorasick.Automaton:
        """Every feature as the string it is in the padded text, with its packed weights; the number
        of features a string stands for is one more field, after the labels'."""
        one = 1 << (FIELD * len(self.labels))
        strings: dict[str, int] = {}
        for word, value in self.by_word.items():
            if word and not any(ch.isspace() for ch in word):
                key = " " + word + " "
                strings[key] = strings.get(key, 0) + value + one
        for (a, b), value in self.by_pair.items():
            if a and b and not any(ch.isspace() for ch in a + b):
                key = " " + a + " " + b + " "
                strings[key] = strings.get(key, 0) + value + one
        for key, value in self.by_chars.items():
            strings[key] = strings.get(key, 0) + value + one
        automaton = ahocorasick.Automaton()
        for key, value in strings.items():
            automaton.add_word(key, value)
        automaton.make_automaton()
        return automaton

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["labels"], data["bias"], data["weights"])

    def _window_sum(self, window: str, tail: int) -> int:
        """The packed sum of the feature strings in `window` that end in its last `tail` characters."""
        start = len(window) - tail
        return sum(value for end, value in self._automaton.iter(window) if end >= start)

    def _packed_sum(self, norm: str) -> int:
        """The packed weights of every feature string in ``" " + norm + " "`` (`norm` canonical), summed
        word by word: each string ends in one word (or the space after it) and begins at most in the word
        before (a pair " a b ", a 4-gram across one space), so the strings ending in word i are those of
        the window " w(i-1) w(i) " that end in its last part. The sums of the windows met are remembered
        (word pairs repeat from message to message: "je vous", "i will"), the integers add up exactly. They are
        remembered by the pair of words: the window's string is built only for a pair not met yet."""
        windows, total, before = self._windows, 0, None
        for word in norm.split(" "):
            value = windows.get((before, word))
            if value is None:
                window = " " + word + " " if before is None else " " + before + " " + word + " "
                value = self._window_sum(window, len(window) if before is None else len(word) + 1)
                if len(windows) < WINDOWS_MOST:
                    windows[before, word] = value
            total += value
            before = word
        return total

    def scores(self, norm: str) -> list[float]:
        """The score of each label (the packed weights of `features(norm)` summed)."""
        if CHAR_N == (4,) and _canonical(norm):
            *fields, count = self._unpack(self._packed_sum(norm).to_bytes(self._bytes, "little"))
        else:
            words = norm.split()
            padded = " " + norm + " "
            found = [v for v in map(self.by_word.get, words) if v]
            found += [v for v in map(self.by_pair.get, pairwise(words)) if v]
            for n in CHAR_N:
                found += [
                    v for v in map(self.by_chars.get, [padded[i : i + n] for i in range(len(padded) - n + 1)]) if v
                ]
            *fields, count = self._unpack(
                (sum(found) + (len(found) << (FIELD * len(self.labels)))).to_bytes(self._bytes, "little")
            )
        base = count * OFFSET
        # b + (field - base) / SCALE for each label, the loops run by `map` (same operations)
        return list(map(add, self.bias, map(truediv, map(sub, fields, repeat(base)), repeat(SCALE))))

    def opinion(self, norm: str) -> Opinion:
        scores = self.scores(norm)
        exps = list(map(math.exp, map(sub, scores, repeat(max(scores)))))
        probabilities = map(truediv, exps, repeat(sum(exps)))
        # `reverse` keeps equal probabilities in label order, as sorting on the negated key did
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=_PROBABILITY, reverse=True)
        return Opinion(tuple(ranked), dict(ranked), self.labels_by_intent)

    def explain(self, norm: str, label: str, k: int = 6) -> list[tuple[str, float]]:
        """The features that pushed `label` up most in this text."""
        weights = self.by_label[self.labels.index(label)]
        contrib: dict[str, float] = {}
        for f in features(norm):
            if f in weights:
                contrib[f] = contrib.get(f, 0.0) + weights[f]
        return sorted(contrib.items(), key=lambda x: -x[1])[:k]


@lru_cache(maxsize=1)
def model() -> LinearModel:
    """The shipped model (read once)."""
    return LinearModel.load(MODEL_PATH)
