"""Delivery receipts: which provider status may replace which (pure).

Receipts arrive late, twice, or out of order ("sent" after "delivered"). A status only moves
forward: queued → sending → sent → delivered | undelivered | failed, and a final status is never
replaced. Provider words that add nothing ("accepted", "queued", "sending" after we sent) are ignored.
"""

from __future__ import annotations

from relance.core.models import MessageStatus

# Twilio MessageStatus values -> ours (None: nothing to record)
TWILIO_STATUSES: dict[str, MessageStatus | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": None,
}
_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
    MessageStatus.CANCELLED: 3,
}
FINAL = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED, MessageStatus.CANCELLED})


def next_status(current: str, provider_status: str) -> MessageStatus | None:
    """The status to record after a receipt, or None when the receipt changes nothing."""
    incoming = TWILIO_STATUSES.get(provider_status.strip().lower())
    if incoming is None or current not in _RANK:
        return None
    if _RANK[incoming] <= _RANK[MessageStatus(current)]:
        return None
    return incoming
