"""Bounces and complaints: e-mail stops for that address only; the message tries the next channel, or a flag.

They come from the provider's webhook (Mailgun `failed` with severity `permanent`, `complained`)
or from a delivery status notification (RFC 3464 DSN, `multipart/report`) read by IMAP. Nothing is
lost silently: the bounced message is marked undelivered, the e-mail opt-out is recorded (source
`hard_bounce` or `complaint`), then a scheduler message is queued again on the debtor's next usable
channel (it goes when the window and the caps allow), or, without one, the case is flagged
`delivery_failed`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as MimeMessage

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.email_links import normalise_address
from bot.email_store import record_email
from bot.optout import is_opted_out, opt_out
from relance.core.events import record_event
from relance.core.flags import raise_flag
from relance.core.models import Case, Debtor, EmailRecord, Message, MessageStatus

SCHEDULER_KINDS = frozenset(
    {"reminder", "promise_followup", "installment_reminder", "installment_missed", "plan_broken"}
)
_STATUS = re.compile(r"^\s*([245])\.\d{1,3}\.\d{1,3}")


@dataclass(frozen=True, slots=True)
class Bounce:
    """One address that cannot (or must not) receive our e-mail."""

    address: str
    kind: str  # "bounce" (permanent failure) or "complaint" (marked as spam)
    header_id: str | None = None  # the Message-ID of our e-mail, when known
    status: str = ""  # e.g. "5.1.1"
    note: str = ""


def dsn_bounces(mime: MimeMessage) -> list[Bounce]:
    """The permanent failures (5.x.x) a delivery status notification reports, or an ARF complaint; else []."""
    if mime.get_content_type() != "multipart/report":
        return []
    report_type = str(mime.get_param("report-type") or "").lower()
    original = _original_id(mime)
    if report_type == "feedback-report":
        return [Bounce(a, "complaint", original, note="feedback report") for a in _complained(mime)]
    if report_type != "delivery-status":
        return []
    bounces = []
    for part in mime.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _status_groups(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "")
            match = _STATUS.match(status)
            recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
            address = recipient.split(";", 1)[-1].strip()
            if action == "failed" and match and match.group(1) == "5" and "@" in address:
                note = fields.get("diagnostic-code", "")[:300]
                bounces.append(Bounce(normalise_address(address), "bounce", original, status.strip(), note))
    return bounces


def _status_groups(part: MimeMessage) -> list[dict[str, str]]:
    """The per-message and per-recipient field groups of a `message/delivery-status` part."""
    payload = part.get_payload()
    groups: list[dict[str, str]] = []
    if isinstance(payload, list):  # the email package parses each group as a header block
        for block in payload:
            if isinstance(block, MimeMessage):
                groups.append({k.lower(): str(v) for k, v in block.items()})
        return groups
    for chunk in re.split(r"\r?\n\s*\r?\n", str(payload)):
        fields = {}
        for line in chunk.splitlines():
            if ":" in line:
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.strip()
        groups.append(fields)
    return groups


def _original_id(mime: MimeMessage) -> str | None:
    for part in mime.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], MimeMessage):
                value = inner[0].get("Message-ID")
            else:
                found = re.search(r"^message-id:\s*(<[^>]+>)", str(inner), re.IGNORECASE | re.MULTILINE)
                value = found.group(1) if found else None
            if value:
                return str(value).strip()
    return None


def _complained(mime: MimeMessage) -> list[str]:
    for part in mime.walk():
        if part.get_content_type() == "message/feedback-report":
            text = part.get_payload()
            blocks = [b for b in text if isinstance(b, MimeMessage)] if isinstance(text, list) else []
            lines = [f"{k}: {v}" for b in blocks for k, v in b.items()] if blocks else str(text).splitlines()
            for line in lines:
                if line.lower().startswith("original-rcpt-to:"):
                    return [normalise_address(line.split(":", 1)[1])]
    return []


def record_bounce(
    session: Session,
    bounce: Bounce,
    *,
    at: datetime,
    preferred: tuple[str, ...] = ("telegram", "sms", "email"),
    raw: bytes | None = None,
) -> str:
    """Stop e-mail to the address, then move the bounced message to the next channel or flag; returns what was done."""
    address = normalise_address(bounce.address)
    sent = _our_email(session, bounce.header_id, address)
    message = session.get(Message, sent.message_id) if sent is not None and sent.message_id else None
    case = session.get(Case, sent.case_id) if sent is not None and sent.case_id else None
    if case is None:
        case = _case_of_address(session, address)
    debtor_id = case.debtor_id if case is not None else None
    source = "hard_bounce" if bounce.kind == "bounce" else "complaint"
    opt_out(session, channel="email", address=address, sender=None, source=source, at=at, debtor_id=debtor_id)
    if raw is not None:
        record_email(
            session, direction="in", kind=bounce.kind, header_id=f"<{bounce.kind}:{address}:{at.isoformat()}>",
            address=address, raw=raw, at=at, case_id=case.id if case else None,
            in_reply_to=bounce.header_id, subject=bounce.kind,
        )  # fmt: skip
    if message is not None and message.status in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.SENDING):
        message.status = MessageStatus.UNDELIVERED
        message.last_error = f"{bounce.kind} {bounce.status} {bounce.note}".strip()[:500]
        message.error_code = source
        session.add(message)
    if case is None:
        return "no_case"
    record_event(
        session, case_id=case.id, kind="email_" + bounce.kind, actor="system", at=at,
        data={"address": address, "status": bounce.status, "message_id": message.id if message else None},
    )  # fmt: skip
    other = _next_channel(session, case, preferred)
    if other is not None and message is not None and message.kind in SCHEDULER_KINDS:
        _requeue(session, message, other, at)
        return "moved"
    if other is None:
        raise_flag(session, case=case, reason="delivery_failed", at=at, actor="system",
                   note=f"e-mail to {address}: {bounce.kind} {bounce.status}".strip())  # fmt: skip
        return "flagged"
    return "stopped"


def _our_email(session: Session, header_id: str | None, address: str) -> EmailRecord | None:
    query = sa.select(EmailRecord).where(col(EmailRecord.direction) == "out")
    if header_id:
        found = session.execute(query.where(col(EmailRecord.header_id) == header_id).limit(1)).scalars().first()
        if found is not None:
            return found
    latest = query.where(col(EmailRecord.address) == address).order_by(col(EmailRecord.id).desc()).limit(1)
    return session.execute(latest).scalars().first()


def _case_of_address(session: Session, address: str) -> Case | None:
    query = (
        sa.select(Case)
        .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
        .where(sa.func.lower(col(Debtor.email)) == address)
        .order_by(col(Case.id).desc())
        .limit(1)
    )
    return session.execute(query).scalars().first()


def _next_channel(session: Session, case: Case, preferred: tuple[str, ...]) -> tuple[str, str] | None:
    debtor = session.get(Debtor, case.debtor_id)
    if debtor is None or debtor.wrong_person:
        return None
    addresses = {"telegram": str(debtor.telegram_chat_id) if debtor.telegram_chat_id else None, "sms": debtor.phone}
    for channel in (*preferred, "telegram", "sms"):
        address = addresses.get(channel)
        if address and not is_opted_out(session, channel=channel, address=address, sender=None):
            return channel, address
    return None


def _requeue(session: Session, message: Message, target: tuple[str, str], at: datetime) -> None:
    """The bounced scheduler message again, on the next channel (its text is written again at its send)."""
    channel, address = target
    copy = Message(
        case_id=message.case_id, debtor_id=message.debtor_id, direction=message.direction, channel=channel,
        author=message.author, kind=message.kind, step=message.step, body="", status=MessageStatus.QUEUED,
        to_address=address, idempotency_key=f"bounced:{message.id}:{channel}", not_before=at, created_at=at,
    )  # fmt: skip
    session.add(copy)
    session.flush()
    record_event(
        session, case_id=message.case_id, kind="message_rerouted", actor="system", at=at,
        data={"message_id": message.id, "new_message_id": copy.id, "channel": channel, "reason": "email_bounce"},
    )  # fmt: skip


def bounce_message(address: str, header_id: str | None, status: str = "5.1.1") -> bytes:
    """A minimal RFC 3464 report about `address`, as a mail server sends one back (tests and tools)."""
    original = header_id or "<unknown@mx.example>"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn.{hashlib.sha1((address + original).encode()).hexdigest()[:16]}@mx.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="DSN"\r\n\r\n'
        "--DSN\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--DSN\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} user unknown\r\n\r\n"
        f"--DSN\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original}\r\nTo: {address}\r\n\r\n"
        "--DSN--\r\n"
    ).encode()
