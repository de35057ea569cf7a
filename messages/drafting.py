"""Formal notices from the database: gather a case's facts, draft the PDF, store it.

`build_notice_data` reads the case's open debts, its debtor, and the reminders actually sent
(outbound messages of kind `reminder` that reached the provider), and hands plain values to
`messages.notice`. `create_notice` stores the drafted PDF with its SHA-256 in a `FormalNotice` row
and records the event. The `relance notice REF --out FILE.pdf` command writes the PDF to a file.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from messages.notice import NoticeData, NoticeDebt, Party, SentReminder, notice_data, render_notice_pdf
from messages.render import Renderer
from relance.core.clock import utcnow
from relance.core.config import RelanceConfig
from relance.core.errors import NotFoundError
from relance.core.events import record_event
from relance.core.models import (
    Case,
    Creditor,
    Debt,
    Debtor,
    DebtStatus,
    Direction,
    FormalNotice,
    Message,
    MessageStatus,
    NoticeStatus,
)

REMINDER_KIND = "reminder"
_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


def _local_date(instant: datetime, zone: str) -> date:
    """The calendar date of an instant in the debtor's (first) time zone."""
    try:
        return instant.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return instant.date()


def sent_reminders(session: Session, case: Case, zone: str = "UTC") -> list[SentReminder]:
    """The case's scenario reminders that left for the debtor, oldest first."""
    rows = session.execute(
        sa.select(col(Message.sent_at), col(Message.created_at), col(Message.channel), col(Message.step))
        .where(
            col(Message.case_id) == case.id,
            col(Message.direction) == Direction.OUT,
            col(Message.kind) == REMINDER_KIND,
            col(Message.status).in_(_SENT),
        )
        .order_by(col(Message.id))
    ).all()
    return [SentReminder(_local_date(sent or created, zone), channel, step) for sent, created, channel, step in rows]


def open_debts(session: Session, case: Case) -> list[NoticeDebt]:
    """The case's debts still owed, by due date."""
    rows = session.execute(
        sa.select(Debt)
        .where(col(Debt.case_id) == case.id, col(Debt.status) == DebtStatus.OPEN, col(Debt.balance) > 0)
        .order_by(col(Debt.due_date), col(Debt.reference))
    ).scalars()
    return [NoticeDebt(d.reference, d.due_date, d.amount, d.balance) for d in rows]


def build_notice_data(session: Session, case: Case, config: RelanceConfig, today: date) -> NoticeData:
    """Everything the formal notice of `case` states, as of `today`."""
    debtor = session.get(Debtor, case.debtor_id)
    creditor_row = session.get(Creditor, case.creditor_id)
    if debtor is None or creditor_row is None:
        raise NotFoundError(f"case #{case.id}: its debtor or creditor row is missing")
    debts = open_debts(session, case)
    if not debts:
        raise NotFoundError(f"case #{case.id} has no unpaid debt: there is nothing to claim")
    zone = (debtor.zones or ("UTC",))[0]
    return notice_data(
        config.creditor(creditor_row.key),
        debtor=Party(debtor.name, debtor.address or "", email=debtor.email, phone=debtor.phone),
        debts=debts,
        currency=case.currency,
        issued_on=today,
        locale=debtor.locale,
        reminders=sent_reminders(session, case, zone),
    )


def create_notice(
    session: Session,
    case: Case,
    config: RelanceConfig,
    today: date,
    agent_id: int | None = None,
    *,
    now: datetime | None = None,
    renderer: Renderer | None = None,
) -> FormalNotice:
    """Draft the notice, store the PDF and its SHA-256, record `notice_drafted` (flushed)."""
    data = build_notice_data(session, case, config, today)
    pdf = render_notice_pdf(data, renderer or Renderer.from_config(config))
    digest = hashlib.sha256(pdf).hexdigest()
    at = now or utcnow()
    notice = FormalNotice(
        case_id=case.id,  # type: ignore[arg-type]
        status=NoticeStatus.DRAFT,
        total=data.total,
        currency=data.currency,
        deadline=data.deadline,
        pdf=pdf,
        pdf_sha256=digest,
        created_at=at,
        created_by=agent_id,
    )
    session.add(notice)
    session.flush()
    record_event(
        session,
        case_id=case.id,
        kind="notice_drafted",
        actor="agent" if agent_id is not None else "system",
        actor_id=agent_id,
        at=at,
        data={
            "notice_id": notice.id,
            "total": data.total,
            "currency": data.currency,
            "deadline": data.deadline,
            "pdf_sha256": digest,
        },
    )
    return notice
