"""Flags: cases that need a human, with the reason and the recommended action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.db import in_chunks
from relance.core.events import NewEvent, record_event, record_events_bulk
from relance.core.models import Case, Flag, FlagStatus

# reason -> (priority 1 low … 4 urgent, recommended action)
FLAG_DEFAULTS: dict[str, tuple[int, str]] = {
    "court_procedure": (4, "court_procedure"),
    "threat": (4, "review_conversation"),  # violence announced: stop, a person first (issue 13)
    "bereavement": (3, "review_bereavement"),  # the debtor died: contact stopped, a person takes over
    "dispute": (3, "review_dispute"),
    "abuse": (3, "review_conversation"),
    "human_requested": (3, "call_debtor"),
    "broken_plan": (3, "call_debtor"),
    "hardship": (2, "review_hardship"),
    "refused_offer": (2, "call_debtor"),
    "no_response": (2, "formal_notice"),
    # the scenario ended but too few reminders reached the debtor for a formal notice
    "unreachable": (2, "call_debtor"),
    "payment_check": (2, "check_payment"),
    "wrong_person": (2, "verify_contact"),
    "delivery_failed": (2, "verify_contact"),
    "unclear": (1, "review_conversation"),
}


def raise_flag(
    session: Session,
    *,
    case: Case,
    reason: str,
    at: datetime,
    action: str | None = None,
    priority: int | None = None,
    note: str | None = None,
    actor: str = "bot",
) -> Flag:
    """Flag a case for a human; an open flag with the same reason is reused, not duplicated."""
    existing = session.execute(
        sa.select(Flag).where(
            col(Flag.case_id) == case.id, col(Flag.reason) == reason, col(Flag.status) == FlagStatus.OPEN
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    priority, action = _settle(reason, priority, action)
    flag = Flag(
        case_id=case.id,  # type: ignore[arg-type]
        reason=reason,
        priority=priority,
        recommended_action=action,
        note=note,
        created_at=at,
    )
    session.add(flag)
    if case.flagged_at is None:
        case.flagged_at = at
    case.updated_at = at
    session.add(case)
    session.flush()
    record_event(
        session,
        case_id=case.id,
        kind="flag_raised",
        actor=actor,
        at=at,
        data=_raised_data(flag.id, reason, action, priority),  # type: ignore[arg-type]
    )
    return flag


def _settle(reason: str, priority: int | None, action: str | None) -> tuple[int, str]:
    """The priority and recommended action of a flag: those given, else the reason's defaults."""
    default_priority, default_action = FLAG_DEFAULTS.get(reason, (2, "review_conversation"))
    return (priority if priority is not None else default_priority), (action or default_action)


def _raised_data(flag_id: int, reason: str, action: str, priority: int) -> dict[str, Any]:
    return {"flag_id": flag_id, "reason": reason, "action": action, "priority": priority}


@dataclass(frozen=True, slots=True)
class NewFlag:
    """A flag to raise in bulk (`raise_flags`)."""

    case_id: int
    reason: str
    action: str | None = None
    priority: int | None = None
    note: str | None = None


def raise_flags(session: Session, flags: Sequence[NewFlag], *, at: datetime, actor: str) -> int:
    """Raise many flags at once, as `raise_flag` does one by one; returns how many were new.

    Same rules: an open flag with the same reason on the case is reused, the case's `flagged_at`
    is set if it was not, and each new flag gets its `flag_raised` event, in a few statements
    whatever the number of cases (the sweep escalates thousands of silent cases on the same day).
    """
    if not flags:
        return 0
    session.flush()  # pending ORM changes first: the events chain after them
    conn = session.connection()
    table: sa.Table = Flag.__table__  # type: ignore[attr-defined]
    existing = _open_flags(conn, table, flags)
    fresh: dict[tuple[int, str], NewFlag] = {}
    for flag in flags:
        fresh.setdefault((flag.case_id, flag.reason), flag)
    rows = [_flag_row(f, at) for key, f in fresh.items() if key not in existing]
    if not rows:
        return 0
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = [flag_id for (flag_id,) in conn.execute(stmt, rows)]
    _mark_flagged(conn, sorted({r["case_id"] for r in rows}), at)
    record_events_bulk(session, [_raised(r, flag_id, at, actor) for flag_id, r in zip(ids, rows, strict=True)])
    return len(rows)


def _raised(row: dict[str, Any], flag_id: int, at: datetime, actor: str) -> NewEvent:
    data = _raised_data(flag_id, row["reason"], row["recommended_action"], row["priority"])
    return NewEvent(case_id=row["case_id"], kind="flag_raised", actor=actor, at=at, data=data)


def _open_flags(conn: sa.Connection, table: sa.Table, flags: Sequence[NewFlag]) -> set[tuple[int, str]]:
    reasons = sorted({f.reason for f in flags})
    found: set[tuple[int, str]] = set()
    for chunk in in_chunks(sorted({f.case_id for f in flags})):
        query = sa.select(table.c.case_id, table.c.reason).where(
            table.c.case_id.in_(chunk),
            table.c.reason.in_(reasons),
            table.c.status == FlagStatus.OPEN,
        )
        found.update((case_id, reason) for case_id, reason in conn.execute(query))
    return found


def _flag_row(flag: NewFlag, at: datetime) -> dict[str, Any]:
    priority, action = _settle(flag.reason, flag.priority, flag.action)
    return {
        "case_id": flag.case_id,
        "reason": flag.reason,
        "priority": priority,
        "recommended_action": action,
        "status": FlagStatus.OPEN.value,
        "note": flag.note,
        "created_at": at,
    }


def _mark_flagged(conn: sa.Connection, case_ids: list[int], at: datetime) -> None:
    cases: sa.Table = Case.__table__  # type: ignore[attr-defined]
    type_ = cases.c.flagged_at.type
    for chunk in in_chunks(case_ids):
        conn.execute(
            sa.update(cases)
            .where(cases.c.id.in_(chunk))
            .values(flagged_at=sa.func.coalesce(cases.c.flagged_at, sa.literal(at, type_)), updated_at=at)
        )


def resolve_flags(
    session: Session, *, case: Case, at: datetime, agent_id: int | None = None, note: str | None = None
) -> int:
    """Resolve every open flag of a case (the bot may speak again unless an agent holds it)."""
    flags = list(
        session.execute(
            sa.select(Flag).where(col(Flag.case_id) == case.id, col(Flag.status) == FlagStatus.OPEN)
        ).scalars()
    )
    for flag in flags:
        flag.status = FlagStatus.RESOLVED
        flag.resolved_at = at
        session.add(flag)
    case.flagged_at = None
    case.next_check_at = None  # the sweep looks at the case again at once: reminders may resume
    case.updated_at = at
    session.add(case)
    session.flush()
    if flags:
        record_event(
            session,
            case_id=case.id,
            kind="flags_resolved",
            actor="agent" if agent_id else "system",
            actor_id=agent_id,
            at=at,
            data={"flag_ids": [f.id for f in flags], "note": note},
        )
    return len(flags)


def open_flags(session: Session, case_id: int) -> list[Flag]:
    """The open flags of a case, most urgent first."""
    return list(
        session.execute(
            sa.select(Flag)
            .where(col(Flag.case_id) == case_id, col(Flag.status) == FlagStatus.OPEN)
            .order_by(col(Flag.priority).desc(), col(Flag.created_at))
        ).scalars()
    )
