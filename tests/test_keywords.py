"""Carrier keywords: whole-message, case- and accent-insensitive, punctuation-tolerant."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.keywords import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, Keyword, classify_keyword, fold


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop",
        "  Arrêt! ",
        "ARRET",
        "arrêt",
        "ARRÊT",
        "STOPALL",
        "unsubscribe",
        "Cancel.",
        "END",
        "quit",
        "REVOKE",
        "OPTOUT",
        "STOP SMS",
        "stop  sms",
        "«STOP»",
        "stop!!!",
        "\tStop\n",
        "STOP 🛑",
    ],
)
def test_opt_out_keywords(text: str) -> None:
    assert classify_keyword(text) is Keyword.OPT_OUT


@pytest.mark.parametrize("text", ["START", "start", " Unstop. "])
def test_resume_keywords(text: str) -> None:
    assert classify_keyword(text) is Keyword.OPT_IN


@pytest.mark.parametrize("text", ["HELP", "help?", "INFO", "Aide", "AIDE !"])
def test_help_keywords(text: str) -> None:
    assert classify_keyword(text) is Keyword.HELP


@pytest.mark.parametrize(
    "text",
    [
        "stop sending me bills",
        "please stop",
        "je veux arrêter",
        "STOP STOP",
        "s t o p",
        "stopp",
        "the end",
        "I will pay, stop",
        "help me pay in 3 times",
        "info sur ma facture",
        "",
        "   ",
        "start paying next week",
        "arrête de m'écrire",
        "stop-loss",
        "STOPSMS please",
    ],
)
def test_sentences_are_not_keywords(text: str) -> None:
    assert classify_keyword(text) is None


def test_telegram_commands() -> None:
    assert classify_keyword("/stop", channel="telegram") is Keyword.OPT_OUT
    assert classify_keyword("/STOP@relance_test_bot", channel="telegram") is Keyword.OPT_OUT
    assert classify_keyword("/help", channel="telegram") is Keyword.HELP
    assert classify_keyword("/start", channel="telegram") is None  # binding, handled by the bot
    assert classify_keyword("/start abc", channel="telegram") is None
    assert classify_keyword("STOP", channel="telegram") is Keyword.OPT_OUT


ALL_WORDS = sorted(OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS)
noise = st.text(alphabet=st.sampled_from(" \t\n.,!?;:-_«»\"'()…"), max_size=4)


@settings(max_examples=300)
@given(word=st.sampled_from(ALL_WORDS), before=noise, after=noise, upper=st.lists(st.booleans(), min_size=12))
def test_any_keyword_survives_case_and_punctuation(word: str, before: str, after: str, upper: list[bool]) -> None:
    cased = "".join(c.upper() if upper[i % len(upper)] else c for i, c in enumerate(word))
    assert classify_keyword(before + cased + after) is classify_keyword(word)
    assert classify_keyword(word) is not None


@settings(max_examples=300)
@given(word=st.sampled_from(ALL_WORDS), extra=st.from_regex(r"[A-Za-z]{2,12}", fullmatch=True))
def test_a_keyword_inside_a_sentence_is_not_one(word: str, extra: str) -> None:
    sentence = f"{word} {extra}"
    if fold(sentence) in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS:  # "stop sms", "stop all", "opt out"
        return
    assert classify_keyword(sentence) is None
    assert classify_keyword(f"{extra} {word}") is None or fold(f"{extra} {word}") in ALL_WORDS


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_never_raises_and_long_texts_are_never_keywords(text: str) -> None:
    result = classify_keyword(text)
    assert result is None or isinstance(result, Keyword)
    assert classify_keyword(text + " " + "x" * 100) is None
