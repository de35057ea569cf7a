"""Finding and describing cases (read side used by the CLI and the console)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from relance.core.errors import NotFoundError
from relance.core.models import Case, Creditor, Debt, Debtor, Event, Flag, FlagStatus, Message, valid_id


def find_case(session: Session, ref: str, *, creditor_ids: Collection[int] | None = None) -> Case:
    """Resolve REF: a debt reference, a debtor ref (or phone), or a case id (`42`, `#42`, `C42`).

    With `creditor_ids`, only cases of those creditors are found (the others do not exist for the caller).
    """
    ref = ref.strip()
    case_ids = set(session.execute(sa.select(col(Debt.case_id)).where(col(Debt.reference) == ref)).scalars())
    if not case_ids:
        case_ids = set(
            session.execute(
                sa.select(col(Case.id))
                .join(Debtor, col(Debtor.id) == Case.debtor_id)
                .where(sa.or_(col(Debtor.ref) == ref, col(Debtor.phone) == ref))
            ).scalars()
        )
    if not case_ids:
        digits = ref.lstrip("#").removeprefix("C").removeprefix("c")
        # ASCII digits only ("²".isdigit() is true), and no id beyond what a database stores
        number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 19 else 0
        if valid_id(number) and session.get(Case, number) is not None:
            case_ids = {number}
    if case_ids and creditor_ids is not None:
        case_ids = set(
            session.execute(
                sa.select(col(Case.id)).where(col(Case.id).in_(case_ids), col(Case.creditor_id).in_(creditor_ids))
            ).scalars()
        )
    if not case_ids:
        raise NotFoundError(f"no case matches {ref!r} (try a debt reference, a debtor ref or a case id)")
    if len(case_ids) > 1:
        listed = ", ".join(f"#{i}" for i in sorted(case_ids))
        raise NotFoundError(f"{ref!r} matches several cases ({listed}): use the case id")
    case = session.get(Case, case_ids.pop())
    assert case is not None
    return case


@dataclass(frozen=True)
class CaseRow:
    """One line of `relance cases list`."""

    id: int
    debtor_ref: str
    debtor_name: str
    creditor: str
    status: str
    balance: Decimal
    currency: str
    debts: int
    flags: int
    taken_over: bool


def list_cases(
    session: Session, *, status: str | None = None, flagged: bool = False, limit: int = 200, offset: int = 0
) -> list[CaseRow]:
    """Cases with their debtor and counts, in one query."""
    debts = sa.select(sa.func.count(col(Debt.id))).where(col(Debt.case_id) == Case.id).correlate(Case).scalar_subquery()
    flags = (
        sa.select(sa.func.count(col(Flag.id)))
        .where(col(Flag.case_id) == Case.id, col(Flag.status) == FlagStatus.OPEN)
        .correlate(Case)
        .scalar_subquery()
    )
    query = (
        sa.select(Case, col(Debtor.ref), col(Debtor.name), col(Creditor.key), debts, flags)
        .join(Debtor, col(Debtor.id) == Case.debtor_id)
        .join(Creditor, col(Creditor.id) == Case.creditor_id)
        .order_by(col(Case.id))
        .limit(limit)
        .offset(offset)
    )
    if status:
        query = query.where(col(Case.status) == status)
    if flagged:
        query = query.where(flags > 0)
    return [
        CaseRow(
            id=case.id,
            debtor_ref=debtor_ref,
            debtor_name=name,
            creditor=creditor,
            status=case.status,
            balance=case.balance,
            currency=case.currency,
            debts=n_debts,
            flags=n_flags,
            taken_over=case.agent_id is not None,
        )
        for case, debtor_ref, name, creditor, n_debts, n_flags in session.execute(query)
    ]


@dataclass(frozen=True)
class CaseDetail:
    """Everything `relance cases show` prints."""

    case: Case
    debtor: Debtor
    creditor: Creditor
    debts: Sequence[Debt]
    messages: Sequence[Message]
    events: Sequence[Event]
    flags: Sequence[Flag]


def case_detail(session: Session, case: Case) -> CaseDetail:
    """Load a case with its debtor, debts, transcript, events and flags."""
    debtor = session.get(Debtor, case.debtor_id)
    creditor = session.get(Creditor, case.creditor_id)
    assert debtor is not None and creditor is not None

    def rows(model: type[Any], *order: Mapped[Any]) -> list[Any]:
        return list(session.execute(sa.select(model).where(model.case_id == case.id).order_by(*order)).scalars())

    return CaseDetail(
        case=case,
        debtor=debtor,
        creditor=creditor,
        debts=rows(Debt, col(Debt.due_date), col(Debt.id)),
        messages=rows(Message, col(Message.created_at), col(Message.id)),
        events=rows(Event, col(Event.id)),
        flags=rows(Flag, col(Flag.created_at)),
    )
