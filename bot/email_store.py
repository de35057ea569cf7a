"""E-mails as they went over the wire: kept for threading (Message-ID → case) and for the case file (.eml)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from relance.core.models import Case, CaseStatus, Creditor, Debtor, EmailRecord

_CLOSED = (CaseStatus.PAID, CaseStatus.CLOSED)
_T = EmailRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Thread:
    """What an answer needs to join the conversation: the message answered, its references, its subject."""

    in_reply_to: str
    references: tuple[str, ...]
    subject: str


def record_email(
    session: Session,
    *,
    direction: str,
    header_id: str,
    address: str,
    raw: bytes,
    at: datetime,
    case_id: int | None = None,
    message_id: int | None = None,
    kind: str = "message",
    in_reply_to: str | None = None,
    subject: str = "",
) -> EmailRecord:
    """Keep one e-mail (its SHA-256 is that of the raw bytes, as in the case file's manifest)."""
    row = EmailRecord(
        message_id=message_id,
        case_id=case_id,
        direction=direction,
        kind=kind,
        header_id=header_id[:998],
        in_reply_to=in_reply_to,
        subject=subject,
        address=address[:254],
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def thread_of(conn: Connection, case_id: int) -> Thread | None:
    """The latest e-mail the debtor sent about `case_id`: an answer threads under it."""
    row = conn.execute(
        sa.select(_T.c.header_id, _T.c.in_reply_to, _T.c.subject)
        .where(_T.c.case_id == case_id, _T.c.direction == "in", _T.c.kind == "message")
        .order_by(_T.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    header_id, in_reply_to, subject = row
    references = tuple(dict.fromkeys((*(in_reply_to or "").split(), header_id)))
    return Thread(header_id, references, subject or "")


def case_for_references(session: Session, ids: Sequence[str]) -> Case | None:
    """The case of the most recent of `ids` (In-Reply-To, References) that is one of our e-mails."""
    # only ids we kept count: an id of our shape that we never sent is a guess, not a thread
    for header_id in reversed(list(ids)):
        known = session.execute(
            sa.select(_T.c.case_id).where(_T.c.header_id == header_id, _T.c.case_id.is_not(None)).limit(1)
        ).scalar_one_or_none()
        if known is not None:
            case = session.get(Case, known)
            if case is not None:
                return case
    return None


def case_for_address(session: Session, address: str) -> Case | None:
    """The case an e-mail from `address` is about: the open one we wrote to last, else the latest."""
    order = (
        sa.case((col(Case.status).in_(_CLOSED), 1), else_=0),
        sa.func.coalesce(col(Case.last_reminder_at), col(Case.opened_at)).desc(),
        col(Case.id).desc(),
    )
    query = (
        sa.select(Case)
        .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
        .join(Creditor, col(Creditor.id) == col(Case.creditor_id))
        .where(sa.func.lower(col(Debtor.email)) == address.strip().lower())
        .order_by(*order)
        .limit(1)
    )
    return session.execute(query).scalars().first()


def emails_of_case(session: Session, case_id: int) -> list[EmailRecord]:
    """Every e-mail of a case, in order (the case file's `.eml` files)."""
    return list(
        session.execute(
            sa.select(EmailRecord).where(col(EmailRecord.case_id) == case_id).order_by(col(EmailRecord.id))
        ).scalars()
    )
