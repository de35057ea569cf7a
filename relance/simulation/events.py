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
from sqlalchemy.engine import Engine
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
    with Session(engine) as session:
        who = {
            case_id: _Who(ref, phone, _zone(zones))
            for case_id, ref, phone, zones in session.execute(
                sa.select(col(Case.id), col(Debtor.ref), col(Debtor.phone), col(Debtor.timezones)).join(
                    Debtor, col(Debtor.id) == Case.debtor_id
                )
            )
        }
        rows = _message_rows(session, who) + _system_rows(session, who)
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def _line(at: datetime, who: _Who | None, case_id: int | None, **fields: Any) -> dict[str, Any]:
    at = _utc(at)
    zone = who.zone if who else ZoneInfo("UTC")
    return {
        "at": at.isoformat(),
        "local_at": at.astimezone(zone).isoformat(),
        "case": case_id,
        "debtor_ref": who.ref if who else None,
        "phone": who.phone if who else None,
        **fields,
    }


def _message_rows(session: Session, who: dict[int, _Who]) -> list[tuple[datetime, int, dict[str, Any]]]:
    # the columns only, not Message objects: a run of 10,000 cases reads back tens of thousands
    columns = [col(c) for c in (Message.id, Message.direction, Message.created_at, Message.sent_at,
                                Message.case_id, Message.channel, Message.kind, Message.step, Message.body,
                                Message.author)]  # fmt: skip
    query = sa.select(*columns).where(sa.or_(col(Message.direction) == "in", col(Message.status).in_(SENT)))
    rows = []
    for m in session.execute(query):
        inbound = m.direction == "in"
        at = _utc(m.created_at if inbound or m.sent_at is None else m.sent_at)
        w = who.get(m.case_id) if m.case_id is not None else None
        line = _line(at, w, m.case_id, direction="in" if inbound else "out", channel=m.channel,
                     kind="reply" if inbound else out_kind(m.kind), step=m.step, text=m.body)  # fmt: skip
        if not inbound:
            line["author"] = m.author
        rows.append((at, 2 * (m.id or 0), line))
    return rows


def _system_rows(session: Session, who: dict[int, _Who]) -> list[tuple[datetime, int, dict[str, Any]]]:
    kinds = ["promise_recorded", "plan_activated", "flag_raised", *STATUS_EVENTS]
    # the columns only, not Event objects: a run of 10,000 cases flags thousands
    columns = [col(c) for c in (Event.id, Event.case_id, Event.at, Event.kind, Event.data)]
    query = sa.select(*columns).where(col(Event.kind).in_(kinds)).order_by(col(Event.id))
    rows = []
    for ev in session.execute(query):
        w = who.get(ev.case_id) if ev.case_id is not None else None
        base = {"direction": None, "channel": None, "step": None}
        data = ev.data or {}
        extra: dict[str, Any]
        if ev.kind == "promise_recorded":
            extra = {"kind": "promise", "amount": str(data.get("amount")), "due": str(data.get("due_on")),
                     "text": f"promise to pay {data.get('amount')} by {data.get('due_on')}"}  # fmt: skip
        elif ev.kind == "plan_activated":
            installments = _installments(session, data.get("plan_id"))
            total = sum((float(i["amount"]) for i in installments), 0.0)
            extra = {"kind": "plan", "installments": installments,
                     "text": f"plan of {len(installments)} installment(s), {total:.2f} in all"}  # fmt: skip
        elif ev.kind == "flag_raised":
            extra = {"kind": "flag", "reason": data.get("reason"), "action": data.get("action"),
                     "text": f"flagged: {data.get('reason')} -> {data.get('action')}"}  # fmt: skip
        else:
            extra = {"kind": "status", "status": STATUS_EVENTS[ev.kind], "text": ev.kind.replace("_", " ")}
        rows.append((_utc(ev.at), 2 * (ev.id or 0) + 1, _line(ev.at, w, ev.case_id, **base, **extra)))
    return rows


def _installments(session: Session, plan_id: Any) -> list[dict[str, str]]:
    if plan_id is None:
        return []
    rows = session.execute(
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
