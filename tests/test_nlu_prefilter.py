"""The trigram prefilter of the intent alternations finds exactly what the whole alternation finds."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import intent_patterns
from bot.nlu.normalise import normalise
from bot.nlu.prefilter import GatedPattern, Substitutions, _beginnings

CORPUS = Path(__file__).parent / "nlu_corpus"
PATTERNS = {name: p for name, p in vars(intent_patterns).items() if isinstance(p, GatedPattern)}


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


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ?'-", max_size=60))
def test_same_findings_on_any_text(text: str) -> None:
    for pattern in PATTERNS.values():
        assert pattern.found(text) == bool(pattern.full.search(text))


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
