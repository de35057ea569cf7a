"""Readings settled in round 9 of issue 13 (rules added on the z10/z11 tuning halves: people writing for
someone else, and replies that are easy to misjudge).

Each case is a wording of the tuning data's kind, not a copy of it. The property tests pin the two
mechanisms that protect the debtor whatever the wording: a stop keyword standing as a sentence of its own
ends the channel whatever surrounds it, and a death is never read (no condolence sent, the number not
closed as a bereavement) where no word of the message speaks of one.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand
from bot.nlu.normalise import normalise
from bot.nlu.sensitive import death_said

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Je sors du travail et je lis votre texto. STOP. Je réglerai quand j'aurai le temps.", "fr"),
        ("Long day at the yard, just read this. Stop! I'll deal with it when I can.", "en"),
        ("ok. unsubscribe. I'll pay friday anyway", "en"),
        ("FIN", "fr"),
        ("fin svp", "fr"),
    ],
)
def test_a_stop_keyword_as_a_sentence_of_its_own_is_an_opt_out(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "opt_out"


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # visits and manners of speaking
        ("I'll stop by the branch tomorrow and pay it in cash", "en", "promise_to_pay"),
        ("stop me if I'm wrong, but what is this charge for?", "en", "info_request"),
        ("fin du mois je paie", "fr", "promise_to_pay"),
        # "human" the word, not a person asked for
        ("Sorry, human error on our side, I'll transfer it today", "en", "promise_to_pay"),
        # a thing broken, not a debtor without money
        ("the heater broke after a week and I'm not paying for that", "en", "dispute"),
        ("I'm totally broke this month", "en", "hardship"),
        # never, said as a joke
        ("sure, I'll pay when hell freezes over", "en", "deny"),
        ("je paierai quand les poules auront des dents", "fr", "deny"),
        # a payment held back until the goods work, or a part of the sum contested
        ("the day your printer actually works I'll pay for it", "en", "dispute"),
        ("je règle samedi mais seulement ce que je dois vraiment, pas les frais", "fr", "dispute"),
        # time asked for a payment to come
        ("laissez-moi jusqu'au 15 svp", "fr", "promise_to_pay"),
        ("donnez-moi jusqu'à lundi et c'est réglé", "fr", "promise_to_pay"),
        ("gimme till the 20th", "en", "promise_to_pay"),
        ("will do it on monday, no worries", "en", "promise_to_pay"),
        ("no dramas, I'll sort it friday", "en", "promise_to_pay"),
        ("bande de rapaces, vous aurez votre pognon lundi", "fr", "promise_to_pay"),  # an insult beside a promise
        # people writing for someone else
        ("I'm a money adviser at the local council. Could you send us a statement of the account?", "en",
         "info_request"),
        ("Je suis l'assistante sociale de Mme B., elle est hébergée en foyer d'urgence et n'a aucun revenu.", "fr",
         "hardship"),
        ("Writing for my dad: please delete his number from your system, write to me instead.", "en", "opt_out"),
        ("c pa le bon montant, vous avez oublié de déduire mon acompte", "fr", "dispute"),
        # a thing dead and a bailiff's fee are no difficulty
        ("the washer died after a week and you won't repair it, I'm not paying a cent", "en", "dispute"),
        ("frais d'huissier de 90 € ? aucun huissier n'est jamais venu, je ne les dois pas", "fr", "dispute"),
        ("the bailiffs came yesterday and took the car, I have nothing left", "en", "hardship"),
        # a plan refused, one payment on a date
        ("pas besoin d'échéancier, je vous règle tout le 12", "fr", "promise_to_pay"),
        ("Non merci pour l'échéancier, tout partira vendredi.", "fr", "promise_to_pay"),
        ("no thanks to the instalments, I'll clear the lot on the 20th", "en", "promise_to_pay"),
        # the invoice never received is asked for, not the goods contested
        ("Vous pouvez me renvoyer la facture ? Je ne l'ai jamais reçue.", "fr", "info_request"),
        ("je n'ai jamais reçu le colis", "fr", "dispute"),
    ],
)  # fmt: skip
def test_round9_readings(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("mon père vient de mourir, ne lui écrivez plus", "fr"),
        ("I'm the executor of my aunt's estate, please send me what is owed", "en"),
        ("She past away in the spring, this was her phone", "en"),
        ("its my dads old phone he is dead since june", "en"),
    ],
)
def test_deaths_said_in_other_words_are_bereavements(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == ("wrong_person", "bereavement")


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("My son nearly died laughing at your robot message. Anyway I'll pay on the 1st.", "en"),
        ("Mon mari est mort de rire en lisant ça. Bref, je paie le 10.", "fr"),
        ("My laptop died the day after delivery, I'll pay on the 10th when the new one works", "en"),
    ],
)
def test_a_death_in_an_idiom_is_no_death(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == "promise_to_pay" and reading.detail is None


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("Please don't stop the reminders, I need them. I'll pay on the 12th.", "en", "promise_to_pay"),
        ("j'ai vu le 'répondez STOP' en bas mais non, pas stop, je paie lundi", "fr", "promise_to_pay"),
        ("If I reply STOP will I still get the bill by post?", "en", "info_request"),
        ("cancel the direct debit please, I'll do a transfer of 80 on the 3rd instead", "en", "promise_to_pay"),
    ],
)
def test_a_stop_said_of_something_else_keeps_the_channel(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("I already replied STOP and you keep texting", "en"),
        ("j'ai déjà répondu STOP", "fr"),
        ("don't stop me from saying it: STOP texting me", "en"),
        ("pas stop les frais, stop les messages", "fr"),
    ],
)
def test_a_stop_beside_them_still_ends_the_channel(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "opt_out"


@pytest.mark.parametrize(
    ("text", "locale", "intent", "detail"),
    [
        # a visit to pay is no threat
        ("I'll drop by your office on Friday and pay what I owe in cash", "en", "promise_to_pay", None),
        ("je passerai à votre agence lundi régler la facture en liquide", "fr", "promise_to_pay", None),
        # a visit is, when nothing says it is to pay, or when the creditor is the one who will pay
        ("I'm coming to your office, you'll see", "en", "abuse", "threat"),
        ("je passe à votre agence, vous allez me le payer", "fr", "abuse", "threat"),
        ("je paierai lundi mais si vous insistez je viens vous planter", "fr", "abuse", "threat"),
    ],
)
def test_a_visit_is_a_threat_unless_it_is_to_pay(text: str, locale: str, intent: str, detail: str | None) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.detail) == (intent, detail)


def test_amounts_listed_with_commas_stay_apart() -> None:
    reading = understand("Je propose 3 versements : 250, 250 et 100, le premier lundi.", "fr", TODAY)
    assert (reading.intent, reading.amount, reading.installments) == ("payment_plan", 250, 3)


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("Can't do it today. Tomorrow morning first thing.", "en", date(2026, 12, 5)),
        ("I won't be paying on Monday, Wednesday is the earliest I can do", "en", date(2026, 12, 9)),
        ("Will pay a week from today", "en", date(2026, 12, 11)),
        ("I'll pay it a week tomorrow", "en", date(2026, 12, 12)),
        ("Hi there, sorry, we just moved. I'll pay on Tuesday once the bank app works. Thanks, Jo", "en",
         date(2026, 12, 8)),
        ("Writing for my wife, she's back on the 14th. She will pay the full amount on the 15th.", "en",
         date(2026, 12, 15)),
    ],
)  # fmt: skip
def test_the_date_of_the_payments_own_sentence(text: str, locale: str, day: date) -> None:
    reading = understand(text, locale, TODAY)
    assert reading.intent == "promise_to_pay" and reading.date == day


# ----------------------------------------------------------------------------------------- properties
_CHATTER = st.sampled_from(
    [
        "Je rentre du travail et je vois votre message.",
        "Long day, just saw this.",
        "Bonjour madame,",
        "Re,",
        "Ok so.",
        "J'ai bien reçu votre relance.",
        "Honestly.",
    ]
)
_AFTER = st.sampled_from(
    [
        "Et je paierai quand je voudrai.",
        "I'll pay when I'm ready.",
        "Je vous paie vendredi.",
        "Bonne journée",
        "Thanks",
        "Et ne m'appelez pas.",
        "",
    ]
)
_STOP = st.sampled_from(["STOP", "Stop", "stop", "STOP!!", "Stop !", "UNSUBSCRIBE", "Stop."])


@settings(max_examples=150, deadline=None)
@given(before=_CHATTER, stop=_STOP, after=_AFTER, locale=st.sampled_from(["fr", "en"]))
def test_a_stop_sentence_amid_chatter_always_stops_the_messages(
    before: str, stop: str, after: str, locale: str
) -> None:
    """An opt-out, or a threat, the one reading that outranks it and stops every message too. (The shipped model
    still reads a threat into some harmless French — "… votre message. STOP. Et ne m'appelez pas." — from words
    such as "et" and "je": a weakness of its training, noted for its own issue, not hidden here.)"""
    text = f"{before} {stop}{'' if stop.endswith(('.', '!')) else '.'} {after}".strip()
    reading = understand(text, locale, TODAY)
    assert reading.intent == "opt_out" or (reading.intent, reading.detail) == ("abuse", "threat"), text


_PHRASE = (
    "sorted last month same time as the 5th paid yesterday ok fine will do it friday le mois dernier "
    "pareil que d'habitude c'est fait je vous envoie 50 euros mon fils ma mère my mum my brother his phone "
    "son téléphone this number ce numéro moved away parti en vacances laughing rire tired fatigue"
)
_WORDS = st.sampled_from(_PHRASE.split())


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_WORDS, min_size=1, max_size=12), locale=st.sampled_from(["fr", "en"]))
def test_no_bereavement_without_a_word_of_death(words: list[str], locale: str) -> None:
    text = " ".join(words)
    reading = understand(text, locale, TODAY)
    if not death_said(normalise(text, locale)):
        assert reading.detail != "bereavement", text
