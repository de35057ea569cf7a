"""Properties of `understand`: it never raises, and always answers within the contract."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import FREQUENCIES, INTENTS, understand
from bot.nlu.dates import find_dates
from bot.nlu.vocabulary import words

WORDS = st.sampled_from(
    words(
        "je paie payé demain hier le 15 31/12 en 3 fois par mois € $ 1 250,50 deux cents stop pas moi "
        "conteste already paid tomorrow half now rest of the month fin du mois dans jours weeks ago "
        "vendredi friday next last dernier janvier december 2nd 1er ok non oui ? 👍 🖕 mais but"
    )
)
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=25).map(" ".join))
DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


def check(result_json: dict) -> None:
    assert result_json["intent"] in INTENTS
    assert 0.0 <= result_json["confidence"] <= 1.0
    assert result_json["frequency"] in (*FREQUENCIES, None)
    assert result_json["installments"] is None or 2 <= result_json["installments"] <= 120
    assert result_json["amount"] is None or result_json["amount"] > 0
    if result_json["date"] is not None:
        date.fromisoformat(result_json["date"])
    json.dumps(result_json)


@settings(max_examples=400, deadline=None)
@given(text=TEXT, locale=st.sampled_from(["fr", "en", "fr-BE", "EN", "de", ""]), today=DAYS)
def test_never_raises_and_keeps_the_contract(text: str, locale: str, today: date) -> None:
    result = understand(text, locale, today)
    check(result.to_json())
    if result.intent not in ("promise_to_pay", "payment_plan", "already_paid"):
        assert (result.amount, result.installments, result.frequency, result.date) == (None, None, None, None)
    assert result.amount is None or isinstance(result.amount, Decimal)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, today=DAYS)
def test_dates_resolve_or_are_none(text: str, today: date) -> None:
    for locale in ("fr", "en"):
        for mention in find_dates(text.lower(), locale):
            for past in (False, True):
                mention.resolve(today, past=past)


@settings(max_examples=200, deadline=None)
@given(today=DAYS, day=st.integers(1, 31))
def test_day_of_month_is_next_or_last_occurrence(today: date, day: int) -> None:
    ahead = understand(f"je paie le {day}", "fr", today).date
    assert ahead is not None and ahead.day == day and ahead >= today
    assert (ahead - today).days <= 62
    behind = understand(f"j'ai payé le {day}", "fr", today).date
    assert behind is not None and behind.day == day and behind <= today
    assert (today - behind).days <= 62


@settings(max_examples=200, deadline=None)
@given(today=DAYS, weekday=st.sampled_from(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]))
def test_weekday_is_strictly_ahead_within_a_week(today: date, weekday: str) -> None:
    result = understand(f"je paie {weekday}", "fr", today).date
    assert result is not None and 1 <= (result - today).days <= 7
