"""Readings settled in round 3 of issue 13 (the combination of rules and model, and the rules added).

Each case is a wording of the tuning data's kind, not a copy of it: a death in the family told as
the reason of a difficulty (hardship) against the debtor's own death (bereavement); a model very sure
of a past payment, a plan or an insult where the rules read a promise, agreement or a difficulty; the
protective pooling that a model sure of the rules' own reading does not undo; and new rules.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu import understand
from bot.nlu.combine import PROTECTIVE, SWAP_P

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "locale", "intent", "detail"),
    [
        # the writer's relative died and the writer cannot pay: a difficulty, told by the debtor
        (
            "Ma mère est décédée lundi, les obsèques m'ont tout pris, je ne peux rien payer ce mois-ci.",
            "fr",
            "hardship",
            None,
        ),
        (
            "My dad died last week and I haven't worked since, I just can't pay anything right now.",
            "en",
            "hardship",
            None,
        ),
        # the debtor died: the number, the account or the estate ties the death to the debt
        (
            "Mon mari est décédé en mars, c'était son numéro, je ne peux pas payer ses dettes.",
            "fr",
            "wrong_person",
            "bereavement",
        ),
        (
            "My husband passed away in May. This was his phone. I can't pay anything.",
            "en",
            "wrong_person",
            "bereavement",
        ),
        # "c'est mort": an idiom, no one died
        ("avec 20 € sur le compte jusqu'au 30 c'est mort pour ce mois-ci", "fr", "hardship", None),
    ],
)
def test_a_death_in_the_family_and_the_debtor_s_death(text: str, locale: str, intent: str, detail: str | None) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.detail) == (intent, detail)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("stpo", "en", "opt_out"),
        ("SOTP", "fr", "opt_out"),
        ("jveu plu recevoir vos sms", "fr", "opt_out"),
        ("j'veux pu en recevoir, ok là?", "fr", "opt_out"),
        ("j'ai déjà réglé, maintenant oubliez-moi", "fr", "opt_out"),
        ("Merci de retirer cette adresse de vos envois, c'est une boîte générique.", "fr", "opt_out"),
        ("Fine, paying Friday. Do not text me again.", "en", "opt_out"),
        ("Je paierai, mais je veux d'abord avoir quelqu'un au téléphone.", "fr", "human"),
        ("How do I owe 500 when I already paid 300 of it?", "en", "dispute"),
        ("le montant c'était 49 pas 89", "fr", "dispute"),
        ("Le technicien n'est jamais venu, je ne paierai pas.", "fr", "dispute"),
        ("I'd love to pay you but the food bank is where I'm at this week", "en", "hardship"),
        ("Je voudrais bien payer mais je suis en chimio, on verra plus tard.", "fr", "hardship"),
    ],
)
def test_round_three_rules(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("I'll pay Friday, but if your guy shows up at my door again he's leaving in an ambulance", "en"),
        ("fais gaffe en sortant du boulot ce soir", "fr"),
        ("À votre place je ferais attention quand je démarre ma voiture le matin.", "fr"),
    ],
)
def test_threats_outrank_a_promise(text: str, locale: str) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.detail) == ("abuse", "threat")


def test_no_swap_drops_a_protection() -> None:
    """The model may replace the rules' reading by another, never a protective one by one that is not."""
    assert SWAP_P
    for before, after in SWAP_P:
        assert not (before in PROTECTIVE and after not in PROTECTIVE), (before, after)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        # a plan the rules and the model both read: no protective doubt undoes it
        ("je rembourse sur 6 mois", "fr", "payment_plan"),
        # a promise told with a difficulty the rules weighed: still the promise
        ("I can't pay this week but next week yes", "en", "promise_to_pay"),
    ],
)
def test_readings_the_model_agrees_with_stand(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("Is this a scam? Who is this actually from?", "en", "info_request"),
        ("c'est une arnaque ou quoi ? vous êtes qui ?", "fr", "info_request"),
        ("Pourriez-vous me renvoyer le lien de paiement ? Il ne fonctionne plus.", "fr", "info_request"),
        ("Does the amount include the late fee?", "en", "info_request"),
        ("Send me the invoice please, I never got it.", "en", "info_request"),
        # still disputes: the contest stays once the question is taken out
        ("This is a scam, I never ordered anything from you.", "en", "dispute"),
        ("I never received the goods so I'm not paying.", "en", "dispute"),
    ],
)
def test_questions_that_share_words_with_a_dispute(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent", "installments"),
    [
        ("Pas d'échéancier, je paie tout le 10", "fr", "promise_to_pay", None),
        ("I don't want a payment plan, I'll clear the lot on the 28th", "en", "promise_to_pay", None),
        ("I'll pay half, £75, on Friday and get back to you about the rest", "en", "promise_to_pay", None),
        ("je vous envoie la moitié le 25 et on voit pour le reste", "fr", "promise_to_pay", None),
        ("half now and half at the end of the month", "en", "payment_plan", 2),
        ("je peux payer en 3 fois à partir du 5", "fr", "payment_plan", 3),
    ],
)
def test_one_payment_and_the_rest_left_open(text: str, locale: str, intent: str, installments: int | None) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.installments) == (intent, installments)


@pytest.mark.parametrize(
    ("text", "locale", "amount", "count", "frequency"),
    [
        ("I propose to repay the £900 by way of twelve equal monthly instalments", "en", 75.0, 12, "monthly"),
        ("any chance of doing it in 3 monthly bits", "en", None, 3, "monthly"),
        ("jpourrai vous donner 30 tt les 15 jrs", "fr", 30.0, None, "biweekly"),
        ("can I pay 100 every other Friday?", "en", 100.0, None, "biweekly"),
        ("un vendredi sur deux à partir du 5, 40 € à chaque fois", "fr", 40.0, None, "biweekly"),
        # bare numbers under 10 are counts, not money; with a currency or per period they are money
        ("pouvez-vous m'envoyer un échéancier ? en 4 fois", "fr", None, 4, None),
        ("lmk if 2 payments is ok, 1 now 1 in 2 wks", "en", None, 2, None),
        ("je peux payer 5 par semaine", "fr", 5.0, None, "weekly"),
        ("Can I pay a fiver a week?", "en", 5.0, None, "weekly"),
    ],
)
def test_plan_terms_round_three(
    text: str, locale: str, amount: float | None, count: int | None, frequency: str | None
) -> None:
    u = understand(text, locale, TODAY)
    assert u.intent == "payment_plan"
    assert (float(u.amount) if u.amount is not None else None, u.installments, u.frequency) == (
        amount,
        count,
        frequency,
    )


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("Pas besoin de m'appeler, envoyez-moi juste le RIB", "fr", "info_request"),
        ("N'hésitez pas à m'appeler pour un échéancier", "fr", "human"),
        ("Rappelez-moi l'échéance exacte s'il vous plaît", "fr", "info_request"),
        ("Rappelez-moi au 06 12 34 56 78 pour parler du montant", "fr", "human"),
        ("Je ne vous demande pas d'arrêter les SMS, je veux juste savoir le montant exact", "fr", "info_request"),
        ("I'm not asking you to stop texting, I'm asking what this is for", "en", "info_request"),
        ("I'm not asking you to stop texting. Stop texting me now.", "en", "opt_out"),
    ],
)
def test_a_person_or_a_stop_said_not_to_be_wanted(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("Promis, vendredi c'est réglé.", "fr", "promise_to_pay"),
        ("Réglé au plus tard le 31/03.", "fr", "promise_to_pay"),
        ("Je m'en occupe après le 20, quand mon salaire est versé.", "fr", "promise_to_pay"),
        ("J'ai payé hier, promis", "fr", "already_paid"),
        ("c'est réglé depuis le 2", "fr", "already_paid"),
    ],
)
def test_a_past_participle_that_speaks_of_the_future(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent", "detail"),
    [
        ("je suis veuve et je voudrais parler à quelqu'un au téléphone pour trouver une solution", "fr", "human", None),
        ("My husband passed away, this was his number. Please stop.", "en", "wrong_person", "bereavement"),
        ("Ne me recontactez plus, je passerai par mon conseiller.", "fr", "opt_out", None),
        ("No further contact please. I'm dealing with it through my adviser.", "en", "opt_out", None),
        ("I never want to hear from you again", "en", "opt_out", None),
        ("lâchez-moi la grappe", "fr", "opt_out", None),
        ("Je voudrais speak to a real person please, le chatbot ne marche pas", "fr", "human", None),
    ],
)
def test_round_three_protective_wordings(text: str, locale: str, intent: str, detail: str | None) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.detail) == (intent, detail)


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("the heater you sold me doesn't work. not paying until it's fixed or replaced", "en", "dispute"),
        ("je paye pas un truc qui marche pas", "fr", "dispute"),
        ("La facture mentionne 3 articles, j'en ai reçu 2. Je paierai quand vous aurez corrigé.", "fr", "dispute"),
        ("Mais vous êtes complètement cinglés, c'est du racket organisé ça, des truands", "fr", "abuse"),
        ("Are you thick or just pretending?", "en", "abuse"),
        ("Ye're a shower of eejits, d'ye know that?", "en", "abuse"),
        ("J'ai besoin d'un vrai interlocuteur pour mettre en place un échéancier.", "fr", "human"),
        ("Pouvez-vous me faire rappeler demain entre midi et deux ?", "fr", "human"),
        ("hello?? is anyone real there", "en", "human"),
        ("i'll pay when i can, i'm broke rn, not trying to dodge", "en", "hardship"),
        ("Je paierai quand je pourrai, là je n'ai plus un rond après le loyer.", "fr", "hardship"),
        ("I'll pay when I can, probably Friday", "en", "promise_to_pay"),
    ],
)
def test_round_three_training_batches(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent


@pytest.mark.parametrize(
    ("text", "locale", "intent"),
    [
        ("la prochaine relance et je débarque avec un bidon d'essence", "fr", "abuse"),
        ("tu me parles encore une fois et je retrouve ton patron, je lui refais le portrait", "fr", "abuse"),
        ("I'll find whoever's sending these and they'll be sorry.", "en", "abuse"),
        ("J'ai besoin d'un vrai interlocuteur pour mettre en place un échéancier.", "fr", "human"),
        ("I'm left with about £700 a month for me and two kids after the attachment of earnings.", "en", "hardship"),
        ("Bringing in $1,250 and my fixed costs are $1,400. I'm in the red every month.", "en", "hardship"),
    ],
)
def test_round_three_threats_persons_and_incomes(text: str, locale: str, intent: str) -> None:
    assert understand(text, locale, TODAY).intent == intent
