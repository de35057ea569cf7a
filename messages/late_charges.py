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

Per jurisdiction (`charges_for`, see docs/notices/README.md for the sources):
- FR, business debtor: the 40 € indemnity per invoice (L441-10 II, D441-5) and late interest from
  the day after the due date at the configured rate;
- FR, consumer: no flat fee (none exists for consumers); the letter says legal interest runs from
  the formal notice itself (Code civil 1231-6), nothing accrued is claimed;
- BE, consumer (Code de droit économique, Book XIX): nothing is claimed in the letter; when the
  creditor's terms provide flat damages (`flat_damages`), their legal cap is *announced* for
  non-payment within the (at least 14-day) deadline (`be_damages_cap`);
- GB, business debtor: the fixed sum of the Late Payment of Commercial Debts (Interest) Act 1998
  s. 5A (£40 / £70 / £100 by invoice amount) and interest at the configured rate;
- anything else: interest only, and only when a rate is configured (contractual).
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
    fee_per_invoice: Decimal | None  # None = no recovery fee claimed (or one that varies by invoice)
    fee_rule: str | None = None  # "L441-10" (FR) or "late_payment_act" (GB): which law the fees come from

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
    return LateCharges(tuple(lines), currency, as_of, rate, fee, "L441-10" if fee is not None else None)


def charges_for(
    debts: Sequence[ChargeableDebt],
    policy: NoticePolicy,
    *,
    jurisdiction: str,
    business: bool,
    as_of: date,
    currency: str,
) -> LateCharges | None:
    """What a notice may claim under the law of `jurisdiction` (see the module docstring)."""
    if jurisdiction == "FR":
        if not business:
            return None  # consumers: interest runs from the notice itself (C. civ. 1231-6), no flat fee
        return compute_charges(debts, policy.model_copy(update={"b2b": True}), as_of=as_of, currency=currency)
    if jurisdiction == "BE" and not business:
        return None  # Book XIX: damages are announced for non-payment by the deadline, not claimed now
    plain = policy.model_copy(update={"b2b": False})
    if jurisdiction == "GB" and business and currency == "GBP":
        return _late_payment_act(debts, plain, as_of=as_of, currency=currency)
    if plain.late_interest_rate is None:
        return None
    return compute_charges(debts, plain, as_of=as_of, currency=currency)


# Late Payment of Commercial Debts (Interest) Act 1998, s. 5A: fixed sum by the amount of the debt
_UK_FIXED_SUMS = ((Decimal("1000"), Decimal("40")), (Decimal("10000"), Decimal("70")))
_UK_TOP = Decimal("100")


def uk_fixed_sum(amount: Decimal) -> Decimal:
    """The Act's fixed compensation for one late invoice: £40 under £1,000, £70 under £10,000, else £100."""
    for below, fee in _UK_FIXED_SUMS:
        if amount < below:
            return fee
    return _UK_TOP


def _late_payment_act(
    debts: Sequence[ChargeableDebt], policy: NoticePolicy, *, as_of: date, currency: str
) -> LateCharges:
    rate = policy.late_interest_rate
    zero = quantize(Decimal(0), currency)
    lines = []
    for debt in debts:
        late = days_late(debt.due_date, as_of)
        interest = late_interest(debt.balance, rate, late, currency) if rate is not None else zero
        fee = quantize(uk_fixed_sum(debt.balance), currency) if late > 0 else zero
        lines.append(DebtCharges(debt.reference, debt.balance, late, interest, fee))
    return LateCharges(tuple(lines), currency, as_of, rate, None, "late_payment_act")


# Code de droit économique, Book XIX (art. XIX.4): the cap of flat damages a consumer may owe,
# by the balance still due: up to 150 €: 20 €; 150.01-500 €: 30 € + 10 % of the part above 150 €;
# above 500 €: 65 € + 5 % of the part above 500 €, at most 2,000 €.
_BE_LOW, _BE_MID = Decimal("150"), Decimal("500")
_BE_CAP = Decimal("2000")


def be_damages_cap(balance: Decimal, currency: str = "EUR") -> Decimal:
    """The most flat damages Book XIX allows on a consumer debt of `balance` (euros)."""
    if balance <= 0:
        return quantize(Decimal(0), currency)
    if balance <= _BE_LOW:
        cap = Decimal("20")
    elif balance <= _BE_MID:
        cap = Decimal("30") + (balance - _BE_LOW) * Decimal("0.10")
    else:
        cap = min(Decimal("65") + (balance - _BE_MID) * Decimal("0.05"), _BE_CAP)
    return quantize(cap, currency)
