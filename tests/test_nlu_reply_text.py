"""`extract_reply`: the newly written part of a message, in the formats mail clients produce."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu import reply_text, understand
from bot.nlu.reply_text import extract_reply

CASES = [
    # Apple Mail / Gmail, French attribution on one line, quoted lines
    (
        "Bonjour,\n\nJe paierai vendredi.\n\nLe 3 déc. 2026 à 10:12, Relance <noreply@relance.example> a écrit :\n"
        "> Bonjour, votre facture INV-1 de 120 € reste impayée.\n> Répondez STOP pour ne plus recevoir.",
        "Bonjour,\n\nJe paierai vendredi.",
    ),
    # Gmail, attribution wrapped over two lines
    (
        "Je conteste, je n'ai rien commandé.\n\nLe jeu. 3 déc. 2026 à 10:12, Service Recouvrement <\n"
        "recouvrement@example.com> a écrit :\n\n> Merci de régler",
        "Je conteste, je n'ai rien commandé.",
    ),
    # English Gmail attribution
    (
        "I'll pay on the 15th.\n\nOn Thu, 3 Dec 2026 at 10:12, Relance <noreply@relance.example> wrote:\n"
        "> Reply STOP to opt out",
        "I'll pay on the 15th.",
    ),
    # Outlook: original-message rule
    (
        "Please call me.\n\n-----Original Message-----\nFrom: Relance\nSent: Thursday, December 3, 2026 10:12\n"
        "To: Jane\nSubject: Invoice\n\nReply STOP to opt out",
        "Please call me.",
    ),
    # Outlook French: header block without a rule
    (
        "Merci de m'appeler.\n\nDe : Relance <noreply@relance.example>\nEnvoyé : jeudi 3 décembre 2026 10:12\n"
        "À : Jean Dupont\nObjet : Facture\n\nRépondez STOP pour ne plus recevoir",
        "Merci de m'appeler.",
    ),
    # Outlook underscores then bold headers
    (
        "ok pour 3 fois\n\n________________________________\n*From:* Relance\n*Sent:* Thursday\n*To:* me\n\nSTOP",
        "ok pour 3 fois",
    ),
    # Thunderbird French rule
    ("D'accord.\n\n-------- Message d'origine --------\nDe : Relance\nSTOP SMS", "D'accord."),
    # signature after "-- "
    (
        "Je vous rembourse 50 € par mois.\n-- \nJean Dupont\nSARL Dupont\n06 12 34 56 78",
        "Je vous rembourse 50 € par mois.",
    ),
    # device lines
    ("Paid yesterday\n\nSent from my iPhone", "Paid yesterday"),
    ("Je paie demain\nEnvoyé de mon iPhone", "Je paie demain"),
    ("call me pls\n\nGet Outlook for Android", "call me pls"),
    # sign-offs with and without a name
    ("Madame, Monsieur,\nJe ne souhaite plus recevoir vos SMS.\nCordialement,\nM. Martin", None),
    ("Dear Sir or Madam,\nPlease remove my number.\nKind regards,\nJane Doe\nAcme Ltd", None),
    ("I cannot pay this month.\nBest regards", "I cannot pay this month."),
    (
        "Je vous écris car je ne peux pas payer.\n"
        "Veuillez agréer, Madame, Monsieur, mes salutations distinguées.\nP. Durand",
        "Je vous écris car je ne peux pas payer.",
    ),
    # quoted lines in the middle: the text around them stays
    (
        "> Votre facture de 120 €\nJe l'ai déjà payée\n> Répondez STOP\nle 2 décembre",
        "Je l'ai déjà payée\nle 2 décembre",
    ),
    # a flattened SMS with the attribution inline
    ("ok je paie lundi Le 3 déc. 2026 à 10:12, Relance <x@y.z> a écrit : > STOP", "ok je paie lundi"),
    # nothing to drop
    ("STOP", "STOP"),
    ("je peux payer 50 balles par mois", "je peux payer 50 balles par mois"),
    ("", ""),
]


@pytest.mark.parametrize(("received", "expected"), CASES)
def test_extract_reply(received: str, expected: str | None) -> None:
    got = extract_reply(received)
    if expected is None:  # sign-off cases: the last kept line is the one before the sign-off
        assert "\n".join(received.split("\n")[:2]) == got
    else:
        assert got == expected


def test_sign_off_word_inside_a_sentence_is_kept() -> None:
    text = "Hello\nbest I can do is 50 a month\nthanks"
    assert extract_reply(text) == text.replace("\r", "")


def test_a_message_that_is_only_a_quote_is_kept_whole() -> None:
    assert extract_reply("> STOP") == "> STOP"


def test_understanding_ignores_the_quoted_part() -> None:
    """The quoted reminder says STOP; the reply promises a payment: a promise it is."""
    text = (
        "Bonjour, je fais le virement le 10.\nBien à vous\nLe 3 déc. 2026 à 10:12, Relance a écrit :\n"
        "> Répondez STOP pour ne plus recevoir de messages.\n> Vous pouvez demander un conseiller."
    )
    got = understand(text, "fr", dt.date(2026, 12, 3))
    assert got.intent == "promise_to_pay"
    assert got.date == dt.date(2026, 12, 10)


def test_reply_on_the_same_line_as_a_windows_newline() -> None:
    assert extract_reply("Stop please\r\n\r\nOn Mon, 1 Dec 2026, Relance wrote:\r\n> hi") == "Stop please"


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # bottom-posting: the Outlook block and the quote first, the reply below
        (
            "-----Original Message-----\nFrom: Collections <c@example.co.uk>\nSent: 14 January 2027 09:03\n"
            "Subject: Outstanding balance\n> Please contact us regarding your balance\n\n"
            "Kindly remove me from your mailing list.",
            "Kindly remove me from your mailing list.",
        ),
        (
            "On Wed, 17 Feb 2027 at 08:15, Billing <billing@example.co.uk> wrote:\n> Your account is overdue.\n\n"
            "Hello,\nI made this payment on the 12th via your website.\nRegards,\nFiona",
            "Hello,\nI made this payment on the 12th via your website.",
        ),
        ("> only a quote, nothing written", "> only a quote, nothing written"),
    ],
)
def test_a_reply_below_the_quoted_original(received: str, expected: str) -> None:
    assert extract_reply(received) == expected


def test_a_bottom_posted_opt_out_is_understood() -> None:
    text = (
        "-----Original Message-----\nFrom: Collections <c@example.co.uk>\nSent: 14 January 2027 09:03\n"
        "Subject: Outstanding balance\n> Please pay\n\nPlease stop texting and e-mailing me."
    )
    assert understand(text, "en", dt.date(2027, 1, 15)).intent == "opt_out"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeginorstwyABCEGINORSTWY >:-\n", max_size=40))
def test_the_one_line_marker_test_is_the_case_blind_search(text: str) -> None:
    """The lower-cased look-up of the one-line markers answers as the case-blind pattern does."""
    assert reply_text._one_line_marker(text) == bool(reply_text._ONE_LINE_MARKER.search(text))


def test_the_one_line_markers_are_the_pattern_s_words() -> None:
    assert "|".join(reply_text._ONE_LINE_MARKERS) == reply_text._ONE_LINE_MARKER.pattern
    for text in ("Le lundi X a ÉCRIT :", "On Monday WROTE:", "paid, Sent From my phone", "ok ſent", "je paie"):
        assert reply_text._one_line_marker(text) == bool(reply_text._ONE_LINE_MARKER.search(text))


DISCLAIMERS = [
    "Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à leurs destinataires. Si vous "
    "avez reçu ce message par erreur, merci d'en avertir l'expéditeur et de le supprimer.",
    "Ce courriel ainsi que ses éventuelles pièces jointes peut contenir des informations confidentielles.",
    "Si vous avez reçu ce message par erreur, merci de le détruire et d'en avertir l'expéditeur.",
    "This email and any attachments are confidential and intended solely for the addressee. If you have received "
    "this email in error, please notify the sender and delete it.",
    "CONFIDENTIALITY NOTICE: The information in this message is privileged. If you received it by mistake, delete it.",
    "The information contained in this e-mail is confidential. Any unauthorised use is prohibited.",
    "If you have received this communication in error, please destroy it and stop reading.",
    "P Please consider the environment before printing this email.",
    "This email has been checked for viruses by Avast antivirus software.\nwww.avast.com",
    "Ce courrier électronique ne contient aucun virus ou logiciel malveillant parce que la protection avast! "
    "est active.",
    'You received this message because you are subscribed to the Google Groups "Family" group. To unsubscribe from '
    "this group and stop receiving emails from it, send an email to family+unsubscribe@googlegroups.com.",
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(DISCLAIMERS),
    st.sampled_from(
        [
            ("Bonjour, je paierai le 15.", "fr", "promise_to_pay"),
            ("I will pay the balance on the 15th.", "en", "promise_to_pay"),
            ("Paid by bank transfer yesterday.", "en", "already_paid"),
            ("Could I pay 50 a month?", "en", "payment_plan"),
        ]
    ),
    st.sampled_from(["\n\n", "\n", "\n--\n", "\n\nKind regards\n"]),
)
def test_a_confidentiality_footer_is_not_part_of_the_reply(footer: str, reply: tuple, glue: str) -> None:
    # round 14: "supprimer", "delete", "stop reading" in a mail server's footer read as a stop of the channel
    text, locale, intent = reply
    assert extract_reply(f"{text}{glue}{footer}").startswith(text)
    assert footer not in extract_reply(f"{text}{glue}{footer}")
    assert understand(f"{text}{glue}{footer}", locale, dt.date(2026, 12, 5)).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "This message is to tell you I paid yesterday.",
        "Ce message est pour vous dire que j'ai payé hier.",
        "Please stop sending these messages, delete my number.",
    ],
)
def test_a_reply_that_speaks_of_the_message_is_kept(text: str) -> None:
    assert extract_reply(text) == text
