"""Every opt-out keyword and phrasing survives typos, capitals, emojis and chatter (issue 13).

An opt-out missed is a legal fault (revocation "by any reasonable means"): whatever the debtor's
spelling, a request to stop is read as one.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import understand

TODAY = date(2026, 12, 3)
# the product's keywords (docs/product.md, compliance defaults)
KEYWORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "ARRET", "ARRÊT", "STOP SMS"]
# keywords that still mean "stop" inside a sentence ("end" and "quit" alone are keywords only)
SENTENCE_KEYWORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "OPTOUT", "STOP SMS"]
PHRASINGS = [
    ("fr", "ne m'envoyez plus de messages"),
    ("fr", "je ne souhaite plus recevoir vos SMS"),
    ("fr", "merci de ne plus m'écrire"),
    ("fr", "arrêtez de m'envoyer des textos"),
    ("fr", "veuillez cesser tout envoi de messages"),
    ("fr", "désinscrivez-moi de vos envois"),
    ("fr", "plus de sms svp"),
    ("fr", "ne me contactez plus"),
    ("en", "don't text me again"),
    ("en", "please remove my number from your list"),
    ("en", "stop texting me"),
    ("en", "unsubscribe me"),
    ("en", "I do not wish to receive any more messages"),
    ("en", "take me off your list"),
    ("en", "no more texts please"),
    ("en", "cease all communication with me"),
]
CHATTER_BEFORE = ["", "bonjour ", "Hello, ", "franchement ", "ok ", "Sorry but ", "👋 ", "re: ", "Bonsoir Madame, "]
CHATTER_AFTER = ["", " merci", " thanks", " !!!", " 🙏", " 😡😡", " svp", " please.", " ... bonne journée", " cheers"]
EMOJI = ["", "🛑", "🙏", "😤", "❌", "👎"]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@st.composite
def casing(draw: st.DrawFn, text: str) -> str:
    style = draw(st.sampled_from(["lower", "upper", "title", "same", "random"]))
    if style == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))
    return {"lower": text.lower(), "upper": text.upper(), "title": text.title(), "same": text}[style]


@st.composite
def typo(draw: st.DrawFn, text: str) -> str:
    """One slip a thumb makes and a reader forgives: a doubled letter, a lost accent, a doubled space."""
    kind = draw(st.sampled_from(["none", "double", "accents", "space", "stretch_last"]))
    if kind == "accents":
        return _strip_accents(text)
    if kind == "space":
        return text.replace(" ", "  ", 1)
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if kind == "double" and letters:
        i = draw(st.sampled_from(letters))
        return text[: i + 1] + text[i] + text[i + 1 :]
    if kind == "stretch_last" and letters:
        i = letters[-1]
        return text[: i + 1] + text[i] * draw(st.integers(1, 3)) + text[i + 1 :]
    return text


def _is_opt_out(text: str, locale: str) -> bool:
    return understand(text, locale, TODAY).intent == "opt_out"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), keyword=st.sampled_from(KEYWORDS), locale=st.sampled_from(["fr", "en"]))
def test_a_keyword_alone_survives_caps_typos_and_emojis(data: st.DataObject, keyword: str, locale: str) -> None:
    text = data.draw(casing(keyword))
    text = data.draw(typo(text)) if keyword in SENTENCE_KEYWORDS else text
    text = f"{data.draw(st.sampled_from(EMOJI))} {text} {data.draw(st.sampled_from(EMOJI))}".strip()
    assert _is_opt_out(text, locale), text


@settings(max_examples=150, deadline=None)
@given(data=st.data(), keyword=st.sampled_from(SENTENCE_KEYWORDS), locale=st.sampled_from(["fr", "en"]))
def test_a_keyword_in_chatter_is_an_opt_out(data: st.DataObject, keyword: str, locale: str) -> None:
    text = data.draw(typo(data.draw(casing(keyword))))
    text = data.draw(st.sampled_from(CHATTER_BEFORE)) + text + data.draw(st.sampled_from(CHATTER_AFTER))
    assert _is_opt_out(text, locale), text


@settings(max_examples=250, deadline=None)
@given(data=st.data(), phrasing=st.sampled_from(PHRASINGS), answer_locale=st.sampled_from(["same", "other"]))
def test_every_phrasing_survives_typos_caps_emojis_and_chatter(
    data: st.DataObject, phrasing: tuple[str, str], answer_locale: str
) -> None:
    locale, text = phrasing
    if answer_locale == "other":  # written in the other language than the creditor's
        locale = "en" if locale == "fr" else "fr"
    text = data.draw(typo(data.draw(casing(text))))
    text = data.draw(st.sampled_from(CHATTER_BEFORE)) + text + data.draw(st.sampled_from(CHATTER_AFTER))
    text = text + " " + data.draw(st.sampled_from(EMOJI))
    assert _is_opt_out(text.strip(), locale), text


def test_an_opt_out_buried_in_a_long_message_and_a_quoted_reply() -> None:
    text = (
        "Bonjour, j'ai bien reçu vos messages, je comprends que vous faites votre travail, mais ma situation "
        "est compliquée depuis des mois et je vous demande de ne plus m'envoyer de SMS, je vous écrirai moi-même.\n"
        "Cordialement,\nM. Dupont\n\nLe 2 déc. 2026 à 09:00, Relance <noreply@relance.example> a écrit :\n"
        "> Vous pouvez payer en plusieurs fois."
    )
    assert _is_opt_out(text, "fr")


GREETINGS = ["Bonjour,\n", "Bonsoir madame, ", "Salut ", "Hello ", "Good evening,\n", "Hi there, ", "Dear Sir,\n"]
CLOSINGS = [" merci", " Merci beaucoup.", "\nBonne journée", " thanks", " Thanks a lot!", " cheers"]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), keyword=st.sampled_from(KEYWORDS), locale=st.sampled_from(["fr", "en"]))
def test_a_keyword_alone_between_courtesies_is_an_opt_out(data: st.DataObject, keyword: str, locale: str) -> None:
    """ "Good evening, QUIT. Thanks.": the keyword is all that is said (round 8, `bot.nlu.courtesy`)."""
    text = data.draw(casing(keyword))
    text = data.draw(st.sampled_from(GREETINGS)) + text + data.draw(st.sampled_from(["", ".", "!"]))
    text += data.draw(st.sampled_from(CLOSINGS))
    assert _is_opt_out(text, locale), text
