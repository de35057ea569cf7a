"""Money helpers: ISO 4217 checks and rounding to a currency's minor unit (always Decimal)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_name, get_currency_precision


@lru_cache(maxsize=512)
def is_currency(code: str) -> bool:
    """True for a known ISO 4217 code (upper case)."""
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        return False
    try:
        return get_currency_name(code, locale="en") != code
    except Exception:
        return False


@lru_cache(maxsize=512)
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (cents for EUR, none for JPY)."""
    return amount.quantize(_exponent(currency), rounding=ROUND_HALF_UP)


def has_valid_precision(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than the currency allows."""
    return quantize(amount, currency) == amount


def parse_amount(text: str) -> Decimal:
    """Parse a CSV amount; raises ValueError.

    Accepts `1234.50`, `1234,50`, `1 234,50`, `1,234.50`, `1.234,50`, `12,345,678`. A single
    comma is read as the decimal separator (the French and Belgian habit).
    """
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not cleaned:
        raise ValueError("empty")
    if "," in cleaned and "." in cleaned:
        # the last separator is the decimal one
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") > 1:
        cleaned = cleaned.replace(",", "")  # 12,345,678: thousands separators
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")  # a single comma is the decimal one (1234,50)
    elif cleaned.count(".") > 1:
        cleaned = cleaned.replace(".", "")  # 1.234.567
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    return value
