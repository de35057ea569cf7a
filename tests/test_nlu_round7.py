"""Readings settled in round 7 of issue 13 (rules added on the z5/z6 tuning halves and on generated probes).

Each case is a wording of the tuning data's kind, not a copy of it: numbers that are references, counts
or ages rather than money or days; a payment made with the rest to come; counter-offers after the
creditor's offer is quoted; a payment run still to come; the sum contested in figures; threats and
wrong numbers said in ways the rules did not know; stops and requests for a person that survive slips
of the thumb.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import understand

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize(
    ("text", "locale", "amount", "when"),
    [
        # a past payment said emphatically, or gone through, with the rest to come: the payment made
        ("just so you know I did pay, 70 on the 1st", "en", 70, date(2026, 12, 1)),
        ("80 of the 320 went through on the 2nd, I'll send the rest on the 20th", "en", 80, date(2026, 12, 2)),
        ("Je vous ai viré 150 € lundi et je vous fais les 150 restants le 15", "fr", 150, date(2026, 11, 30)),
        ("Nous vous avons réglé 90 € mardi, on vous envoie 90 autres le 10", "fr", 90, date(2026, 12, 1)),
    ],
)
def test_a_payment_made_then_the_rest_is_already_paid_with_its_own_date(
    text: str, locale: str, amount: int, when: date
) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.amount, reading.installments, reading.date) == (
        "already_paid",
        Decimal(amount),
        None,
        when,
    )


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("You offered 4 x 150, I can manage 6 x 100 from the 10th", "en"),
        ("Vous nous avez proposé 4 x 150 €, on peut faire 6 x 100 € à partir du 10", "fr"),
    ],
)
def test_a_counter_offer_after_their_offer_is_the_debtors_own(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.amount, reading.installments) == ("payment_plan", Decimal(100), 6)


@pytest.mark.parametrize(
    ("text", "locale", "amount", "count", "rhythm"),
    [
        ("could we do fortnightly payments of 55 for 10 weeks?", "en", Decimal(55), 10, "weekly"),
        ("des mensualités de 80 € pendant 5 mois ?", "fr", Decimal(80), 5, "monthly"),
        ("is a payment plan possible? 900 is too much at once", "en", None, None, None),
        ("un échéancier svp, les 600 d'un coup c'est trop", "fr", None, None, None),
    ],
)
def test_each_payment_or_no_amount_when_only_the_whole_sum_is_named(
    text: str, locale: str, amount: Decimal | None, count: int | None, rhythm: str | None
) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == "payment_plan"
    assert reading.amount == amount
    assert reading.installments == count
    if rhythm == "monthly":
        assert reading.frequency == "monthly"


def test_fortnightly_payments_stay_biweekly() -> None:
    reading = understand("could we do fortnightly payments of 55 for 10 weeks?", "en", TODAY)
    assert reading.frequency == "biweekly"


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("je règle les 45 € + 15 € de frais, donc 60 €, samedi", "fr", 60),
        ("I'll pay £20 of the £200 on Monday, that's all I have", "en", 20),
        ("our payment run 52 went out yesterday, your invoice for 1,310.00 was in it", "en", 1310),
        ("Flat 12, I'll send 95 on Friday", "en", 95),
    ],
)
def test_the_amount_is_the_sum_paid_not_a_part_or_a_reference(text: str, locale: str, amount: int) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent in ("promise_to_pay", "already_paid")
    assert reading.amount == Decimal(amount)
    assert reading.installments is None


@pytest.mark.parametrize(
    ("text", "locale", "when"),
    [
        # the end of an absence is not the payment's day
        ("I'm away until Sunday, I'll pay on Monday when I'm back", "en", date(2026, 12, 7)),
        ("en déplacement jusqu'au 8, je paie le 9", "fr", date(2026, 12, 9)),
        # years of service, a count of things: no day
        ("licencié en mars après 12 ans, je peux verser 40 € par mois", "fr", None),
        ("I'll pay 2 of the 4 bills on Friday", "en", date(2026, 12, 4)),
    ],
)
def test_the_day_of_the_payment(text: str, locale: str, when: date | None) -> None:
    assert understand(text, locale, TODAY).date == when


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Please note the payment of EUR 3,200.00 on account 12-889 is scheduled for 12/18.", "en"),
        ("I will transfer 250 on the 15th, ref INV-2026-0077", "en"),
        ("Le virement de 480 € est programmé pour le 18/12.", "fr"),
    ],
)
def test_a_payment_still_to_come_is_a_promise(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == "promise_to_pay"
    assert reading.date is not None and reading.date > TODAY


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("We owe you 600, not 850: the credit note was never deducted.", "en"),
        ("Je vous dois 300 et pas 420, l'avoir n'a pas été déduit.", "fr"),
    ],
)
def test_the_sum_contested_in_figures_is_a_dispute(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "dispute"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("you're lucky I'm not there, I'd put you in hospital", "en"),
        ("si ça continue, votre personnel ne sera plus en sécurité", "fr"),
        ("keep it up and your staff won't be safe", "en"),
        ("on va se retrouver, vous et moi", "fr"),
    ],
)
def test_threats_said_new_ways(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("abuse", "threat")


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # insult and promise: the promise wins (the labelling priority), no threat read in "will get your money"
        ("you vultures will get your money on Friday, happy?", "en", "promise_to_pay"),
        # "it wasn't me who ..." is no wrong person
        ("It wasn't me who got it wrong, the bank's app failed. I'll send it again tomorrow.", "en", "promise_to_pay"),
        ("she isn't the person named in your text, she never dealt with you", "en", "wrong_person"),
        ("c'est plus mon numéro depuis l'an dernier", "fr", "wrong_person"),
        ("this is no longer my number", "en", "wrong_person"),
        ("stop the bot and get me an agent please", "en", "human"),
        ("je lis mal les messages, vous pouvez m'apeler ?", "fr", "human"),
        ("j'aimerais avoir quelqu'un au bout du fil", "fr", "human"),
        ("c possible de payer en plusieur foi ?", "fr", "payment_plan"),
    ],
)
def test_readings_of_round_seven(text: str, locale: str, intent: str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == intent
    assert reading.detail is None


def test_a_death_is_not_read_as_a_promise_by_the_model_alone() -> None:
    reading = understand("so he passed on two weeks ago, sorry", "en", TODAY)
    assert (reading.intent, reading.detail) == ("wrong_person", "bereavement")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("please opt me out", "en"),
        ("opt us out of these texts", "en"),
        ("I don t want these messages anymore", "en"),
        ("pls stop msging me", "en"),
        ("stop txting me", "en"),
        ("please deete my number", "en"),
        ("retrez mon numéro svp", "fr"),
    ],
)
def test_stops_survive_slips(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "opt_out"
