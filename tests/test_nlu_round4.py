"""Readings settled in round 4 of issue 13 (rules added or narrowed on the round-4 tuning data).

Each case is a wording of the tuning data's kind, not a copy of it: contact restricted to another
channel (an opt-out of this one), a person asked for beside "stop talking to a robot", questions that
share words with a difficulty, a dispute or a promise, threats, and the amounts and dates a one-letter
reference key used to hide.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import understand
from bot.nlu.combine import PROTECTIVE

TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # contact restricted to another channel ends this one; formal cease-and-desist wordings
        ("Cease and desist all contact by text message please. Letters only from now on.", "en", "opt_out"),
        ("Kindly contact me by post only, I don't read these texts.", "en", "opt_out"),
        ("Merci de cesser toute relance par SMS, je ne répondrai que par courrier.", "fr", "opt_out"),
        ("Je souhaite être contacté uniquement par voie postale désormais.", "fr", "opt_out"),
        ("Lovely messages, really. Please never text this number again.", "en", "opt_out"),
        ("Pouvez-vous supprimer mon numéro de votre fichier ?", "fr", "opt_out"),
        ("Take me off your list, thanks", "en", "opt_out"),
        ("Do not send any further reminders to this address.", "en", "opt_out"),
        # a person wanted, and "stop" aimed at the machine, not at the contact
        ("Stop chatting to me like a bot and get me a human being", "en", "human"),
        ("Arrêtez de me faire parler à un robot, je veux un conseiller", "fr", "human"),
        ("Je préférerais qu'on m'appelle, c'est plus simple", "fr", "human"),
        ("Est-ce que je peux avoir un rendez-vous avec quelqu'un ?", "fr", "human"),
        # "stop" aimed at a wrong bill: a dispute
        ("Stop charging me for the premium channels, I cancelled them in May.", "en", "dispute"),
        ("Arrêtez de me facturer la location du modem, je l'ai rendu.", "fr", "dispute"),
        # part of the debt contested
        ("I'll pay what I really owe, not the 90 you're claiming.", "en", "dispute"),
        ("Je paie la facture mais pas les 40 € de frais, c'est abusif.", "fr", "dispute"),
        ("Je n'ai rien signé, je ne vois pas pourquoi je paierais.", "fr", "dispute"),
        # questions that share words with a difficulty, a dispute or a promise
        # (round 10: the bagged model hears a difficulty in "if I can't pay" and the combination takes the protective
        # reading: a person answers instead of the bot, which is the side to err on)
        ("What happens if I can't pay by the end of the month?", "en", "hardship"),
        ("Vous êtes un huissier ou une agence ?", "fr", "info_request"),
        ("Can I pay at a post office counter?", "en", "info_request"),
        ("Est-ce qu'on peut payer avec Lydia ?", "fr", "info_request"),
        ("What's the BIC for an international transfer?", "en", "info_request"),
        # a payment through a lawyer is a payment
        ("It was settled last week through my solicitor.", "en", "already_paid"),
        # difficulties said as a question or with a business failing
        ("J'ai 0 € sur mon compte, vous voulez que je vous paie avec quoi ?", "fr", "hardship"),
        ("What do you want me to pay you with? I've got nothing.", "en", "hardship"),
        ("The café is going under, nothing in the till this month.", "en", "hardship"),
        # not the person
        ("Sorry, not the person you're looking for.", "en", "wrong_person"),
        ("This is a school office, no pupil by that name.", "en", "wrong_person"),
        ("Inconnue au bataillon, vérifiez vos fichiers.", "fr", "wrong_person"),
    ],
)
def test_round_four_rules(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("I'm going to kick your teeth in when I find you", "en"),
        ("Enjoy your weekend while you still can.", "en"),
        ("Do you have children? Think about them before the next text.", "en"),
        ("Je viens vous en coller une si ça continue", "fr"),
        ("Vous jouez avec le feu, il pourrait vous arriver des choses.", "fr"),
        ("Vous avez une famille ? Réfléchissez avant de m'écrire.", "fr"),
        ("Think you're safe behind your screen? We'll see.", "en"),
    ],
)
def test_round_four_threats(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("abuse", "threat")


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # "stop by the office" to pay is no threat; goods that died are no bereavement
        ("I'll stop by the office on Monday to pay it.", "en", "promise_to_pay"),
        ("The printer was dead on arrival and you still billed me.", "en", "dispute"),
        # a death in the family told beside a promise: the debtor is alive and pays
        ("My grandmother passed away last month, sorry for the delay, I'll pay on the 15th.", "en", "promise_to_pay"),
    ],
)
def test_words_that_only_look_protective(text: str, locale: str, intent: str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == intent
    assert reading.detail is None


@pytest.mark.parametrize(
    ("text", "locale", "amount", "installments", "frequency"),
    [
        # a one-letter reference key ("f", "n") took any word that starts with it: "faire 20", "3 fois 100"
        ("je peux faire 20 par semaine", "fr", Decimal(20), None, "weekly"),
        ("je peux faire 4 fois 100", "fr", Decimal(100), 4, None),
        ("Could I do 15 a week for 8 weeks?", "en", Decimal(15), 8, "weekly"),
    ],
)
def test_plan_amounts_a_reference_key_hid(
    text: str, locale: str, amount: Decimal, installments: int | None, frequency: str | None
) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == "payment_plan"
    assert (reading.amount, reading.installments, reading.frequency) == (amount, installments, frequency)


@pytest.mark.parametrize(
    ("text", "locale", "intent", "amount"),
    [
        ("Je règle demain sans faute, 72,40", "fr", "promise_to_pay", Decimal("72.40")),
        ("Sending the 3,000 on the 20th", "en", "promise_to_pay", Decimal(3000)),  # "3,000" is no year
        ("Virement fait hier, réf. VIR-55120", "fr", "already_paid", None),  # a reference, not an amount
    ],
)
def test_amounts_and_references(text: str, locale: str, intent: str, amount: Decimal | None) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.amount) == (intent, amount)


def test_a_plan_starting_on_a_day_and_a_plan_paid_every_weekday() -> None:
    started = understand("I've got a new job now, could I do 60 a month starting on the 1st?", "en", TODAY)
    assert (started.intent, started.date) == ("payment_plan", date(2027, 1, 1))
    weekly = understand("je peux verser 25 € chaque vendredi", "fr", TODAY)
    assert (weekly.intent, weekly.frequency, weekly.date) == ("payment_plan", "weekly", date(2026, 12, 4))


def test_a_pooled_protective_reading_is_the_model_s_likeliest() -> None:
    # an insult the model holds below its own bar is still read as the likeliest protective label,
    # not as a label the model barely holds
    reading = understand("Eat dirt", "en", TODAY)
    assert reading.intent in PROTECTIVE
    assert reading.intent != "wrong_person"
