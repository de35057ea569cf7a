"""The literal prefilter finds exactly what the patterns find, and the model's one-pass scoring adds
exactly the weights of the features it was trained on."""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import amounts, dates, installments, intent_patterns, intents, reply_text, sensitive
from bot.nlu import normalise as normalise_module
from bot.nlu.learned import SCALE, features, model
from bot.nlu.normalise import normalise
from bot.nlu.prefilter import (
    _MOST_BRANCH_NEEDED_WEIGHT,
    Anchored,
    GatedPattern,
    LiteralIndex,
    Substitutions,
    _beginnings,
    _common,
    _needed_of,
    gated,
    needed_literals,
    needs_non_ascii,
    non_ascii_search,
)

CORPUS = Path(__file__).parent / "nlu_corpus"
PATTERNS = {name: p for name, p in vars(intent_patterns).items() if isinstance(p, GatedPattern)}
# the sensitive rules' alternations, split into branches as `bot.nlu.sensitive` runs them
PATTERNS |= {
    name: gated(getattr(sensitive, name), r"(?:^|(?<![a-z0-9_]))\b", r"\b")
    for name in ("THREAT", "VEILED", "BEREAVEMENT")
}
# the words for today among the dates, run branch by branch
PATTERNS |= {f"dates:{kind}": a for _bit, a, kind in dates._GUARDED if isinstance(a, GatedPattern)}


def _texts() -> list[str]:
    rows = [json.loads(line) for name in ("train.jsonl", "dev.jsonl") for line in (CORPUS / name).open()]
    return [normalise(r["text"], r["locale"][:2]) for r in rows]


def test_beginnings_of_branches() -> None:
    assert _beginnings(r"\b(?:je |j )?(?:paie|paye)s?\b") == frozenset({"je ", "j p", "pai", "pay"})
    assert _beginnings(r"(?<![a-z])stop\b") == frozenset({"sto"})
    assert _beginnings(r"\bno\b") is None  # shorter than three characters: always tried
    assert _beginnings(r"\w+ euros") is None


def test_same_findings_as_the_whole_alternation_on_the_corpus() -> None:
    for text in _texts():
        for name, pattern in PATTERNS.items():
            assert pattern.found(text) == bool(pattern.full.search(text)), (name, text)
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.full.finditer(text)]
            got, want = pattern.search(text), pattern.full.search(text)
            assert (got and got.span()) == (want and want.span()), (name, text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ?'-", max_size=60))
def test_same_findings_on_any_text(text: str) -> None:
    for pattern in PATTERNS.values():
        assert pattern.found(text) == bool(pattern.full.search(text))
        got, want = pattern.search(text), pattern.full.search(text)
        assert (got and got.span()) == (want and want.span())
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.full.finditer(text)]


def test_the_sensitive_alternations_are_split_into_their_branches() -> None:
    for name in ("THREAT", "VEILED", "BEREAVEMENT"):
        pattern = PATTERNS[name]
        assert pattern.full.pattern == getattr(sensitive, name).pattern.replace(  # each branch in a group of its own
            "|".join(pattern.branches), "|".join(f"(?:{b})" for b in pattern.branches)
        )
        assert len(pattern.branches) > 30 and not pattern.unlisted
    threat = PATTERNS["THREAT"]
    for text in ("je vais te buter", "i will kill you", "ok i will pay you friday", "gunther"):
        got, want = threat.search(text), sensitive.THREAT.search(text)
        assert (got and got.group(0)) == (want and want.group(0))
    assert threat.search("i know where you live") is not None and threat.search("regunning") is None


def test_a_branch_is_not_found_inside_a_word() -> None:
    pattern = GatedPattern(r"(?:^|(?<![a-z0-9_]))", (r"\bstop\b", r"^end\b"))
    assert pattern.found("please stop") and pattern.found("end now")
    assert not pattern.found("nonstop") and not pattern.found("the end")


def test_guarded_substitutions_give_the_sequential_result() -> None:
    pairs = [
        (re.compile(r"\bthank you\b"), "thanks"),
        (re.compile(r"\b(\d+) balles\b"), r"\1 eur"),
        (re.compile("'s\\b"), ""),
    ]
    substitute = Substitutions(pairs)
    for text in [*_texts(), "thank you, 20 balles it's fine"]:
        expected = text
        for pattern, repl in pairs:
            expected = pattern.sub(repl, expected)
        assert substitute(text) == expected


# every pattern run behind the literal index, with the text it is run on
def _anchored_patterns() -> list[tuple[str, Anchored]]:
    found = [(f"dates:{kind}", Anchored(pattern)) for pattern, kind in dates._PATTERNS]
    found += [(f"counts:{p.pattern[:20]}", Anchored(p)) for p, _strong in installments._COUNT_PATTERNS]
    found += [(f"frequency:{name}", Anchored(p)) for name, p in installments.FREQUENCIES]
    found += [("amount", Anchored(amounts._AMOUNT)), ("time", Anchored(amounts._TIME))]
    found += [("threat", Anchored(sensitive.THREAT)), ("bereavement", Anchored(sensitive.BEREAVEMENT))]
    for name in ("FR_PROMISE", "EN_PROMISE", "NOT_BEFORE", "CANNOT_PAY", "INCOME", "ABOUT_DEBT", "THANKS"):
        found.append((name, Anchored(getattr(intent_patterns, name))))
    return found


ANCHORED = _anchored_patterns()


def _same_matches(text: str) -> None:
    for name, anchored in ANCHORED:
        pattern = anchored.pattern
        want = pattern.search(text)
        got = anchored.search(text)
        assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), (name, text)
        assert [(m.span(), m.groups()) for m in anchored.finditer(text)] == [
            (m.span(), m.groups()) for m in pattern.finditer(text)
        ], (name, text)
        assert bool(anchored.match(text)) == bool(pattern.match(text)), (name, text)


def test_anchored_patterns_find_what_the_patterns_find_on_the_corpus() -> None:
    for text in _texts():
        _same_matches(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz 0123456789?/.,:-", max_size=80))
def test_anchored_patterns_find_what_the_patterns_find_on_any_text(text: str) -> None:
    _same_matches(text)


def test_literals_needed_further_in() -> None:
    # "3 days from now", "a week from now": " from" is in every match, whatever number and unit begin it
    assert needed_literals(re.compile(r"\b(\d+|a|an|one) (days?|weeks?) from now\b")) == frozenset({" from"})
    # one of each alternative's own words, together, the rarer ones: " jour" rather than "il y " (common words)
    assert needed_literals(re.compile(r"\b(?:il y a \d+ jours|\d+ days ago)\b")) == frozenset({" jour", " days"})
    assert _common(" pas ") and _common("o not") and _common("il y ") and not _common(" jour")
    assert needed_literals(re.compile(r"\b\w+ euros\b")) == frozenset({" euro"})  # its beginnings cannot be listed
    assert needed_literals(re.compile(r"\b\w+\b")) is None  # no literal at all
    assert needed_literals(re.compile(r"\bstop (?:\w+ )?now", re.IGNORECASE)) is None  # the index reads lower case


def test_a_text_without_the_needed_literals_clears_the_bit() -> None:
    index = LiteralIndex()
    pattern = re.compile(r"\b(?:le|the) (\d{1,2}) (?:du|of the) (?:mois|month) (?:prochain|next)\b")
    bit = Anchored(pattern, index).bit
    assert index.mask("le 5 du mois prochain") & bit
    assert not index.mask("le 5 eur maintenant") & bit  # "le 5" begins a match, nothing further in is there


def _with_needed_literals() -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    """Every pattern run behind the literal index that needs literals further in, with them: the anchored
    patterns, and each branch of the alternations run branch by branch."""
    found = [(name, a.pattern, needed_literals(a.pattern)) for name, a in ANCHORED]
    for name, pattern in PATTERNS.items():
        found += [
            (f"{name}:{branch[:30]}", re.compile(branch), _needed_of(branch, _MOST_BRANCH_NEEDED_WEIGHT))
            for branch in pattern.branches
        ]
    return [(name, pattern, needed) for name, pattern, needed in found if needed]


def test_every_match_holds_a_needed_literal_on_the_corpus() -> None:
    """The literals needed further in stand in every match of their pattern (or branch) in the corpus."""
    patterns = _with_needed_literals()
    assert len(patterns) > 100
    for text in _texts():
        for name, pattern, needed in patterns:
            for m in pattern.finditer(text):
                assert any(literal in m.group(0) for literal in needed), (name, text, m.group(0))


def test_the_model_reads_the_same_features_in_one_pass() -> None:
    """The one-pass scoring (Aho–Corasick over the padded text) adds up exactly the weights of
    `features(norm)`, the feature list the model was trained on."""
    linear = model()
    for text in [*_texts()[:400], "je  paie\\tdemain", " ok ", ""]:
        weights = [linear.by_label[i] for i in range(len(linear.labels))]
        feats = features(text)
        for i, got in enumerate(linear.scores(text)):
            exact = sum(round(weights[i].get(f, 0.0) * SCALE) for f in feats)
            assert got == linear.bias[i] + exact / SCALE, (text, linear.labels[i])


def _compiled_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern of the understanding's modules, by module and name."""
    modules = (amounts, dates, installments, intent_patterns, intents, sensitive, normalise_module, reply_text)
    return {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, re.Pattern)
    }


def test_patterns_that_need_a_non_ascii_character() -> None:
    assert needs_non_ascii(intent_patterns.ACCENTED_PARTICIPLE)  # "payé", "RÉGLÉ": an accented letter
    assert needs_non_ascii(re.compile(r"(?:é|è)\w*|[àâ]+"))
    assert not needs_non_ascii(re.compile(r"é|e"))  # one branch is ASCII
    assert not needs_non_ascii(re.compile(r"é?x|x(?=é)|x(?!é)"))  # optional, or zero width
    assert not needs_non_ascii(re.compile("\u212a", re.IGNORECASE))  # the Kelvin sign matches "k"
    assert not needs_non_ascii(re.compile("(?i)\u017f"))  # the long s matches "s"
    assert not needs_non_ascii(re.compile(r"[^a-z]|\W"))


@functools.cache
def _non_ascii_searches() -> list[tuple[str, re.Pattern[str], Callable[[str], re.Match[str] | None], bool]]:
    """(name, pattern, `non_ascii_search(pattern)`, `needs_non_ascii(pattern)`) for every compiled pattern,
    computed once: each is a pure function of the pattern, and parsing 150 patterns per text was most of
    these tests' time."""
    return [
        (name, pattern, non_ascii_search(pattern), needs_non_ascii(pattern))
        for name, pattern in _compiled_patterns().items()
    ]


def _corpus_rows() -> list[dict]:
    """Every row of every corpus file, once per (text, locale): a batch's rows are also in its two halves,
    and the checks on a row read nothing else than its text and locale."""
    rows = [json.loads(line) for path in sorted(CORPUS.rglob("*.jsonl")) for line in path.open(encoding="utf-8")]
    return list({(row["text"], row["locale"]): row for row in rows}.values())


def _same_non_ascii_findings(text: str) -> None:
    for name, pattern, search, needs in _non_ascii_searches():
        if search == pattern.search:  # the pattern's own search handed back: the same function, nothing to compare
            assert not needs, name
            continue
        found, expected = search(text), pattern.search(text)
        assert (found and found.span()) == (expected and expected.span()), (name, text)
        if needs and text.isascii():
            assert expected is None, (name, text)


def test_non_ascii_searches_find_what_the_patterns_find_on_the_corpus() -> None:
    gated = [name for name, _pattern, _search, needs in _non_ascii_searches() if needs]
    assert "bot.nlu.intent_patterns.ACCENTED_PARTICIPLE" in gated
    for row in _corpus_rows():
        _same_non_ascii_findings(row["text"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeklprsvyzABCDEKLPRSVYZ éèÉÈàÀçÇ\u212a\u017f'", max_size=60))
def test_non_ascii_searches_find_what_the_patterns_find_on_any_text(text: str) -> None:
    _same_non_ascii_findings(text)


# the reply's own gates: a search skipped where a string every match holds is absent finds what the search finds
_GATE_ALPHABET = "aeilmnoprstuvyzIJKMNPS éÉ'?\n"
_GATE_WORDS = st.sampled_from(
    [
        *("I'm not", "Im not", "i am not", "Je suis pas", "je ne suis pas", "Je m'appelle pas", "Mr", "Kevin", "pas"),
        *("not", "payé", "RÉGLÉ", "soldées", "sera", "êtes", "vire", "paye", "merci", "thanks a lot", "c est tout"),
        *("ok", "\n", "no", "No", "Janet", "here", "at this number", "there's no", "Nobody"),
    ]
)


def _gated_searches(text: str) -> None:
    from bot.nlu import courtesy
    from bot.nlu.intent_patterns import ACCENTED_PARTICIPLE, NAME_ABSENT, NAME_DENIAL

    assert intents._name_denied(text) == bool(NAME_DENIAL.search(text) or NAME_ABSENT.search(text)), text
    assert intents._accented_participle(text) == bool(ACCENTED_PARTICIPLE.search(text)), text
    assert courtesy.bare(text) == courtesy._CLOSING.sub("", courtesy._OPENING.sub("", text)).strip(), text


def test_gated_searches_find_what_the_searches_find_on_the_corpus() -> None:
    for row in _corpus_rows():
        _gated_searches(row["text"])
        _gated_searches(normalise(row["text"], row["locale"][:2]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_GATE_WORDS, st.text(alphabet=_GATE_ALPHABET, max_size=8)), max_size=8))
def test_gated_searches_find_what_the_searches_find_on_any_text(parts: list[str]) -> None:
    _gated_searches(" ".join(parts))


# pieces of words that the normaliser's steps before the words change, or that could join two pieces
_PIECES = [
    "can",
    "ca",
    "t",
    "'t",
    "ill",
    "i'll",
    "'s",
    ",'s",
    ",",
    "don",
    "won't",
    "i'm",
    "`",
    "0",
    "é",
    "\u00a0",
    "$",
    "€",
    "ttes",
    "pplus",
    "200,",
    "150",
    # a comma after a digit, with "'s" between ("2's, 300": "2, 300" once "'s" is dropped), or after a word
    # ("hello, I paid": no numbers listed, read piece by piece)
    "2's,",
    "2's",
    "hello,",
    "300",
    "pay",
    "n't",
    "l'",
    "je",
    "stop",
    "+33 6 12 34 56 78",
]


def test_the_words_read_piece_by_piece_are_those_of_the_whole_text() -> None:
    """Where the normaliser reads a folded text piece by piece between its spaces (each piece's words
    remembered), it finds the words the steps run on the whole text find: every two pieces, with every gap
    between them and a word after ("ill" + " " + "pay" + " " + "stop" must be read whole)."""
    for first, gap, second in itertools.product(_PIECES, (" ", "", "  ", ", ", "."), _PIECES):
        text = normalise_module.fold(first + gap + second + " stop")
        for locale in ("fr", "en"):
            by_piece = normalise_module._words_by_piece(text, locale)
            if by_piece is not None:
                assert by_piece == normalise_module._words_whole(text, locale), (text, locale)
