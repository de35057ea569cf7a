"""Recording delivery receipts (Twilio status callbacks) on the outbound messages they concern."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.delivery_status import next_status
from bot.optout import opt_out
from relance.core.events import record_event
from relance.core.flags import raise_flag
from relance.core.models import Case, Direction, Message, MessageStatus

OPTED_OUT = "21610"
# the number cannot receive SMS at all: a human should find another way to reach the debtor
UNREACHABLE_CODES = frozenset({"21211", "21612", "21614", "30005", "30006"})


def record_delivery_receipt(
    session: Session, *, provider_id: str, provider_status: str, error_code: str | None, at: datetime
) -> Message | None:
    """Apply one receipt; idempotent (a repeated or late receipt changes nothing). None: unknown message."""
    message = session.execute(
        sa.select(Message).where(col(Message.provider_id) == provider_id, col(Message.direction) == Direction.OUT)
    ).scalar_one_or_none()
    if message is None:
        return None
    status = next_status(message.status, provider_status)
    if status is None:
        return message
    message.status = status
    if status == MessageStatus.DELIVERED:
        message.delivered_at = at
    if error_code:
        message.error_code = error_code[:32]
    session.add(message)
    session.flush()
    if message.case_id is not None:
        record_event(
            session,
            case_id=message.case_id,
            kind="message_status",
            actor="provider",
            at=at,
            data={"message_id": message.id, "status": status, "error_code": error_code},
        )
    _consequences(session, message, error_code, at)
    return message


def _consequences(session: Session, message: Message, error_code: str | None, at: datetime) -> None:
    """An opted-out recipient is recorded as such; an unreachable number is flagged for a human."""
    if error_code == OPTED_OUT and message.to_address:
        opt_out(
            session,
            channel=message.channel,
            address=message.to_address,
            sender=message.from_address,
            source="provider_21610",
            at=at,
            debtor_id=message.debtor_id,
        )
    elif error_code in UNREACHABLE_CODES and message.case_id is not None:
        case = session.get(Case, message.case_id)
        if case is not None:
            raise_flag(
                session,
                case=case,
                reason="delivery_failed",
                at=at,
                actor="system",
                note=f"{message.channel} to this number failed with provider error {error_code}",
            )
