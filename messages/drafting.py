"""Formal notices from the database: gather a case's facts, draft the PDF, store it.

`build_notice_data` reads the case's open debts, its debtor, and the reminders actually sent
(outbound messages of kind `reminder` that reached the provider), and hands plain values to
`messages.notice`. `create_notice` stores the drafted PDF with its SHA-256 in a `FormalNotice` row
and records the event. The `relance notice REF --out FILE.pdf` command writes the PDF to a file.

`notice_refusals` says why a notice must not be drafted now: an open dispute, an active payment
plan, a pending promise to pay, or a debtor who opted out of every channel. Drafting refuses
(`NoticeRefused`) unless the agent gives an explicit override reason, recorded on the case's trail
(`notice_refusal_overridden`) before the notice is drafted.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from messages.notice import (
    NoticeData,
    NoticeDebt,
    Party,
    SentReminder,
    Signatory,
    notice_data,
    render_notice_pdf,
)
from messages.render import Renderer
from relance.core.clock import utcnow
from relance.core.config import RelanceConfig
from relance.core.errors import NotFoundError, PolicyError
from relance.core.events import record_event
from relance.core.models import (
    Case,
    Creditor,
    Debt,
    Debtor,
    DebtStatus,
    Direction,
    Dispute,
    DisputeStatus,
    FormalNotice,
    Message,
    MessageStatus,
    NoticeStatus,
    OptOut,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)

REMINDER_KIND = "reminder"
_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)
OVERRIDE_EVENT = "notice_refusal_overridden"


class NoticeRefused(PolicyError):
    """A formal notice must not be drafted on this case now (`reasons` says why)."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            "no formal notice on this case: " + "; ".join(reasons) + " (an agent may override, giving the reason)"
        )


def notice_refusals(session: Session, case: Case) -> list[str]:
    """Why a notice must not be drafted on `case` now (empty: it may be)."""
    reasons = []
    if _exists(session, Dispute, col(Dispute.status) == DisputeStatus.OPEN, case):
        reasons.append("the debtor disputes the debt and the dispute is still open")
    if _exists(session, PaymentPlan, col(PaymentPlan.status) == PlanStatus.ACTIVE, case):
        reasons.append("a payment plan is active")
    if _exists(session, PromiseToPay, col(PromiseToPay.status) == PromiseStatus.PENDING, case):
        reasons.append("a promise to pay is pending")
    debtor = session.get(Debtor, case.debtor_id)
    if debtor is not None and _opted_out_everywhere(session, debtor):
        reasons.append("the debtor opted out of every channel")
    return reasons


def _exists(session: Session, model: Any, condition: sa.ColumnElement[bool], case: Case) -> bool:
    query = sa.select(sa.literal(1)).where(col(model.case_id) == case.id, condition).limit(1)
    return session.execute(query).first() is not None


def _opted_out_everywhere(session: Session, debtor: Debtor) -> bool:
    addresses = {("sms", debtor.phone), ("telegram", str(debtor.telegram_chat_id) if debtor.telegram_chat_id else None)}
    reachable = {(c, a) for c, a in addresses if a}
    if not reachable:
        return False
    rows = session.execute(
        sa.select(col(OptOut.channel), col(OptOut.address)).where(
            col(OptOut.active).is_(True), col(OptOut.address).in_(sorted(a for _, a in reachable))
        )
    ).all()
    blocked = {(c, a) for c, a in rows}
    return reachable <= blocked


def check_notice_allowed(
    session: Session, case: Case, *, override: str | None, agent_id: int | None = None, at: datetime | None = None
) -> list[str]:
    """Refuse (`NoticeRefused`) unless nothing stands in the way or an override reason is given.

    An override is recorded as an event (who, why, what it overrode); returns the reasons overridden.
    """
    reasons = notice_refusals(session, case)
    if not reasons:
        return []
    reason = (override or "").strip()
    if not reason:
        raise NoticeRefused(reasons)
    record_event(
        session,
        case_id=case.id,
        kind=OVERRIDE_EVENT,
        actor="agent" if agent_id is not None else "cli",
        actor_id=agent_id,
        at=at or utcnow(),
        data={"refusals": reasons, "reason": reason[:500]},
    )
    return reasons


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


def build_notice_data(
    session: Session,
    case: Case,
    config: RelanceConfig,
    today: date,
    *,
    signatory: Signatory | None = None,
    dispatch_on: date | None = None,
) -> NoticeData:
    """Everything the formal notice of `case` states, as of `today` (posted on `dispatch_on` when known)."""
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
        debtor=Party(debtor.name, debtor.address or "", email=debtor.email, phone=debtor.phone, country=debtor.country),
        debts=debts,
        currency=case.currency,
        issued_on=today,
        locale=debtor.locale,
        reminders=sent_reminders(session, case, zone),
        agency=config.agency,
        signatory=signatory,
        dispatch_on=dispatch_on,
        reference=notice_reference(case, today),
    )


def notice_reference(case: Case, on: date) -> str:
    """The letter's reference, recalled in any later step (CPCE R124-4, last paragraph)."""
    return f"MED-{case.id}-{on:%Y%m%d}"


def create_notice(
    session: Session,
    case: Case,
    config: RelanceConfig,
    today: date,
    agent_id: int | None = None,
    *,
    now: datetime | None = None,
    renderer: Renderer | None = None,
    override: str | None = None,
    signatory: Signatory | None = None,
    dispatch_on: date | None = None,
) -> FormalNotice:
    """Draft the notice, store the PDF and its SHA-256, record `notice_drafted` (flushed).

    Refused (`NoticeRefused`) on a case with a dispute, a plan, a promise or no channel left,
    unless `override` gives the reason (recorded).
    """
    overridden = check_notice_allowed(session, case, override=override, agent_id=agent_id, at=now)
    data = build_notice_data(session, case, config, today, signatory=signatory, dispatch_on=dispatch_on)
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
            "variant": data.variant,
            "signatory": data.signatory.name if data.signatory else None,
            "overridden": overridden,
        },
    )
    return notice
