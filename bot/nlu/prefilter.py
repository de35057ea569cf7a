"""Patterns tried only where they can match: a literal prefilter, computed from the patterns.

Each pattern (or branch of a big alternation) is read with the regex parser of the standard
library for the strings every match of it must begin with: three characters long when they can be
listed and are not too many, else two, else one (`literals_of`); a branch whose beginnings cannot
be listed (a class like ``\\w`` first) is always tried. Nothing is listed by hand: a pattern added
or changed is read again at import.

`INDEX` holds the beginnings of every guarded pattern in one Aho–Corasick automaton
(pyahocorasick): one pass over a text gives the literals it holds and a bit mask of the patterns
that can match (`LiteralIndex.mask`); a pattern whose bit is clear is not run at all. Literals of
one character, and characters every match must hold (a digit for an amount), are tested with
`frozenset.isdisjoint` instead. The beginnings say where a match may start, not whether the rest of
it can be there: the literals of a later part of a pattern, one of which every match holds
(`needed_literals`: " mois" in "le 15 du mois prochain", the months after a day), are in the
automaton too, and a text holding none of them has the bit cleared in the same pass. Of the sets a
pattern needs, the one least made of common words is taken (" pas ", "il y " stand in most texts).
A `GatedPattern` also passes over a literal where none of what its branches need stands. Where the
bit is set:

- `GatedPattern.found` (the intent alternations) tries, at each position where one of its
  literals starts, only the alternation of the branches that may begin with that literal, and
  `GatedPattern.search` / `finditer` give the whole alternation's matches the same way (`gated`
  splits a compiled alternation, such as the threat rules, into its branches);
- `Anchored.search` / `finditer` match the whole pattern at the positions where its literals
  start, left to right (same matches, spans and groups as `re.Pattern.search` / `finditer`);
- `Substitutions` runs only the substitutions whose literals stand in the current text.

The index reads normalised text (lower-case ASCII): ``\\d`` is listed as ``0-9``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, reduce
from operator import itemgetter, or_
from re import _constants as C  # type: ignore[attr-defined]  # re's own parser: private, not in typeshed
from re import _parser as P  # type: ignore[attr-defined]
from types import EllipsisType

import ahocorasick

GRAM = 3
_MAX_BEGINNINGS = 400  # more than that: the branch is always tried
_MAX_STEPS = 20_000
_MOST_UNIONS = 4096  # alternations of a `GatedPattern` remembered by the literals starting at one place


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


_MOST = {5: 400, 4: 400, 3: 2000, 2: 256, 1: 256}  # more beginnings than this of a length: try a shorter length


@cache  # the branches of an intent's alternation are read again each time it is extended (`intent_patterns._rx`)
def literals_of(pattern: str) -> frozenset[str] | None:
    """The beginnings of `pattern`'s matches, three characters long if they are few enough, else two,
    else one (None: they cannot be listed, the pattern is always tried)."""
    for n in (5, 4, 3, 2, 1):
        found = _beginnings(pattern, n, _MOST[n])
        if found:
            return found
    return None


def _rarity(chars: frozenset[str]) -> int:
    """How often one of `chars` stands in a message, roughly: spaces are everywhere, letters common."""
    return sum(1000 if ch.isspace() else 10 if ch.isalpha() else 1 for ch in chars)


def required_chars(pattern: str) -> frozenset[str] | None:
    """Characters one of which stands in every match of `pattern`: the first characters of the
    part of its top-level sequence that every match holds and whose characters are the rarest
    (None: unknown)."""
    try:
        items = list(P.parse(pattern))
    except re.error:
        return None
    best: frozenset[str] | None = None
    for item in items:
        try:
            chars = frozenset(_walk([item], "", [0], 1))
        except _Unlisted:  # the part may be empty, or its characters cannot be listed
            continue
        if chars and (best is None or _rarity(chars) < _rarity(best)):
            best = chars
    return best


# Needed literals: the beginnings say where a match may start, not whether the rest of it can be there ("le 15
# du mois prochain" begins like any "le 15"). The literals of a later part of the pattern, one of which every
# match holds, clear the bit of a text holding none of them: one more condition, tested in the same pass.
_NEEDED_LENGTHS = (5, 4, 3)
_NEEDED_WEIGHT = {5: 1, 4: 2, 3: 4}  # a shorter literal stands in more texts
# a test of more weight (more, shorter literals) is not worth its place in the automaton; up to this one, such
# as the months after a day ("le 15 mars", a test of 17 literals of four characters: " mar", " avr"…), it is
# (measured with bench/nlu.py: an amount's "50 e" begins a day-and-month pattern, "50 eur" holds no month)
_MOST_NEEDED_WEIGHT = 40
# the same for a branch of a `GatedPattern`: tested only where a literal of the branch already stands in the text
_MOST_BRANCH_NEEDED_WEIGHT = 32


def _weight(literals: frozenset[str]) -> int:
    return sum(_NEEDED_WEIGHT[len(literal)] for literal in literals)


# the commonest words of the replies, French and English (short words, those of paying, of a month, of a bill): a
# needed literal made of them (" pas ", "o not", " the ", " mois") stands in many texts and tells little; another
# part of the pattern is preferred where there is one
_COMMON_WORDS = frozenset(
    {
        "je",
        "j",
        "vous",
        "tu",
        "il",
        "elle",
        "on",
        "nous",
        "ne",
        "n",
        "pas",
        "plus",
        "rien",
        "de",
        "d",
        "le",
        "la",
        "l",
        "les",
        "des",
        "du",
        "un",
        "une",
        "et",
        "est",
        "c",
        "ce",
        "ca",
        "a",
        "ai",
        "au",
        "en",
        "y",
        "pour",
        "que",
        "qui",
        "mon",
        "ma",
        "mes",
        "me",
        "moi",
        "se",
        "sa",
        "son",
        "si",
        "mais",
        "ou",
        "i",
        "you",
        "we",
        "he",
        "she",
        "it",
        "the",
        "an",
        "to",
        "and",
        "of",
        "in",
        "for",
        "is",
        "are",
        "am",
        "be",
        "do",
        "not",
        "no",
        "can",
        "will",
        "have",
        "my",
        "this",
        "that",
        "so",
        "but",
        "at",
        "pay",
        "paye",
        "payer",
        "peux",
        "peut",
        "suis",
        "dans",
        "avec",
        "sur",
        "par",
        "tout",
        "fait",
        "faire",
        "vais",
        "mois",
        "what",
        "paid",
        "all",
        "your",
        "get",
        "just",
        "with",
        "if",
        "would",
        "could",
        "please",
        "merci",
        "thanks",
        "ok",
        "oui",
        "yes",
        "month",
        "payment",
        "paiement",
        "was",
        "been",
        "has",
        "had",
        "there",
        "any",
        "one",
        "regle",
        "regler",
        "reglement",
        "stop",
        "fais",
        "faites",
        "going",
        "someone",
        "like",
        "want",
        "know",
        "over",
        "envoye",
        "vire",
        "virement",
        "facture",
        "invoice",
        "amount",
        "montant",
        "money",
    }
)


# the pieces of the common words: within one, ending one, beginning one
_COMMON_INFIXES = frozenset(w[i:j] for w in _COMMON_WORDS for i in range(len(w)) for j in range(i + 1, len(w) + 1))
_COMMON_ENDS = frozenset(w[i:] for w in _COMMON_WORDS for i in range(len(w)))
_COMMON_STARTS = frozenset(w[:j] for w in _COMMON_WORDS for j in range(1, len(w) + 1))


def _common(literal: str) -> bool:
    """Whether each piece of `literal` between spaces can be (a piece of) one of `_COMMON_WORDS`: a piece with
    a space on both sides is a whole word, one at the literal's start may end a word, one at its end may begin
    one, a literal without a space may lie within one."""
    pieces = literal.split(" ")
    if len(pieces) == 1:
        return literal in _COMMON_INFIXES
    last = len(pieces) - 1
    return all(
        not piece or piece in (_COMMON_ENDS if i == 0 else _COMMON_STARTS if i == last else _COMMON_WORDS)
        for i, piece in enumerate(pieces)
    )


def _commonness(literals: frozenset[str]) -> tuple[int, int]:
    """How often a text may hold one of `literals`, roughly: those made of common words, then the weight."""
    return sum(map(_common, literals)), _weight(literals)


def _listed_from(items: list, most: int) -> frozenset[str] | None:
    """The strings of the first length of `_NEEDED_LENGTHS` a match of the sequence `items` may begin with,
    when they are `most` at most; None when they cannot be listed."""
    for n in _NEEDED_LENGTHS:
        found: set[str] = set()
        try:
            for prefix in _walk(items, "", [0], n):
                found.add(prefix)
                if len(found) > most:
                    break
        except _Unlisted:
            continue
        if found and len(found) <= most:
            return frozenset(found)
    return None


def _needed_in(items: list, most: int) -> frozenset[str] | None:
    """Literals one of which stands in every match of the parsed sequence `items`, the rarest found
    (`_commonness`) of a weight up to `most`: the beginnings of a part of the sequence from some place on (a
    match of the whole holds a match of it), or the literals needed by a group every match goes through, or,
    for a group of alternatives, those needed by each alternative together (a match holds a match of one)."""
    candidates: list[frozenset[str] | None] = [_listed_from(items[i:], most) for i in range(len(items))]
    for op, av in items:
        if op is C.SUBPATTERN and not av[1] and not av[2]:  # a group (no flags set within)
            candidates.append(_needed_in(list(av[3]), most))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:  # repeated at least once
            candidates.append(_needed_in(list(av[2]), most))
        elif op is C.BRANCH:
            each = [_needed_in(list(branch), most) for branch in av[1]]
            if all(each):
                candidates.append(frozenset().union(*each))  # type: ignore[arg-type]
    found = [c for c in candidates if c and _weight(c) <= most]
    return min(found, key=_commonness) if found else None


def _listed_beginnings(branch: str) -> frozenset[str] | None:
    """The beginnings of a branch's matches when the index lists them (two characters or more), else None."""
    literals = literals_of(branch)
    return literals if literals and all(len(literal) > 1 for literal in literals) else None


def needed_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literals of three to five characters one of which stands in every match of `pattern` (see
    `_needed_in`), when they are few and long enough to be a useful test; None otherwise (and for a
    pattern that ignores case: the index reads lower-case text, its literals are compared as they are)."""
    return None if pattern.flags & re.IGNORECASE else _needed_of(pattern.pattern)


@cache  # as `literals_of`
def _needed_of(source: str, most: int = _MOST_NEEDED_WEIGHT) -> frozenset[str] | None:
    """`needed_literals` of a pattern's source (no flags), of a weight up to `most`."""
    try:
        needed = _needed_in(list(P.parse(source)), most)
    except re.error:
        return None
    return needed if needed and _weight(needed) <= most else None


_LITERAL = itemgetter(1)  # of the automaton's (end, literal)


class LiteralIndex:
    """Bit masks of the patterns that may match a text, from one Aho–Corasick pass over their literals.

    `add` registers the beginnings of a pattern's matches and returns its bit; `mask(text)` has that
    bit set when one of them stands in `text` (or when they could not be listed), and one of the literals
    the pattern needs further in (`needed_literals`) when they are given, and `present(text)` says which
    literals stand in it. The automaton is built at the first look-up after the last `add`.
    """

    def __init__(self) -> None:
        self._by_literal: dict[str, int] = {}
        self._by_chars: list[tuple[frozenset[str], int]] = []  # (first characters, bit) of short literals
        self._and_chars: dict[frozenset[str], int] = {}  # characters every match holds -> their bits
        self._needed: dict[str, int] = {}  # a literal needed further in -> the bits of the patterns needing it
        self._needing = 0  # the bits of the patterns with needed literals
        # made with the automaton: each literal's bits as a beginning, and as a needed literal shifted above the
        # bits of the index (one OR over the literals present gathers both), and the bits without needed literals
        self._both: dict[str, int] = {}
        self._shift = 0
        self._low = -1  # the bits of the index, below the shifted ones
        self._not_needing = -1
        self._bits = 0
        self.always = 0
        self._automaton: ahocorasick.Automaton | None = None
        # the last two texts scanned (the patterns of one message are tried on its normalised text,
        # and a few on its original): (text, mask, the literals it holds)
        self._last: tuple[str | None, int, set[str]] = (None, 0, set())
        self._before: tuple[str | None, int, set[str]] = self._last

    def add(
        self,
        literals: Iterable[str] | None,
        chars: frozenset[str] | None = None,
        needed: frozenset[str] | None = None,
    ) -> int:
        """A new bit, set in the mask of every text holding one of `literals` (of every text: None).

        `needed`, when given: literals (two characters or more) one of which stands in every match; the
        bit is cleared for a text holding none of them.

        `chars`, when given, are characters one of which stands in every match: a text without any
        of them has the bit cleared too (when they are rare enough to tell). Literals of one
        character would be found almost everywhere: a set holding one is tested by characters
        alone (`frozenset.isdisjoint`), `chars` or the literals' first ones, and has no `hits`."""
        bit = 1 << self._bits
        self._bits += 1
        if literals is None:
            self.always |= bit
        elif any(len(literal) < 2 for literal in literals):
            firsts = frozenset(literal[0] for literal in literals)
            self._by_chars.append((chars if chars is not None and _rarity(chars) < _rarity(firsts) else firsts, bit))
        else:
            for literal in literals:
                self._by_literal[literal] = self._by_literal.get(literal, 0) | bit
            if chars is not None and _rarity(chars) <= len(chars):  # digits, signs: worth a second test
                self._and_chars[chars] = self._and_chars.get(chars, 0) | bit
        if needed:
            for literal in needed:
                self._needed[literal] = self._needed.get(literal, 0) | bit
            self._needing |= bit
        self._automaton = None
        self._last = self._before = (None, 0, set())
        return bit

    def watch(self, literals: Iterable[str]) -> None:
        """Have `present` report `literals` too (two characters or more), with no bit of their own."""
        for literal in literals:
            self._needed.setdefault(literal, 0)
        self._automaton = None
        self._last = self._before = (None, 0, set())

    def add_pattern(self, pattern: re.Pattern[str]) -> int:
        """`add` with the beginnings of a compiled pattern's matches (and the literals it needs further in)."""
        if pattern.flags & re.IGNORECASE:
            return self.add(None)
        return self.add(literals_of(pattern.pattern), required_chars(pattern.pattern), needed_literals(pattern))

    def _build(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        self._shift = self._bits
        self._both = {literal: self._by_literal.get(literal, 0) for literal in self._by_literal.keys() | self._needed}
        for literal, bits in self._needed.items():
            self._both[literal] |= bits << self._shift
        self._not_needing = ~self._needing
        self._low = (1 << self._shift) - 1
        for literal in self._both:
            automaton.add_word(literal, literal)
        if self._both:
            automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def _scan(self, text: str) -> tuple[str | None, int, set[str]]:
        """The mask of `text` and the literals it holds (the last two texts are remembered)."""
        last = self._last
        if last[0] is text:
            return last
        if self._before[0] is text:
            self._last, self._before = self._before, last
            return self._last
        automaton = self._automaton if self._automaton is not None else self._build()
        # the literals present and the OR of their bits, both gathered in C
        present = set(map(_LITERAL, automaton.iter(text))) if self._both else set()
        both = reduce(or_, map(self._both.__getitem__, present), self.always)
        found = both & self._low
        for chars, bit in self._by_chars:
            if not chars.isdisjoint(text):
                found |= bit
        if self._needing:  # the patterns none of whose needed literals stands in the text
            found &= (both >> self._shift) | self._not_needing
        for chars, bits in self._and_chars.items():
            if found & bits and chars.isdisjoint(text):
                found &= ~bits
        seen = (text, found, present)
        self._last, self._before = seen, last
        return seen

    def mask(self, text: str) -> int:
        """The bits of the patterns that may match `text`."""
        last = self._last  # the text scanned last, looked at before any call (the common case)
        return last[1] if last[0] is text else self._scan(text)[1]

    def present(self, text: str) -> set[str]:
        """The registered literals (of two characters or more) standing in `text`."""
        return self._scan(text)[2]


INDEX = LiteralIndex()


class Anchored:
    """A compiled pattern tried only where the literals its matches begin with start in a text.

    `search` and `finditer` give the matches `re.Pattern.search` and `re.Pattern.finditer` give
    (same spans and groups): a match can only begin where one of the literals does, so the pattern
    is matched at those positions, left to right, instead of at every position of the text. With
    many such positions, or none listed, the whole-text methods are used (same result).
    """

    MOST_STARTS = 8  # beyond this many positions a scan of the whole text is as fast

    def __init__(
        self,
        pattern: re.Pattern[str],
        index: LiteralIndex = INDEX,
        literals: frozenset[str] | None = None,
        needed: frozenset[str] | EllipsisType | None = ...,
    ) -> None:
        """`literals`: the beginnings of the matches when known (else read from the pattern); `needed`: the
        literals needed further in (`needed_literals`), when known or not to be looked for (None)."""
        self.pattern, self.index = pattern, index
        if literals is None and not pattern.flags & re.IGNORECASE:
            literals = literals_of(pattern.pattern)
        ignores_case = pattern.flags & re.IGNORECASE
        self.bit = index.add(
            literals,
            None if ignores_case else required_chars(pattern.pattern),
            needed_literals(pattern) if needed is ... else needed,
        )
        # positions are listed for literals of two characters or more only (see `LiteralIndex.add`)
        self.literals = literals if literals and all(len(x) > 1 for x in literals) else None

    def starts(self, text: str) -> list[int] | None:
        """Where a match may begin, ascending; None: anywhere (positions unknown or many)."""
        last = self.index._last  # the text scanned last, looked at before any call (the common case)
        _text, mask, present = last if last[0] is text else self.index._scan(text)
        if not mask & self.bit:
            return []
        if self.literals is None:
            return None
        found = self.literals.intersection(present)
        starts = []
        for literal in found:
            start = text.find(literal)
            while start >= 0:
                starts.append(start)
                start = text.find(literal, start + 1)
        if len(starts) > self.MOST_STARTS:
            return None
        return sorted(set(starts)) if len(found) > 1 else starts

    def search(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.search`."""
        last = self.index._last
        if last[0] is text and not last[1] & self.bit:  # the common case, without a call to `starts`
            return None
        starts = self.starts(text)
        if starts is None:
            return self.pattern.search(text)
        match = self.pattern.match
        for start in starts:
            m = match(text, start)
            if m:
                return m
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer` (the matches are never empty: each holds one of the literals)."""
        last = self.index._last
        if last[0] is text and not last[1] & self.bit:  # the common case, without a call to `starts`
            return iter(())
        starts = self.starts(text)
        if starts is None:
            return self.pattern.finditer(text)
        if not starts:
            return iter(())
        return iter(self._matches(text, starts))

    def _matches(self, text: str, starts: list[int]) -> list[re.Match[str]]:
        found = []
        match = self.pattern.match
        cursor = 0
        for start in starts:
            if start >= cursor:
                m = match(text, start)
                if m:
                    found.append(m)
                    cursor = m.end()
        return found

    def match(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.match`."""
        return self.pattern.match(text) if self.index.mask(text) & self.bit else None

    def may_match(self, text: str) -> bool:
        """False when the pattern cannot match anywhere in `text`, nor in any part of it (a part holds no
        literal, and no character, that the whole does not hold)."""
        return bool(self.index.mask(text) & self.bit)


def guarded_search(pattern: re.Pattern[str], index: LiteralIndex = INDEX) -> Callable[[str], re.Match[str] | None]:
    """`pattern.search`, tried only where the pattern's required literals start in the text."""
    return Anchored(pattern, index).search


def guarded_match(pattern: re.Pattern[str], index: LiteralIndex = INDEX) -> Callable[[str], re.Match[str] | None]:
    """`pattern.match`, not run when none of the pattern's required literals is in the text."""
    return Anchored(pattern, index).match


def guarded_finditer(pattern: re.Pattern[str], index: LiteralIndex = INDEX) -> Callable[[str], Iterator[re.Match[str]]]:
    """`pattern.finditer`, tried only where the pattern's required literals start in the text."""
    return Anchored(pattern, index).finditer


def char_gate(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A cheap test that is False only for texts `pattern` cannot match: none of the first
    characters of its matches stands in the text."""
    literals = None if pattern.flags & re.IGNORECASE else literals_of(pattern.pattern)
    if literals is None:
        return lambda text: True
    firsts = frozenset(literal[0] for literal in literals)
    if len(firsts) <= _FEW_CHARS:
        # one substring test (memchr) per character: `isdisjoint` hashes every character of the text in turn,
        # costly on a long e-mail
        chars = tuple(sorted(firsts))
        return lambda text: any(map(text.__contains__, chars))
    return lambda text: not firsts.isdisjoint(text)


_FEW_CHARS = 3  # up to this many characters, `char_gate` looks for each in turn


def _only_non_ascii_matches(ch: str, flags: int) -> bool:
    """No ASCII character matches `ch` (under `flags`: "é" is matched by "É" alone, "k" by "K")."""
    if ch.isascii():
        return False
    one = re.compile(re.escape(ch), flags & (re.IGNORECASE | re.ASCII))
    return not any(one.fullmatch(chr(code)) for code in range(128))


def _needs_non_ascii(items: list, flags: int) -> bool:
    """Whether every match of the parsed sequence `items` holds a character no ASCII one matches."""
    for op, av in items:
        if op is C.LITERAL and _only_non_ascii_matches(chr(av), flags):
            return True
        if op is C.IN:
            try:
                chars = _class_chars(av)
            except _Unlisted:  # a negated class, a category, a wide range: may be ASCII
                continue
            if chars and all(_only_non_ascii_matches(ch, flags) for ch in chars):
                return True
        elif op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if _needs_non_ascii(list(sub), (flags | add_flags) & ~del_flags):
                return True
        elif op is C.BRANCH:
            if all(_needs_non_ascii(list(seq), flags) for seq in av[1]):
                return True
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1 and _needs_non_ascii(list(sub), flags):
                return True
        # anything else (zero-width assertions, categories, group references) may hold ASCII only
    return False


def needs_non_ascii(pattern: re.Pattern[str]) -> bool:
    """Every match of `pattern` holds a character that no ASCII character matches (an accented letter
    of its own, in either case under IGNORECASE): the pattern cannot match an ASCII text."""
    try:
        parsed = P.parse(pattern.pattern, pattern.flags)
    except re.error:
        return False
    return _needs_non_ascii(list(parsed), parsed.state.flags)


def non_ascii_search(pattern: re.Pattern[str]) -> Callable[[str], re.Match[str] | None]:
    """`pattern.search`, not run on an ASCII text when every match needs a non-ASCII character
    (`needs_non_ascii`; else always run)."""
    if not needs_non_ascii(pattern):
        return pattern.search
    search = pattern.search
    return lambda text: None if text.isascii() else search(text)


class Substitutions:
    """`pattern.sub(repl, text)` for each pair in turn, each skipped when the text holds none of the
    beginnings of the pattern's matches, or when the pattern matches at none of the places where these
    start (`Anchored.search`; same result as running them all).

    `index`: the literal index the steps are registered in (a new one when None). The normaliser's last
    steps share `INDEX`: the text they leave unchanged (most often) is the normalised text itself, whose
    scan the entity finders and the rules then find made (one pass over it instead of two). A bit does
    not depend on the other bits of its index: the same steps run either way."""

    def __init__(self, pairs: list[tuple[re.Pattern[str], str]], index: LiteralIndex | None = None) -> None:
        self.index = LiteralIndex() if index is None else index
        # the bits are given in the order of the pairs (consecutive: nothing else registers meanwhile), the
        # lowest bit set is the next step to run
        self.steps = {
            anchored.bit: (pattern, repl, anchored.search)
            for pattern, repl in pairs
            for anchored in (Anchored(pattern, self.index),)
        }
        self.bits = sum(self.steps)

    def __call__(self, text: str) -> str:
        mask = self.index.mask(text) & self.bits
        while mask:
            bit = mask & -mask
            pattern, repl, search = self.steps[bit]
            # no match where the literals start: the substitution, which searches the whole text, is not run
            if not search(text):
                mask &= ~bit
                continue
            changed = pattern.sub(repl, text)
            if changed != text:
                text = changed
                mask = self.index.mask(text) & self.bits & ~(bit - 1)  # the steps after this one, on the new text
            mask &= ~bit
        return text


class GatedPattern:
    """An alternation of `branches` (``head(?:(?:b1)|(?:b2)…)tail``) behind a literal prefilter (`INDEX`).

    The pattern has one bit in the index, for the beginnings of all its branches. Where one of these
    literals starts in a text, only the branches it may begin are tried, at that position (one
    alternation of them per literal); a branch whose beginnings cannot be listed (or are single
    characters) is searched everywhere.

    `search` and `finditer` give the matches of the whole alternation (same spans as
    `re.Pattern.search` / `finditer`): at each position where literals of the branches start, the
    alternation of the branches those literals may begin, in their order, is matched there. A
    branch that cannot begin with any of them cannot match there, and the engine tries the branches
    in order and keeps the first that matches: the same match. Group numbers are those of the
    smaller alternation (callers read the whole match only). With an unlisted branch they fall back
    to matching the whole pattern where the literals start (`Anchored`).

    A literal is passed over where none of the literals its branches need further in stands in the
    text (`needs_at`, from `needed_literals` of each branch): none of these branches can match there,
    nor anywhere, and the alternation of the others finds the same match. When every branch needs
    such literals, the pattern's bit needs one of them all.
    """

    def __init__(self, head: str, branches: tuple[str, ...], index: LiteralIndex = INDEX, tail: str = "") -> None:
        self.head, self.branches, self.index, self.tail = head, branches, index, tail
        self.pattern = head + "(?:" + "|".join(f"(?:{b})" for b in branches) + ")" + tail
        self.full = re.compile(self.pattern)
        self.by_literal: dict[str, list[str]] = {}  # a literal -> the branches whose matches may begin with it
        self.numbers: dict[str, list[int]] = {}  # a literal -> the numbers of those branches
        self.unlisted: list[re.Pattern[str]] = []  # the branches always tried
        for number, branch in enumerate(branches):
            literals = literals_of(branch)
            if literals is None or any(len(x) < 2 for x in literals):  # not listed by `index.hits`
                self.unlisted.append(re.compile(f"{head}(?:{branch}){tail}"))
                continue
            for literal in literals:
                self.by_literal.setdefault(literal, []).append(branch)
                self.numbers.setdefault(literal, []).append(number)
        self.literals = frozenset(self.by_literal)
        # a literal -> the alternation of the branches that may begin with it, in their order
        self.at = {
            literal: re.compile(head + "(?:" + "|".join(f"(?:{b})" for b in starting) + ")" + tail)
            for literal, starting in self.by_literal.items()
        }
        self._alternations: dict[tuple[int, ...], re.Pattern[str]] = {}  # branch numbers -> their alternation
        # the literals starting at one place -> the alternation of their branches (bounded: `_MOST_UNIONS`)
        self._unions: dict[frozenset[str], re.Pattern[str]] = {}
        # a branch that needs nothing further in still needs its beginnings (listed for every branch not
        # `unlisted`): with them, every branch needs something and the bit can need one of them all
        needs = [_needed_of(branch, _MOST_BRANCH_NEEDED_WEIGHT) or _listed_beginnings(branch) for branch in branches]
        # a literal -> what one of the branches it may begin needs further in, when each of them needs something
        self.needs_at: dict[str, frozenset[str]] = {
            literal: frozenset().union(*each)  # type: ignore[arg-type]
            for literal, numbers in self.numbers.items()
            if all(each := [needs[n] for n in numbers])
        }
        index.watch(frozenset().union(*self.needs_at.values()))
        every = None if self.unlisted or not all(needs) else frozenset().union(*needs)  # type: ignore[arg-type]
        # `found` searches the unlisted branches whatever the mask
        self.bit = index.add(self.literals, needed=every)
        # the whole alternation needs what its branches need (not read again from its source: long to read)
        self._anchored = Anchored(self.full, index, None if self.unlisted else self.literals, needed=every)

    def may_match(self, text: str) -> bool:
        """False when no branch can match anywhere in `text`, nor in any part of it (a part holds no literal
        that the whole does not hold; a branch whose beginnings are not listed may match anywhere)."""
        return bool(self.unlisted) or bool(self.index.mask(text) & self.bit)

    def found(self, text: str) -> bool:
        """Whether the alternation matches somewhere in `text` (as `bool(pattern.search(text))`).

        Each branch is tried only where one of its beginnings stands in the text.
        """
        last = self.index._last  # the text scanned last, looked at before any call (the common case)
        _text, mask, present = last if last[0] is text else self.index._scan(text)
        if not mask & self.bit and not self.unlisted:
            return False
        needs_at = self.needs_at
        for literal in self.literals.intersection(present):
            needs = needs_at.get(literal)
            if needs is not None and needs.isdisjoint(present):
                continue  # none of its branches can match
            match = self.at[literal].match
            start = text.find(literal)
            while start >= 0:
                if match(text, start):
                    return True
                start = text.find(literal, start + 1)
        return bool(self.unlisted) and any(branch.search(text) for branch in self.unlisted)

    def _starts(self, text: str, present: set[str]) -> list[tuple[int, re.Pattern[str]]]:
        """Each position where literals of the branches start, ascending, with the alternation of the
        branches that may begin there."""
        needs_at = self.needs_at
        found = [
            literal
            for literal in self.literals.intersection(present)
            if (needs := needs_at.get(literal)) is None or not needs.isdisjoint(present)
        ]
        if len(found) == 1:  # the common case: one literal, one alternation
            literal = found[0]
            at = self.at[literal]
            starts = []
            start = text.find(literal)
            while start >= 0:
                starts.append((start, at))
                start = text.find(literal, start + 1)
            return starts
        literals_at: dict[int, list[str]] = {}
        for literal in found:
            start = text.find(literal)
            while start >= 0:
                if start in literals_at:
                    literals_at[start].append(literal)
                else:
                    literals_at[start] = [literal]
                start = text.find(literal, start + 1)
        union = self._union
        return [(start, union(frozenset(literals_at[start]))) for start in sorted(literals_at)]

    def _union(self, literals: frozenset[str]) -> re.Pattern[str]:
        """The alternation of the branches that may begin with one of `literals`, in their order."""
        pattern = self._unions.get(literals)
        if pattern is None:
            pattern = self._alternation(tuple(sorted({n for literal in literals for n in self.numbers[literal]})))
            if len(self._unions) < _MOST_UNIONS:
                self._unions[literals] = pattern
        return pattern

    def _alternation(self, numbers: tuple[int, ...]) -> re.Pattern[str]:
        """The alternation of the branches numbered `numbers`, in their order (compiled once)."""
        pattern = self._alternations.get(numbers)
        if pattern is None:
            starting = "|".join(f"(?:{self.branches[n]})" for n in numbers)
            pattern = self._alternations[numbers] = re.compile(self.head + "(?:" + starting + ")" + self.tail)
        return pattern

    def search(self, text: str) -> re.Match[str] | None:
        """The first match of the whole alternation (the span `re.Pattern.search` gives)."""
        if self.unlisted:
            return self._anchored.search(text)
        last = self.index._last  # the text scanned last, looked at before any call (the common case)
        _text, mask, present = last if last[0] is text else self.index._scan(text)
        if not mask & self.bit:
            return None
        for start, pattern in self._starts(text, present):
            m = pattern.match(text, start)
            if m:
                return m
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer` of the whole alternation (same spans; the matches are never empty:
        each holds one of the literals)."""
        if self.unlisted:
            return self._anchored.finditer(text)
        last = self.index._last
        _text, mask, present = last if last[0] is text else self.index._scan(text)
        if not mask & self.bit:
            return iter(())
        found, cursor = [], 0
        for start, pattern in self._starts(text, present):
            if start >= cursor:
                m = pattern.match(text, start)
                if m:
                    found.append(m)
                    cursor = m.end()
        return iter(found)


def _top_level_branches(body: str) -> list[str]:
    """The branches of an alternation's source, split at the `|` outside groups and classes."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if body[i + 1 : i + 2] == "]":  # "[]...]": the first "]" is a member
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(body[start:i])
            start = i + 1
        i += 1
    branches.append(body[start:])
    return branches


def gated(pattern: re.Pattern[str], head: str, tail: str, index: LiteralIndex = INDEX) -> GatedPattern:
    """The `GatedPattern` of a compiled ``head(?:b1|b2|…)tail`` (its branches read from its source)."""
    source = pattern.pattern
    opening = head + "(?:"
    if pattern.flags & ~re.UNICODE or not source.startswith(opening) or not source.endswith(")" + tail):
        raise ValueError(f"not an alternation between {head!r} and {tail!r}: {source[:60]!r}")
    branches = _top_level_branches(source[len(opening) : len(source) - len(tail) - 1])
    return GatedPattern(head, tuple(branches), index, tail)
