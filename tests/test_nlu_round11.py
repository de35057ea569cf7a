"""Readings settled in round 11 of issue 13 (rules added on the z17/z18 tuning halves: businesses and their
accounts departments, and people writing under pressure, in a second language or in dialect).

Each case is a wording of the tuning data's kind, not a copy of it. The property tests pin what protects
the debtor whatever the wording: a fee disagreed with is a dispute, never a payment told; an out-of-office
answer is never taken for a stop or for a person asked for; a carer's "power of attorney" is no lawyer's
letter, and a request for a call in dialect is still one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand
from bot.nlu.reply_text import extract_reply

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a fee disagreed with, or a late fee against a bill paid on time
        ("les pénalités de retard de 25 €, moi je suis pas d'accord", "fr", "dispute"),
        ("Je ne suis pas d'accord avec ces frais, j'ai réglé dans les délais", "fr", "dispute"),
        ("We don't agree with the admin charges you added.", "en", "dispute"),
        ("Why a late payment fee? The invoice was paid on time, check your bank.", "en", "dispute"),
        # a life told is no debt denied; a carer's power of attorney is no lawyer
        ("Je n'ai jamais eu de problèmes d'argent avant, je peux vous faire 30 € par mois", "fr", "payment_plan"),
        ("I hold power of attorney for my father; could we pay £20 a month from January?", "en", "payment_plan"),
        ("Mon avocat vous écrira, cette facture est fausse", "fr", "dispute"),
        # a stop said as a preference
        ("I'd prefer you didn't text this number anymore, thanks", "en", "opt_out"),
        ("I would rather you stopped contacting me on this phone.", "en", "opt_out"),
        # how to pay, asked the other way round; a breakdown asked for
        ("je règle comment ? virement ou chèque ?", "fr", "info_request"),
        ("Could you please itemise the charges on this one?", "en", "info_request"),
        # dialect and second-language spellings
        ("gie us a phone the morra, ah cannae sort it by text", "en", "human"),
        ("ah'll pay it on Friday nae bother", "en", "promise_to_pay"),
        ("bonjour je vé payé samedi", "fr", "promise_to_pay"),
        # cash brought in person is a promise, not a threat
        ("My daughter will bring the cash to your office on Monday.", "en", "promise_to_pay"),
        # a supplier payment run is one payment, not a plan
        ("Le règlement partira avec notre échéancier fournisseurs du 15.", "fr", "promise_to_pay"),
        # insults with a word of information, nothing asked; a question keeps its reading
        ("You clowns sent it a day after the deadline, idiots.", "en", "abuse"),
        ("c'est quoi cette facture bande de voleurs", "fr", "info_request"),
        ("Incompetent lot, just tell me the due date.", "en", "info_request"),
    ],
)
def test_round11_readings(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "day"),
    [
        ("payé par e-banking le 22.11, CHF 1'245.60", "fr", date(2026, 11, 22)),
        ("je vous règle le 15.12 sans faute", "fr", date(2026, 12, 15)),
        ("I'll pay on wendsday", "en", date(2026, 12, 9)),
    ],
)
def test_round11_dates(text: str, locale: str, day: date) -> None:
    assert understand(text, locale, TODAY).date == day


def test_a_swiss_amount_and_a_dotted_day_are_read_apart() -> None:
    reading = understand("la facture a été payée le 22.11, CHF 1'245.60", "fr", TODAY)
    assert (reading.intent, reading.amount, reading.date) == ("already_paid", Decimal("1245.60"), date(2026, 11, 22))


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Je vous propose 100 euros chaque 15 jours, 4 fois", "fr"),
        ("50 € chaque deux semaines ça irait ?", "fr"),
    ],
)
def test_every_fifteen_days_is_biweekly(text: str, locale: str) -> None:
    reading = understand(text, locale, TODAY)
    assert (reading.intent, reading.frequency) == ("payment_plan", "biweekly")


def test_the_length_told_after_the_rhythm_is_the_count() -> None:
    reading = understand("I send you 60 each month, 5 months. Ok?", "en", TODAY)
    assert (reading.amount, reading.installments, reading.frequency) == (60.0, 5, "monthly")


def test_post_dated_cheques_are_counted() -> None:
    reading = understand("Would you take 3 monthly post-dated cheques of £420?", "en", TODAY)
    assert (reading.intent, reading.amount, reading.installments) == ("payment_plan", 420.0, 3)


def test_a_thanks_line_over_a_signature_ends_the_reply() -> None:
    mail = "Hi, the cheque was posted on Monday.\nThanks,\nLinda Kowalski\nAP Clerk\nMidwest Feed & Seed"
    assert extract_reply(mail) == "Hi, the cheque was posted on Monday."
    # a "Thanks," above a sentence opens what follows: nothing is dropped
    kept = "Thanks,\nbut I already paid this last week. Check your records."
    assert extract_reply(f"Hi,\n{kept}") == f"Hi,\n{kept}"
    # nor a "Thanks," that a sentence follows on its line, above a name
    said = "Hi,\nThanks, but I already paid this last week.\nJohn"
    assert extract_reply(said) == said
    assert extract_reply("I paid.\nThanks, John\nAP Clerk") == "I paid."


_FEES = ["frais de retard", "pénalités", "frais de dossier", "intérêts", "majorations"]
_AGAINST = ["je suis pas d'accord", "je ne suis pas d'accord", "pas d'accord", "moi je suis pas d'accord"]
_CHATTER = ["", "Bonjour, ", "bjr ", "Madame, "]
_TAIL = ["", " merci", " 😡", ", je paierai le reste vendredi", ". Cordialement"]


@settings(max_examples=80, deadline=None)
@given(
    fee=st.sampled_from(_FEES),
    against=st.sampled_from(_AGAINST),
    before=st.sampled_from(_CHATTER),
    after=st.sampled_from(_TAIL),
    amount=st.integers(min_value=5, max_value=400),
    caps=st.booleans(),
)
def test_a_fee_disagreed_with_is_a_dispute(
    fee: str, against: str, before: str, after: str, amount: int, caps: bool
) -> None:
    text = f"{before}les {fee} de {amount} € {against}{after}"
    assert understand(text.upper() if caps else text, "fr", TODAY).intent == "dispute"


_AWAY = [
    "Bonjour, je suis absente du bureau jusqu'au {d} inclus.",
    "Réponse automatique : je suis actuellement en congés jusqu'au {d}.",
    "I am out of the office until {d} with limited access to e-mail.",
    "Automatic reply: I'm currently on annual leave until {d}.",
]
_URGENT = [
    " Pour toute urgence merci de contacter le standard au 02 41 88 30 00.",
    " For anything urgent please call reception on 0161 496 0000.",
    " En cas d'urgence, écrivez à compta@example.fr.",
    "",
]


@settings(max_examples=60, deadline=None)
@given(away=st.sampled_from(_AWAY), urgent=st.sampled_from(_URGENT), day=st.sampled_from(["20 avril", "Monday", "5/1"]))
def test_an_out_of_office_answer_is_no_stop_and_asks_for_no_one(away: str, urgent: str, day: str) -> None:
    text = away.format(d=day) + urgent
    locale = "fr" if "bureau" in away or "Réponse" in away else "en"
    assert understand(text, locale, TODAY).intent not in ("opt_out", "human")


def test_an_out_of_office_answer_with_a_stop_is_a_stop() -> None:
    text = "I am out of the office until Monday. And please stop texting my work phone."
    assert understand(text, "en", TODAY).intent == "opt_out"


# Rules for what the tuning rows say that the rules missed and a model that had not seen them misread as
# harmless (`tools/combine_thresholds.py` with fold models: 21 such rows before, 3 after)
@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("on m'avait dit que c'était gratuit les trois premiers mois", "fr", "dispute"),
        ("I was told it was free for the first year", "en", "dispute"),
        ("that £40 is a charge you just made up, I paid the invoice", "en", "dispute"),
        ("the parcel never turned up, why would I pay", "en", "dispute"),
        ("Cette facture a fait l'objet d'un avoir en mars, elle n'est donc plus due.", "fr", "dispute"),
        ("je ne vais pas payer deux fois la même chose", "fr", "dispute"),
        ("Why should I pay the late fees when your direct debit failed?", "en", "dispute"),
        ("My employer hasn't paid me since October, they owe me three months of wages", "en", "hardship"),
        ("There's an attachment of earnings on my salary already", "en", "hardship"),
        ("On m'a diagnostiqué une maladie grave, la facture passe après.", "fr", "hardship"),
        ("Honestly paying bills is the last thing on my mind, my house flooded", "en", "hardship"),
        ("je paierais si je pouvais mais il me reste 20 € au 15 du mois", "fr", "hardship"),
        ("si vous me renvoyez encore un SMS je porte plainte", "fr", "opt_out"),
        ("If you text me again I'm reporting you to the ombudsman", "en", "opt_out"),
        ("Il n'y a pas de Mme Dupont à ce numéro", "fr", "wrong_person"),
        ("sorry there's nobody called Gary here", "en", "wrong_person"),
        ("bande de rats", "fr", "abuse"),
        # their near neighbours keep their reading
        ("il n'y a pas de réseau ici à part le soir, je paie mardi", "fr", "promise_to_pay"),
        ("la facture est passée hier par virement", "fr", "already_paid"),
        ("I'm paying the bill tomorrow", "en", "promise_to_pay"),
    ],
)
def test_round11_readings_the_model_had_learnt_by_heart(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent
