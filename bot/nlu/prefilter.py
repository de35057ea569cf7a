"""Big alternations tried only with the branches that can match: a trigram prefilter.

Each branch of an alternation is read (with the regex parser of the standard library) for the
three characters every match of it must begin with. A text is reduced to the set of its
three-character substrings; a branch none of whose beginnings is in that set cannot match anywhere
in the text, so the engine is given only the other branches, in their order (same leftmost match,
same branch chosen, so the same match object as the whole alternation). Branches whose beginnings
cannot be listed (a character class like ``\\w``, a match shorter than three characters…) are
always kept. Most messages leave no branch of most intents: no regex runs at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from re import _constants as C
from re import _parser as P

GRAM = 3
_MAX_BEGINNINGS = 400  # more than that: the branch is always tried
_MAX_STEPS = 20_000


class _Unlisted(Exception):
    """The beginnings of a branch cannot be listed."""


def _beginnings(branch: str, n: int = GRAM, most: int = _MAX_BEGINNINGS) -> frozenset[str] | None:
    """Every `n`-character string a match of `branch` may start with, or None when unknown."""
    steps = [0]
    found: set[str] = set()
    try:
        for prefix in _walk(list(P.parse(branch)), "", steps, n):
            found.add(prefix)
            if len(found) > most:
                return None
    except _Unlisted:
        return None
    return frozenset(found)


def _walk(items: list, prefix: str, steps: list[int], n: int) -> Iterator[str]:
    steps[0] += 1
    if steps[0] > _MAX_STEPS:
        raise _Unlisted
    if len(prefix) == n:
        yield prefix
        return
    if not items:
        raise _Unlisted  # a match may be shorter than GRAM characters
    (op, av), rest = items[0], items[1:]
    if op is C.LITERAL:
        yield from _walk(rest, prefix + chr(av), steps, n)
    elif op is C.IN:
        for ch in _class_chars(av):
            yield from _walk(rest, prefix + ch, steps, n)
    elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):  # zero width
        yield from _walk(rest, prefix, steps, n)
    elif op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise _Unlisted
        yield from _walk(list(sub) + rest, prefix, steps, n)
    elif op is C.BRANCH:
        for seq in av[1]:
            yield from _walk(list(seq) + rest, prefix, steps, n)
    elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, high, sub = av
        if low == 0:
            yield from _walk(rest, prefix, steps, n)
        if high == 0:
            return
        again = [] if high == 1 else [(op, (max(0, low - 1), high if high is C.MAXREPEAT else high - 1, sub))]
        yield from _walk(list(sub) + again + rest, prefix, steps, n)
    else:
        raise _Unlisted


def _class_chars(av: list) -> list[str]:
    chars: list[str] = []
    for op, arg in av:
        if op is C.LITERAL:
            chars.append(chr(arg))
        elif op is C.CATEGORY and arg is C.CATEGORY_DIGIT:
            chars.extend("0123456789")
        elif op is C.RANGE and arg[1] - arg[0] < 64:
            chars.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            raise _Unlisted
    return chars


class Literals:
    """Strings one of which stands in every text a pattern matches (the beginnings of its matches)."""

    def __init__(self, strings: frozenset[str]) -> None:
        self.strings = strings
        self.n = len(next(iter(strings)))

    def in_text(self, text: str) -> bool:
        """Whether one of the strings stands in `text`."""
        return not self.strings.isdisjoint(text_grams(text, self.n))


def guarded_search(pattern: re.Pattern[str]) -> Callable[[str], re.Match[str] | None]:
    """`pattern.search`, not run when none of the pattern's required literals is in the text."""
    literals = required_literals(pattern)
    if literals is None:
        return pattern.search
    return lambda text: pattern.search(text) if literals.in_text(text) else None


def required_literals(pattern: re.Pattern[str], most: int = 256) -> Literals | None:
    """The beginnings of `pattern`'s matches, three characters long if they are few enough, else two,
    else one (None: they cannot be listed)."""
    if pattern.flags & re.IGNORECASE:
        return None
    for n in (3, 2, 1):
        found = _beginnings(pattern.pattern, n, most)
        if found:
            return Literals(found)
    return None


class Substitutions:
    """`pattern.sub(repl, text)` for each pair in turn, each skipped when the text holds none of the
    beginnings of the pattern's matches (same result as running them all)."""

    def __init__(self, pairs: list[tuple[re.Pattern[str], str]]) -> None:
        self.steps = []
        for pattern, repl in pairs:
            literals = required_literals(pattern)
            self.steps.append((literals.strings if literals else None, literals.n if literals else 0, pattern, repl))

    def __call__(self, text: str) -> str:
        index: dict[int, frozenset[str]] = {}  # n -> the n-grams of the current text
        for strings, n, pattern, repl in self.steps:
            if strings is not None:
                found = index.get(n)
                if found is None:
                    found = index[n] = grams(text, n)
                if strings.isdisjoint(found):
                    continue
            changed = pattern.sub(repl, text)
            if changed != text:
                text, index = changed, {}
        return text


def grams(text: str, n: int = GRAM) -> frozenset[str]:
    """The `n`-character substrings of `text`."""
    if n == 1:
        return frozenset(text)
    return frozenset([text[i : i + n] for i in range(len(text) - n + 1)])


_LAST: dict[int, tuple[str, frozenset[str]]] = {}  # n -> the last text seen and its grams


def text_grams(text: str, n: int = GRAM) -> frozenset[str]:
    """`grams`, remembered for the last text (the patterns of one message are tried on the same text)."""
    last = _LAST.get(n)
    if last is None or (last[0] is not text and last[0] != text):
        last = _LAST[n] = (text, grams(text, n))
    return last[1]


class GatedPattern:
    """An alternation of `branches` (``head(?:(?:b1)|(?:b2)…)``) behind a trigram prefilter."""

    def __init__(self, head: str, branches: tuple[str, ...]) -> None:
        self.head, self.branches = head, branches
        self.pattern = head + "(?:" + "|".join(f"(?:{b})" for b in branches) + ")"
        self.full = re.compile(self.pattern)
        self.always = 0  # bit mask of the branches always tried
        self.by_gram: dict[str, int] = {}
        for i, branch in enumerate(branches):
            found = _beginnings(branch)
            if found is None:
                self.always |= 1 << i
                continue
            for gram in found:
                self.by_gram[gram] = self.by_gram.get(gram, 0) | 1 << i
        self.keys = frozenset(self.by_gram)
        single = [re.compile(f"{head}(?:{b})") for b in branches]
        self.unlisted = [single[i] for i in range(len(branches)) if self.always >> i & 1]
        self.by_branch_of = {
            gram: [single[i] for i in range(len(branches)) if mask >> i & 1] for gram, mask in self.by_gram.items()
        }

    def mask(self, text: str) -> int:
        """The bit mask of the branches that may match somewhere in `text`."""
        mask = self.always
        for gram in self.keys.intersection(text_grams(text)):
            mask |= self.by_gram[gram]
        return mask

    def found(self, text: str) -> bool:
        """Whether the alternation matches somewhere in `text` (as `bool(pattern.search(text))`).

        Each branch is tried only where one of its beginnings stands in the text.
        """
        for gram in self.keys.intersection(text_grams(text)):
            candidates = self.by_branch_of[gram]
            pos = text.find(gram)
            while pos >= 0:
                for branch in candidates:
                    if branch.match(text, pos):
                        return True
                pos = text.find(gram, pos + 1)
        return any(branch.search(text) for branch in self.unlisted)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer` of the whole alternation (nothing to try when no branch may match)."""
        return self.full.finditer(text) if self.mask(text) else iter(())
