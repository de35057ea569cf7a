"""Readings settled in round 6 of issue 13 (rules added on the z3/z4 tuning halves).

Each case is a wording of the tuning data's kind, not a copy of it: money named by a currency word or
a letter ("francs", "cedis", "R900", "N30,000", "₹"), a reference number beside an amount, a plan whose
count is left open ("3 or 4 payments"), a fraction that is no date, a payment made with the rest to
come, a question about what is left, a call asked for beside a promise, and a few ways of saying stop
or that the holder died that the rules did not know.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import understand

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("je vous envoie 40 000 francs vendredi", "fr", 40000.0),
        ("I will send 300 cedis on Friday", "en", 300.0),
        ("I'll pay R900 on Friday", "en", 900.0),
        ("Please I will pay N30,000 on Friday", "en", 30000.0),
        ("I will transfer ₹2,500 tomorrow", "en", 2500.0),
        ("Our team will pay order 5512 (£96.20) tomorrow", "en", "96.20"),
        ("paid it this morning, £41.60, please check your system", "en", "41.60"),
    ],
)
def test_round_six_amounts(text: str, locale: str, amount: float | str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent in ("promise_to_pay", "already_paid")
    assert reading.amount == Decimal(str(amount))
    assert reading.installments is None  # "£41.60, please check": the pence count nothing


def test_an_amount_followed_by_its_rhythm_is_each_payment() -> None:
    reading = understand("how about 3 payments of 95, weekly?", "en", TODAY)
    assert (reading.intent, reading.amount, reading.installments, reading.frequency) == (
        "payment_plan",
        95.0,
        3,
        "weekly",
    )


@pytest.mark.parametrize("text", ["could I do 40 every 14 days?", "40 every two weeks until it's cleared?"])
def test_every_fourteen_days_is_biweekly(text: str) -> None:
    reading = understand(text, "en", TODAY)
    assert (reading.intent, reading.amount, reading.frequency) == ("payment_plan", 40.0, "biweekly")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je peux payer en 2 ou 3 fois ?", "fr"),
        ("could I split it into 2 or 3 payments", "en"),
    ],
)
def test_a_count_left_open_is_still_a_plan(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.installments) == ("payment_plan", None)


def test_a_fraction_is_no_date() -> None:
    reading = understand("I can send 1/3 of it on Monday", "en", TODAY)
    assert (reading.intent, reading.date) == ("promise_to_pay", date(2026, 12, 7))


def test_a_numeric_date_stays_one() -> None:
    reading = understand("je paie le 4/1", "fr", TODAY)
    assert reading.date == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("text", "locale", "paid_on"),
    [
        ("I paid 150 of it last Monday and I'm sending the rest at the end of the month", "en", date(2026, 11, 30)),
        ("j'ai réglé 80 € le 2 novembre et je réglerai le solde le 15", "fr", date(2026, 11, 2)),
    ],
)
def test_a_payment_made_with_the_rest_to_come_is_a_payment(text: str, locale: str, paid_on: date) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.date) == ("already_paid", paid_on)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("What is the balance now after the 120 I sent?", "en"),
        ("combien il me reste à payer ? j'ai déjà versé 50 €", "fr"),
    ],
)
def test_a_question_about_what_is_left_is_a_question(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "info_request"


def test_a_cheque_still_to_post_is_a_promise() -> None:
    reading = understand("je vous prépare un chèque de 60 € que je poste samedi", "fr", TODAY)
    assert (reading.intent, reading.date) == ("promise_to_pay", date(2026, 12, 5))


@pytest.mark.parametrize(
    "text",
    [
        "I'll likely settle it Monday but I'd appreciate a quick call first",
        "can I phone yous about it?",
    ],
)
def test_a_call_asked_for_is_a_person_even_beside_a_promise(text: str) -> None:
    assert understand(text, "en", TODAY).intent == "human"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Vous m'écrivez plus rien. Plus un seul SMS.", "fr"),
        ("I would prefer that my number is not used for this from now on", "en"),
    ],
)
def test_round_six_opt_outs(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "opt_out"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("my dad went home to the Lord in the summer, this phone was his", "en"),
        ("Ma mère s'est éteinte en octobre, c'était son portable.", "fr"),
    ],
)
def test_round_six_bereavement(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("wrong_person", "bereavement")


def test_a_phone_that_went_off_is_no_death() -> None:
    reading = understand("mon téléphone s'est éteint hier, je vous paie lundi", "fr", TODAY)
    assert (reading.intent, reading.detail) == ("promise_to_pay", None)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("the shop is on its knees since the roadworks, nothing coming in", "en"),
        ("plus rien ne rentre depuis que le restaurant est à genoux", "fr"),
    ],
)
def test_a_business_on_its_knees_is_a_difficulty(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "hardship"


def test_too_stressed_is_not_too_much() -> None:
    reading = understand(
        "Mon fils est trop angoissé pour répondre, il pourrait payer 25 € tous les 15 jours ?", "fr", TODAY
    )
    assert (reading.intent, reading.amount, reading.frequency) == ("payment_plan", 25.0, "biweekly")


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("I go pay am on Saturday, no wahala", date(2026, 12, 5)),
        ("aye I'll get it paid the morra", date(2026, 12, 4)),
    ],
)
def test_pidgin_and_scots_promises(text: str, when: date) -> None:
    reading = understand(text, "en", TODAY)
    assert (reading.intent, reading.date) == ("promise_to_pay", when)


@pytest.mark.parametrize(
    ("text", "locale", "intent", "when"),
    [
        ("sent it through the app two hours ago", "en", "already_paid", TODAY),
        ("virement fait il y a deux heures", "fr", "already_paid", TODAY),
        ("Réglé ce jour par carte.", "fr", "already_paid", TODAY),
        ("je vous fais le virement tout à l'heure", "fr", "promise_to_pay", TODAY),
        ("will send it in about an hour", "en", "promise_to_pay", TODAY),
        ("ok paying fri", "en", "promise_to_pay", date(2026, 12, 4)),
        ("i'll settle tues", "en", "promise_to_pay", date(2026, 12, 8)),
    ],
)
def test_within_the_day_and_short_weekdays(text: str, locale: str, intent: str, when: date) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.date) == (intent, when)


def test_that_day_is_the_day_named_before() -> None:
    reading = understand("ma paie tombe le 10, je vous règle 70 € ce jour-là", "fr", TODAY)
    assert (reading.intent, reading.date) == ("promise_to_pay", date(2026, 12, 10))


def test_a_sat_that_is_no_saturday() -> None:
    reading = understand("I sat down last night and paid it", "en", TODAY)
    assert (reading.intent, reading.date) == ("already_paid", date(2026, 12, 2))


@pytest.mark.parametrize(
    ("text", "locale", "amount", "installments"),
    [
        ("Your offer of 4 x 150 is too much for me, could we do 75 a month for 8 months?", "en", 75.0, 8),
        ("Vos 2 mensualités de 300 c'est trop, je peux faire 4 mensualités de 150 à la place.", "fr", 150.0, 4),
        ("Au lieu de 120 par mois comme vous proposez, je peux faire 80 par mois sur 3 mois.", "fr", 80.0, 3),
    ],
)
def test_a_counter_offer_is_read_after_the_offer_it_answers(
    text: str, locale: str, amount: float, installments: int
) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.amount, reading.installments) == ("payment_plan", amount, installments)


def test_an_offer_accepted_keeps_its_terms() -> None:
    reading = understand("I'd like to go with your proposal of 3 payments of 100 a month", "en", TODAY)
    assert (reading.intent, reading.amount, reading.installments) == ("payment_plan", 100.0, 3)


@pytest.mark.parametrize(
    ("text", "amount", "when"),
    [
        ("je vous verse 35 € tous les 10 du mois", 35.0, date(2026, 12, 10)),
        ("je vous propose 60 € le 20 de chaque mois", 60.0, date(2026, 12, 20)),
        ("je peux mettre 30 € chaque fin de mois", 30.0, None),
        ("je peu vous faire 20 tout les mois", 20.0, None),
    ],
)
def test_a_day_of_every_month_is_monthly(text: str, amount: float, when: date | None) -> None:
    reading = understand(text, "fr", TODAY)
    assert (reading.intent, reading.amount, reading.frequency) == ("payment_plan", amount, "monthly")
    if when is not None:
        assert reading.date == when


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("on est à sec jusqu'au 15 mais le 15 je vous fais les 120 €", "promise_to_pay"),
        ("je suis au chômage mais je peux quand même payer 30 € lundi", "promise_to_pay"),
        ("je suis à sec, c possible de payer en plusieur fois ?", "payment_plan"),
        ("jsui au rsa, c possible 20e chak mois ?", "payment_plan"),
    ],
)
def test_a_difficulty_told_with_an_offer_is_the_offer(text: str, intent: str) -> None:
    assert understand(text, "fr", TODAY).intent == intent


def test_an_offer_in_english_with_a_difficulty() -> None:
    reading = understand("Things are hard right now but I'd like to offer £20 a fortnight", "en", TODAY)
    assert (reading.intent, reading.amount, reading.frequency) == ("payment_plan", 20.0, "biweekly")


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("What is this £30 admin fee exactly?", "en", "info_request"),
        ("C'est quoi ces frais de relance de 15 € ?", "fr", "info_request"),
        ("Why should I pay your admin fees?", "en", "dispute"),
        ("Ces frais de dossier sont abusifs, je ne les paierai pas.", "fr", "dispute"),
        ("C'est légal ces frais de recouvrement ?", "fr", "dispute"),
    ],
)
def test_a_fee_asked_about_is_a_question_and_a_fee_refused_a_dispute(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je verse 80 € vendredi et je verrai pour le reste", "fr"),
        ("I'll send 60 tomorrow and the rest we can talk about", "en"),
        ("I'll pay 100 now and call you about the rest", "en"),
    ],
)
def test_one_payment_with_the_rest_left_open_is_a_promise(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.installments) == ("promise_to_pay", None)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Send me the itemised bill and I'll deal with it", "en"),
        ("Before paying anything I want to see the original contract, send me a copy.", "en"),
        ("Je veux bien régler mais je veux d'abord voir le contrat, envoyez-le moi.", "fr"),
        ("What's the latest I can pay without extra fees?", "en"),
    ],
)
def test_what_the_payment_waits_on_is_a_question(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "info_request"


def test_a_question_beside_a_dated_promise_stays_a_promise() -> None:
    reading = understand("send me the invoice please, I'm paying it on Friday", "en", TODAY)
    assert (reading.intent, reading.date) == ("promise_to_pay", date(2026, 12, 4))
