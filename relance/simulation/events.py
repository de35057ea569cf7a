"""The events file and summary of a simulation, read back from the database after the run."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
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
    ref: str | None
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
        stamp = _Stamps(conn.dialect)
        rows = _message_rows(conn, who, stamp) + _system_rows(conn, who, stamp)
    rows.sort(key=_ORDER)  # (instant, 2 × message id or 2 × event id + 1): unique, the lines never compared
    return [r[2] for r in rows]


# Core tables, not the ORM: a run of 10,000 cases reads back tens of thousands of messages and
# thousands of flags, and the ORM's row loading was most of the read-back
_CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
_DEBTORS: sa.Table = Debtor.__table__  # type: ignore[attr-defined]
_C, _D = _CASES.c, _DEBTORS.c
_M = Message.__table__.c  # type: ignore[attr-defined]
_E = Event.__table__.c  # type: ignore[attr-defined]
_UTC_ZONE = ZoneInfo("UTC")


_NOBODY = _Who(None, None, _UTC_ZONE)
_ORDER = itemgetter(0, 1)


class _Stamps:
    """An instant as read from the database, with the `at` and `local_at` texts of its lines.

    Memoised by the stored value and zone: a batch's messages all leave at the instant of its send,
    so a run has a few thousand distinct instants for tens of thousands of lines. The columns are
    read as stored (`_raw`) and converted here, once per distinct value, by the column type's own
    result processing: the same instants as reading them typed, without a conversion per row.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        # the stored value -> aware UTC instant, exactly as a typed read gives it (every instant read
        # here, `Event.at`, `Message.created_at` and `sent_at`, is a `UTCDateTime`)
        typed = _E.at.type.dialect_impl(dialect).result_processor(dialect, None)
        self._typed: Callable[[Any], datetime] = typed or (lambda value: value)
        self._memo: dict[tuple[Any, ZoneInfo], tuple[datetime, str, str]] = {}

    def __call__(self, stored: Any, zone: ZoneInfo) -> tuple[datetime, str, str]:
        """(instant in UTC, its ISO text, its ISO text in `zone`)."""
        key = (stored, zone)
        texts = self._memo.get(key)
        if texts is None:
            at = _utc(self._typed(stored))
            texts = self._memo[key] = (at, at.isoformat(), at.astimezone(zone).isoformat())
        return texts


def _raw(column: sa.Column[Any]) -> Any:
    """`column` read as the driver returns it, converted by `_Stamps` (once per distinct value)."""
    return sa.type_coerce(column, sa.String).label(column.name)


def _line(at_text: str, local_text: str, who: _Who, case_id: int | None, **fields: Any) -> dict[str, Any]:
    return {
        "at": at_text,
        "local_at": local_text,
        "case": case_id,
        "debtor_ref": who.ref,
        "phone": who.phone,
        **fields,
    }


_MESSAGES = sa.select(
    _M.id, _M.direction, _raw(_M.created_at), _raw(_M.sent_at), _M.case_id, _M.channel, _M.kind, _M.step, _M.body,
    _M.author,
).where(sa.or_(_M.direction == "in", _M.status.in_(SENT)))  # fmt: skip


def _message_rows(conn: Connection, who: dict[int, _Who], stamp: _Stamps) -> list[tuple[datetime, int, dict[str, Any]]]:
    rows = []
    for m_id, direction, created_at, sent_at, case_id, channel, kind, step, body, author in conn.execute(
        _MESSAGES
    ).all():
        inbound = direction == "in"
        w = who.get(case_id, _NOBODY) if case_id is not None else _NOBODY
        at, at_text, local_text = stamp(created_at if inbound or sent_at is None else sent_at, w.zone)
        line = {
            "at": at_text,
            "local_at": local_text,
            "case": case_id,
            "debtor_ref": w.ref,
            "phone": w.phone,
            "direction": "in" if inbound else "out",
            "channel": channel,
            "kind": "reply" if inbound else out_kind(kind),
            "step": step,
            "text": body,
        }
        if not inbound:
            line["author"] = author
        rows.append((at, 2 * (m_id or 0), line))
    return rows


_SYSTEM_KINDS = ["promise_recorded", "plan_activated", "flag_raised", *STATUS_EVENTS]
_SYSTEM = sa.select(_E.id, _E.case_id, _raw(_E.at), _E.kind, _E.data).where(_E.kind.in_(_SYSTEM_KINDS)).order_by(_E.id)


def _system_rows(conn: Connection, who: dict[int, _Who], stamp: _Stamps) -> list[tuple[datetime, int, dict[str, Any]]]:
    rows = []
    for ev_id, case_id, ev_at, kind, ev_data in conn.execute(_SYSTEM).all():
        w = who.get(case_id, _NOBODY) if case_id is not None else _NOBODY
        at, at_text, local_text = stamp(ev_at, w.zone)
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
        rows.append((at, 2 * (ev_id or 0) + 1, _line(at_text, local_text, w, case_id, **base, **extra)))
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
