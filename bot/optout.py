"""Opt-out records: per channel, per debtor address and per sending number, with time and source.

An `OptOut` row with `sender=None` blocks every sender on that channel (an agent's decision); one
with a sender blocks that number or Messaging Service only, which is how carriers apply STOP.
Every change is written to the event log of the debtor's cases.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.events import record_event
from relance.core.models import Case, CaseStatus, OptOut

_CLOSED = (CaseStatus.PAID, CaseStatus.CLOSED)


def _active(channel: str, address: str, sender: str | None) -> sa.Select[OptOut]:
    every = col(OptOut.sender).is_(None)
    senders = every if sender is None else sa.or_(every, col(OptOut.sender) == sender)
    return sa.select(OptOut).where(
        col(OptOut.channel) == channel, col(OptOut.address) == address, col(OptOut.active).is_(True), senders
    )


_T = OptOut.__table__  # type: ignore[attr-defined]
# built once: asked for every inbound message and every send
_ANY_SENDER = sa.select(_T.c.id).where(
    _T.c.channel == sa.bindparam("channel"), _T.c.address == sa.bindparam("address"), _T.c.active.is_(True)
)
_BLOCKS_EVERY_SENDER = _ANY_SENDER.where(_T.c.sender.is_(None)).limit(1)
_BLOCKS_SENDER = _ANY_SENDER.where(sa.or_(_T.c.sender.is_(None), _T.c.sender == sa.bindparam("sender"))).limit(1)


def is_opted_out(session: Session, *, channel: str, address: str, sender: str | None) -> bool:
    """True when `address` must not get messages from `sender` on `channel`."""
    if sender is None:
        return session.execute(_BLOCKS_EVERY_SENDER, {"channel": channel, "address": address}).first() is not None
    params = {"channel": channel, "address": address, "sender": sender}
    return session.execute(_BLOCKS_SENDER, params).first() is not None


def opt_out(
    session: Session,
    *,
    channel: str,
    address: str,
    sender: str | None,
    source: str,
    at: datetime,
    debtor_id: int | None = None,
) -> bool:
    """Record an opt-out; False when one was already active (so the confirmation is sent only once)."""
    if is_opted_out(session, channel=channel, address=address, sender=sender):
        return False
    row = OptOut(debtor_id=debtor_id, channel=channel, address=address, sender=sender, source=source, created_at=at)
    session.add(row)
    session.flush()
    _log(
        session,
        debtor_id,
        "opt_out",
        at,
        {"channel": channel, "sender": sender, "source": source, "opt_out_id": row.id},
    )
    return True


def opt_in(
    session: Session,
    *,
    channel: str,
    address: str,
    sender: str | None,
    source: str,
    at: datetime,
    debtor_id: int | None = None,
) -> bool:
    """Lift the opt-outs of `address` for `sender` on `channel`; False when there was none."""
    rows = list(session.execute(_active(channel, address, sender)).scalars())
    for row in rows:
        row.active = False
        row.resumed_at = at
        session.add(row)
    session.flush()
    if rows:
        _log(session, debtor_id, "opt_in", at, {"channel": channel, "sender": sender, "source": source})
    return bool(rows)


def _log(session: Session, debtor_id: int | None, kind: str, at: datetime, data: dict[str, object]) -> None:
    """One event per open case of the debtor (the opt-out is part of each case's trail)."""
    if debtor_id is None:
        return
    case_ids = session.execute(
        sa.select(col(Case.id))
        .where(col(Case.debtor_id) == debtor_id, col(Case.status).not_in(_CLOSED))
        .order_by(col(Case.id))
    ).scalars()
    for case_id in case_ids:
        record_event(session, case_id=case_id, kind=kind, actor="debtor", at=at, data=data)
