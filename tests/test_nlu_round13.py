"""Readings settled in round 13 of issue 13 (rules added on the z25 tuning half: replies in the middle of a
conversation, about an installment, a clarification or the formal notice).

Each case is a wording of the tuning data's kind, not a copy of it. The property tests pin the general rule
behind each: a person asked for beside a plan is a request for a person, while a payment made through one of
the creditor's people is still a payment; a bankruptcy filing under a US chapter is a difficulty, a chapter of a
contract is not; "not sure" agrees to nothing; a day given up ("instead of", "au lieu de") is not the payment's,
and a negation before a new clause of what comes does not reach that clause's day.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand

TODAY = date(2026, 12, 4)  # a Friday
SATURDAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a US bankruptcy filed: the stay stops collection
        ("We filed chapter 13 in October", "en", "hardship"),
        ("filing for Chapter 7, you'll get a notice from the court", "en", "hardship"),
        ("in a chapter 13 plan since spring, talk to my trustee", "en", "hardship"),
        # a chapter of something else is not one
        ("what does chapter 7 of your terms say about late payment?", "en", "info_request"),
        # "not sure" agrees to nothing
        ("not sure", "en", "unknown"),
        # the plan's remaining installments paid at once: one payment
        ("can I pay the remaining 3 installments together next Friday?", "en", "promise_to_pay"),
        ("je voudrais régler les 2 dernières mensualités en une seule fois le 15", "fr", "promise_to_pay"),
        # ... while a plan asked for because one payment is impossible stays a plan
        ("I can't pay it in one go, could I do 3 installments?", "en", "payment_plan"),
        # a call to arrange, a number to call, a person of the creditor's asked for, a plan beside them
        ("Can we arrange a call? I'd like to pay 100/month", "en", "human"),
        ("Is there a number I can call to set up instalments?", "en", "human"),
        ("Could I sort out a payment plan with someone from your team?", "en", "human"),
        ("put me through to your accounts team so I can agree £40 a month", "en", "human"),
        ("Can you have somebody contact me about monthly payments?", "en", "human"),
        ("Un de vos conseillers peut-il me rappeler pour un échéancier ?", "fr", "human"),
        ("je voudrais voir ça avec quelqu'un pour payer en 4 fois", "fr", "human"),
        ("je préfère voir avec un humain, 50 € par mois ça irait ?", "fr", "human"),
        ("on peut organiser un appel ? je pensais à 3 versements", "fr", "human"),
        # who to turn to, a plan to agree on the phone
        ("Who do I talk to about a payment plan?", "en", "human"),
        ("Is there someone I can discuss monthly payments with?", "en", "human"),
        ("I'd like to negotiate an installment plan by phone", "en", "human"),
        ("à qui dois-je m'adresser pour un échéancier ?", "fr", "human"),
        ("qui contacter pour étaler le paiement ?", "fr", "human"),
        # ... while paying by phone is a means
        ("can I pay by phone?", "en", "info_request"),
        ("j'ai payé par téléphone hier", "fr", "already_paid"),
        # ... while a payment made through one of them is a payment
        ("I paid it over the phone with one of your colleagues last Tuesday", "en", "already_paid"),
        ("j'ai réglé par téléphone avec une de vos collègues le 2", "fr", "already_paid"),
    ],
)
def test_round13_readings(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        # the day given up is not the payment's
        ("Can I pay on the 15th instead of the 10th?", "en", date(2026, 12, 15)),
        ("je paierai mardi au lieu de lundi", "fr", date(2026, 12, 8)),
        ("I'll pay Monday rather than today", "en", date(2026, 12, 7)),
        # a negation does not reach the day of a new clause about what comes, commas left out
        ("jai pa pu payer le 3 jferai le virement samedi", "fr", SATURDAY),
        ("couldnt pay on the 3rd ill transfer it saturday", "en", SATURDAY),
        ("I didn't pay on the 1st I will pay saturday", "en", SATURDAY),
        # ... and still reaches the day of its own clause
        ("I will not pay on the 10th, I will pay saturday", "en", SATURDAY),
    ],
)
def test_round13_dates(text: str, locale: str, day: date) -> None:
    assert understand(text, locale, TODAY).date == day


PEOPLE = ["someone from your team", "one of your team", "somebody in your office", "someone on your staff"]
PLANS = ["a payment plan", "monthly payments", "installments of 50", "3 payments", "paying 20 a week"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PEOPLE), st.sampled_from(PLANS), st.sampled_from(["Could I", "Can I", "I'd like to"]))
def test_a_person_asked_for_beside_a_plan_is_a_request_for_a_person(who: str, plan: str, ask: str) -> None:
    assert understand(f"{ask} set up {plan} with {who}?", "en", TODAY).intent == "human"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["I paid", "I settled it", "I made the payment", "Paid it"]),
    st.sampled_from(["one of your colleagues", "one of your team", "your agent"]),
    st.sampled_from(["yesterday", "last week", "on Monday"]),
)
def test_a_payment_made_through_a_person_is_a_payment(paid: str, who: str, when: str) -> None:
    assert understand(f"{paid} over the phone with {who} {when}", "en", TODAY).intent == "already_paid"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["filed", "filed for", "filing", "we are in", "going through", "declared"]),
    st.sampled_from(["chapter 7", "Chapter 13", "CHAPTER SEVEN", "chapter thirteen"]),
    st.sampled_from(["", " last week", " in March", ", sorry"]),
)
def test_a_us_bankruptcy_filing_is_a_difficulty(verb: str, chapter: str, tail: str) -> None:
    assert understand(f"{verb} {chapter}{tail}", "en", TODAY).intent == "hardship"


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["not sure", "Not so sure", "not really sure", "NOT SURE"]),
    st.sampled_from(["", " what this is", " tbh", " about any of this"]),
)
def test_not_sure_agrees_to_nothing(words: str, tail: str) -> None:
    assert understand(f"{words}{tail}", "en", TODAY).intent != "affirm"


HEDGES_EN = ["maybe", "we'll see", "let me think about it", "no promises", "idk", "not sure", "I'll have a look"]
HEDGES_FR = ["on verra", "peut-être", "je vais réfléchir", "je vais voir", "je sais pas", "je promets rien"]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["ok", "OK", "yes", "yeah", "sure", "fine", "alright", "no", "nope"]),
    st.sampled_from(HEDGES_EN),
    st.sampled_from(["", ",", " ...", " 🤷"]),
)
def test_a_yes_or_no_held_back_is_neither(word: str, hedge: str, glue: str) -> None:
    # the bot asks again rather than confirm a plan nobody accepted, or take a refusal nobody gave
    assert understand(f"{word}{glue} {hedge}", "en", TODAY).intent not in ("affirm", "deny")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["ok", "oui", "ouais", "d'accord", "bon", "non"]),
    st.sampled_from(HEDGES_FR),
    st.sampled_from(["", ",", " ...", " 🤷"]),
)
def test_un_oui_ou_un_non_retenu_n_est_ni_l_un_ni_l_autre(word: str, hedge: str, glue: str) -> None:
    assert understand(f"{word}{glue} {hedge}", "fr", TODAY).intent not in ("affirm", "deny")


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a hedge beside a payment keeps the payment
        ("ok maybe I can pay 50 on Friday", "en", "promise_to_pay"),
        ("on verra, je vous paie le 15", "fr", "promise_to_pay"),
        # a bare hedge is no insult
        ("possibly", "en", "unknown"),
        # "non-stop" is neither a no nor a stop; "Non, stop" is a stop
        ("It's been raining non-stop here, sorry I'm late with it", "en", "unknown"),
        ("Non, stop.", "fr", "opt_out"),
        ("non stop", "fr", "opt_out"),
    ],
)
def test_round13_hedges_and_non_stop(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # an agreement with the amount contested is a dispute
        ("ok pour moi sauf le montant qui est faux", "fr", "dispute"),
        ("la somme n'est pas bonne", "fr", "dispute"),
        # consent to be contacted withdrawn is a stop, in French too
        ("je retire mon consentement à être contacté", "fr", "opt_out"),
        ("Je révoque mon autorisation de me contacter par SMS.", "fr", "opt_out"),
        # ... a payment's authorisation withdrawn is not
        ("je retire mon accord pour le prélèvement, je ferai un virement le 10", "fr", "promise_to_pay"),
    ],
)
def test_round13_contested_sums_and_consent(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["50 € par mois", "je paie vendredi", "ok pour 3 fois", "20 balles par semaine"]),
    st.sampled_from(
        ["et après vous me lâchez avec vos sms", "mais lâchez-moi avec vos relances", "et lâchez moi avec vos messages"]
    ),
)
def test_messages_pushed_away_beside_a_payment_are_a_stop(payment: str, stop: str) -> None:
    assert understand(f"{payment} {stop}", "fr", TODAY).intent == "opt_out"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["I'll do 20 a week", "paying friday", "ok 3 installments"]),
    st.sampled_from(
        ["give it a rest with the texts", "quit bugging me with your reminders", "get off my back with these messages"]
    ),
)
def test_texts_pushed_away_beside_a_payment_is_a_stop(payment: str, stop: str) -> None:
    assert understand(f"{payment}, {stop}", "en", TODAY).intent == "opt_out"
