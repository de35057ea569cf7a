"""The scripted debtors of `relance demo` say what their persona means, as the NLU reads it.

`relance demo` runs these texts through the real pipeline; when one is misread the demo's queue
shows the wrong flag far from the cause. This pins each persona's words to its intent, in both
locales, plus SMS-style variants of the request for a person.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.nlu import understand
from relance.simulation.personas import load_personas

TODAY = date(2026, 11, 9)  # the demo's first day

# persona -> the intent of each thing it says, in order
EXPECTED = {
    "promises_and_pays": ["promise_to_pay"],
    "three_installments": ["payment_plan", "affirm"],
    "counter_offer": ["payment_plan", "affirm"],
    "disputes": ["dispute", "dispute"],
    "stop": ["opt_out"],
    "wrong_number": ["wrong_person"],
    "hardship": ["hardship"],
    "asks_for_a_person": ["human"],
    "hostile": ["opt_out"],  # "stop harassing me": a request to stop contact outranks the insult
}


def _said() -> list[tuple[str, str, str, str]]:
    cast, _ = load_personas()
    cases: list[tuple[str, str, str, str]] = []
    for key, persona in cast.items():
        texts = [r for r in persona.reactions if r.say is not None]
        assert len(texts) == len(EXPECTED.get(key, [])), f"persona {key}: update EXPECTED"
        for reaction, want in zip(texts, EXPECTED.get(key, []), strict=True):
            cases.extend((key, locale, reaction.text(locale), want) for locale in ("fr", "en"))
    return cases


@pytest.mark.parametrize(("persona", "locale", "text", "want"), _said())
def test_each_persona_says_what_it_means(persona: str, locale: str, text: str, want: str) -> None:
    assert understand(text, locale, TODAY).intent == want


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("je voudrais parler à un conseiller svp", "fr"),  # D009's words in the demo
        ("je voudrai parlé a un conseillé svp", "fr"),  # the same, as typed on a phone
        ("Je voudrais parler à un conseiller SVP.", "fr"),
        ("je souhaite être rappelée", "fr"),
        ("je voudrais parler au service client", "fr"),
        ("vous pouvez me passer quelqu'un ?", "fr"),
        ("Bonjour, pourriez-vous me mettre en relation avec votre service recouvrement ?", "fr"),
        ("can I talk to a real person please", "en"),  # D037's words in the demo
        ("is there someone I can call?", "en"),
        ("I'd like a callback", "en"),
    ],
)
def test_a_request_for_a_person_is_understood(text: str, locale: str) -> None:
    assert understand(text, locale, TODAY).intent == "human"


@pytest.mark.parametrize(
    "text",
    ["pourriez-vous me dire quand je dois payer", "pourriez vous m'aider svp", "nous pourrions en discuter"],
)
def test_a_polite_conditional_is_not_abuse(text: str) -> None:
    # "pourri" (rotten) is an insult; "pourriez-vous" (could you) is the politest French there is
    assert understand(text, "fr", TODAY).intent != "abuse"


@pytest.mark.parametrize("text", ["bande de pourris", "vous êtes des pourritures", "société pourrie"])
def test_rotten_is_still_abuse(text: str) -> None:
    assert understand(text, "fr", TODAY).intent == "abuse"


@pytest.mark.parametrize("text", ["je ne veux pas être rappelé", "je vous conseille de vérifier vos comptes"])
def test_no_person_asked_for(text: str) -> None:
    assert understand(text, "fr", TODAY).intent != "human"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("careful now. accidents happen.", "en"),
        ("On ne sait jamais ce qui peut arriver à une voiture garée dans la rue.", "fr"),
        ("you're lucky you're hiding behind a screen", "en"),
        ("tu feras moins le malin quand je serai devant ta porte", "fr"),
    ],
)
def test_a_veiled_threat_is_a_threat(text: str, locale: str) -> None:
    u = understand(text, locale, TODAY)
    assert (u.intent, u.detail) == ("abuse", "threat")


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        # the same words beside a payment or a difficulty excuse, they do not threaten
        ("Accidents happen, I forgot, I'll pay on Friday", "en", "promise_to_pay"),
        ("on ne sait jamais ce qui peut arriver avec la CAF, je suis sans ressources", "fr", "hardship"),
        ("I paid it over the phone on Tuesday", "en", "already_paid"),
        ("I paid on Tuesday but please call me back, the amount is wrong", "en", "dispute"),
        ("I think I paid but can someone phone me to check?", "en", "human"),
        ("I'd pay if I could. I can't.", "en", "hardship"),
        ("What are your bank details? I'd like to pay by transfer.", "en", "info_request"),
        ("SUPPRIMEZ MON NUMERO", "fr", "opt_out"),
        ("ce numéro m'a été attribué le mois dernier, je ne connais pas cette personne", "fr", "wrong_person"),
    ],
)
def test_protective_and_everyday_readings_side_by_side(text: str, locale: str, expected: str) -> None:
    assert understand(text, locale, TODAY).intent == expected
