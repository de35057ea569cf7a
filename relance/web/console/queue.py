"""The agents' queue: flagged cases, most urgent then oldest first, with counts per reason."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.models import Agent, Case, Creditor, Debtor, Flag, FlagStatus, valid_id

NO_ASSIGNEE = "none"


@dataclass(frozen=True)
class QueueRow:
    """One flagged case: its most urgent open flag, and who holds the case."""

    case_id: int
    debtor_name: str
    debtor_ref: str
    creditor: str
    status: str
    balance: Decimal
    currency: str
    priority: int
    since: datetime
    reason: str
    action: str
    reasons: tuple[str, ...]
    assignee_id: int | None
    assignee_name: str | None


@dataclass(frozen=True)
class QueueFilter:
    """Queue filters: a flag reason, an assignee (agent id or `none`), a minimum priority."""

    reason: str | None = None
    assignee: str | None = None
    min_priority: int | None = None


def waiting(now: datetime | None) -> sa.ColumnElement[bool]:
    """Open flags not snoozed at `now` (a snoozed flag comes back by itself when its day comes)."""
    is_open = col(Flag.status) == FlagStatus.OPEN
    if now is None:
        return is_open
    return sa.and_(is_open, sa.or_(col(Flag.snoozed_until).is_(None), col(Flag.snoozed_until) <= now))


def _open_flags_by_case(now: datetime | None = None) -> sa.Subquery:
    return (
        sa.select(
            col(Flag.case_id),
            sa.func.max(Flag.priority).label("priority"),
            sa.func.min(Flag.created_at).label("since"),
        )
        .where(waiting(now))
        .group_by(col(Flag.case_id))
        .subquery()
    )


def _filtered(query: sa.Select, agg: sa.Subquery, filters: QueueFilter) -> sa.Select:  # type: ignore[type-arg]
    if filters.reason:
        with_reason = sa.select(col(Flag.id)).where(
            col(Flag.case_id) == Case.id, col(Flag.status) == FlagStatus.OPEN, col(Flag.reason) == filters.reason
        )
        query = query.where(with_reason.exists())
    if filters.assignee == NO_ASSIGNEE:
        query = query.where(col(Case.agent_id).is_(None))
    elif filters.assignee and filters.assignee.isdecimal():
        agent_id = int(filters.assignee)
        query = query.where(col(Case.agent_id) == agent_id if valid_id(agent_id) else sa.false())
    if filters.min_priority:
        query = query.where(agg.c.priority >= filters.min_priority)
    return query


def flag_queue(
    session: Session,
    filters: QueueFilter = QueueFilter(),
    *,
    limit: int = 200,
    now: datetime | None = None,
    creditor_ids: Collection[int] | None = None,
) -> list[QueueRow]:
    """Flagged cases matching `filters` (of `creditor_ids` only, unless None), most urgent then longest waiting
    (snoozed flags out)."""
    agg = _open_flags_by_case(now)
    query = (
        sa.select(
            Case, col(Debtor.name), col(Debtor.ref), col(Creditor.name), col(Agent.name), agg.c.priority, agg.c.since
        )
        .join(agg, agg.c.case_id == Case.id)
        .join(Debtor, col(Debtor.id) == Case.debtor_id)
        .join(Creditor, col(Creditor.id) == Case.creditor_id)
        .outerjoin(Agent, col(Agent.id) == Case.agent_id)
        .order_by(agg.c.priority.desc(), agg.c.since, col(Case.id))
        .limit(limit)
    )
    if creditor_ids is not None:
        query = query.where(col(Case.creditor_id).in_(creditor_ids))
    rows = session.execute(_filtered(query, agg, filters)).all()
    flags = _flags_of(session, [r[0].id for r in rows], now)
    out = []
    for case, debtor_name, debtor_ref, creditor, agent_name, priority, since in rows:
        top = flags[case.id]
        out.append(
            QueueRow(
                case_id=case.id,
                debtor_name=debtor_name,
                debtor_ref=debtor_ref,
                creditor=creditor,
                status=case.status,
                balance=case.balance,
                currency=case.currency,
                priority=priority,
                since=_aware(since, top),
                reason=top[0].reason,
                action=top[0].recommended_action,
                reasons=tuple(dict.fromkeys(f.reason for f in top)),
                assignee_id=case.agent_id,
                assignee_name=agent_name,
            )
        )
    return out


def _aware(since: datetime, flags: list[Flag]) -> datetime:
    # an aggregate bypasses the column type on SQLite: take the instant from the loaded rows
    return min(f.created_at for f in flags) if flags else since


def _flags_of(session: Session, case_ids: list[int], now: datetime | None = None) -> dict[int, list[Flag]]:
    """Open flags of the given cases, most urgent then oldest first."""
    flags: dict[int, list[Flag]] = {cid: [] for cid in case_ids}
    if not case_ids:
        return flags
    query = (
        sa.select(Flag)
        .where(col(Flag.case_id).in_(case_ids), waiting(now))
        .order_by(col(Flag.priority).desc(), col(Flag.created_at), col(Flag.id))
    )
    for flag in session.execute(query).scalars():
        flags[flag.case_id].append(flag)
    return flags


def reason_counts(
    session: Session, now: datetime | None = None, *, creditor_ids: Collection[int] | None = None
) -> dict[str, int]:
    """How many cases (of `creditor_ids` only, unless None) have an open, not snoozed flag of each reason."""
    query = (
        sa.select(col(Flag.reason), sa.func.count(sa.distinct(col(Flag.case_id))))
        .where(waiting(now))
        .group_by(col(Flag.reason))
    )
    if creditor_ids is not None:
        query = query.join(Case, col(Case.id) == col(Flag.case_id)).where(col(Case.creditor_id).in_(creditor_ids))
    counts = {reason: n for reason, n in session.execute(query)}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
