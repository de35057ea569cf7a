"""Outbound webhooks: case events POSTed, signed, to the creditor's systems, from an outbox.

The source is the audit trail itself: `fan_out` reads the `event` table after a cursor (kept in
`AppState`) and writes one `WebhookDelivery` per event of a published kind and per endpoint of the
case's creditor, under a unique (endpoint, event) key, in the same transaction that moves the
cursor. Nothing that was recorded can be missed: the trail is append-only, and each pass also
looks back `LOOKBACK` ids behind the cursor for events whose transaction committed late (a lower
id committed after a higher one on PostgreSQL); the unique key makes that second look harmless.

`due` gives each endpoint's deliveries in order, and only the oldest undelivered one per
(endpoint, case): a later event of a case never overtakes an earlier one. A failed attempt waits
`backoff(attempts)` (30 s doubling, at most six hours) and is tried again, without end: a delivery
is never dropped, and its last status and error are visible (`relance webhook deliveries`).

Signature (`Relance-Signature: t=<unix seconds>,v1=<hex>`): HMAC-SHA256 with the endpoint's secret
over `"<t>.<raw body>"`, Stripe's scheme, so receivers can check it with the same few lines and
refuse stale timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.clock import ensure_utc
from relance.core.errors import NotFoundError
from relance.core.events import jsonable
from relance.core.models import AppState, Case, Creditor, Event, WebhookDelivery, WebhookEndpoint

# event kind in the trail -> the type the creditor's systems see
PUBLISHED: dict[str, str] = {
    "case_paid": "case.paid",
    "payment_recorded": "payment.recorded",
    "payment_reversed": "payment.reversed",
    "case_reopened": "case.reopened",
    "plan_activated": "plan.agreed",
    "promise_recorded": "promise.made",
    "promise_kept": "promise.kept",
    "promise_broken": "promise.broken",
    "dispute_opened": "dispute.opened",
    "flag_raised": "case.flagged",
    "formal_notice_sent": "notice.sent",
    "case_closed": "case.closed",
}
CURSOR_KEY = "webhooks_event_cursor"
LOOKBACK = 500
BATCH = 1000
SIGNATURE_HEADER = "Relance-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The `Relance-Signature` header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min… at most six hours."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), 6 * 3600))


def add_endpoint(session: Session, *, url: str, creditor: str, at: datetime) -> WebhookEndpoint:
    """A new endpoint for a creditor key (`*`: every creditor), with a fresh signing secret."""
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        raise ValueError("the URL must start with http:// or https:// (at most 1000 characters)")
    creditor_id = None
    if creditor != "*":
        creditor_id = session.execute(sa.select(col(Creditor.id)).where(col(Creditor.key) == creditor)).scalar()
        if creditor_id is None:
            raise NotFoundError(f"no creditor with key {creditor!r}")
    endpoint = WebhookEndpoint(
        url=url, creditor_id=creditor_id, secret="whsec_" + secrets.token_urlsafe(32), created_at=at
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def fan_out(session: Session, *, now: datetime) -> int:
    """Turn new published events into deliveries (caller commits); returns how many were queued."""
    endpoints = list(session.execute(sa.select(WebhookEndpoint).where(col(WebhookEndpoint.active))).scalars())
    cursor = _cursor(session)
    last = session.execute(sa.select(sa.func.max(col(Event.id)))).scalar() or 0
    if not endpoints:
        _set_cursor(session, last, now)
        return 0
    queued = 0
    start = max(0, cursor - LOOKBACK)
    while start < last:
        rows = session.execute(
            sa.select(Event, col(Case.creditor_id), col(Creditor.key))
            .join(Case, col(Case.id) == col(Event.case_id))
            .join(Creditor, col(Creditor.id) == col(Case.creditor_id))
            .where(col(Event.id) > start, col(Event.id) <= last, col(Event.kind).in_(PUBLISHED))
            .order_by(col(Event.id))
            .limit(BATCH)
        ).all()
        if not rows:
            break
        queued += _queue(session, endpoints, rows, now)
        start = rows[-1][0].id
    _set_cursor(session, last, now)
    return queued


def _queue(session: Session, endpoints: list[WebhookEndpoint], rows: Sequence[Any], now: datetime) -> int:
    ids = [event.id for event, _, _ in rows]
    known = set(
        session.execute(
            sa.select(col(WebhookDelivery.endpoint_id), col(WebhookDelivery.event_id)).where(
                col(WebhookDelivery.event_id).in_(ids)
            )
        ).all()
    )
    queued = 0
    for event, creditor_id, creditor_key in rows:
        for endpoint in endpoints:
            if endpoint.creditor_id not in (None, creditor_id) or (endpoint.id, event.id) in known:
                continue
            if ensure_utc(event.at) < ensure_utc(endpoint.created_at):
                continue  # a new endpoint hears what happens from now on, not the whole history
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,  # type: ignore[arg-type]
                    event_id=event.id,
                    case_id=event.case_id,
                    kind=PUBLISHED[event.kind],
                    payload=payload(event, creditor_key),
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued += 1
    session.flush()
    return queued


def payload(event: Event, creditor_key: str) -> dict[str, Any]:
    """The JSON body of a delivery."""
    return {
        "id": f"evt_{event.id}",
        "type": PUBLISHED[event.kind],
        "created": ensure_utc(event.at).isoformat(),
        "creditor": creditor_key,
        "case": event.case_id,
        "data": jsonable(event.data),
    }


@dataclass(frozen=True, slots=True)
class Due:
    """A delivery to attempt now."""

    id: int
    url: str
    secret: str
    body: bytes
    attempts: int


def due(session: Session, *, now: datetime, limit: int = 100) -> list[Due]:
    """Deliveries to attempt now: per endpoint and case, only the oldest pending one (order per case)."""
    import json

    older = sa.alias(WebhookDelivery.__table__, "older")  # type: ignore[attr-defined]
    blocked = (
        sa.select(older.c.id)
        .where(
            older.c.endpoint_id == col(WebhookDelivery.endpoint_id),
            older.c.case_id == col(WebhookDelivery.case_id),
            older.c.status == "pending",
            older.c.id < col(WebhookDelivery.id),
        )
        .exists()
    )
    rows = session.execute(
        sa.select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.status) == "pending",
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.active),
            ~blocked,
        )
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    return [
        Due(d.id, e.url, e.secret, json.dumps(d.payload, separators=(",", ":")).encode("utf-8"), d.attempts)  # type: ignore[arg-type]
        for d, e in rows
    ]


def record_attempt(session: Session, *, delivery_id: int, status: int | None, error: str | None, now: datetime) -> None:
    """A 2xx answer delivers; anything else (or no answer) waits its back-off and is tried again."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    delivery.attempts += 1
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
    else:
        delivery.last_error = (error or f"HTTP {status}")[:500]
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.add(delivery)


def deliveries(session: Session, *, limit: int = 50) -> list[WebhookDelivery]:
    """The latest deliveries, newest first (their last status)."""
    return list(
        session.execute(sa.select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(limit)).scalars()
    )


def _cursor(session: Session) -> int:
    value = session.execute(sa.select(col(AppState.value)).where(col(AppState.key) == CURSOR_KEY)).scalar()
    return int(value) if value else 0


def _set_cursor(session: Session, value: int, now: datetime) -> None:
    row = session.get(AppState, CURSOR_KEY)
    if row is None:
        session.add(AppState(key=CURSOR_KEY, value=str(value), updated_at=now))
    elif int(row.value) != value:
        row.value, row.updated_at = str(value), now
        session.add(row)
    session.flush()
