"""Factory functions for test data, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

import sqlalchemy as sa
from sqlmodel import Session

from relance.core.models import Case, Creditor, Debt, Debtor

_seq = count(1)
DEFAULT_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def creditor(session: Session, key: str = "default", name: str = "Example Creditor") -> Creditor:
    """The creditor with `key`, created when missing."""
    row = session.execute(sa.select(Creditor).where(Creditor.key == key)).scalar_one_or_none()
    if row is None:
        row = Creditor(key=key, name=name, created_at=DEFAULT_AT)
        session.add(row)
        session.flush()
    return row


def debtor(
    session: Session,
    *,
    name: str = "Camille Martin",
    phone: str | None = None,
    locale: str = "fr",
    country: str = "FR",
    timezones: str = "Europe/Paris",
    telegram_chat_id: int | None = None,
    ref: str | None = None,
) -> Debtor:
    n = next(_seq)
    row = Debtor(
        ref=ref or f"D-{n:05d}",
        name=name,
        phone=phone or f"+3361234{n:04d}",
        locale=locale,
        country=country,
        timezones=timezones,
        telegram_chat_id=telegram_chat_id,
        created_at=DEFAULT_AT,
        updated_at=DEFAULT_AT,
    )
    session.add(row)
    session.flush()
    return row


def case_with_debt(
    session: Session,
    *,
    amount: Decimal | str = "600.00",
    currency: str = "EUR",
    due: date = date(2026, 11, 1),
    reference: str | None = None,
    creditor_key: str = "default",
    **debtor_kw: object,
) -> Case:
    """A case of one open debt for a new debtor (flushed)."""
    cred = creditor(session, creditor_key)
    who = debtor(session, **debtor_kw)  # type: ignore[arg-type]
    amount = Decimal(amount)
    case = Case(
        creditor_id=cred.id,  # type: ignore[arg-type]
        debtor_id=who.id,  # type: ignore[arg-type]
        currency=currency,
        balance=amount,
        due_date=due,
        opened_at=DEFAULT_AT,
        updated_at=DEFAULT_AT,
    )
    session.add(case)
    session.flush()
    session.add(
        Debt(
            creditor_id=cred.id,  # type: ignore[arg-type]
            case_id=case.id,  # type: ignore[arg-type]
            reference=reference or f"INV-{next(_seq):06d}",
            amount=amount,
            balance=amount,
            currency=currency,
            due_date=due,
            created_at=DEFAULT_AT,
            updated_at=DEFAULT_AT,
        )
    )
    session.flush()
    return case
