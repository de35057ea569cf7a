"""Unit tests of the rule-based NLU: one intent or entity form per case, French and English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import INTENTS, Understanding, understand
from bot.nlu.dates import add_months, find_dates
from bot.nlu.normalise import normalise
from bot.nlu.numbers import parse_number, words_to_digits

MONDAY = date(2026, 11, 23)  # a Monday, eight days before the end of the month


def intent(text: str, locale: str = "fr", today: date = MONDAY) -> str:
    return understand(text, locale, today).intent


# ------------------------------------------------------------------------------------------ intents

INTENT_CASES = [
    # promise_to_pay: one payment, now or later, full or partial
    ("je vous paie jeudi", "fr", "promise_to_pay"),
    ("jvous regle ca dmain", "fr", "promise_to_pay"),
    ("Je m'engage à régler la somme vendredi", "fr", "promise_to_pay"),
    ("le virement partira lundi", "fr", "promise_to_pay"),
    ("I'll clear the balance on friday", "en", "promise_to_pay"),
    ("will send u the money tmrw", "en", "promise_to_pay"),
    ("You'll get the payment on monday", "en", "promise_to_pay"),
    ("80 € demain", "fr", "promise_to_pay"),
    ("je peux pas payer aujourd'hui mais je paie samedi", "fr", "promise_to_pay"),
    ("I can't pay this week but next week yes", "en", "promise_to_pay"),
    # payment_plan: asks for a plan or proposes several payments
    ("possible de payer en 4 fois ?", "fr", "payment_plan"),
    ("je voudrais un échéancier", "fr", "payment_plan"),
    ("30 euros par mois ça irait ?", "fr", "payment_plan"),
    ("could we set up an installment plan", "en", "payment_plan"),
    ("I can do 25 a week", "en", "payment_plan"),
    ("half now and half on the 15th", "en", "payment_plan"),
    ("I lost my job, can I pay $30 a month?", "en", "payment_plan"),
    # already_paid
    ("j'ai déjà réglé cette facture", "fr", "already_paid"),
    ("virement effectué ce matin", "fr", "already_paid"),
    ("I've already paid this", "en", "already_paid"),
    ("payment went through yesterday", "en", "already_paid"),
    # hardship: cannot pay, proposes nothing
    ("je suis au chômage depuis juin", "fr", "hardship"),
    ("je ne peux pas payer, je n'ai plus d'argent", "fr", "hardship"),
    ("I can't afford it, I was laid off", "en", "hardship"),
    ("I only earn 600 a month, I can't pay", "en", "hardship"),
    # dispute
    ("je conteste cette facture", "fr", "dispute"),
    ("je n'ai jamais reçu ma commande", "fr", "dispute"),
    ("the amount is wrong", "en", "dispute"),
    ("you billed me twice for the same thing", "en", "dispute"),
    # wrong_person
    ("vous vous êtes trompé de numéro", "fr", "wrong_person"),
    ("je ne suis pas Monsieur Durand", "fr", "wrong_person"),
    ("wrong number mate", "en", "wrong_person"),
    ("I'm not Kevin", "en", "wrong_person"),
    # opt_out
    ("STOP", "fr", "opt_out"),
    ("arrêtez de m'écrire", "fr", "opt_out"),
    ("please stop texting me", "en", "opt_out"),
    ("unsubscribe", "en", "opt_out"),
    # human
    ("je voudrais parler à un conseiller", "fr", "human"),
    ("rappelez-moi svp", "fr", "human"),
    ("can I talk to a real person", "en", "human"),
    # info_request
    ("c'est pour quelle facture ?", "fr", "info_request"),
    ("combien je vous dois ?", "fr", "info_request"),
    ("how can I pay?", "en", "info_request"),
    ("who is this?", "en", "info_request"),
    ("can I pay by card?", "en", "info_request"),
    # abuse
    ("bande de voleurs", "fr", "abuse"),
    ("allez vous faire foutre", "fr", "abuse"),
    ("f off you vultures", "en", "abuse"),
    # affirm / deny
    ("oui c'est bon pour moi", "fr", "affirm"),
    ("👍", "fr", "affirm"),
    ("yes that's fine", "en", "affirm"),
    ("non merci", "fr", "deny"),
    ("je ne suis pas d'accord", "fr", "deny"),
    ("no way", "en", "deny"),
    ("👎", "en", "deny"),
    # unknown
    ("bonjour", "fr", "unknown"),
    ("I'm on holiday until Monday", "en", "unknown"),
    ("", "en", "unknown"),
    ("???", "fr", "unknown"),
]


@pytest.mark.parametrize(("text", "locale", "expected"), INTENT_CASES)
def test_intent(text: str, locale: str, expected: str) -> None:
    assert intent(text, locale) == expected


def test_every_intent_label_is_covered_by_a_case() -> None:
    assert {expected for _, _, expected in INTENT_CASES} == set(INTENTS)


# ----------------------------------------------------------------------------- priority (issue 5)

PRIORITY_CASES = [
    ("je paierai demain mais arrêtez de m'écrire", "fr", "opt_out"),  # opt_out > promise
    ("stop, wrong number", "en", "opt_out"),  # opt_out > wrong_person (the dialogue still marks the number)
    ("c'est pas moi, je conteste", "fr", "wrong_person"),  # wrong_person > dispute
    ("le montant est faux, je paierai la moitié en 2 fois", "fr", "dispute"),  # dispute > plan
    ("I lost my job, can I pay 20 a month?", "en", "payment_plan"),  # plan > hardship
    ("j'ai déjà payé la moitié, le reste en 2 fois", "fr", "payment_plan"),  # plan > already_paid
    ("I already paid, I'll pay nothing more", "en", "already_paid"),  # already_paid > promise
    ("je suis au chômage mais je paie vendredi", "fr", "promise_to_pay"),  # promise > hardship
    ("je suis malade, appelez-moi", "fr", "human"),  # human > hardship (issue 13)
    ("call me, which invoice is it?", "en", "human"),  # human > info
    ("c'est quoi cette facture bande de voleurs", "fr", "info_request"),  # info > abuse
    ("ok connard", "fr", "abuse"),  # abuse > affirm
]


@pytest.mark.parametrize(("text", "locale", "expected"), PRIORITY_CASES)
def test_priority(text: str, locale: str, expected: str) -> None:
    assert intent(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je ne conteste pas, je paie demain", "fr"),
        ("gonna pay tmrw pls stop worrying", "en"),
        ("I'll pay tomorrow, I'm not disputing anything", "en"),
    ],
)
def test_negated_keywords_do_not_trigger(text: str, locale: str) -> None:
    assert intent(text, locale) == "promise_to_pay"


# ------------------------------------------------------------------------------------------ amounts

AMOUNT_CASES = [
    ("je paie 50 € demain", "fr", "50"),
    ("je paie 50€ demain", "fr", "50"),
    ("je paie €50 demain", "fr", "50"),
    ("je vous vire 1 250,50 € demain", "fr", "1250.50"),
    ("je vous vire 1.234,56 EUR demain", "fr", "1234.56"),
    ("I'll send $1,200.50 tomorrow", "en", "1200.50"),
    ("I'll send USD 99.99 tomorrow", "en", "99.99"),
    ("I'll send 45 pounds tomorrow", "en", "45"),
    ("je paie 70 balles demain", "fr", "70"),
    ("je paie 80e demain", "fr", "80"),
    ("je paie deux cents euros demain", "fr", "200"),
    ("je paie deux cent cinquante euros demain", "fr", "250"),
    ("je paie quatre-vingt-dix euros demain", "fr", "90"),
    ("je paie mille deux cents euros demain", "fr", "1200"),
    ("I'll pay fifty tomorrow", "en", "50"),
    ("I'll pay a hundred and twenty dollars tomorrow", "en", "120"),
    ("I'll pay twenty-five bucks tomorrow", "en", "25"),
    ("je peux régler 350 le 20", "fr", "350"),
    ("I can pay 1.5k on friday", "en", "1500"),
]


@pytest.mark.parametrize(("text", "locale", "expected"), AMOUNT_CASES)
def test_amount(text: str, locale: str, expected: str) -> None:
    result = understand(text, locale, MONDAY)
    assert result.intent == "promise_to_pay"
    assert result.amount == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je paie le 15 à 18h", "fr"),  # a day and a time, no amount
        ("je paie dans 3 jours", "fr"),  # a delay
        ("I'll pay on 12/31", "en"),  # a date
        ("appelez moi au 06 12 34 56 78 je paie demain", "fr"),  # a phone number
        ("je paie la facture F2026-118 demain", "fr"),  # a reference
        ("I'll pay it all at 5pm tomorrow", "en"),
    ],
)
def test_numbers_that_are_not_amounts(text: str, locale: str) -> None:
    assert understand(text, locale, MONDAY).amount is None


# ------------------------------------------------------------------------------- installments, plans

PLAN_CASES = [
    # text, locale, amount (per installment), installments, frequency
    ("en 3 fois", "fr", None, 3, None),
    ("je peux payer en trois fois", "fr", None, 3, None),
    ("300 € en 3 fois", "fr", "100", 3, None),
    ("10 mensualités", "fr", None, 10, "monthly"),
    ("4 mensualités de 150 €", "fr", "150", 4, "monthly"),
    ("50 € par mois", "fr", "50", None, "monthly"),
    ("40 € toutes les deux semaines", "fr", "40", None, "biweekly"),
    ("25 € tous les 15 jours", "fr", "25", None, "biweekly"),
    ("20 € par semaine", "fr", "20", None, "weekly"),
    ("je rembourse sur 6 mois", "fr", None, 6, "monthly"),
    ("la moitié maintenant et le reste fin du mois", "fr", None, 2, None),
    ("3 payments", "en", None, 3, None),
    ("3 payments of $100", "en", "100", 3, None),
    ("over six months", "en", None, 6, "monthly"),
    ("600 over six months", "en", "100", 6, "monthly"),
    ("I can pay 100 in 3 installments", "en", None, 3, None),  # 33.333…: not exact to the cent (issue 13)
    ("half now and half later", "en", None, 2, None),
    ("4 x 50", "en", "50", 4, None),
    ("$30 a month", "en", "30", None, "monthly"),
    ("60 every fortnight", "en", "60", None, "biweekly"),
    ("12 monthly payments", "en", None, 12, "monthly"),
    ("pay it off over 8 weeks", "en", None, 8, "weekly"),
]


@pytest.mark.parametrize(("text", "locale", "amount", "count", "frequency"), PLAN_CASES)
def test_plan_entities(text: str, locale: str, amount: str | None, count: int | None, frequency: str | None) -> None:
    result = understand(text, locale, MONDAY)
    assert result.intent == "payment_plan"
    assert result.amount == (Decimal(amount) if amount else None)
    assert (result.installments, result.frequency) == (count, frequency)


def test_plan_start_date() -> None:
    result = understand("80 € par mois à partir du 10 janvier", "fr", MONDAY)
    assert (result.amount, result.frequency, result.date) == (Decimal(80), "monthly", date(2027, 1, 10))
    assert understand("half now and half on the 15th", "en", MONDAY).date == MONDAY


# -------------------------------------------------------------------------------------------- dates

DATE_CASES = [
    # text, locale, today, expected
    ("je paie aujourd'hui", "fr", MONDAY, MONDAY),
    ("je paie ce soir", "fr", MONDAY, MONDAY),
    ("I'll pay tonight", "en", MONDAY, MONDAY),
    ("je paie demain", "fr", MONDAY, date(2026, 11, 24)),
    ("I'll pay tomorrow", "en", date(2026, 12, 31), date(2027, 1, 1)),
    ("je paie après-demain", "fr", date(2028, 2, 28), date(2028, 3, 1)),
    ("je paie dans 3 jours", "fr", date(2026, 12, 30), date(2027, 1, 2)),
    ("je paie dans huit jours", "fr", MONDAY, date(2026, 11, 30)),
    ("I'll pay in two weeks", "en", MONDAY, date(2026, 12, 7)),
    ("I'll pay in a month", "en", date(2027, 1, 31), date(2027, 2, 28)),
    ("je paie vendredi", "fr", MONDAY, date(2026, 11, 27)),
    ("je paie lundi", "fr", MONDAY, date(2026, 11, 30)),  # the next Monday, not today
    ("I'll pay next friday", "en", date(2026, 12, 31), date(2027, 1, 1)),
    ("je paie le 5", "fr", MONDAY, date(2026, 12, 5)),
    ("je paie le 23", "fr", MONDAY, MONDAY),  # today is the 23rd
    ("I'll pay on the 30th", "en", date(2027, 2, 10), date(2027, 3, 30)),  # February has no 30th
    ("je paie le 29", "fr", date(2028, 2, 10), date(2028, 2, 29)),  # leap year
    ("je paie à la fin du mois", "fr", date(2028, 2, 3), date(2028, 2, 29)),
    ("I'll pay at the end of the month", "en", date(2026, 12, 31), date(2026, 12, 31)),
    ("je paie fin du mois prochain", "fr", date(2027, 1, 31), date(2027, 2, 28)),
    ("je paie le mois prochain", "fr", date(2026, 12, 15), date(2027, 1, 1)),
    ("je paie le 31/12", "fr", MONDAY, date(2026, 12, 31)),
    ("je paie le 05/01", "fr", MONDAY, date(2027, 1, 5)),  # day first in French
    ("I'll pay on 05/01", "en", MONDAY, date(2027, 5, 1)),  # month first in English
    ("I'll pay on 15/01", "en", MONDAY, date(2027, 1, 15)),  # 15 cannot be a month
    ("je paie le 15/01/2027", "fr", MONDAY, date(2027, 1, 15)),
    ("je paie le 2027-01-15", "fr", MONDAY, date(2027, 1, 15)),
    ("je paie le 15 décembre", "fr", MONDAY, date(2026, 12, 15)),
    ("je paie le 1er janvier", "fr", MONDAY, date(2027, 1, 1)),
    ("I'll pay on Dec 1", "en", MONDAY, date(2026, 12, 1)),
    ("I'll pay on December 15th", "en", MONDAY, date(2026, 12, 15)),
    ("I'll pay on the 2nd of January", "en", MONDAY, date(2027, 1, 2)),
    ("I'll pay on the twenty first of December", "en", MONDAY, date(2026, 12, 21)),
    ("I'll pay on November 1st", "en", MONDAY, date(2027, 11, 1)),  # already past this year
    ("je paie le 29 février", "fr", date(2026, 3, 1), date(2028, 2, 29)),  # next leap day
]


@pytest.mark.parametrize(("text", "locale", "today", "expected"), DATE_CASES)
def test_promise_date(text: str, locale: str, today: date, expected: date) -> None:
    result = understand(text, locale, today)
    assert result.intent == "promise_to_pay"
    assert result.date == expected


PAST_CASES = [
    ("j'ai payé hier", "fr", MONDAY, date(2026, 11, 22)),
    ("j'ai payé avant-hier", "fr", date(2027, 3, 1), date(2027, 2, 27)),
    ("je vous ai envoyé 300€ le 15", "fr", MONDAY, date(2026, 11, 15)),
    ("je vous ai envoyé 300€ le 25", "fr", MONDAY, date(2026, 10, 25)),  # the last 25th
    ("I paid on the 1st", "en", date(2027, 1, 1), date(2027, 1, 1)),
    ("I paid on friday", "en", MONDAY, date(2026, 11, 20)),
    ("j'ai payé lundi", "fr", MONDAY, date(2026, 11, 16)),  # the previous Monday
    ("I paid 3 days ago", "en", date(2027, 1, 2), date(2026, 12, 30)),
    ("j'ai payé le 28 décembre", "fr", date(2027, 1, 31), date(2026, 12, 28)),
    ("paid on 12/28", "en", date(2027, 1, 31), date(2026, 12, 28)),
    ("I just paid", "en", MONDAY, MONDAY),
]


@pytest.mark.parametrize(("text", "locale", "today", "expected"), PAST_CASES)
def test_paid_date_is_in_the_past(text: str, locale: str, today: date, expected: date) -> None:
    result = understand(text, locale, today)
    assert result.intent == "already_paid"
    assert result.date == expected


def test_negated_clause_date_is_skipped() -> None:
    result = understand("je ne peux pas payer aujourd'hui mais je paie vendredi", "fr", MONDAY)
    assert result.date == date(2026, 11, 27)


def test_entities_only_for_payment_intents() -> None:
    result = understand("je conteste les 350 € du 15 mars", "fr", MONDAY)
    assert result == Understanding("dispute", result.confidence)


def test_to_json_contract() -> None:
    result = understand("je paie 1 250,50 € le 31/12", "fr", MONDAY).to_json()
    assert result == {
        "intent": "promise_to_pay",
        "detail": None,
        "confidence": result["confidence"],
        "amount": 1250.5,
        "installments": None,
        "frequency": None,
        "date": "2026-12-31",
    }
    assert 0.0 <= result["confidence"] <= 1.0


def test_confidence_is_low_for_unknown() -> None:
    assert understand("le chat a marché sur le clavier", "fr", MONDAY).confidence < 0.5
    assert understand("STOP", "fr", MONDAY).confidence > 0.9


# ------------------------------------------------------------------------------------ normalisation


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("Jpp payer cé trop", "fr", "je peux pas payer ce trop"),
        ("c bon", "fr", "c est bon"),
        ("jai deja payé", "fr", "j ai deja paye"),
        ("dmain jenvoi largent", "fr", "demain j envoie l argent"),
        ("I can't pay u tmrw thx", "en", "i can not pay you tomorrow thanks"),
        ("ill pay friday", "en", "i will pay friday"),
        ("I was ill", "en", "i was ill"),
        ("paymnet tomorow", "en", "payment tomorrow"),
        ("does not match", "en", "does not match"),  # a substitution is not a typo we fix
        ("ok 👍🙏", "fr", "ok emo_yes emo_please"),
        ("50€ / $20 / £5", "en", "50 eur / usd 20 / gbp 5"),
    ],
)
def test_normalise(text: str, locale: str, expected: str) -> None:
    assert normalise(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deux cent cinquante", "250"),
        ("soixante dix", "70"),
        ("quatre vingt dix neuf", "99"),
        ("vingt et un", "21"),
        ("mille deux cents", "1200"),
        ("two hundred and fifty", "250"),
        ("fifty five", "55"),
        ("a thousand", "1000"),
        ("un ami", "un ami"),  # an article, not a number
        ("une semaine", "1 semaine"),
        ("50 cents", "50 cents"),
        ("le 15 sept", "le 15 sept"),  # September, not seven
        ("the second of may", "the 2nd of may"),
    ],
)
def test_words_to_digits(text: str, expected: str) -> None:
    assert words_to_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50", "50"),
        ("45,50", "45.50"),
        ("99.99", "99.99"),
        ("1 250,50", "1250.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,500", "1500"),
        ("1.500", "1500"),
        ("1.234.567", "1234567"),
        ("1.5k", "1500"),
    ],
)
def test_parse_number(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_invalid_dates_are_not_mentions() -> None:
    assert find_dates("le 31/02", "fr") == []
    assert find_dates("le 45", "fr") == []


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je peux payer 50 € par mois", "fr"),
        ("I will pay on the 15th", "en-GB"),
        ("1", "fr-BE"),
        ("je peux payer " + "vraiment " * 12 + "en 3 fois", "fr"),  # past the memo's length: read each time
    ],
)
def test_memoised_understanding_is_the_reading(text: str, locale: str) -> None:
    from bot.nlu.understanding import read

    today = date(2026, 12, 3)
    first, again = understand(text, locale, today), understand(text, locale, today)
    assert first == again == read(text, locale, today)[0]
    assert understand(text, locale, date(2026, 12, 4)) == read(text, locale, date(2026, 12, 4))[0]
