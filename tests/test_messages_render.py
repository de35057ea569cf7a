"""The renderer: strict variables, sandbox, overrides, caching, escaping, choices, formatting."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from babel.numbers import get_currency_symbol, get_group_symbol
from hypothesis import given, settings
from hypothesis import strategies as st

from messages import (
    REMINDER_STEPS,
    TEMPLATES,
    DebtLine,
    Renderer,
    case_context,
    check_templates,
    format_day,
    format_money,
    is_gsm7,
    payment_link,
    reminder_template_name,
    resolve_locale,
    template_channel,
)
from messages.samples import sample_context, sample_creditor, sample_debts
from relance.core.errors import ConfigError, RenderError


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "EUR", "fr", "1\u202f234,50\xa0€"),
        ("1234.5", "EUR", "en", "€1,234.50"),
        ("1234567.891", "USD", "en", "$1,234,567.89"),
        ("1234567.895", "USD", "en", "$1,234,567.90"),  # half-up, not banker's rounding
        ("0.125", "EUR", "fr", "0,13\xa0€"),
        ("1234.5", "JPY", "en", "¥1,235"),  # no minor unit
        ("1234.5675", "BHD", "en", "BHD\xa01,234.568"),  # three decimals
        ("1234.5", "GBP", "en_GB", "£1,234.50"),
        ("1234.5", "CHF", "en", "CHF\xa01,234.50"),  # CLDR currency spacing
        ("-1234.5", "CHF", "en", "-CHF\xa01,234.50"),
        ("-42", "EUR", "fr", "-42,00\xa0€"),
        ("1234567.5", "INR", "en_IN", "₹12,34,567.50"),
    ],
)
def test_money(amount: str, currency: str, locale: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency, locale) == expected


def _reads_back(text: str, currency: str, locale: str) -> Decimal:
    """The amount a reader of `text` sees: the currency mark removed, the locale's grouping read."""
    from babel.numbers import get_decimal_symbol

    symbol = get_currency_symbol(currency, locale=locale)
    number = text.replace(symbol, "").replace(currency, "").strip("\xa0 ")
    groups = number.split(get_group_symbol(locale=locale))
    assert all(len(g) in (2, 3) for g in groups[1:-1]), f"odd digit groups in {text!r}"  # 2: Indian lakh
    return Decimal("".join(groups).replace(get_decimal_symbol(locale=locale), "."))


@pytest.mark.parametrize("locale", ["fr_CH", "fr", "de_CH", "en"])
def test_money_groups_thousands_whatever_the_cldr_release(locale: str) -> None:
    """Babel 2.19 drops fr_CH's grouping: a reminder still sets the thousands apart."""
    text = format_money(Decimal("1234567.5"), "CHF", locale)
    group = get_group_symbol(locale=locale)
    assert f"1{group}234{group}567" in text
    assert "CHF" in text
    assert _reads_back(text, "CHF", locale) == Decimal("1234567.50")


@given(
    st.decimals(min_value=Decimal("-99999999999"), max_value=Decimal("99999999999"), places=4),
    st.sampled_from(("EUR", "USD", "GBP", "CHF", "JPY", "BHD", "CAD")),
    st.sampled_from(("fr", "fr_FR", "fr_BE", "fr_CH", "fr_CA", "en", "en_US", "en_GB", "en_IE", "en_IN", "en_AU")),
)
@settings(max_examples=400)
def test_money_reads_as_the_amount(amount: Decimal, currency: str, locale: str) -> None:
    """What a reader needs: the amount, rounded half-up to the minor unit, reads back exactly with the
    locale's own rules; the currency is named; the sign shows; the decimal mark is the locale's."""
    from babel.numbers import get_currency_precision, get_decimal_symbol

    digits = get_currency_precision(currency)
    rounded = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = format_money(amount, currency, locale)
    assert ("-" in text) == (rounded < 0)
    assert _reads_back(text.replace("-", ""), currency, locale) == abs(rounded)
    assert get_currency_symbol(currency, locale=locale) in text
    if digits:
        assert text.rstrip("\xa0" + currency + get_currency_symbol(currency, locale=locale))[-digits - 1] == (
            get_decimal_symbol(locale=locale)
        )


def test_dates() -> None:
    day = date(2026, 11, 27)
    assert format_day(day, "fr") == "vendredi 27 novembre 2026"
    assert format_day(day, "en") == "Friday, November 27, 2026"
    assert format_day(day, "fr", "medium") == "27 nov. 2026"
    assert format_day(day, "en", "medium") == "Nov 27, 2026"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr", ("fr", "fr")),
        ("fr-BE", ("fr", "fr_BE")),
        ("en_GB", ("en", "en_GB")),
        ("EN-us", ("en", "en_US")),
        ("de", ("en", "en")),
        ("", ("en", "en")),
        ("not a locale", ("en", "en")),
    ],
)
def test_locale_resolution(locale: str, expected: tuple[str, str]) -> None:
    assert resolve_locale(locale) == expected


# --------------------------------------------------------------------------- catalogue


@pytest.mark.parametrize(
    ("index", "count", "name"),
    [
        (1, 1, "reminder_first"),
        (1, 2, "reminder_first"),
        (2, 2, "reminder_last"),
        (1, 4, "reminder_first"),
        (2, 4, "reminder_middle"),
        (3, 4, "reminder_middle"),
        (4, 4, "reminder_last"),
    ],
)
def test_reminder_template_name(index: int, count: int, name: str) -> None:
    assert reminder_template_name(index, count) == name


@pytest.mark.parametrize(("index", "count"), [(0, 4), (5, 4), (1, 0)])
def test_reminder_template_name_rejects_steps_outside_the_scenario(index: int, count: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        reminder_template_name(index, count)


def test_channel_aliases() -> None:
    assert [template_channel(c) for c in ("sms", "telegram", "console", "chat")] == ["sms", "chat", "chat", "chat"]
    with pytest.raises(ValueError, match="unknown channel"):
        template_channel("fax")


def test_every_template_renders_in_every_language_and_channel(renderer: Renderer) -> None:
    assert check_templates(renderer) == []
    assert set(REMINDER_STEPS) <= set(TEMPLATES)


def test_payment_link_fills_and_encodes_the_reference() -> None:
    creditor = sample_creditor(payment_url="https://pay.example.com/{reference}?src=sms")
    assert payment_link(creditor, "F 2026/01") == "https://pay.example.com/F%202026%2F01?src=sms"
    assert payment_link(sample_creditor(payment_url=None, iban="FR7630006000011234567890189"), "X") is None


def test_case_context_refuses_mixed_currencies() -> None:
    debts = [DebtLine("A", Decimal(1), "EUR", date(2026, 1, 1)), DebtLine("B", Decimal(1), "USD", date(2026, 1, 1))]
    with pytest.raises(ValueError, match="one currency"):
        case_context(sample_creditor(), debtor_name="X", debts=debts)


# --------------------------------------------------------------------------- renderer


def test_missing_variable_is_a_render_error_naming_the_template(renderer: Renderer) -> None:
    context = sample_context("reminder_last")
    del context["pay_by"]
    with pytest.raises(RenderError, match=r"fr/sms/reminder_last\.txt\.j2: 'pay_by' is undefined"):
        renderer.render("reminder_last", locale="fr", channel="sms", **context)


def test_unknown_template_is_a_render_error(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="no_such_message: no such message template"):
        renderer.render("no_such_message", locale="fr", channel="sms")


def test_templates_are_compiled_once(renderer: Renderer) -> None:
    first = renderer.template("reminder_first", "fr", "sms")
    renderer.render("reminder_first", locale="fr", channel="sms", **sample_context("reminder_first"))
    assert renderer.template("reminder_first", "fr", "sms") is first


def test_french_sms_stays_in_gsm7_with_plain_spaces(renderer: Renderer) -> None:
    out = renderer.render("reminder_first", locale="fr", channel="sms", **sample_context("reminder_first"))
    assert "1 234,50 €" in out.text
    assert is_gsm7(out.text)
    assert out.sms.encoding == "GSM-7"


def test_chat_keeps_babel_spacing(renderer: Renderer) -> None:
    out = renderer.render("reminder_first", locale="fr", channel="telegram", **sample_context("reminder_first"))
    assert "1\u202f234,50\xa0€" in out.text


def test_english_fallback_for_other_languages(renderer: Renderer) -> None:
    out = renderer.render("reminder_first", locale="de_DE", channel="sms", **sample_context("reminder_first"))
    assert out.language == "en"
    assert "€1,234.50" in out.text


def test_sms_clarification_menu_returns_its_choices(renderer: Renderer) -> None:
    for language in ("fr", "en"):
        out = renderer.render("clarification", locale=language, channel="sms", **sample_context("clarification"))
        keys = [c.key for c in out.choices]
        assert keys == ["promise_to_pay", "payment_plan", "already_paid", "dispute", "human"]
        lines = out.text.splitlines()
        for number, choice in enumerate(out.choices, start=1):
            assert f"{number} {choice.label}" in lines


def test_chat_clarification_offers_quick_replies_without_listing_them(renderer: Renderer) -> None:
    out = renderer.render("clarification", locale="fr", channel="telegram", **sample_context("clarification"))
    assert [c.key for c in out.choices] == ["promise_to_pay", "payment_plan", "already_paid", "dispute", "human"]
    assert all(c.label not in out.text for c in out.choices)


def test_chat_reminders_offer_the_common_answers(renderer: Renderer) -> None:
    out = renderer.render("reminder_middle", locale="en", channel="telegram", **sample_context("reminder_middle"))
    assert [c.key for c in out.choices] == ["promise_to_pay", "payment_plan", "dispute", "human"]


def test_choices_do_not_leak_between_renders(renderer: Renderer) -> None:
    renderer.render("clarification", locale="fr", channel="sms", **sample_context("clarification"))
    out = renderer.render("reminder_first", locale="fr", channel="sms", **sample_context("reminder_first"))
    assert out.choices == ()


# --------------------------------------------------------------------------- overrides and sandbox


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_override_directory_wins_file_by_file(tmp_path: Path) -> None:
    _write(tmp_path, "fr/sms/reminder_first.txt.j2", "{{ creditor_name }} : {{ balance|money }} dus. STOP")
    renderer = Renderer(tmp_path)
    out = renderer.render("reminder_first", locale="fr", channel="sms", **sample_context("reminder_first"))
    assert out.text == "Acme Plomberie : 1 234,50 € dus. STOP"
    other = renderer.render("reminder_last", locale="fr", channel="sms", **sample_context("reminder_last"))
    assert "dernière relance amiable" in other.text


def test_override_directory_from_config(tmp_path: Path) -> None:
    from relance.core.config import RelanceConfig, Templates

    _write(tmp_path, "en/chat/help.txt.j2", "Call us.")
    config = RelanceConfig(templates=Templates(directory=tmp_path))
    assert Renderer.from_config(config).render("help", locale="en", channel="chat", **sample_context("help")).text == (
        "Call us."
    )


def test_missing_override_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        Renderer(tmp_path / "nope")


def test_override_with_syntax_error_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "en/sms/help.txt.j2", "{% if %}")
    with pytest.raises(RenderError, match=r"en/sms/help\.txt\.j2"):
        Renderer(tmp_path).render("help", locale="en", channel="sms", **sample_context("help"))


def test_sandbox_refuses_unsafe_attributes(tmp_path: Path) -> None:
    _write(tmp_path, "en/sms/help.txt.j2", "{{ creditor_name.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError, match=r"unsafe|access"):
        Renderer(tmp_path).render("help", locale="en", channel="sms", **sample_context("help"))


def test_check_templates_reports_a_broken_override(tmp_path: Path) -> None:
    _write(tmp_path, "fr/sms/help.txt.j2", "{{ no_such_variable }}")
    _write(tmp_path, "en/sms/info.txt.j2", "x" * 400)
    problems = check_templates(Renderer(tmp_path))
    assert any("fr/sms/help.txt.j2" in p and "no_such_variable" in p for p in problems)
    assert any("en/sms/info" in p and "segments" in p for p in problems)


def test_notice_html_is_autoescaped_and_text_is_not(renderer: Renderer) -> None:
    from messages.notice import NoticeDebt, Party, notice_data, render_notice_html

    data = notice_data(
        sample_creditor(),
        debtor=Party("<b>Evil</b> & Co", "1 rue <script>"),
        debts=[NoticeDebt("R<1>", date(2026, 1, 1), Decimal(10), Decimal(10))],
        currency="EUR",
        issued_on=date(2026, 2, 1),
        locale="fr",
    )
    html = render_notice_html(data, renderer)
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert "1 rue &lt;script&gt;" in html and "R&lt;1&gt;" in html
    context = sample_context("help", debts=sample_debts())
    context["creditor_name"] = "A & <B>"
    assert renderer.render("help", locale="en", channel="sms", **context).text.startswith("A & <B>:")
