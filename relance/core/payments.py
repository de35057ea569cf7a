"""Recording payments: allocation to the debt, plan installments, promises, closing paid cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.events import record_event
from relance.core.models import (
    Case,
    CaseStatus,
    Debt,
    DebtStatus,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)
from relance.core.money import has_valid_precision, parse_amount, quantize

DEFAULT_CEILING = Decimal("10000000")  # `Settings.max_payment_amount`
EARLIEST_PAYMENT = date(2000, 1, 1)


def checked_amount(text: str, currency: str, *, ceiling: Decimal = DEFAULT_CEILING) -> Decimal:
    """A payment amount typed by a person: a plain positive number, at most the currency's decimals and
    `ceiling`; ValueError says what is wrong (`0.00001`, `1e400`, 39 digits, `-5`…)."""
    text = text.strip()
    if not text or len(text) > 40 or any(c in text for c in "eEnN"):
        raise ValueError(f"{text[:40]!r} is not an amount (write it like 1234.56)")
    value = parse_amount(text)
    if value <= 0:
        raise ValueError("must be more than zero")
    if value > ceiling:
        raise ValueError(f"{value} is more than the largest payment accepted ({ceiling})")
    try:
        precise = has_valid_precision(value, currency)
    except InvalidOperation:
        precise = False
    if not precise:
        raise ValueError(f"{value} has more decimals than {currency} allows")
    return value


def check_paid_on(paid_on: date, today: date) -> None:
    """A payment date must be a real, plausible one: not before 2000, not after tomorrow."""
    if paid_on < EARLIEST_PAYMENT:
        raise ValueError(f"{paid_on.isoformat()} is before {EARLIEST_PAYMENT.isoformat()}")
    if paid_on > today + timedelta(days=1):
        raise ValueError(f"{paid_on.isoformat()} is in the future")


def record_payment(
    session: Session,
    *,
    debt: Debt,
    amount: Decimal,
    paid_on: date,
    at: datetime,
    source: str = "import",
    external_key: str | None = None,
    agent_id: int | None = None,
) -> Payment | None:
    """Record a payment on a debt; returns None when `external_key` was already recorded."""
    if external_key is not None:
        seen = session.execute(sa.select(col(Payment.id)).where(col(Payment.external_key) == external_key)).first()
        if seen is not None:
            return None
    amount = quantize(amount, debt.currency)
    if amount <= 0:
        raise ValueError("a payment must be positive")
    payment = Payment(
        case_id=debt.case_id,
        debt_id=debt.id,
        amount=amount,
        currency=debt.currency,
        paid_on=paid_on,
        source=source,
        external_key=external_key,
        agent_id=agent_id,
        created_at=at,
    )
    session.add(payment)
    overpaid = max(Decimal(0), amount - debt.balance)
    debt.balance = max(Decimal(0), debt.balance - amount)
    debt.updated_at = at
    if debt.balance == 0 and debt.status == DebtStatus.OPEN:
        debt.status = DebtStatus.PAID
    session.add(debt)
    session.flush()
    case = session.get(Case, debt.case_id)
    assert case is not None
    record_event(
        session,
        case_id=case.id,
        kind="payment_recorded",
        actor="agent" if agent_id else source,
        actor_id=agent_id,
        at=at,
        data={
            "payment_id": payment.id,
            "reference": debt.reference,
            "amount": amount,
            "currency": debt.currency,
            "paid_on": paid_on,
            "overpaid": overpaid,
            "debt_balance": debt.balance,
        },
    )
    _apply_to_plan(session, case, amount)
    _settle_promises(session, case, at)
    refresh_case_totals(session, case, at)
    return payment


def _apply_to_plan(session: Session, case: Case, amount: Decimal) -> None:
    plan = session.execute(
        sa.select(PaymentPlan).where(col(PaymentPlan.case_id) == case.id, col(PaymentPlan.status) == PlanStatus.ACTIVE)
    ).scalar_one_or_none()
    if plan is None:
        return
    remaining = amount
    installments = session.execute(
        sa.select(Installment)
        .where(col(Installment.plan_id) == plan.id, col(Installment.status) != InstallmentStatus.PAID)
        .order_by(col(Installment.seq))
    ).scalars()
    for inst in installments:
        if remaining <= 0:
            break
        take = min(remaining, inst.amount - inst.paid_amount)
        inst.paid_amount += take
        remaining -= take
        if inst.paid_amount >= inst.amount:
            inst.status = InstallmentStatus.PAID
        session.add(inst)


def _settle_promises(session: Session, case: Case, at: datetime) -> None:
    promises = session.execute(
        sa.select(PromiseToPay).where(
            col(PromiseToPay.case_id) == case.id, col(PromiseToPay.status) == PromiseStatus.PENDING
        )
    ).scalars()
    for promise in promises:
        paid_since = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
                col(Payment.case_id) == case.id, col(Payment.created_at) >= promise.created_at
            )
        ).scalar_one()
        if Decimal(paid_since) >= promise.amount:
            promise.status = PromiseStatus.KEPT
            session.add(promise)
            record_event(
                session, case_id=case.id, kind="promise_kept", actor="system", at=at, data={"promise_id": promise.id}
            )


def refresh_case_totals(session: Session, case: Case, at: datetime) -> None:
    """Recompute the case's balance and day 0 from its open debts; close it when fully paid."""
    session.flush()
    balance, due = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Debt.balance), 0), sa.func.min(Debt.due_date)).where(
            col(Debt.case_id) == case.id, col(Debt.status) == DebtStatus.OPEN
        )
    ).one()
    case.balance = quantize(Decimal(balance), case.currency)
    case.due_date = due
    case.next_check_at = None  # day 0, the balance or a plan changed: the sweep decides again
    case.updated_at = at
    if case.balance == 0 and case.status not in (CaseStatus.PAID, CaseStatus.CLOSED):
        previous = case.status
        case.status = CaseStatus.PAID
        case.closed_at = at
        _complete_plan(session, case, at)
        record_event(
            session, case_id=case.id, kind="case_paid", actor="system", at=at, data={"previous_status": previous}
        )
    session.add(case)
    session.flush()


def _complete_plan(session: Session, case: Case, at: datetime) -> None:
    plan = session.execute(
        sa.select(PaymentPlan).where(col(PaymentPlan.case_id) == case.id, col(PaymentPlan.status) == PlanStatus.ACTIVE)
    ).scalar_one_or_none()
    if plan is not None:
        plan.status = PlanStatus.COMPLETED
        plan.ended_at = at
        session.add(plan)
