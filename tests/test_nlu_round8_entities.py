"""Entities settled in round 8 of issue 13 (phonetic SMS spellings, self-corrections, small counts).

Each case is a wording of the kind met in the z7/z8 tuning halves, not a copy of one: the words counted
after a number written the way they sound ("2 semaine", "15j", "sur 10 moi"), "par moi" meaning per
month after an amount, "tt les"/"tte les" for the rhythm, French "ya" for "il y a"; a debtor who
corrects themselves mid-message (the later words count, a protective reading never goes); and small
numbers that are counts or ranks, not money. Near-misses that must not move are tested beside them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import understand
from bot.nlu.normalise import normalise

TODAY = date(2026, 12, 4)  # a Friday


def _read(text: str, locale: str) -> tuple[object, ...]:
    r = understand(text, locale, TODAY)
    return (r.intent, r.amount, r.installments, r.frequency, r.date)


# --- 1. SMS and phonetic spellings of the entity words ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("je paye dans 3 semaine", "3 semaines"),
        ("sous 8 jour", "8 jours"),
        ("dans 1 semaine", "1 semaine"),  # one stays singular
        ("ds 4j", "4 jours"),
        ("dans 6 jrs", "6 jours"),
        ("d'ici 2sem", "2 semaines"),
        ("étaler sur 5 moi", "5 mois"),
        ("vers la fin du moi", "fin du mois"),
        ("le 10 du mois suivant", "10 du mois prochain"),
        ("tt les 15 jour", "tous les 15 jours"),
        ("tte les 2 semaine", "toutes les 2 semaines"),
        ("tou de suite", "tout de suite"),
    ],
)
def test_french_sms_spellings_of_counted_words_are_spelled_out(text: str, words: str) -> None:
    assert words in normalise(text, "fr")


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("jvous vire le reste ds 2 semaine", "fr", ("promise_to_pay", None, None, None, date(2026, 12, 18))),
        ("jpaie sous 5 jrs promis", "fr", ("promise_to_pay", None, None, None, date(2026, 12, 9))),
        ("g tt réglé ya 6 jour", "fr", ("already_paid", None, None, None, date(2026, 11, 28))),
        ("jpourrai étalé sur 8 moi ?", "fr", ("payment_plan", None, 8, "monthly", None)),
        ("je peux mettre 45e par moi", "fr", ("payment_plan", Decimal(45), None, "monthly", None)),
        ("on peut faire 4 versement, 1 par moi", "fr", ("payment_plan", None, 4, "monthly", None)),
        ("c possible de payé par moi ?", "fr", ("payment_plan", None, None, "monthly", None)),
        ("60 euro tte les 2 semaine ça va ?", "fr", ("payment_plan", Decimal(60), None, "biweekly", None)),
        ("25€ tou les 15 jour sa ira?", "fr", ("payment_plan", Decimal(25), None, "biweekly", None)),
        ("jvous règle tout dici la fin du moi", "fr", ("promise_to_pay", None, None, None, date(2026, 12, 31))),
        ("jvous donne 40 tou de suite", "fr", ("promise_to_pay", Decimal(40), None, None, TODAY)),
        ("can do 70 a munth if thats ok", "en", ("payment_plan", Decimal(70), None, "monthly", None)),
        ("all good, payin it this arvo", "en", ("promise_to_pay", None, None, None, TODAY)),
    ],
)
def test_phonetic_entity_words_give_their_entities(text: str, locale: str, expected: tuple[object, ...]) -> None:
    assert _read(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("c'est payé par moi, pas par mon mari", "fr"),  # by me, no amount: no rhythm
        ("je l'ai réglé par moi-même", "fr"),
        ("ya i'll pay tomorrow", "en"),  # English "ya" is not "il y a"
    ],
)
def test_near_misses_of_the_spellings_keep_their_reading(text: str, locale: str) -> None:
    r = understand(text, locale, TODAY)
    assert r.frequency is None
    assert "mois" not in normalise(text, locale)
    assert "il y a" not in normalise(text, locale)


def test_english_ya_is_not_a_date_in_the_past() -> None:
    r = understand("ya i'll pay tomorrow", "en", TODAY)
    assert (r.intent, r.date) == ("promise_to_pay", date(2026, 12, 5))


# --- 2. Self-corrections: the later words count --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # a date or an amount corrected: the rest of the promise stays
        (
            "Je règle 80 € vendredi, non pardon, samedi",
            "fr",
            ("promise_to_pay", Decimal(80), None, None, date(2026, 12, 5)),
        ),
        (
            "je vire 300 lundi... heu non, mardi plutôt",
            "fr",
            ("promise_to_pay", Decimal(300), None, None, date(2026, 12, 8)),
        ),
        ("je vous envoie 90 demain - non, 95", "fr", ("promise_to_pay", Decimal(95), None, None, date(2026, 12, 5))),
        ("j'ai payé 40 hier, enfin non avant-hier", "fr", ("already_paid", Decimal(40), None, None, date(2026, 12, 2))),
        (
            "je vous ai viré 150 hier, ah non pardon, c'est 165",
            "fr",
            ("already_paid", Decimal(165), None, None, date(2026, 12, 3)),
        ),
        (
            "I'll send £50 tomorrow, sorry I mean £60",
            "en",
            ("promise_to_pay", Decimal(60), None, None, date(2026, 12, 5)),
        ),
        (
            "paying 200 on the 5th - no wait, the 6th",
            "en",
            ("promise_to_pay", Decimal(200), None, None, date(2026, 12, 6)),
        ),
        ("I'll pay it Monday... scratch that, Tuesday", "en", ("promise_to_pay", None, None, None, date(2026, 12, 8))),
        # a promise turned into a plan: the plan alone (no date carried over from the promise)
        (
            "I'll clear it all Monday. Actually no, could I do it in 4 goes? £30 each",
            "en",
            ("payment_plan", Decimal(30), 4, None, None),
        ),
        (
            "I'll pay 300 Friday, wait no, can I do 50 a week instead?",
            "en",
            ("payment_plan", Decimal(50), None, "weekly", None),
        ),
        (
            "je vous fais 300 le 10 et... non attendez, 150 le 10 et 150 le 25",
            "fr",
            ("payment_plan", Decimal(150), 2, None, date(2026, 12, 10)),
        ),
        # a plan's count corrected: the total said before is shared by the new count
        ("je vous paie 200 en 2 fois... euh non, en 4 fois", "fr", ("payment_plan", Decimal(50), 4, None, None)),
    ],
)
def test_the_words_after_a_self_correction_give_the_payment(
    text: str, locale: str, expected: tuple[object, ...]
) -> None:
    assert _read(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a protective reading of the whole message is never replaced by the corrected payment
        ("STOP. Je paie demain... enfin non, arrêtez de m'écrire", "fr", "opt_out"),
        ("I'll pay friday. actually no, stop texting me", "en", "opt_out"),
        ("No, I won't pay. Actually, I dispute the whole bill.", "en", "dispute"),
        # what the debtor says instead is protective: it is taken
        ("je paie demain, enfin non je peux pas, je suis au chômage", "fr", "hardship"),
    ],
)
def test_a_correction_never_hides_a_protective_reading(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # marker words that correct nothing: the reading is that of the whole message
        ("Je paie demain. Pardon pour le retard", "fr", ("promise_to_pay", None, None, None, date(2026, 12, 5))),
        (
            "bonjour, pardon du retard, je paie 50 lundi",
            "fr",
            ("promise_to_pay", Decimal(50), None, None, date(2026, 12, 7)),
        ),
        ("I actually paid 40 on Monday", "en", ("already_paid", Decimal(40), None, None, date(2026, 11, 30))),
        ("i paid it this morning sorry my bad for the delay", "en", ("already_paid", None, None, None, TODAY)),
        (
            "I'll pay 50 tomorrow as I meant to last week",
            "en",
            ("promise_to_pay", Decimal(50), None, None, date(2026, 12, 5)),
        ),
        # a word corrected, not a payment: the sentence before the marker names no terms
        (
            "Mon défunt... pardon, mon mari payait par chèque. J'ai réglé 128 € le 14 novembre",
            "fr",
            ("already_paid", Decimal(128), None, None, date(2026, 11, 14)),
        ),
    ],
)
def test_markers_that_correct_no_payment_change_nothing(text: str, locale: str, expected: tuple[object, ...]) -> None:
    assert _read(text, locale) == expected


# --- 3. Small numbers that are counts or ranks, not amounts ------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        (
            "2 payments then, 1 on the 10th 1 on the 24th, same each",
            "en",
            ("payment_plan", None, 2, None, date(2026, 12, 10)),
        ),
        ("jpeux faire 3 virement, 1 par moi", "fr", ("payment_plan", None, 3, "monthly", None)),
        # with its word, a small number is each payment's amount
        ("3 fois 5 euros ça irait ?", "fr", ("payment_plan", Decimal(5), 3, None, None)),
        ("could I do 4 payments of 8?", "en", ("payment_plan", Decimal(8), 4, None, None)),
        # an amount times a count: the count is the number after "x", not the amount's cents
        ("Can I do £266.67 x 3?", "en", ("payment_plan", Decimal("266.67"), 3, None, None)),
        ("£45 x 4 ok?", "en", ("payment_plan", Decimal(45), 4, None, None)),
    ],
)
def test_small_numbers_after_a_count_are_not_amounts(text: str, locale: str, expected: tuple[object, ...]) -> None:
    assert _read(text, locale) == expected


# --- Dates and counts met on the way --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # paid "since" a while: that long ago (a state "since" is no payment date)
        ("c'est réglé depuis 3 jours", "fr", ("already_paid", None, None, None, date(2026, 12, 1))),
        # a plan from a month: its first day, or the plan's day in that month
        ("I could do 40 a month from February", "en", ("payment_plan", Decimal(40), None, "monthly", date(2027, 2, 1))),
        (
            "90 € le 10 de chaque mois à partir de février",
            "fr",
            ("payment_plan", Decimal(90), None, "monthly", date(2027, 2, 10)),
        ),
        # the debtor's payday is not the plan's first payment
        (
            "could I pay £20 a week? I get paid every other Friday",
            "en",
            ("payment_plan", Decimal(20), None, "weekly", None),
        ),
        # "do 1,200 in 4": a count, the total shared
        ("I could do 1,200 in 4, starting the 20th", "en", ("payment_plan", Decimal(300), 4, None, date(2026, 12, 20))),
        # an amount's "each" before a date led by its own preposition
        ("2 payments, 90 each, on the 12th and 26th", "en", ("payment_plan", Decimal(90), 2, None, date(2026, 12, 12))),
        # minutes ago, the money now
        ("réglé il y a 20 minutes", "fr", ("already_paid", None, None, None, TODAY)),
        ("sending the money now", "en", ("promise_to_pay", None, None, None, TODAY)),
        # a "tout de suite" that is the debtor telling, not paying
        ("je vous dis tout de suite, je paierai le 18", "fr", ("promise_to_pay", None, None, None, date(2026, 12, 18))),
    ],
)
def test_dates_and_counts_met_on_the_way(text: str, locale: str, expected: tuple[object, ...]) -> None:
    assert _read(text, locale) == expected


def test_a_state_since_a_while_is_no_payment_date() -> None:
    r = understand("au chômage depuis 3 semaines, je paierai dès que possible", "fr", TODAY)
    assert r.date is None
