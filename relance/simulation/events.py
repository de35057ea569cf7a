"""The events file and summary of a simulation, read back from the database after the run."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from relance.core.models import Case, Debtor, Event, Flag, Installment, Message, PaymentPlan

OUT_KINDS = {"reminder", "installment_reminder", "reply", "confirmation", "promise_followup"}
# event-log kinds shown as a `status` line, with the status they stand for
STATUS_EVENTS = {
    "case_paid": "paid",
    "dispute_opened": "disputed",
    "opt_out_recorded": "opted_out",
    "opt_out": "opted_out",
    "promise_kept": "promise_kept",
    "promise_broken": "promise_broken",
    "plan_broken": "plan_broken",
    "plan_completed": "plan_completed",
    "reminders_paused": "paused",
    "wrong_person": "wrong_person",
}
SENT = ("sent", "delivered")


@dataclass(frozen=True)
class _Who:
    ref: str
    phone: str | None
    zone: ZoneInfo


def _zone(zones: str | None) -> ZoneInfo:
    try:
        return ZoneInfo((zones or "UTC").split()[0])
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def out_kind(kind: str) -> str:
    """Our message kinds as the events file names them."""
    if kind in OUT_KINDS:
        return kind
    if kind in ("installment_missed",):
        return "installment_reminder"
    if kind == "plan_broken":  # the notice that a plan ended: not a scenario step, outside the caps
        return "confirmation"
    return "reply"


def collect_events(engine: Engine) -> list[dict[str, Any]]:
    """Every message and system event of the run, in time order."""
    with engine.connect() as conn:
        who = {
            case_id: _Who(ref, phone, _zone(zones))
            for case_id, ref, phone, zones in conn.execute(
                sa.select(_C.id, _D.ref, _D.phone, _D.timezones).join_from(_CASES, _DEBTORS, _D.id == _C.debtor_id)
            )
        }
        stamp = _Stamps()
        rows = _message_rows(conn, who, stamp) + _system_rows(conn, who, stamp)
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


# Core tables, not the ORM: a run of 10,000 cases reads back tens of thousands of messages and
# thousands of flags, and the ORM's row loading was most of the read-back
_CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
_DEBTORS: sa.Table = Debtor.__table__  # type: ignore[attr-defined]
_C, _D = _CASES.c, _DEBTORS.c
_M = Message.__table__.c  # type: ignore[attr-defined]
_E = Event.__table__.c  # type: ignore[attr-defined]
_UTC_ZONE = ZoneInfo("UTC")


class _Stamps:
    """`at` and `local_at` of a line, memoised by instant and zone: a batch's messages all leave at
    the instant of its send, so a run has a few thousand distinct instants for tens of thousands of lines."""

    def __init__(self) -> None:
        self._memo: dict[tuple[datetime, ZoneInfo], tuple[str, str]] = {}

    def __call__(self, at: datetime, zone: ZoneInfo) -> tuple[str, str]:
        key = (at, zone)
        texts = self._memo.get(key)
        if texts is None:
            texts = self._memo[key] = (at.isoformat(), at.astimezone(zone).isoformat())
        return texts


def _line(
    at: datetime, who: _Who | None, case_id: int | None, stamp: _Stamps | None = None, **fields: Any
) -> dict[str, Any]:
    at = _utc(at)
    zone = who.zone if who else _UTC_ZONE
    at_text, local_text = (stamp or _Stamps())(at, zone)
    return {
        "at": at_text,
        "local_at": local_text,
        "case": case_id,
        "debtor_ref": who.ref if who else None,
        "phone": who.phone if who else None,
        **fields,
    }


_MESSAGES = sa.select(
    _M.id, _M.direction, _M.created_at, _M.sent_at, _M.case_id, _M.channel, _M.kind, _M.step, _M.body, _M.author
).where(sa.or_(_M.direction == "in", _M.status.in_(SENT)))


def _message_rows(conn: Connection, who: dict[int, _Who], stamp: _Stamps) -> list[tuple[datetime, int, dict[str, Any]]]:
    rows = []
    for m_id, direction, created_at, sent_at, case_id, channel, kind, step, body, author in conn.execute(_MESSAGES):
        inbound = direction == "in"
        at = _utc(created_at if inbound or sent_at is None else sent_at)
        w = who.get(case_id) if case_id is not None else None
        line = _line(at, w, case_id, stamp, direction="in" if inbound else "out", channel=channel,
                     kind="reply" if inbound else out_kind(kind), step=step, text=body)  # fmt: skip
        if not inbound:
            line["author"] = author
        rows.append((at, 2 * (m_id or 0), line))
    return rows


_SYSTEM_KINDS = ["promise_recorded", "plan_activated", "flag_raised", *STATUS_EVENTS]
_SYSTEM = sa.select(_E.id, _E.case_id, _E.at, _E.kind, _E.data).where(_E.kind.in_(_SYSTEM_KINDS)).order_by(_E.id)


def _system_rows(conn: Connection, who: dict[int, _Who], stamp: _Stamps) -> list[tuple[datetime, int, dict[str, Any]]]:
    rows = []
    for ev_id, case_id, ev_at, kind, ev_data in conn.execute(_SYSTEM).all():
        w = who.get(case_id) if case_id is not None else None
        base = {"direction": None, "channel": None, "step": None}
        data = ev_data or {}
        extra: dict[str, Any]
        if kind == "promise_recorded":
            extra = {"kind": "promise", "amount": str(data.get("amount")), "due": str(data.get("due_on")),
                     "text": f"promise to pay {data.get('amount')} by {data.get('due_on')}"}  # fmt: skip
        elif kind == "plan_activated":
            installments = _installments(conn, data.get("plan_id"))
            total = sum((float(i["amount"]) for i in installments), 0.0)
            extra = {"kind": "plan", "installments": installments,
                     "text": f"plan of {len(installments)} installment(s), {total:.2f} in all"}  # fmt: skip
        elif kind == "flag_raised":
            extra = {"kind": "flag", "reason": data.get("reason"), "action": data.get("action"),
                     "text": f"flagged: {data.get('reason')} -> {data.get('action')}"}  # fmt: skip
        else:
            extra = {"kind": "status", "status": STATUS_EVENTS[kind], "text": kind.replace("_", " ")}
        rows.append((_utc(ev_at), 2 * (ev_id or 0) + 1, _line(ev_at, w, case_id, stamp, **base, **extra)))
    return rows


def _installments(conn: Connection, plan_id: Any) -> list[dict[str, str]]:
    if plan_id is None:
        return []
    rows = conn.execute(
        sa.select(col(Installment.due_on), col(Installment.amount))
        .where(col(Installment.plan_id) == plan_id)
        .order_by(col(Installment.seq))
    ).all()
    return [{"due": due.isoformat(), "amount": str(amount)} for due, amount in rows]


def write_events(events: list[dict[str, Any]], path: Path) -> None:
    """One JSON object per line."""
    with path.open("w", encoding="utf-8") as handle:
        for line in events:
            handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")


def summarise(engine: Engine, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The end-of-run figures."""
    with Session(engine) as session:
        statuses = Counter(s for (s,) in session.execute(sa.select(col(Case.status))))
        flags = Counter(r for (r,) in session.execute(sa.select(col(Flag.reason))))
        accepted = col(PaymentPlan.accepted_at).is_not(None)
        plans = session.execute(sa.select(sa.func.count()).select_from(PaymentPlan).where(accepted)).scalar()
    kinds = Counter(e["kind"] for e in events)
    return {
        "cases": sum(statuses.values()),
        "messages_out": sum(1 for e in events if e["direction"] == "out"),
        "messages_in": sum(1 for e in events if e["direction"] == "in"),
        "promises": kinds["promise"],
        "plans": int(plans or 0),
        "disputes": sum(1 for e in events if e.get("status") == "disputed"),
        "opt_outs": sum(1 for e in events if e.get("status") == "opted_out"),
        "flags": dict(sorted(flags.items())),
        "paid": statuses.get("paid", 0),
        "statuses": dict(sorted(statuses.items())),
    }
