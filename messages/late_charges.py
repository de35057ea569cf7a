"""Late-payment charges claimed in a formal notice: the one place these rules live.

When configured (`relance.core.config.NoticePolicy`):
- **Recovery fee** (French B2B, Code de commerce L441-10 II and D441-5): a flat indemnity for
  recovery costs, 40 € by default, owed for *each* invoice paid late, in business-to-business
  relations only (`b2b = true`). It is added per invoice that is past due on the notice date and
  expressed in the case currency.
- **Late interest**: simple interest on each invoice's outstanding balance at the configured yearly
  rate (percent), running from the day after the due date up to and including the notice date,
  actual days over a 365-day year: ``balance × rate / 100 × days / 365``, rounded half-up to the
  currency's minor unit, invoice by invoice.
Nothing is charged on an invoice that is not yet past due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.core.config import NoticePolicy
from relance.core.money import quantize

DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True, slots=True)
class ChargeableDebt:
    """What the charges of one invoice depend on."""

    reference: str
    balance: Decimal
    due_date: date


@dataclass(frozen=True, slots=True)
class DebtCharges:
    """The charges of one invoice."""

    reference: str
    balance: Decimal
    days_late: int
    interest: Decimal
    fee: Decimal


@dataclass(frozen=True, slots=True)
class LateCharges:
    """Charges of every invoice of a notice, with the rules that produced them."""

    lines: tuple[DebtCharges, ...]
    currency: str
    as_of: date
    rate: Decimal | None  # yearly percent; None = no late interest claimed
    fee_per_invoice: Decimal | None  # None = no recovery fee claimed

    @property
    def interest(self) -> Decimal:
        return sum((line.interest for line in self.lines), Decimal(0))

    @property
    def fees(self) -> Decimal:
        return sum((line.fee for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.interest + self.fees


def days_late(due_date: date, as_of: date) -> int:
    """Days from the day after the due date up to and including `as_of` (0 when not late)."""
    return max(0, (as_of - due_date).days)


def late_interest(balance: Decimal, rate_percent: Decimal, days: int, currency: str) -> Decimal:
    """Simple interest, actual/365, rounded half-up to the currency's minor unit."""
    if days <= 0 or balance <= 0 or rate_percent <= 0:
        return quantize(Decimal(0), currency)
    return quantize(balance * rate_percent / Decimal(100) * Decimal(days) / DAYS_IN_YEAR, currency)


def charges_apply(policy: NoticePolicy) -> bool:
    """True when the policy claims interest or a recovery fee."""
    return policy.late_interest_rate is not None or (policy.b2b and policy.recovery_fee > 0)


def compute_charges(
    debts: Sequence[ChargeableDebt], policy: NoticePolicy, *, as_of: date, currency: str
) -> LateCharges | None:
    """The charges claimed on `as_of` under `policy`, or None when the policy claims none."""
    if not charges_apply(policy):
        return None
    fee = quantize(policy.recovery_fee, currency) if policy.b2b and policy.recovery_fee > 0 else None
    rate = policy.late_interest_rate
    lines = []
    for debt in debts:
        late = days_late(debt.due_date, as_of)
        zero = quantize(Decimal(0), currency)
        interest = late_interest(debt.balance, rate, late, currency) if rate is not None else zero
        line_fee = fee if fee is not None and late > 0 else zero
        lines.append(DebtCharges(debt.reference, debt.balance, late, interest, line_fee))
    return LateCharges(tuple(lines), currency, as_of, rate, fee)
