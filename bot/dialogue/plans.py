"""Installment plans inside a creditor's `PlanPolicy` (pure: Decimal to the minor unit, no I/O).

`offer(balance, currency, request, policy, today)` answers a debtor's plan request with a `PlanOffer`:
the schedule itself and whether it is what they asked for (a proposal) or the nearest plan the
policy allows (a counter-offer).

Invariants every schedule built here keeps (tests/test_plans.py proves them with hypothesis):

- the amounts sum exactly to the balance, each a whole number of the currency's minor unit;
- every installment but the last has the same amount and the last carries the remainder: with an
  equal split it exceeds the others by less than `count` minor units; when the debtor chose the
  amount per installment it is what is left (a remainder under `min_installment` is added to it);
- every installment is at least `min_installment` (rounded up to the minor unit), unless the whole
  balance is below it (then the plan is one payment of the balance);
- `count <= max_installments`, and `count == 1` only when the balance does not allow two
  installments of the minimum;
- the first payment is due between today and today + `first_payment_within_days`; the next ones
  follow at the plan's frequency (weekly, every two weeks, or monthly on the same day of the month,
  clamped to the month's end), strictly increasing; the frequency is one the policy allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from babel.numbers import get_currency_precision

from bot.nlu.dates import add_months
from relance.core.config import PlanPolicy

DEFAULT_FIRST_DELAY_DAYS = 7  # a plan without a start date begins a week from today
PERIOD_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30}


@dataclass(frozen=True, slots=True)
class Installment:
    """One payment of a plan."""

    seq: int
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    """A complete plan: its installments, in order, and their frequency."""

    installments: tuple[Installment, ...]
    frequency: str

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.installments), Decimal(0))

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def first_due(self) -> date:
        return self.installments[0].due_on


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What the debtor asked for; any part may be missing."""

    count: int | None = None
    amount: Decimal | None = None  # per installment
    frequency: str | None = None
    start: date | None = None

    @property
    def is_specific(self) -> bool:
        return any(v is not None for v in (self.count, self.amount, self.frequency, self.start))


@dataclass(frozen=True, slots=True)
class PlanOffer:
    """A schedule for the debtor, and whether it keeps everything they asked for."""

    schedule: Schedule
    as_requested: bool


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency: 0.01 for EUR, 1 for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def max_count(balance: Decimal, policy: PlanPolicy, unit: Decimal = Decimal("0.01")) -> int:
    """The most installments the policy allows for this balance (at least 1): each one at least the
    policy's minimum (rounded up to the currency's minor unit), and at least one minor unit."""
    smallest = max(policy.min_installment.quantize(unit, rounding=ROUND_CEILING), unit)
    return max(1, min(policy.max_installments, int(balance // smallest)))


def due_dates(first: date, count: int, frequency: str) -> list[date]:
    """`count` due dates from `first`: every 7 or 14 days, or monthly on the same day (clamped)."""
    if frequency == "monthly":
        return [add_months(first, k) for k in range(count)]
    step = timedelta(days=PERIOD_DAYS[frequency])
    return [first + step * k for k in range(count)]


def equal_split(balance: Decimal, count: int, unit: Decimal) -> list[Decimal]:
    """`count` amounts summing to `balance`: equal, rounded down to `unit`, the remainder on the last."""
    each = (balance / count).quantize(unit, rounding=ROUND_DOWN)
    return [each] * (count - 1) + [balance - each * (count - 1)]


def amount_split(balance: Decimal, amount: Decimal, minimum: Decimal) -> list[Decimal]:
    """Installments of `amount` until the balance is paid; a last remainder under `minimum` is
    added to the installment before it."""
    count = math.ceil(balance / amount)
    amounts = [amount] * (count - 1) + [balance - amount * (count - 1)]
    if len(amounts) > 1 and amounts[-1] < minimum:
        amounts[-2:] = [amounts[-2] + amounts[-1]]
    return amounts


def build(amounts: list[Decimal], first: date, frequency: str) -> Schedule:
    """A schedule from its amounts, the first due date and the frequency."""
    dates = due_dates(first, len(amounts), frequency)
    return Schedule(
        tuple(Installment(i + 1, d, a) for i, (d, a) in enumerate(zip(dates, amounts, strict=True))), frequency
    )


def nearest_frequency(wanted: str | None, policy: PlanPolicy) -> str:
    """The allowed frequency closest to the one asked for (the policy's default when none)."""
    if wanted is None:
        return policy.default_frequency
    if wanted in policy.frequencies:
        return wanted
    return min(policy.frequencies, key=lambda f: (abs(PERIOD_DAYS[f] - PERIOD_DAYS[wanted]), -PERIOD_DAYS[f]))


def first_due(wanted: date | None, policy: PlanPolicy, today: date) -> date:
    """The requested start, moved into [today, today + first_payment_within_days]."""
    latest = today + timedelta(days=policy.first_payment_within_days)
    if wanted is None:
        return min(today + timedelta(days=DEFAULT_FIRST_DELAY_DAYS), latest)
    return min(max(wanted, today), latest)


def _count_for(balance: Decimal, request: PlanRequest, policy: PlanPolicy) -> int:
    """The count the request implies, before the policy's limits."""
    if request.count is not None:
        return request.count
    if request.amount is not None and request.amount > 0:
        return math.ceil(balance / request.amount)
    return policy.max_installments  # nothing asked: as many as the policy allows (capped below)


def _amount_fits(amount: Decimal, balance: Decimal, policy: PlanPolicy, unit: Decimal) -> bool:
    """A per-installment amount the policy accepts as it is."""
    if amount != amount.quantize(unit) or amount < policy.min_installment or amount >= balance:
        return False
    return math.ceil(balance / amount) <= policy.max_installments


def offer(balance: Decimal, currency: str, request: PlanRequest, policy: PlanPolicy, today: date) -> PlanOffer:
    """The plan for `request`: as asked when the policy allows it, else the nearest one it allows."""
    if balance <= 0:
        raise ValueError(f"no plan for a balance of {balance}")
    unit = minor_unit(currency)
    balance = balance.quantize(unit)
    limit = max_count(balance, policy, unit)
    frequency = nearest_frequency(request.frequency, policy)
    start = first_due(request.start, policy, today)
    wanted = _count_for(balance, request, policy)
    count = min(max(wanted, 1 if limit == 1 else 2), limit)
    amount_led = (
        request.count is None and request.amount is not None and _amount_fits(request.amount, balance, policy, unit)
    )
    amounts = amount_split(balance, request.amount, policy.min_installment) if request.amount and amount_led else []
    if len(amounts) < 2:  # an amount that leaves a single payment is no plan: split evenly instead
        amount_led, amounts = False, equal_split(balance, count, unit)
    schedule = build([a.quantize(unit) for a in amounts], start, frequency)
    return PlanOffer(schedule, as_requested=_as_requested(request, schedule, amount_led=amount_led))


def _as_requested(request: PlanRequest, schedule: Schedule, *, amount_led: bool) -> bool:
    """Whether the schedule keeps every part of the request the debtor gave."""
    first = schedule.installments[0].amount
    return (
        request.frequency in (None, schedule.frequency)
        and request.start in (None, schedule.first_due)
        and request.count in (None, schedule.count)
        and (request.amount is None or amount_led or first == request.amount)
    )


def most_lenient(balance: Decimal, currency: str, policy: PlanPolicy, today: date) -> Schedule:
    """The plan the policy allows that asks least of the debtor: most installments, latest start,
    the slowest allowed frequency."""
    frequency = max(policy.frequencies, key=lambda f: PERIOD_DAYS[f])
    start = today + timedelta(days=policy.first_payment_within_days)
    unit = minor_unit(currency)
    return build(equal_split(balance.quantize(unit), max_count(balance, policy, unit), unit), start, frequency)
