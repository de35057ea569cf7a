"""Installment plans: the invariants of `bot.dialogue.plans` (hypothesis) and worked examples."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dialogue.plans import (
    PERIOD_DAYS,
    PlanRequest,
    Schedule,
    due_dates,
    max_count,
    minor_unit,
    most_lenient,
    nearest_frequency,
    offer,
)
from bot.nlu.dates import add_months
from relance.core.config import PlanPolicy

TODAY = date(2026, 11, 23)
FREQUENCIES = ("weekly", "biweekly", "monthly")


def money(low: str, high: str, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def policies(draw: st.DrawFn) -> PlanPolicy:
    frequencies = tuple(draw(st.lists(st.sampled_from(FREQUENCIES), min_size=1, max_size=3, unique=True)))
    return PlanPolicy(
        max_installments=draw(st.integers(1, 24)),
        min_installment=draw(money("0", "300")),
        first_payment_within_days=draw(st.integers(0, 60)),
        frequencies=frequencies,
        default_frequency=draw(st.sampled_from(frequencies)),
    )


@st.composite
def requests(draw: st.DrawFn) -> PlanRequest:
    return PlanRequest(
        count=draw(st.none() | st.integers(1, 40)),
        amount=draw(st.none() | money("0.01", "5000")),
        frequency=draw(st.none() | st.sampled_from(FREQUENCIES)),
        start=draw(st.none() | st.dates(TODAY - timedelta(days=10), TODAY + timedelta(days=90))),
    )


def check_invariants(schedule: Schedule, balance: Decimal, currency: str, policy: PlanPolicy, today: date) -> None:
    unit = minor_unit(currency)
    amounts = [i.amount for i in schedule.installments]
    # the installments sum exactly to the balance, in whole minor units
    assert sum(amounts, Decimal(0)) == balance
    assert all(a == a.quantize(unit) and a > 0 for a in amounts)
    # all equal but the last, which carries the remainder
    assert len(set(amounts[:-1])) <= 1
    # inside the policy
    assert 1 <= schedule.count <= policy.max_installments
    minimum = max(policy.min_installment.quantize(unit, rounding=ROUND_CEILING), unit)
    if balance >= policy.min_installment:
        assert all(a >= policy.min_installment for a in amounts)
    if policy.max_installments >= 2 and balance >= 2 * minimum:
        assert schedule.count >= 2
    assert schedule.frequency in policy.frequencies
    # first payment within the policy's delay, then at the plan's frequency
    assert today <= schedule.first_due <= today + timedelta(days=policy.first_payment_within_days)
    assert [i.due_on for i in schedule.installments] == due_dates(
        schedule.first_due, schedule.count, schedule.frequency
    )
    assert [i.seq for i in schedule.installments] == list(range(1, schedule.count + 1))


@settings(max_examples=500, deadline=None)
@given(
    balance=money("0.01", "100000"),
    policy=policies(),
    request=requests(),
    today=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
)
def test_every_offer_keeps_the_invariants(
    balance: Decimal, policy: PlanPolicy, request: PlanRequest, today: date
) -> None:
    result = offer(balance, "EUR", request, policy, today)
    check_invariants(result.schedule, balance, "EUR", policy, today)


@settings(max_examples=300, deadline=None)
@given(balance=money("1", "100000"), policy=policies(), request=requests())
def test_an_offer_as_requested_keeps_every_part_of_the_request(
    balance: Decimal, policy: PlanPolicy, request: PlanRequest
) -> None:
    result = offer(balance, "EUR", request, policy, TODAY)
    if not result.as_requested:
        return
    schedule = result.schedule
    assert request.count in (None, schedule.count)
    assert request.frequency in (None, schedule.frequency)
    assert request.start in (None, schedule.first_due)
    assert request.amount in (None, schedule.installments[0].amount)


@settings(max_examples=200, deadline=None)
@given(balance=money("1", "1000000", places=0), policy=policies(), request=requests())
def test_currencies_without_cents(balance: Decimal, policy: PlanPolicy, request: PlanRequest) -> None:
    result = offer(balance, "JPY", request, policy, TODAY)
    check_invariants(result.schedule, balance, "JPY", policy, TODAY)


@settings(max_examples=200, deadline=None)
@given(balance=money("0.01", "100000"), policy=policies())
def test_most_lenient_plan_keeps_the_invariants(balance: Decimal, policy: PlanPolicy) -> None:
    schedule = most_lenient(balance, "EUR", policy, TODAY)
    check_invariants(schedule, balance, "EUR", policy, TODAY)
    assert schedule.count == max_count(balance, policy, minor_unit("EUR"))


@settings(max_examples=200, deadline=None)
@given(first=st.dates(date(2024, 1, 1), date(2030, 12, 31)), count=st.integers(1, 36))
def test_monthly_dates_keep_the_day_or_the_month_end(first: date, count: int) -> None:
    dates = due_dates(first, count, "monthly")
    assert all(a < b for a, b in itertools.pairwise(dates))
    for k, d in enumerate(dates):
        assert d == add_months(first, k)
        assert d.day == first.day or (d.day < first.day and (d + timedelta(days=1)).day == 1)


# ----------------------------------------------------------------------------------- worked examples

POLICY = PlanPolicy()  # 6 installments at most, 20 minimum, first within 30 days, monthly by default


def amounts(schedule: Schedule) -> list[str]:
    return [str(i.amount) for i in schedule.installments]


def test_three_installments_as_asked() -> None:
    result = offer(Decimal("600.00"), "EUR", PlanRequest(count=3), POLICY, TODAY)
    assert result.as_requested
    assert amounts(result.schedule) == ["200.00", "200.00", "200.00"]
    assert [i.due_on for i in result.schedule.installments] == [
        date(2026, 11, 30),
        date(2026, 12, 30),
        date(2027, 1, 30),
    ]


def test_remainder_goes_on_the_last_installment() -> None:
    result = offer(Decimal("1000.00"), "EUR", PlanRequest(count=6), POLICY, TODAY)
    assert amounts(result.schedule) == ["166.66"] * 5 + ["166.70"]


def test_too_many_installments_get_the_nearest_count() -> None:
    result = offer(Decimal("600.00"), "EUR", PlanRequest(count=12), POLICY, TODAY)
    assert not result.as_requested
    assert result.schedule.count == 6


def test_too_small_a_monthly_amount_gets_the_nearest_plan() -> None:
    result = offer(Decimal("600.00"), "EUR", PlanRequest(amount=Decimal("20"), frequency="monthly"), POLICY, TODAY)
    assert not result.as_requested
    assert amounts(result.schedule) == ["100.00"] * 6


def test_an_amount_per_installment_inside_policy_is_kept() -> None:
    result = offer(Decimal("600.00"), "EUR", PlanRequest(amount=Decimal("250"), frequency="monthly"), POLICY, TODAY)
    assert result.as_requested
    assert amounts(result.schedule) == ["250.00", "250.00", "100.00"]


def test_a_remainder_below_the_minimum_joins_the_last_installment() -> None:
    result = offer(Decimal("610.00"), "EUR", PlanRequest(amount=Decimal("200")), POLICY, TODAY)
    assert amounts(result.schedule) == ["200.00", "200.00", "210.00"]


def test_a_start_too_late_is_brought_forward() -> None:
    result = offer(Decimal("600"), "EUR", PlanRequest(count=3, start=TODAY + timedelta(days=45)), POLICY, TODAY)
    assert not result.as_requested
    assert result.schedule.first_due == TODAY + timedelta(days=30)


def test_a_balance_too_small_for_two_installments_is_one_payment() -> None:
    result = offer(Decimal("35.00"), "EUR", PlanRequest(count=3), POLICY, TODAY)
    assert amounts(result.schedule) == ["35.00"]


@pytest.mark.parametrize(
    ("wanted", "allowed", "expected"),
    [
        (None, ("monthly",), "monthly"),
        ("weekly", ("monthly", "biweekly"), "biweekly"),
        ("monthly", ("weekly",), "weekly"),
    ],
)
def test_nearest_frequency(wanted: str | None, allowed: tuple[str, ...], expected: str) -> None:
    policy = PlanPolicy(frequencies=allowed, default_frequency=allowed[0])  # type: ignore[arg-type]
    assert nearest_frequency(wanted, policy) == expected
    assert PERIOD_DAYS[expected] > 0


def test_no_plan_for_nothing_owed() -> None:
    with pytest.raises(ValueError):
        offer(Decimal(0), "EUR", PlanRequest(), POLICY, TODAY)
