"""Late interest and the B2B recovery fee, checked against examples worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from messages.late_charges import ChargeableDebt, compute_charges, days_late, late_interest
from relance.core.config import NoticePolicy


@pytest.mark.parametrize(
    ("due", "as_of", "days"),
    [
        (date(2026, 1, 31), date(2026, 3, 2), 30),  # Feb 1 … Mar 2 (28 + 2)
        (date(2026, 8, 31), date(2026, 11, 27), 88),  # 30 (Sep) + 31 (Oct) + 27
        (date(2027, 12, 31), date(2028, 3, 1), 61),  # leap year: 31 + 29 + 1
        (date(2026, 5, 10), date(2026, 5, 10), 0),  # due today: not late yet
        (date(2026, 5, 10), date(2026, 5, 1), 0),  # not yet due
    ],
)
def test_days_late(due: date, as_of: date, days: int) -> None:
    assert days_late(due, as_of) == days


@pytest.mark.parametrize(
    ("balance", "rate", "days", "currency", "interest"),
    [
        # 1000 × 12.15 % × 30 / 365 = 9.98630… → 9.99
        ("1000.00", "12.15", 30, "EUR", "9.99"),
        # 2500 × 10.15 % × 184 / 365 = 253.75 × 0.50411 = 127.91781… → 127.92
        ("2500.00", "10.15", 184, "EUR", "127.92"),
        # 1234.50 × 12.15 % × 88 / 365 = 149.99175 × 88 / 365 = 36.16238… → 36.16
        ("1234.50", "12.15", 88, "EUR", "36.16"),
        # 365 × 2.5 % × 1 / 365 = 0.025 exactly → half-up gives 0.03 (banker's would give 0.02)
        ("365.00", "2.5", 1, "EUR", "0.03"),
        # 100 000 × 10 % × 73 / 365 = 2000 exactly, in a currency without minor unit
        ("100000", "10", 73, "JPY", "2000"),
        # nothing when not late
        ("1000.00", "12.15", 0, "EUR", "0.00"),
    ],
)
def test_late_interest_worked_examples(balance: str, rate: str, days: int, currency: str, interest: str) -> None:
    result = late_interest(Decimal(balance), Decimal(rate), days, currency)
    assert result == Decimal(interest)
    assert str(result) == interest  # quantised to the currency's minor unit


def _debts() -> list[ChargeableDebt]:
    return [
        ChargeableDebt("F-1041", Decimal("1234.50"), date(2026, 8, 31)),
        ChargeableDebt("F-1077", Decimal("560.00"), date(2026, 9, 30)),
        ChargeableDebt("F-1102", Decimal("99.00"), date(2026, 12, 15)),  # not yet due on the notice date
    ]


def test_b2b_fee_and_interest_per_invoice() -> None:
    policy = NoticePolicy(b2b=True, late_interest_rate=Decimal("12.15"))
    charges = compute_charges(_debts(), policy, as_of=date(2026, 11, 27), currency="EUR")
    assert charges is not None
    assert [(c.reference, c.days_late, c.interest, c.fee) for c in charges.lines] == [
        ("F-1041", 88, Decimal("36.16"), Decimal("40.00")),
        # 560 × 12.15 % × 58 / 365 = 68.04 × 58 / 365 = 10.81183… → 10.81
        ("F-1077", 58, Decimal("10.81"), Decimal("40.00")),
        ("F-1102", 0, Decimal("0.00"), Decimal("0.00")),
    ]
    assert charges.interest == Decimal("46.97")
    assert charges.fees == Decimal("80.00")
    assert charges.total == Decimal("126.97")
    assert charges.rate == Decimal("12.15") and charges.fee_per_invoice == Decimal("40.00")


def test_fee_only() -> None:
    charges = compute_charges(_debts(), NoticePolicy(b2b=True), as_of=date(2026, 11, 27), currency="EUR")
    assert charges is not None
    assert charges.rate is None
    assert charges.interest == Decimal("0.00")
    assert charges.fees == Decimal("80.00")


def test_configured_fee_amount() -> None:
    policy = NoticePolicy(b2b=True, recovery_fee=Decimal("55"))
    charges = compute_charges(_debts()[:1], policy, as_of=date(2026, 11, 27), currency="EUR")
    assert charges is not None and charges.fees == Decimal("55.00")


def test_interest_only_outside_b2b() -> None:
    policy = NoticePolicy(b2b=False, late_interest_rate=Decimal("3.5"))
    charges = compute_charges(_debts(), policy, as_of=date(2026, 11, 27), currency="EUR")
    assert charges is not None
    assert charges.fee_per_invoice is None and charges.fees == Decimal("0.00")
    # 1234.50 × 3.5 % × 88 / 365 = 10.41715… → 10.42 ; 560 × 3.5 % × 58 / 365 = 3.11452… → 3.11
    assert [c.interest for c in charges.lines] == [Decimal("10.42"), Decimal("3.11"), Decimal("0.00")]


def test_no_charges_configured() -> None:
    assert compute_charges(_debts(), NoticePolicy(), as_of=date(2026, 11, 27), currency="EUR") is None
    assert (
        compute_charges(
            _debts(), NoticePolicy(b2b=True, recovery_fee=Decimal(0)), as_of=date(2026, 11, 27), currency="EUR"
        )
        is None
    )
