"""Flags raised one by one and in bulk follow the same rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.flags import NewFlag, raise_flag, raise_flags, resolve_flags
from relance.core.models import Case, Flag
from tests.factories import case_with_debt

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _flags(session: Session, case_id: int | None) -> list[Flag]:
    return list(session.execute(sa.select(Flag).where(col(Flag.case_id) == case_id).order_by(col(Flag.id))).scalars())


def test_bulk_flags_match_one_by_one_flags(session: Session) -> None:
    one, bulk = case_with_debt(session), case_with_debt(session)
    raise_flag(session, case=one, reason="no_response", at=AT, actor="scheduler")
    assert raise_flags(session, [NewFlag(case_id=bulk.id, reason="no_response")], at=AT, actor="scheduler") == 1  # type: ignore[arg-type]
    session.commit()
    session.expire_all()
    a, b = _flags(session, one.id), _flags(session, bulk.id)
    assert [(f.reason, f.priority, f.recommended_action, f.status, f.created_at) for f in a] == [
        (f.reason, f.priority, f.recommended_action, f.status, f.created_at) for f in b
    ]
    assert session.get(Case, bulk.id).flagged_at == AT  # type: ignore[union-attr]
    (event,) = case_events(session, bulk.id)  # type: ignore[arg-type]
    assert (event.kind, event.actor, event.at) == ("flag_raised", "scheduler", AT)
    assert event.data == {"flag_id": b[0].id, "reason": "no_response", "action": "formal_notice", "priority": 2}


def test_bulk_flags_reuse_open_flags_and_keep_first_flagged_at(session: Session) -> None:
    case = case_with_debt(session)
    raise_flag(session, case=case, reason="dispute", at=AT)
    later = AT + timedelta(days=2)
    new = raise_flags(
        session,
        [NewFlag(case.id, "dispute"), NewFlag(case.id, "no_response"), NewFlag(case.id, "no_response")],  # type: ignore[arg-type]
        at=later,
        actor="scheduler",
    )
    session.commit()
    session.expire_all()
    assert new == 1  # the open dispute flag is reused, the repeated no_response raised once
    assert sorted(f.reason for f in _flags(session, case.id)) == ["dispute", "no_response"]
    assert session.get(Case, case.id).flagged_at == AT  # type: ignore[union-attr]
    events = case_events(session, case.id)  # type: ignore[arg-type]
    assert [e.kind for e in events] == ["flag_raised", "flag_raised"]
    assert verify_chain([event_to_dict(e) for e in events]) == []


def test_resolved_flag_is_raised_again_and_resolving_wakes_the_case(session: Session) -> None:
    case = case_with_debt(session)
    raise_flags(session, [NewFlag(case.id, "no_response")], at=AT, actor="scheduler")  # type: ignore[arg-type]
    session.expire_all()
    case = session.get(Case, case.id)  # type: ignore[assignment]
    case.next_check_at = AT + timedelta(days=1)
    assert resolve_flags(session, case=case, at=AT + timedelta(hours=1)) == 1
    assert case.flagged_at is None and case.next_check_at is None
    assert raise_flags(session, [NewFlag(case.id, "no_response")], at=AT + timedelta(days=3), actor="x") == 1  # type: ignore[arg-type]
    session.commit()
    assert [f.status for f in _flags(session, case.id)] == ["resolved", "open"]


def test_bulk_flags_over_many_cases_chain_each_case(session: Session) -> None:
    cases = [case_with_debt(session) for n in range(30)]
    for case in cases[:10]:
        raise_flag(session, case=case, reason="hardship", at=AT - timedelta(days=1))
    assert raise_flags(session, [NewFlag(c.id, "no_response") for c in cases], at=AT, actor="scheduler") == 30  # type: ignore[arg-type]
    session.commit()
    for case in cases:
        events = [event_to_dict(e) for e in case_events(session, case.id)]  # type: ignore[arg-type]
        assert verify_chain(events) == []
        assert events[-1]["data"]["reason"] == "no_response"
    session.expire_all()
    flagged = {session.get(Case, c.id).flagged_at for c in cases}  # type: ignore[union-attr]
    assert flagged == {AT - timedelta(days=1), AT}
