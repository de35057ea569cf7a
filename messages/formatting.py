"""Locale-aware money and date formatting for messages (Babel data, fast path of our own).

Babel's `format_currency` costs about 10 µs a call; the sweep renders millions of reminders, so
each (locale, currency) pair is probed once through Babel and later amounts are laid out with plain
string operations. The probe gives the symbol's place and the decimal mark; digit grouping comes
from the locale's data (its group symbol and the currency pattern's group sizes), not from the
probe's output, because some Babel releases drop the grouping for a locale (2.19 writes
`1234567,11 CHF` for fr_CH) and a reader of a reminder needs the thousands set apart. The tests
check what a reader needs (the amount reads back exactly, thousands grouped, symbol and decimal
mark of the locale), not one CLDR release's characters. One deliberate difference: CLDR's
currency spacing, which Babel does not apply, separates a letter code from the digits
(`CHF 1,234.50`, not `CHF1,234.50`).
Amounts are rounded half-up to the currency's minor unit before they are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, get_currency_precision, get_group_symbol

from relance.core.money import quantize

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=256)
def resolve_locale(locale: str | None) -> tuple[str, str]:
    """(template language, Babel locale id) for a debtor locale such as `fr`, `fr-BE` or `en_GB`."""
    raw = (locale or DEFAULT_LANGUAGE).strip().replace("-", "_") or DEFAULT_LANGUAGE
    try:
        parsed = Locale.parse(raw)
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = None
    language = (parsed.language if parsed else raw.split("_")[0]).lower()
    if language not in LANGUAGES:
        return DEFAULT_LANGUAGE, DEFAULT_LANGUAGE
    return language, str(parsed) if parsed else language


@dataclass(frozen=True, slots=True)
class _MoneyStyle:
    prefix: str
    suffix: str
    neg_prefix: str
    neg_suffix: str
    group: str
    decimal: str
    primary: int
    secondary: int


def _split_probe(text: str, digits: int) -> tuple[str, str, str, str]:
    """(prefix, integer part, decimal symbol, suffix) of a Babel-formatted probe."""
    first = next(i for i, c in enumerate(text) if c.isdigit())
    last = max(i for i, c in enumerate(text) if c.isdigit())
    prefix, number, suffix = text[:first], text[first : last + 1], text[last + 1 :]
    int_part, decimal = number, ""
    if digits:
        match = re.fullmatch(rf"(.*\d)(\D+)\d{{{digits}}}", number)
        assert match is not None, text
        int_part, decimal = match.group(1), match.group(2)
    return prefix, int_part, decimal, suffix


def _spaced(prefix: str, suffix: str) -> tuple[str, str]:
    """CLDR currency spacing, which Babel leaves out: a code such as CHF never touches a digit."""
    if prefix[-1:].isalpha():
        prefix += "\xa0"
    if suffix[:1].isalpha():
        suffix = "\xa0" + suffix
    return prefix, suffix


@lru_cache(maxsize=512)
def _money_style(locale: str, currency: str) -> _MoneyStyle:
    digits = get_currency_precision(currency)
    probe = Decimal("1234567" + ("." + "1" * digits if digits else ""))
    prefix, _, decimal, suffix = _split_probe(format_currency(probe, currency, locale=locale), digits)
    neg_prefix, _, _, neg_suffix = _split_probe(format_currency(-probe, currency, locale=locale), digits)
    prefix, suffix = _spaced(prefix, suffix)
    neg_prefix, neg_suffix = _spaced(neg_prefix, neg_suffix)
    primary, secondary = Locale.parse(locale).currency_formats["standard"].grouping
    group = get_group_symbol(locale=locale)
    return _MoneyStyle(prefix, suffix, neg_prefix, neg_suffix, group, decimal, primary, secondary)


def _group_digits(digits: str, style: _MoneyStyle) -> str:
    if not style.group or len(digits) <= style.primary:
        return digits
    parts = [digits[-style.primary :]]
    head = digits[: -style.primary]
    while len(head) > style.secondary:
        parts.append(head[-style.secondary :])
        head = head[: -style.secondary]
    parts.append(head)
    return style.group.join(reversed(parts))


def format_money(amount: Decimal | int | str, currency: str, locale: str) -> str:
    """`1 234,50 €` (fr), `€1,234.50` (en): any ISO currency, rounded to its minor unit."""
    style = _money_style(locale, currency)
    value = quantize(Decimal(amount), currency)
    int_part, _, frac = f"{abs(value):f}".partition(".")
    body = _group_digits(int_part, style) + (style.decimal + frac if frac else "")
    if value < 0:
        return style.neg_prefix + body + style.neg_suffix
    return style.prefix + body + style.suffix


@lru_cache(maxsize=64)
def _compact_pattern(locale: str) -> str:
    """The locale's short numeric date with a two-digit year: `15/12/26` (fr), `12/15/26` (en)."""
    return re.sub(r"y+", "yy", Locale.parse(locale).date_formats["short"].pattern)


@lru_cache(maxsize=8192)
def format_day(day: date, locale: str, style: str = "full") -> str:
    """`vendredi 27 novembre 2026` / `Friday, November 27, 2026` (full, long, medium, short, compact)."""
    if isinstance(day, datetime):
        day = day.date()
    pattern = _compact_pattern(locale) if style == "compact" else style
    return babel_format_date(day, format=pattern, locale=locale)


def format_days(days: list[date], locale: str, style: str = "compact") -> str:
    """Several dates as the locale writes a list: `15/12/26, 15/01/27 et 15/02/27`."""
    return format_list([format_day(d, locale, style) for d in days], locale=locale)


def format_number(value: Decimal | int | str, locale: str) -> str:
    """A plain number in the locale's style: `12,15` (fr), `12.15` (en)."""
    return format_decimal(Decimal(value), locale=locale)
