"""Flags: cases that need a human, with the reason and the recommended action."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.events import record_event
from relance.models import Case, Flag, FlagStatus

# reason -> (priority 1 low … 4 urgent, recommended action)
FLAG_DEFAULTS: dict[str, tuple[int, str]] = {
    "court_procedure": (4, "court_procedure"),
    "dispute": (3, "review_dispute"),
    "abuse": (3, "review_conversation"),
    "human_requested": (3, "call_debtor"),
    "broken_plan": (3, "call_debtor"),
    "hardship": (2, "review_hardship"),
    "refused_offer": (2, "call_debtor"),
    "no_response": (2, "formal_notice"),
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
    default_priority, default_action = FLAG_DEFAULTS.get(reason, (2, "review_conversation"))
    flag = Flag(
        case_id=case.id,  # type: ignore[arg-type]
        reason=reason,
        priority=priority if priority is not None else default_priority,
        recommended_action=action or default_action,
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
        data={"flag_id": flag.id, "reason": reason, "action": flag.recommended_action, "priority": flag.priority},
    )
    return flag


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
