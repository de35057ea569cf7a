"""Pausing, resuming and closing a case on behalf of the creditor's systems (REST API).

Each change wakes the case (the sweep decides again) and is an event of the trail, whose actor is
the API key (`api:<key id>`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from relance.core.errors import RelanceError
from relance.core.events import record_event
from relance.core.flags import resolve_flags
from relance.core.models import Case, CaseStatus

ENDED = (CaseStatus.PAID, CaseStatus.CLOSED)
MAX_PAUSE = timedelta(days=365)


class CaseActionError(RelanceError):
    """The action does not apply to the case as it is (already closed, not paused…)."""


def _touch(session: Session, case: Case, at: datetime) -> None:
    case.updated_at = at
    case.next_check_at = None  # the sweep decides again
    session.add(case)
    session.flush()


def pause_case(session: Session, *, case: Case, until: datetime, actor: str, at: datetime) -> None:
    """No scenario reminder before `until` (at most a year ahead)."""
    if case.status in ENDED:
        raise CaseActionError(f"the case is {case.status}")
    if until <= at or until - at > MAX_PAUSE:
        raise CaseActionError("until must be in the future, at most 365 days ahead")
    case.paused_until = until
    _touch(session, case, at)
    record_event(
        session, case_id=case.id, kind="case_paused", actor="api", actor_id=actor, at=at, data={"until": until}
    )


def resume_case(session: Session, *, case: Case, actor: str, at: datetime) -> None:
    """Lift a pause."""
    if case.status in ENDED:
        raise CaseActionError(f"the case is {case.status}")
    if case.paused_until is None or case.paused_until <= at:
        raise CaseActionError("the case is not paused")
    case.paused_until = None
    _touch(session, case, at)
    record_event(session, case_id=case.id, kind="case_resumed", actor="api", actor_id=actor, at=at, data={})


def close_case(session: Session, *, case: Case, actor: str, at: datetime, reason: str | None = None) -> None:
    """Close: no more reminders, nothing more from the bot; open flags are resolved."""
    if case.status in ENDED:
        raise CaseActionError(f"the case is already {case.status}")
    previous = case.status
    case.status = CaseStatus.CLOSED
    case.closed_at = at
    case.agent_id = None
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=None, note=reason)
    record_event(
        session,
        case_id=case.id,
        kind="case_closed",
        actor="api",
        actor_id=actor,
        at=at,
        data={"previous_status": previous, "reason": "api", "note": reason},
    )
