"""Stripe Checkout Sessions behind the payment links (official `stripe` SDK).

`checkout_url` answers a click on `/pay/<token>`: the session already made for that target when it
is still open for the amount due now, else a new one (an expired session is re-created, a changed
amount gets a fresh session). Each session carries `metadata.reference`, `metadata.creditor` and
`metadata.case` (also on its PaymentIntent), which is how the webhook matches the payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import stripe
from sqlmodel import Session, col

from relance.core.config import Settings
from relance.core.models import (
    Case,
    CheckoutLink,
    Creditor,
    Debt,
    DebtStatus,
    Installment,
    InstallmentStatus,
    PaymentPlan,
    PromiseStatus,
    PromiseToPay,
)
from relance.core.online_payments import to_minor_units
from relance.core.paylinks import PAY_PATH

# a session about to expire is not handed out: the debtor needs time to type a card number
FRESH_FOR = timedelta(minutes=10)


class NothingToPay(Exception):
    """The target is paid, cancelled or closed."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a link pays, with the amount due now."""

    kind: str
    id: int
    case: Case
    amount: Decimal
    currency: str
    reference: str
    creditor_key: str
    creditor_name: str


def stripe_client(settings: Settings) -> stripe.StripeClient:
    """The SDK client, pointed at `RELANCE_STRIPE_API_URL` when set (a local Stripe-speaking server in tests)."""
    assert settings.stripe_api_key is not None
    base = {"api": settings.stripe_api_url} if settings.stripe_api_url else None
    return stripe.StripeClient(settings.stripe_api_key.get_secret_value(), base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]


def load_target(session: Session, kind: str, target_id: int) -> Target:
    """The target of a link and what is due on it now; raises LookupError or NothingToPay."""
    case_id, amount = _due(session, kind, target_id)
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(kind)
    amount = min(amount, case.balance)
    if amount <= 0 or case.status in ("paid", "closed"):
        raise NothingToPay(kind)
    creditor = session.get(Creditor, case.creditor_id)
    assert creditor is not None
    reference = session.execute(
        sa.select(col(Debt.reference))
        .where(col(Debt.case_id) == case.id, col(Debt.status) == DebtStatus.OPEN)
        .order_by(col(Debt.due_date), col(Debt.id))
    ).scalar()
    if reference is None:
        raise NothingToPay(kind)
    return Target(kind, target_id, case, amount, case.currency, reference, creditor.key, creditor.name)


def _due(session: Session, kind: str, target_id: int) -> tuple[int, Decimal]:
    if kind == "case":
        case = session.get(Case, target_id)
        if case is None:
            raise LookupError(kind)
        return target_id, Decimal(case.balance)
    if kind == "installment":
        inst = session.get(Installment, target_id)
        plan = session.get(PaymentPlan, inst.plan_id) if inst is not None else None
        if inst is None or plan is None:
            raise LookupError(kind)
        if inst.status == InstallmentStatus.PAID:
            raise NothingToPay(kind)
        return plan.case_id, Decimal(inst.amount - inst.paid_amount)
    promise = session.get(PromiseToPay, target_id)
    if promise is None:
        raise LookupError(kind)
    if promise.status != PromiseStatus.PENDING:
        raise NothingToPay(kind)
    return promise.case_id, Decimal(promise.amount)


def reusable(link: CheckoutLink | None, target: Target, now: datetime) -> bool:
    return link is not None and link.amount == target.amount and link.expires_at > now + FRESH_FOR


def existing_link(session: Session, target: Target) -> CheckoutLink | None:
    return session.execute(
        sa.select(CheckoutLink).where(col(CheckoutLink.target) == target.kind, col(CheckoutLink.target_id) == target.id)
    ).scalar_one_or_none()


def session_params(settings: Settings, target: Target, token: str) -> dict[str, Any]:
    """The Checkout Session: one line for the amount due, card (and SEPA debit for EUR), our metadata."""
    metadata = {
        "reference": target.reference,
        "creditor": target.creditor_key,
        "case": str(target.case.id),
        "target": f"{target.kind}:{target.id}",
    }
    methods = [m.strip() for m in settings.stripe_payment_methods.split(",") if m.strip()]
    if target.currency != "EUR":
        methods = [m for m in methods if m != "sepa_debit"] or ["card"]
    back = f"{(settings.public_url or '').rstrip('/')}{PAY_PATH}/{token}"
    return {
        "mode": "payment",
        "payment_method_types": methods,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": target.currency.lower(),
                    "unit_amount": to_minor_units(target.amount, target.currency),
                    "product_data": {"name": f"{target.creditor_name} – {target.reference}"},
                },
            }
        ],
        "client_reference_id": f"case-{target.case.id}",
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": f"{back}?done=1",
        "cancel_url": back,
    }


def store_link(session: Session, target: Target, created: Any, now: datetime) -> CheckoutLink:
    """Keep (or replace) the target's session."""
    link = existing_link(session, target) or CheckoutLink(
        target=target.kind,
        target_id=target.id,
        case_id=target.case.id,  # type: ignore[arg-type]
        session_id="",
        url="",  # type: ignore[arg-type]
        amount=target.amount,
        currency=target.currency,
        expires_at=now,
        created_at=now,
    )
    link.session_id, link.url = str(created["id"]), str(created["url"])
    link.amount, link.currency = target.amount, target.currency
    expires = created["expires_at"] if "expires_at" in created else None  # noqa: SIM401 - a StripeObject, no .get
    link.expires_at = datetime.fromtimestamp(int(expires), UTC) if expires else now + timedelta(hours=23)
    link.created_at = now
    session.add(link)
    session.flush()
    return link
