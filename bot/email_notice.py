"""The formal notice by e-mail: the drafted PDF attached, in addition to the registered letter the agent sends.

The e-mail is recorded like any message of the case (a `message` row on the e-mail channel, its
raw source kept for the case file) and in the trail (`notice_emailed`, with the message id, the
Message-ID header and the PDF's SHA-256). An address that opted out of e-mail gets nothing: the
registered letter remains the way the notice travels.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from bot.channels.email import Attachment, EmailSent, OutgoingEmail, SmtpEmailChannel
from bot.email_links import normalise_address
from bot.email_store import record_email
from bot.optout import is_opted_out
from messages.context import DebtLine, case_context
from messages.email import email_parts, email_subject
from messages.render import Renderer
from relance.core.db import session_scope
from relance.core.errors import PolicyError
from relance.core.events import record_event
from relance.core.models import Case, Creditor, Debt, Debtor, FormalNotice, Message, MessageStatus
from relance.core.runtime import Runtime


@dataclass(frozen=True)
class NoticeEmail:
    """What was sent: the outbox row, the Message-ID header, the provider's answer."""

    message_id: int
    header_id: str
    provider_id: str


def _prepare(runtime: Runtime, renderer: Renderer, notice_id: int, channel: SmtpEmailChannel) -> OutgoingEmail:
    with session_scope(runtime.engine) as session:
        notice = session.get(FormalNotice, notice_id)
        if notice is None or not notice.pdf:
            raise PolicyError(f"formal notice #{notice_id} has no PDF to send")
        case = session.get(Case, notice.case_id)
        debtor = session.get(Debtor, case.debtor_id) if case else None
        if case is None or debtor is None or not debtor.email:
            raise PolicyError(f"formal notice #{notice_id}: the debtor has no e-mail address")
        address = normalise_address(debtor.email)
        if is_opted_out(session, channel="email", address=address, sender=None):
            raise PolicyError(f"formal notice #{notice_id}: {address} opted out of e-mail; send the letter only")
        debts = session.execute(
            sa.select(Debt).where(col(Debt.case_id) == case.id, col(Debt.status) == "open").order_by(col(Debt.id))
        ).scalars()
        lines = [DebtLine(d.reference, d.balance, d.currency, d.due_date) for d in debts] or [
            DebtLine("-", notice.total, notice.currency, notice.deadline)
        ]
        creditor = session.get(Creditor, case.creditor_id)
        assert creditor is not None
        rules = runtime.config.creditor(creditor.key)
        context = case_context(rules, debtor_name=debtor.name, debts=lines, balance=notice.total)
        context.update(total=notice.total, deadline=notice.deadline, currency=notice.currency)
        subject = email_subject(renderer, "notice", locale=debtor.locale, **context)
        text = renderer.render_part("notice.txt.j2", locale=debtor.locale, **context)
        parts = email_parts(
            renderer, text=text, subject=subject, locale=debtor.locale, sender_name=rules.name,
            unsubscribe_url=channel.unsubscribe_url(address),
        )  # fmt: skip
        row = Message(
            case_id=case.id, debtor_id=debtor.id, direction="out", channel="email", author="agent",
            kind="formal_notice", body=text, status=MessageStatus.SENDING, to_address=address,
            idempotency_key=f"notice-email:{notice.id}", created_at=runtime.now(), claimed_by="notice",
            claimed_at=runtime.now(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return OutgoingEmail(
            to=address, subject=parts.subject, text=parts.text, html=parts.html, case_id=case.id, message_id=row.id,
            unsubscribe_url=channel.unsubscribe_url(address),
            attachments=(Attachment(f"mise-en-demeure-{notice.id}.pdf", bytes(notice.pdf)),),
        )  # fmt: skip


def _record(runtime: Runtime, notice_id: int, mail: OutgoingEmail, sent: EmailSent) -> None:
    now = runtime.now()
    with session_scope(runtime.engine) as session:
        row = session.get(Message, mail.message_id)
        notice = session.get(FormalNotice, notice_id)
        assert row is not None and notice is not None
        row.status, row.provider_id, row.sent_at = MessageStatus.SENT, sent.provider_id, now
        row.claimed_by = row.claimed_at = None
        session.add(row)
        record_email(
            session, direction="out", kind="notice", header_id=sent.header_id, address=mail.to, raw=sent.raw,
            at=now, case_id=mail.case_id, message_id=row.id, subject=mail.subject,
        )  # fmt: skip
        record_event(
            session, case_id=mail.case_id, kind="notice_emailed", actor="agent", at=now,
            data={"notice_id": notice_id, "message_id": row.id, "email_message_id": sent.header_id,
                  "pdf_sha256": notice.pdf_sha256 or hashlib.sha256(bytes(notice.pdf or b"")).hexdigest()},
        )  # fmt: skip


def _failed(runtime: Runtime, message_id: int | None, error: Exception) -> None:
    with session_scope(runtime.engine) as session:
        row = session.get(Message, message_id)
        if row is not None:
            row.status, row.last_error = MessageStatus.FAILED, str(error)[:500]
            row.claimed_by = row.claimed_at = None
            session.add(row)


async def email_notice(runtime: Runtime, renderer: Renderer, channel: SmtpEmailChannel, notice_id: int) -> NoticeEmail:
    """Send formal notice `notice_id` to the debtor's e-mail address, the PDF attached, and record it."""
    mail = await asyncio.to_thread(_prepare, runtime, renderer, notice_id, channel)
    try:
        sent = await channel.send_email(mail)
    except Exception as exc:
        await asyncio.to_thread(_failed, runtime, mail.message_id, exc)
        raise
    await asyncio.to_thread(_record, runtime, notice_id, mail, sent)
    assert mail.message_id is not None
    return NoticeEmail(mail.message_id, sent.header_id, sent.provider_id)
