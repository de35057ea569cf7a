"""What every message must say (and must not say), and that every SMS fits in two segments.

Mandatory mentions of every reminder (unsolicited message) in every language and channel: the
creditor, the debt reference, the amount due with its currency, how to pay (the configured link or
IBAN), how to contest, and on SMS an opt-out instruction. Wording: no threatening or misleading
word in any message before the formal notice. Length: every SMS template, rendered with realistic
contexts drawn by hypothesis (see `tests/conftest_messages.py` for the bounds), takes at most two
segments and stays in GSM-7.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messages import TEMPLATES, Renderer, format_money, gsm_friendly, threatening_words
from messages.catalog import TEXT_CHANNELS
from messages.render import BUILTIN_TEMPLATES
from messages.samples import sample_context, sample_creditor, sample_debts
from tests.conftest_messages import FR_IBAN, contexts

LANGUAGES = ("fr", "en")
REMINDERS = [name for name, spec in TEMPLATES.items() if spec.kind == "reminder"]
SCENARIO_STEPS = ("reminder_first", "reminder_middle", "reminder_last")
CONTEST_WORDS = {"fr": ("désaccord", "répondez"), "en": ("disagree", "reply")}
PAYMENT_SETUPS = {
    "link": {"payment_url": "https://pay.acme.fr/{reference}", "iban": None},
    "iban": {"payment_url": None, "iban": FR_IBAN},
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _render(renderer: Renderer, name: str, language: str, channel: str, **kw: Any) -> str:
    return renderer.render(name, locale=language, channel=channel, **sample_context(name, **kw)).text


def _amount_due(name: str, context: dict[str, Any]) -> tuple[Decimal, str]:
    """The amount a reminder is about: the balance, the promised amount or the installment."""
    if name == "promise_followup":
        return context["promise_amount"], context["currency"]
    if name.startswith("installment_"):
        return context["installment"].amount, context["currency"]
    return context["balance"], context["currency"]


@pytest.mark.parametrize("payment", sorted(PAYMENT_SETUPS))
@pytest.mark.parametrize("debt_count", [1, 3])
@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", REMINDERS)
def test_reminders_carry_the_mandatory_mentions(
    renderer: Renderer, name: str, language: str, channel: str, debt_count: int, payment: str
) -> None:
    creditor = sample_creditor(**PAYMENT_SETUPS[payment])
    debts = sample_debts(debt_count)
    context = sample_context(name, creditor=creditor, debts=debts)
    text = renderer.render(name, locale=language, channel=channel, **context).text
    plain = gsm_friendly if channel == "sms" else (lambda s: s)

    assert plain(creditor.name) in text
    assert debts[0].reference in text
    if channel == "chat" and name in SCENARIO_STEPS:
        assert all(d.reference in text for d in debts)  # chat lists every invoice
    amount, currency = _amount_due(name, context)
    assert plain(format_money(amount, currency, language)) in text
    if payment == "link":
        assert f"https://pay.acme.fr/{debts[0].reference}" in text
    else:
        assert "FR76 3000 6000 0112 3456 7890 189" in text
    folded = text.lower()
    assert all(word in folded for word in CONTEST_WORDS[language]), "how to contest"
    if channel == "chat":
        assert creditor.contest_instructions in text
    assert "STOP" in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", [n for n, spec in TEMPLATES.items() if spec.opt_out_line])
def test_every_sms_tells_how_to_opt_out(renderer: Renderer, name: str, language: str) -> None:
    assert re.search(r"\bSTOP\b", _render(renderer, name, language, "sms"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_opt_out_confirmation_tells_how_to_resume(renderer: Renderer, language: str) -> None:
    for channel in TEXT_CHANNELS:
        assert "START" in _render(renderer, "opt_out_confirmation", language, channel)


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_scenario_steps_grow_firmer_and_the_last_announces_the_formal_notice(
    renderer: Renderer, language: str, channel: str
) -> None:
    first, middle, last = (_render(renderer, n, language, channel) for n in SCENARIO_STEPS)
    notice = {"fr": "mise en demeure", "en": "formal notice"}[language]
    assert notice not in first.lower() and notice not in middle.lower()
    assert notice in last.lower()
    assert {"fr": "amiable", "en": "friendly"}[language] in last.lower()
    context = sample_context("reminder_last")
    deadline = context["pay_by"]
    from messages import format_day

    style = "medium" if channel == "sms" else "full"
    assert gsm_friendly(format_day(deadline, language, style)) in gsm_friendly(last)
    assert {"fr": "sauf erreur", "en": "our records"}[language] in first.lower()
    assert {"fr": "malgré", "en": "despite"}[language] in middle.lower()


# --------------------------------------------------------------------------- what replies say


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_replies_say_what_the_flow_needs(renderer: Renderer, language: str, channel: str) -> None:
    fr = language == "fr"
    dispute = _render(renderer, "dispute_ack", language, channel).lower()
    assert ("motif" if fr else "reason") in dispute and "?" in dispute
    paid = _render(renderer, "already_paid", language, channel).lower()
    assert "date" in paid and ("virement" if fr else "transfer") in paid and "?" in paid
    hardship = renderer.render("hardship", locale=language, channel=channel, **sample_context("hardship"))
    assert [c.key for c in hardship.choices] == ["payment_plan", "pause", "human"]
    assert "30" in hardship.text
    handover = sample_context("handover")
    from messages import format_day

    assert format_day(handover["answer_by"], language) in _render(renderer, "handover", language, channel)
    help_text = _render(renderer, "help", language, channel)
    assert "+33472000000" in help_text and "compta@acme-plomberie.fr" in help_text


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_messages_show_the_full_schedule(renderer: Renderer, language: str, channel: str) -> None:
    from messages import format_day

    style = "full" if channel == "chat" else "compact"
    for name in ("plan_proposal", "plan_counter_offer", "plan_confirmation"):
        context = sample_context(name)
        text = renderer.render(name, locale=language, channel=channel, **context).text
        plain = gsm_friendly if channel == "sms" else (lambda s: s)
        for line in context["installments"]:
            assert plain(format_day(line.due_on, language, style)) in text
            assert plain(format_money(line.amount, "EUR", language)) in text


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["unknown_sender", "wrong_person"])
def test_messages_to_strangers_disclose_nothing(renderer: Renderer, name: str, language: str, channel: str) -> None:
    """Rendered even with a full case context at hand, they name no creditor, debt or amount."""
    context = sample_context("reminder_first")
    text = renderer.render(name, locale=language, channel=channel, **context).text
    for secret in ("Acme", "F-2026-1041", "1 234", "1,234", "Jeanne", "pay.acme.fr"):
        assert secret not in text


# --------------------------------------------------------------------------- wording


def _template_sources() -> list[Path]:
    return sorted(p for p in BUILTIN_TEMPLATES.glob("*/*/*.j2") if "/letter/" not in p.as_posix())


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_no_threatening_words_before_the_formal_notice(
    renderer: Renderer, name: str, language: str, channel: str
) -> None:
    for debt_count in (1, 3):
        text = _render(renderer, name, language, channel, debts=sample_debts(debt_count))
        assert threatening_words(text, language) == [], text


@pytest.mark.parametrize("path", _template_sources(), ids=lambda p: "/".join(p.parts[-3:]))
def test_template_sources_have_no_threatening_words(path: Path) -> None:
    """Every branch of every template, rendered or not."""
    source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    language = path.parts[-3]
    assert threatening_words(source, language) == []


@pytest.mark.parametrize("path", sorted(BUILTIN_TEMPLATES.glob("*/sms/*.j2")), ids=lambda p: "/".join(p.parts[-3:]))
def test_sms_template_sources_are_written_in_gsm7(path: Path) -> None:
    """The built-in wording itself never needs transliteration (French without ê, ç, ’…)."""
    from messages.sms import GSM7

    source = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    assert {ch for ch in source if ch not in GSM7} == set()


@pytest.mark.parametrize(
    ("text", "language", "found"),
    [
        ("Nous transmettrons votre dossier à un huissier.", "fr", ["huissier"]),
        ("Une SAISIE sur salaire, des poursuites judiciaires", "fr", ["judiciaires", "poursuites", "saisie"]),
        ("Le Tribunal, la police, un avocat.", "fr", ["avocat", "police", "tribunal"]),
        ("We will sue you and send a bailiff.", "en", ["bailiff", "sue"]),
        (
            "Wage garnishment, court, arrest, seizure, a lawyer",
            "en",
            ["arrest", "court", "garnishment", "lawyer", "seizure"],
        ),
        ("Thank you for your courtesy and pursuit of issues.", "en", []),
        ("Une mise en demeure suivra.", "fr", []),
    ],
)
def test_threatening_words_detector(text: str, language: str, found: list[str]) -> None:
    assert threatening_words(text, language) == found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_formal_notice_may_name_the_court_procedure(renderer: Renderer, language: str) -> None:
    from messages.notice import render_notice_html
    from messages.samples import sample_notice_data

    html = render_notice_html(sample_notice_data(language), renderer)
    assert {"fr": "injonction de payer", "en": "order for payment"}[language] in html
    assert threatening_words(html, language) != []  # the detector sees it; the notice is allowed to


# --------------------------------------------------------------------------- SMS length


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_sms_fits_in_two_gsm7_segments(renderer: Renderer, name: str, data: st.DataObject) -> None:
    context = data.draw(contexts(name))
    for language in LANGUAGES:
        out = renderer.render(name, locale=language, channel="sms", **context)
        length = out.sms
        assert length.encoding == "GSM-7", out.text
        assert length.segments <= 2, f"{length.units} septets:\n{out.text}"


def _worst_contexts() -> list[dict[str, Any]]:
    """Every realistic bound reached at once: long name, 7-digit amounts, long refs, USD/CHF…"""
    from datetime import date, timedelta

    from messages import (
        DebtLine,
        InstallmentLine,
        case_context,
        handover_context,
        hardship_context,
        installment_context,
        plan_context,
        promise_context,
        reminder_context,
        thanks_context,
    )

    day = date(2026, 9, 30)  # "30 sept. 2026": the longest French abbreviated month
    link = "https://t.me/" + "b" * 12 + "bot?start=" + "T" * 32
    schedule = [InstallmentLine(i + 1, day + timedelta(days=30 * i), Decimal("1666666.66")) for i in range(5)]
    schedule.append(InstallmentLine(6, date(2027, 3, 30), Decimal("1666666.69")))
    found = []
    for currency, payment, telegram, count in (
        (cur, pay, tg, n) for cur in ("USD", "CHF") for pay in PAYMENT_SETUPS for tg in (None, link) for n in (1, 3)
    ):
        creditor = sample_creditor(
            name="W" * 30, contest_contact="c" * 17 + "@example.fr", currency=currency, **PAYMENT_SETUPS[payment]
        )
        debts = [DebtLine(chr(82 + i) * 16, MAX_TOTAL / count, currency, day) for i in range(count)]
        base = case_context(creditor, debtor_name="X", debts=debts, telegram_link=telegram)
        for extra in (
            promise_context(MAX_TOTAL, day),
            plan_context(schedule, "monthly"),
            installment_context(schedule[0], 6),
            hardship_context(30),
            handover_context(day),
            thanks_context(MAX_TOTAL),
        ):
            base.update(extra)
        base["reminder"] = reminder_context(
            creditor, debtor_name="X", debts=debts, step_index=2, step_count=4, today=day, telegram_link=telegram
        )
        found.append(base)
    return found


MAX_TOTAL = Decimal("9999999.99")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_sms_fits_in_two_segments_at_the_realistic_bounds(renderer: Renderer, name: str) -> None:
    for context in _worst_contexts():
        used = context["reminder"] if name.startswith("reminder_") else context
        for language in LANGUAGES:
            out = renderer.render(name, locale=language, channel="sms", **used)
            assert out.sms.segments <= 2, f"{out.sms.units} septets:\n{out.text}"
