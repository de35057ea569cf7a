"""Readings settled in round 5 of issue 13 (rules added on the z1/z2 tuning halves).

Each case is a wording of the tuning data's kind, not a copy of it: threats said as what the writer
will do to "the person who sends it", a weapon drawn beside the words, advice about the way home; a
debtor without a home; a call asked for beside a plan; and the dates and amounts of a plan or a
promise (a "now" that is not about paying, the day money comes in, feast days, "2 cent euros").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import understand

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("la prochaine fois je trouve celui qui écrit ces messages et je le démolis", "fr"),
        ("Je vais retrouver la personne qui m'envoie ça, croyez-moi", "fr"),
        ("On se voit bientôt 🔫", "fr"),
        ("keep texting and see what happens 🔪", "en"),
        ("Conseil d'ami : changez d'itinéraire pour rentrer le soir.", "fr"),
        ("I'd start looking over your shoulder if I were you", "en"),
        ("Be careful walking home tonight.", "en"),
    ],
)
def test_round_five_threats(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("abuse", "threat")


def test_laughing_skull_is_no_weapon() -> None:
    reading = understand("mdr 💀 j'avais complètement oublié, je paie demain", "fr", TODAY)
    assert (reading.intent, reading.detail) == ("promise_to_pay", None)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("On a été expulsés la semaine dernière, payer c'est impossible pour l'instant", "fr", "hardship"),
        ("We got evicted and we're sleeping at my brother's. I can't pay this.", "en", "hardship"),
        ("Mon propriétaire nous a mis dehors, je n'ai plus rien.", "fr", "hardship"),
        ("Give us a bell and we can set up monthly payments together", "en", "human"),
        ("Let's work out a payment plan over the phone, what number do I call?", "en", "human"),
    ],
)
def test_round_five_protective_readings(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent", "when"),
    [
        # a "now" in a sentence that says nothing of paying names no payment
        ("I look after everything by myself now. Could I pay 40 a month?", "en", "payment_plan", None),
        ("Je gère tout seul maintenant. Est-ce que je peux payer 40 € par mois ?", "fr", "payment_plan", None),
        # "la moitié maintenant": the first payment is today
        ("je vous verse la moitié maintenant et le reste le 20", "fr", "payment_plan", TODAY),
        ("half now and the rest on the 20th", "en", "payment_plan", TODAY),
        # days of the month listed: the first payment is the earliest ("le 1er" is next month's)
        ("100 € le 1er et 100 € le 15", "fr", "payment_plan", date(2026, 12, 15)),
        ("I'll pay 80 on the 1st and 80 on the 10th", "en", "payment_plan", date(2026, 12, 10)),
        # the day money comes in is not the day it goes out
        ("I get paid Monday so you'll have it Tuesday", "en", "promise_to_pay", date(2026, 12, 8)),
        ("je touche mon salaire le 5, je vous vire le 7", "fr", "promise_to_pay", date(2026, 12, 7)),
        # feast days by name
        ("I'll pay on Christmas Eve", "en", "promise_to_pay", date(2026, 12, 24)),
        ("je paierai la veille de Noël", "fr", "promise_to_pay", date(2026, 12, 24)),
        ("payment on New Year's Eve, promise", "en", "promise_to_pay", date(2026, 12, 31)),
        ("je vous règle au jour de l'an", "fr", "promise_to_pay", date(2027, 1, 1)),
    ],
)
def test_round_five_dates(text: str, locale: str, intent: str, when: date | None) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.date) == (intent, when)


def test_today_as_a_feast_day_is_no_payment_date() -> None:
    reading = understand("c'est la veille de Noël et je bosse, je vous paie lundi", "fr", date(2026, 12, 24))
    assert reading.date == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("je vous envoie 3 cent euros vendredi", "fr", Decimal(300)),
        ("I'll send 5 hundred on Friday", "en", Decimal(500)),
        ("I'll pay forty pounds fifty on Friday", "en", Decimal("40.50")),
        ("je paie 20 euros 50 vendredi", "fr", Decimal("20.50")),
        # "50 cents" stays a coin, and pence are not times
        ("I'll pay 20 pounds 3 times", "en", Decimal(20)),
    ],
)
def test_round_five_amounts(text: str, locale: str, amount: Decimal) -> None:
    assert understand(text, locale, TODAY).amount == amount


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("The repair that never happened is on this bill, I won't pay for it", "en", "dispute"),
        ("Personne n'est venu, la prestation n'a jamais eu lieu.", "fr", "dispute"),
        ("This number is the reception of a dental surgery, not a private person.", "en", "wrong_person"),
        ("Ce numéro est celui du standard de la mairie.", "fr", "wrong_person"),
        ("Do you accept cards over the phone?", "en", "info_request"),
        ("Est-ce que je peux vous payer par PayPal ?", "fr", "info_request"),
    ],
)
def test_round_five_readings(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "amount", "installments", "frequency"),
    [
        # how often the debtor is paid, or how often something happened, is no plan
        ("I'm paid weekly, I'll pay 60 on Friday", "en", Decimal(60), None, None),
        ("Vous aurez 30 € lundi, votre site a planté 3 fois de suite", "fr", Decimal(30), None, None),
        # unless the payments follow the pay
        (
            "je suis payé toutes les deux semaines, je peux mettre 25 € à chaque paie",
            "fr",
            Decimal(25),
            None,
            "biweekly",
        ),
    ],
)
def test_round_five_plan_terms(
    text: str, locale: str, amount: Decimal | None, installments: int | None, frequency: str | None
) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.amount, reading.installments, reading.frequency) == (amount, installments, frequency)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("je paie pas", "fr", "deny"),
        ("I'm not paying.", "en", "deny"),
        ("Je ne paierai pas vendredi mais lundi sans faute", "fr", "promise_to_pay"),
        ("not paying till Friday, sorry", "en", "promise_to_pay"),
        ("Vous êtes payés pour harceler les gens ?", "fr", "abuse"),
        ("vous êtes des gros nazes", "fr", "abuse"),
        ("Vous avez mal fait le travail, je ne paierai pas", "fr", "dispute"),
        ("I paid some of it I think, I'd rather someone rang me", "en", "human"),
    ],
)
def test_round_five_refusals_and_insults(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent
