"""Readings settled in round 10 of issue 13 (rules added on the z13/z14 tuning halves: messages as they
arrive in an inbox and on a phone, and replies between two neighbouring meanings).

Each case is a wording of the tuning data's kind, not a copy of it. The property tests pin what protects
the debtor whatever the wording: a relative answering on the holder's phone is never taken for the debtor
(nor, while the holder is said to be alive, for a death), and a refusal to give a day is never a promise.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a refusal to say when, with or without an insult; with a day it is a promise still
        ("I'll pay when I feel like it, you bloodsuckers", "en", "abuse"),
        ("I will settle up whenever I choose to.", "en", "deny"),
        ("je vous paierai quand je voudrai, bande de rapaces", "fr", "abuse"),
        ("I'll pay when I'm good and ready, which is the 20th.", "en", "promise_to_pay"),
        # a relative on the holder's phone: not the debtor, unless a payment is told
        ("Hi, this is my husband's mobile, he's in hospital since Monday. I'll pass it on.", "en", "wrong_person"),
        ("c'est le téléphone de ma mère, elle est hospitalisée, je lui dirai", "fr", "wrong_person"),
        ("this is my sister's phone, she says she'll pay on Monday", "en", "promise_to_pay"),
        # a sum or a price contested is no wrong number
        ("You've got the wrong amount, it was 45 on the receipt", "en", "dispute"),
        # not mine to pay, work badly done
        ("c'est pas à moi de payer, c'est la mutuelle qui rembourse, voyez avec eux", "fr", "dispute"),
        ("I'm not paying for that cowboy job, the roof still leaks", "en", "dispute"),
        # a person asked for in a subordinate clause; not when it is the contact refused
        ("je voudrais que quelqu'un me rappelle pour en parler, avec les messages je m'en sors pas", "fr", "human"),
        ("Je ne veux plus que vous me contactiez, ni par SMS ni par téléphone.", "fr", "opt_out"),
        # a widow living on little: her own difficulty, no condolence owed to the debtor
        ("My wife passed last year and I'm living on her small pension now, there's nothing spare.", "en", "hardship"),
        # a person asked for in a longer request
        ("Could someone from your team phone me to talk it through? I lost my job in May.", "en", "human"),
        ("Can we arrange a call with your hardship team? My wife is unwell.", "en", "human"),
        # insults said as reproaches
        ("vous n'avez pas honte ? une vraie machine à fric", "fr", "abuse"),
        # phonetic French
        ("jamé reçu la commande et vous voulé que je paye ?", "fr", "dispute"),
        ("kel montan svp", "fr", "info_request"),
        # time asked for before a payment is no dispute; a payment held back until goods work is one
        ("Yes, but not until the 12th, that's payday", "en", "promise_to_pay"),
        ("oui mais pas avant le 15, c'est là que je touche mon salaire", "fr", "promise_to_pay"),
        ("I won't pay until the boiler actually works", "en", "dispute"),
        # a document asked for wants more from us, not less; a stop beside it still ends the channel
        ("Send me the itemised bill and I'll deal with it", "en", "info_request"),
        ("send me the invoice by post and stop texting me", "en", "opt_out"),
        # a wish, however long, is nothing to act on
        ("Happy Christmas to you all at the office and your families", "en", "unknown"),
    ],
)
def test_round10_readings(text: str, locale: str, intent: str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == intent
    assert reading.detail is None


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("Je vous ai réglé le 15 du mois dernier !", "fr", date(2026, 11, 15)),
        ("I paid on the 3rd of last month", "en", date(2026, 11, 3)),
        ("Je m'engage à régler la somme de 430 € sous huitaine.", "fr", date(2026, 12, 11)),
        ("je suis en train de faire le virement, je vous envoie la preuve", "fr", TODAY),
        # "je viens de voir votre SMS" is when the message was read, not when the money goes
        ("Je viens de voir votre SMS. Le paiement sera fait dans quinze jours.", "fr", date(2026, 12, 18)),
    ],
)
def test_round10_dates(text: str, locale: str, day: date) -> None:
    assert understand(text, locale, TODAY).date == day


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("I'll send half (£45) on Friday. Will sort the rest out later.", "en"),
        ("Je vous verse la moitié mardi, pour le reste je vous redirai.", "fr"),
    ],
)
def test_half_now_with_the_rest_decided_later_is_one_payment(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.installments) == ("promise_to_pay", None)


def test_a_year_of_monthly_payments_is_twelve() -> None:
    reading = understand("je peux payer 40 € par mois pendant un an ?", "fr", TODAY)
    assert (reading.intent, reading.amount, reading.installments, reading.frequency) == (
        "payment_plan",
        40.0,
        12,
        "monthly",
    )


def test_a_month_apart_is_monthly() -> None:
    reading = understand("Je peux faire 3 chèques de 110 € encaissables à un mois d'intervalle ?", "fr", TODAY)
    assert (reading.intent, reading.amount, reading.installments, reading.frequency) == (
        "payment_plan",
        110.0,
        3,
        "monthly",
    )


_RELATIVES = {
    "en": ["mum's", "dad's", "wife's", "husband's", "mother's", "father's", "son's", "daughter's", "partner's"],
    "fr": ["de ma mère", "de mon père", "de ma femme", "de mon mari", "de mon fils", "de ma fille", "de ma soeur"],
}
_OPENINGS = {
    "en": ["this is my {} phone", "Hi, it's my {} mobile", "this is my {} number"],
    "fr": ["c'est le portable {}", "c'est le téléphone {}", "ce numéro est celui {}"],
}
_STATES = {
    "en": [
        "she's in hospital at the moment",
        "he is in intensive care",
        "I'll tell her when she's better",
        "he's recovering from an operation",
    ],
    "fr": [
        "elle est hospitalisée depuis lundi",
        "il est en réanimation",
        "quand elle ira mieux je lui dirai",
        "il est à l'hôpital",
    ],
}


@settings(max_examples=120, deadline=None)
@given(data=st.data(), locale=st.sampled_from(["fr", "en"]))
def test_a_relative_on_the_holders_phone_is_a_wrong_person_and_no_death(data: st.DataObject, locale: str) -> None:
    relative = data.draw(st.sampled_from(_RELATIVES[locale]))
    opening = data.draw(st.sampled_from(_OPENINGS[locale])).format(relative)
    state = data.draw(st.sampled_from(_STATES[locale]))
    text = f"{opening}, {state}."
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("wrong_person", None), text


_PLEASE = ["when I feel like it", "when I pay", "whenever I choose", "when I'm good and ready", "when I decide to"]


@settings(max_examples=60, deadline=None)
@given(when=st.sampled_from(_PLEASE), insult=st.sampled_from(["", ", you vultures", ". Leeches.", " 🖕"]))
def test_a_refusal_to_give_a_day_is_never_a_promise(when: str, insult: str) -> None:
    reading = understand(f"I'll pay {when}{insult}", "en", TODAY)
    assert reading.intent in {"deny", "abuse"}
    assert reading.date is None
