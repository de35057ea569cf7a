"""Payments made online through a provider (Stripe): matched, recorded once, reversed on refund or dispute.

Provider-neutral: the web route verifies the provider's signature and turns its event into the
plain values below; this module stores them. Guarantees:
- an event id is handled once (`ProviderEvent`, unique per provider), whatever the retries;
- a payment is recorded once per PaymentIntent (`OnlinePayment`, unique per provider and intent;
  the `Payment` carries `external_key = "<provider>:<intent>"`), whichever of
  `checkout.session.completed` and `payment_intent.succeeded` comes first;
- a payment is matched by the case id, the creditor key and the debt reference of its metadata;
  one that matches nothing is kept (`unmatched`) with an event for a person, never dropped;
- a refund or a dispute reopens what it takes back and flags the case.

Allocation is `relance.core.payments.record_payment`'s, as for a CSV line: the debt first (the
referenced one, then the case's other open debts, oldest first), then the plan's installments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.events import record_event
from relance.core.flags import raise_flag
from relance.core.models import (
    MAX_ID,
    Case,
    CaseStatus,
    Creditor,
    Debt,
    DebtStatus,
    Installment,
    InstallmentStatus,
    OnlinePayment,
    Payment,
    PaymentPlan,
    PlanStatus,
    ProviderEvent,
)
from relance.core.money import is_currency, quantize
from relance.core.payments import record_payment, refresh_case_totals

REVERSAL_FLAG = "payment_reversed"
MAX_AMOUNT = Decimal("1e13")  # as the importer: Numeric(18, 4) columns


def from_minor_units(amount: int, currency: str) -> Decimal:
    """A provider amount in the currency's minor units (cents; yen) as a Decimal (`1250`, `EUR` → `12.50`)."""
    exponent = int(quantize(Decimal(1), currency).as_tuple().exponent)
    return quantize(Decimal(amount).scaleb(exponent), currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The inverse of `from_minor_units`."""
    exponent = quantize(Decimal(1), currency).as_tuple().exponent
    return int(quantize(amount, currency).scaleb(-int(exponent)))


@dataclass(frozen=True, slots=True)
class Match:
    """What a payment's metadata says it pays."""

    case_id: int | None = None
    creditor: str | None = None
    reference: str | None = None

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None) -> Match:
        meta = metadata or {}
        case = str(meta.get("case") or "").strip().lstrip("#")
        return cls(
            int(case) if case.isdecimal() and int(case) <= MAX_ID else None,
            str(meta.get("creditor") or "").strip() or None,
            str(meta.get("reference") or "").strip() or None,
        )


@dataclass(frozen=True, slots=True)
class Paid:
    """A succeeded payment, as the provider reports it."""

    intent_id: str
    amount_minor: int
    currency: str  # ISO 4217, any case
    match: Match
    paid_on: date


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an event did: `recorded`, `duplicate`, `unmatched`, `reversed`, `ignored`…"""

    outcome: str
    case_id: int | None = None
    case_paid: bool = False


def seen_event(session: Session, *, provider: str, event_id: str) -> bool:
    """Whether this provider event was handled already."""
    found = session.execute(
        sa.select(col(ProviderEvent.id)).where(
            col(ProviderEvent.provider) == provider, col(ProviderEvent.event_id) == event_id
        )
    ).first()
    return found is not None


def keep_event(session: Session, *, provider: str, event_id: str, kind: str, outcome: Outcome, at: datetime) -> None:
    """Remember a handled event (same transaction as its effects: a crash leaves it to be handled again)."""
    session.add(
        ProviderEvent(
            provider=provider,
            event_id=event_id,
            kind=kind,
            outcome=outcome.outcome,
            case_id=outcome.case_id,
            received_at=at,
        )
    )
    session.flush()


def find_debt(session: Session, match: Match, currency: str) -> Debt | None:
    """The debt a payment pays: the reference (within the case or creditor when given), else the case's oldest."""
    query = sa.select(Debt).where(col(Debt.currency) == currency)
    if match.case_id is not None:
        query = query.where(col(Debt.case_id) == match.case_id)
    if match.creditor is not None:
        query = query.join(Creditor, col(Creditor.id) == col(Debt.creditor_id)).where(
            col(Creditor.key) == match.creditor
        )
    if match.reference is not None:
        debts = list(session.execute(query.where(col(Debt.reference) == match.reference)).scalars())
        if len(debts) == 1:
            return debts[0]
        if match.case_id is None:
            return None  # unknown, or several creditors use the reference: a person decides
    if match.case_id is None:
        return None
    ordered = query.order_by(sa.case((col(Debt.status) == DebtStatus.OPEN, 0), else_=1), col(Debt.due_date))
    return session.execute(ordered.limit(1)).scalars().first()


def record_online_payment(session: Session, paid: Paid, *, provider: str, at: datetime) -> Outcome:
    """Record a succeeded payment once per intent, allocated like a CSV payment; unmatched ones are kept."""
    currency = paid.currency.upper()
    existing = _online(session, provider, paid.intent_id)
    if existing is not None:
        return Outcome("duplicate", existing.case_id)
    if not is_currency(currency) or paid.amount_minor <= 0:
        raise ValueError(f"a payment of {paid.amount_minor} {paid.currency!r} cannot be recorded")
    amount = from_minor_units(paid.amount_minor, currency)
    if amount >= MAX_AMOUNT:
        raise ValueError(f"amount {amount} {currency} is beyond what Relance records")
    debt = find_debt(session, paid.match, currency)
    online = OnlinePayment(
        provider=provider,
        intent_id=paid.intent_id,
        amount=amount,
        currency=currency,
        status="matched",
        reference=paid.match.reference,
        creditor_key=paid.match.creditor,
        created_at=at,
        updated_at=at,
    )
    if debt is None:
        online.status = "unmatched"
        session.add(online)
        session.flush()
        record_event(
            session,
            case_id=None,
            kind="payment_unmatched",
            actor=provider,
            at=at,
            data={
                "intent": paid.intent_id,
                "amount": amount,
                "currency": currency,
                "reference": paid.match.reference,
                "creditor": paid.match.creditor,
                "case": paid.match.case_id,
            },
        )
        return Outcome("unmatched")
    was_paid = _status(session, debt.case_id) == CaseStatus.PAID
    payment = _allocate(session, debt, amount, paid.paid_on, at, f"{provider}:{paid.intent_id}", provider)
    online.case_id, online.debt_id, online.payment_id = debt.case_id, debt.id, payment.id if payment else None
    session.add(online)
    session.flush()
    now_paid = _status(session, debt.case_id) == CaseStatus.PAID
    return Outcome("recorded", debt.case_id, case_paid=now_paid and not was_paid)


def _allocate(
    session: Session, debt: Debt, amount: Decimal, paid_on: date, at: datetime, key: str, source: str
) -> Payment | None:
    """The referenced debt first; what is left over goes to the case's other open debts, oldest first."""
    first = min(amount, debt.balance) if debt.balance > 0 else amount
    payment = record_payment(session, debt=debt, amount=first, paid_on=paid_on, at=at, source=source, external_key=key)
    rest = amount - first
    if rest <= 0:
        return payment
    others = session.execute(
        sa.select(Debt)
        .where(col(Debt.case_id) == debt.case_id, col(Debt.id) != debt.id, col(Debt.status) == DebtStatus.OPEN)
        .order_by(col(Debt.due_date), col(Debt.id))
    ).scalars()
    part = 1
    for other in list(others):
        if rest <= 0:
            break
        take = min(rest, other.balance)
        if take <= 0:
            continue
        part += 1
        record_payment(
            session, debt=other, amount=take, paid_on=paid_on, at=at, source=source, external_key=f"{key}:{part}"
        )
        rest -= take
    if rest > 0:  # overpaid: kept on the referenced debt, its event says by how much
        part += 1
        record_payment(
            session, debt=debt, amount=rest, paid_on=paid_on, at=at, source=source, external_key=f"{key}:{part}"
        )
    return payment


def reverse_online_payment(
    session: Session, *, provider: str, intent_id: str, amount_minor: int, reason: str, at: datetime, cumulative: bool
) -> Outcome:
    """A refund or a dispute takes money back: the balance reopens and the case is flagged.

    `cumulative`: `amount_minor` is the total taken back so far (Stripe's `amount_refunded`), so a
    second partial refund reverses only the difference.
    """
    online = _online(session, provider, intent_id)
    if online is None:
        return Outcome("ignored")
    taken = from_minor_units(amount_minor, online.currency)
    delta = taken - online.reversed_amount if cumulative else taken
    delta = min(delta, online.amount - online.reversed_amount)
    if delta <= 0:
        return Outcome("duplicate", online.case_id)
    online.reversed_amount += delta
    online.status = "reversed"
    online.updated_at = at
    session.add(online)
    if online.case_id is None or online.debt_id is None:
        record_event(
            session,
            case_id=None,
            kind="payment_reversed",
            actor=provider,
            at=at,
            data={"intent": intent_id, "amount": delta, "reason": reason},
        )
        return Outcome("reversed")
    debt = session.get(Debt, online.debt_id)
    case = session.get(Case, online.case_id)
    assert debt is not None and case is not None
    _reopen(session, case, debt, delta, at)
    record_event(
        session,
        case_id=case.id,
        kind="payment_reversed",
        actor=provider,
        at=at,
        data={
            "intent": intent_id,
            "amount": delta,
            "currency": online.currency,
            "reason": reason,
            "reference": debt.reference,
            "debt_balance": debt.balance,
        },
    )
    raise_flag(
        session,
        case=case,
        reason=REVERSAL_FLAG,
        at=at,
        action="check_payment",
        priority=3,
        actor=provider,
        note=f"{reason}: {delta} {online.currency} taken back ({intent_id})",
    )
    return Outcome("reversed", case.id)


def _reopen(session: Session, case: Case, debt: Debt, amount: Decimal, at: datetime) -> None:
    """Put `amount` back on the debt, undo it on the plan's installments (latest first), reopen the case."""
    debt.balance = min(debt.amount, debt.balance + amount)
    if debt.balance > 0 and debt.status == DebtStatus.PAID:
        debt.status = DebtStatus.OPEN
    debt.updated_at = at
    session.add(debt)
    plan = (
        session.execute(
            sa.select(PaymentPlan)
            .where(
                col(PaymentPlan.case_id) == case.id,
                col(PaymentPlan.status).in_([PlanStatus.ACTIVE, PlanStatus.COMPLETED]),
            )
            .order_by(col(PaymentPlan.id).desc())
        )
        .scalars()
        .first()
    )
    if plan is not None:
        _unpay_installments(session, plan, amount, at)
    if case.status in (CaseStatus.PAID, CaseStatus.CLOSED) and debt.balance > 0:
        previous = case.status
        case.status = CaseStatus.PLAN if plan is not None and plan.status == PlanStatus.ACTIVE else CaseStatus.OPEN
        case.closed_at = None
        record_event(
            session,
            case_id=case.id,
            kind="case_reopened",
            actor="system",
            at=at,
            data={"previous_status": previous, "reason": "payment_reversed"},
        )
    refresh_case_totals(session, case, at)


def _unpay_installments(session: Session, plan: PaymentPlan, amount: Decimal, at: datetime) -> None:
    rest = amount
    paid = session.execute(
        sa.select(Installment)
        .where(col(Installment.plan_id) == plan.id, col(Installment.paid_amount) > 0)
        .order_by(col(Installment.seq).desc())
    ).scalars()
    for inst in list(paid):
        if rest <= 0:
            break
        take = min(rest, inst.paid_amount)
        inst.paid_amount -= take
        rest -= take
        if inst.paid_amount < inst.amount and inst.status == InstallmentStatus.PAID:
            inst.status = InstallmentStatus.DUE
        session.add(inst)
    if plan.status == PlanStatus.COMPLETED:
        plan.status, plan.ended_at = PlanStatus.ACTIVE, None
        session.add(plan)


def _online(session: Session, provider: str, intent_id: str) -> OnlinePayment | None:
    return session.execute(
        sa.select(OnlinePayment).where(
            col(OnlinePayment.provider) == provider, col(OnlinePayment.intent_id) == intent_id
        )
    ).scalar_one_or_none()


def _status(session: Session, case_id: int) -> str:
    return session.execute(sa.select(col(Case.status)).where(col(Case.id) == case_id)).scalar_one()


def unmatched_payments(session: Session) -> list[OnlinePayment]:
    """Online payments no debt claimed yet (for a person to allocate)."""
    return list(
        session.execute(
            sa.select(OnlinePayment).where(col(OnlinePayment.status) == "unmatched").order_by(col(OnlinePayment.id))
        ).scalars()
    )
