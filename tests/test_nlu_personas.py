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
