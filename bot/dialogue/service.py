"""The dialogue's persistence: load the case's state, run the pure machine, apply its decision.

`handle_inbound` is what `bot.inbound` calls for an ordinary message from an identified debtor.
It understands the text (`bot.nlu`), runs `bot.dialogue.machine.transition`, writes promises,
plans, disputes, flags, pauses and opt-outs, records every step in the case's event log, renders
the replies through `messages`, and stores the new state in `Case.dialogue_state` /
`Case.dialogue_data`. It flushes and never commits: the caller owns the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.case_messages import render_for_state
from bot.case_state import CaseEvents, CaseState, Sql, orm_case, sync_case
from bot.dialogue.decisions import (
    Action,
    ActivatePlan,
    AddDisputeReason,
    Decision,
    MarkWrongPerson,
    Note,
    OpenDispute,
    OptOutChannel,
    PauseReminders,
    RaiseFlag,
    RecordPromise,
    ReplySpec,
)
from bot.dialogue.machine import CaseView, Turn, match_choice, schedule_data, transition
from bot.dialogue.reasons import dispute_reason_code
from bot.nlu import understand
from bot.optout import opt_out
from messages.render import Choice, Renderer
from relance.core.config import RelanceConfig
from relance.core.flags import raise_flag
from relance.core.models import (
    Case,
    CaseStatus,
    Debtor,
    Dispute,
    DisputeStatus,
    InstallmentStatus,
    PlanStatus,
    PromiseStatus,
)
from relance.core.money import quantize

_PROMISE_FROM = (CaseStatus.OPEN, CaseStatus.PROMISED)
_PLAN_FROM = (CaseStatus.OPEN, CaseStatus.PROMISED, CaseStatus.PLAN)


@dataclass(frozen=True, slots=True)
class OutboundReply:
    """A rendered answer to send back to the debtor."""

    text: str
    choices: tuple[Choice, ...]
    template: str


class _Context:
    """One turn in progress: the case's state, its events waiting to be appended, and the mapped rows
    (loaded only when an action changes them through the ORM)."""

    def __init__(
        self,
        session: Session,
        sql: Sql,
        state: CaseState,
        events: CaseEvents,
        message_id: int,
        channel: str,
        now: datetime,
    ) -> None:
        self.session, self.sql, self.state, self.events = session, sql, state, events
        self.message_id, self.channel, self.now = message_id, channel, now
        self.opted_out = False
        self._case: Case | None = None
        self._debtor: Debtor | None = None

    @property
    def case_id(self) -> int:
        return self.state.id

    @property
    def case(self) -> Case:
        """The mapped case, for actions that change it through the ORM."""
        if self._case is None:
            self._case = orm_case(self.session, self.state)
        return self._case

    @property
    def debtor(self) -> Debtor:
        if self._debtor is None:
            self._debtor = self.session.get(Debtor, self.state.debtor_id)
            assert self._debtor is not None
        return self._debtor


def local_today(now: datetime, zones: tuple[str, ...]) -> date:
    """The debtor's calendar day at `now` (their first time zone; UTC when unknown)."""
    try:
        zone = ZoneInfo(zones[0]) if zones else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def handle_inbound(
    session: Session,
    sql: Sql,
    *,
    case: CaseState,
    events: CaseEvents,
    message_id: int,
    text: str,
    channel: str,
    now: datetime,
    config: RelanceConfig,
    renderer: Renderer,
) -> list[OutboundReply]:
    """Answer message `message_id` of the case's debtor (flushed, not committed; the turn's events go to `events`)."""
    offered = last_choices(sql, case.id, channel)
    turn = _turn(case, text, config.creditor(case.creditor_key).plan_policy, now, offered)
    decision = transition(turn)
    ctx = _Context(session, sql, case, events, message_id, channel, now)
    _record_turn(ctx, turn, decision)
    for action in decision.actions:
        apply_action(ctx, action)
    replies = [_render(ctx, spec, config, renderer) for spec in decision.replies if _wanted(ctx, spec)]
    _save_state(ctx, decision)
    return replies


_LAST_CHOICES = (
    "SELECT choices FROM message WHERE case_id = ? AND direction = 'out' AND channel = ? ORDER BY id DESC LIMIT 1"
)


def last_choices(sql: Sql, case_id: int, channel: str) -> list[list[str]]:
    """The menu of the last message we sent the debtor on `channel` ([key, label] pairs), if any:
    a reply "2" or a tapped button refers to it, whoever sent it (bot, scheduler)."""
    row = sql.one(_LAST_CHOICES, (case_id, channel))
    choices = None if row is None else row[0]
    if isinstance(choices, str):
        choices = json.loads(choices)
    return [[str(c["key"]), str(c["label"])] for c in choices or () if isinstance(c, dict) and "key" in c]


def _turn(case: CaseState, text: str, policy: Any, now: datetime, offered: list[list[str]]) -> Turn:
    today = local_today(now, case.zones)
    data = dict(case.dialogue_data or {})
    return Turn(
        state=case.dialogue_state or "idle",
        data=data,
        understanding=understand(text, case.locale, today),
        text=text,
        case=CaseView(case.balance, case.currency, case.flagged, case.agent_id is not None),
        policy=policy,
        today=today,
        choice=match_choice(text, offered),
    )


def _record_turn(ctx: _Context, turn: Turn, decision: Decision) -> None:
    u = turn.understanding
    _event(
        ctx,
        "dialogue_turn",
        {
            "understood": u.to_json(),
            "choice": turn.choice,
            "from_state": turn.state,
            "to_state": decision.state,
            "replies": [r.template for r in decision.replies],
            "actions": [type(a).__name__ for a in decision.actions],
        },
    )


def _wanted(ctx: _Context, spec: ReplySpec) -> bool:
    return spec.only_if is None or (spec.only_if == "opted_out" and ctx.opted_out)


def _render(ctx: _Context, spec: ReplySpec, config: RelanceConfig, renderer: Renderer) -> OutboundReply:
    rendered = render_for_state(
        ctx.sql, renderer, config, case=ctx.state, name=spec.template, channel=ctx.channel, **spec.context
    )
    return OutboundReply(rendered.text, tuple(rendered.choices), spec.template)


_SAVE_STATE = "UPDATE cases SET dialogue_state = ?, dialogue_data = ?, updated_at = ? WHERE id = ?"
_SAVE_STATE_RECHECK = (
    "UPDATE cases SET dialogue_state = ?, dialogue_data = ?, updated_at = ?, next_check_at = NULL WHERE id = ?"
)


def _save_state(ctx: _Context, decision: Decision) -> None:
    if ctx._case is not None:
        ctx.session.flush()  # what the actions changed through the ORM goes first
    data = dict(decision.data)
    # promises, plans, pauses change what the sweep must decide
    statement = _SAVE_STATE_RECHECK if decision.actions else _SAVE_STATE
    ctx.sql.run(statement, (decision.state, ctx.sql.json(data), ctx.sql.bind.instant(ctx.now), ctx.case_id))
    changed: dict[str, Any] = {"dialogue_state": decision.state, "dialogue_data": data, "updated_at": ctx.now}
    if decision.actions:
        changed["next_check_at"] = None
    sync_case(ctx.session, ctx.case_id, **changed)


# ------------------------------------------------------------------------------------------ actions


def _event(ctx: _Context, kind: str, data: dict[str, Any]) -> None:
    ctx.events.add(kind, "bot", ctx.now, data)


_CANCEL_PENDING_PROMISES = "UPDATE promisetopay SET status = ? WHERE case_id = ? AND status = ?"
_INSERT_PROMISE = (
    "INSERT INTO promisetopay (case_id, amount, currency, due_on, status, message_id, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
)


def record_promise(ctx: _Context, action: RecordPromise) -> None:
    """The promise, straight to the driver (a common answer): pending ones cancelled, the case `promised`."""
    sql = ctx.sql
    sql.run(_CANCEL_PENDING_PROMISES, (PromiseStatus.CANCELLED.value, ctx.case_id, PromiseStatus.PENDING.value))
    amount = quantize(action.amount, ctx.state.currency)
    row = (
        ctx.case_id,
        sql.bind.money(amount),
        ctx.state.currency,
        sql.bind.day(action.due_on),
        PromiseStatus.PENDING.value,
        ctx.message_id,
        sql.bind.instant(ctx.now),
    )
    promise_id = sql.returning(_INSERT_PROMISE, row)
    _set_status(ctx, CaseStatus.PROMISED, _PROMISE_FROM)
    _event(ctx, "promise_recorded", {"promise_id": promise_id, "amount": amount, "due_on": action.due_on})


def _set_status(ctx: _Context, status: CaseStatus, allowed_from: tuple[CaseStatus, ...]) -> None:
    """The case's status, when it is one of `allowed_from` (through the mapped case when an action loaded it)."""
    if ctx._case is not None:
        if ctx._case.status in allowed_from:
            ctx._case.status = status
        return
    if ctx.state.status in allowed_from:
        ctx.sql.run("UPDATE cases SET status = ? WHERE id = ?", (status.value, ctx.case_id))
        ctx.state.status = status.value
        sync_case(ctx.session, ctx.case_id, status=status.value)


_CANCEL_OPEN_PLANS = "UPDATE paymentplan SET status = ?, ended_at = ? WHERE case_id = ? AND status IN (?, ?)"
_INSERT_PLAN = (
    "INSERT INTO paymentplan (case_id, total, currency, installment_count, frequency, status, created_at, "
    "accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_INSERT_INSTALLMENT = (
    "INSERT INTO installment (plan_id, seq, due_on, amount, paid_amount, status) VALUES (?, ?, ?, ?, ?, ?)"
)


def activate_plan(ctx: _Context, action: ActivatePlan) -> None:
    """The plan, straight to the driver like a promise: pending promises and open plans cancelled, the case `plan`.

    Through the ORM this was a load, two flushes and several statements compiled per plan (~3 ms).
    """
    sql, bind = ctx.sql, ctx.sql.bind
    now = bind.instant(ctx.now)
    sql.run(_CANCEL_PENDING_PROMISES, (PromiseStatus.CANCELLED.value, ctx.case_id, PromiseStatus.PENDING.value))
    open_plans = (PlanStatus.PROPOSED.value, PlanStatus.ACTIVE.value)
    sql.run(_CANCEL_OPEN_PLANS, (PlanStatus.CANCELLED.value, now, ctx.case_id, *open_plans))
    schedule = action.schedule
    plan = (
        ctx.case_id,
        bind.money(schedule.total),
        ctx.state.currency,
        schedule.count,
        schedule.frequency,
        PlanStatus.ACTIVE.value,
        now,
        now,
    )
    plan_id = sql.returning(_INSERT_PLAN, plan)
    installments = [
        (
            plan_id,
            item.seq,
            bind.day(item.due_on),
            bind.money(item.amount),
            bind.money(Decimal(0)),
            InstallmentStatus.DUE.value,
        )
        for item in schedule.installments
    ]
    sql.many(_INSERT_INSTALLMENT, installments)
    _set_status(ctx, CaseStatus.PLAN, _PLAN_FROM)
    _event(ctx, "plan_activated", {"plan_id": plan_id, **schedule_data(schedule)})


def _open_dispute(ctx: _Context) -> Dispute | None:
    return ctx.session.execute(
        sa.select(Dispute)
        .where(col(Dispute.case_id) == ctx.case_id, col(Dispute.status) == DisputeStatus.OPEN)
        .order_by(col(Dispute.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def open_dispute(ctx: _Context, action: OpenDispute) -> None:
    dispute = _open_dispute(ctx)
    if dispute is None:
        dispute = Dispute(
            case_id=ctx.case_id, reason_code=action.reason_code, reason_text=action.text, opened_at=ctx.now
        )
        ctx.session.add(dispute)
    ctx.case.status = CaseStatus.DISPUTED
    ctx.session.flush()
    _event(ctx, "dispute_opened", {"dispute_id": dispute.id, "reason_code": dispute.reason_code})


def add_dispute_reason(ctx: _Context, action: AddDisputeReason) -> None:
    dispute = _open_dispute(ctx)
    if dispute is None:
        dispute = Dispute(case_id=ctx.case_id, reason_code="unspecified", opened_at=ctx.now)
    dispute.reason_text = "\n\n".join(t for t in (dispute.reason_text, action.text) if t)
    if dispute.reason_code == "unspecified":
        dispute.reason_code = dispute_reason_code(action.text)
    ctx.session.add(dispute)
    ctx.session.flush()
    _event(ctx, "dispute_reason_given", {"dispute_id": dispute.id, "reason_code": dispute.reason_code})


def flag(ctx: _Context, action: RaiseFlag) -> None:
    raise_flag(ctx.session, case=ctx.case, reason=action.reason, at=ctx.now, note=action.note)


def pause(ctx: _Context, action: PauseReminders) -> None:
    until = ctx.now + timedelta(days=action.days)
    if ctx.case.paused_until is None or ctx.case.paused_until < until:
        ctx.case.paused_until = until
    ctx.session.add(ctx.case)
    _event(ctx, "reminders_paused", {"until": ctx.case.paused_until, "days": action.days})


def _address(ctx: _Context) -> str | None:
    if ctx.channel == "sms":
        return ctx.state.phone
    if ctx.channel == "telegram" and ctx.state.telegram_chat_id is not None:
        return str(ctx.state.telegram_chat_id)
    return None


def stop_channel(ctx: _Context, action: OptOutChannel, *, source: str = "dialogue") -> None:
    address = _address(ctx)
    if address is None:
        return
    changed = opt_out(
        ctx.session,
        channel=ctx.channel,
        address=address,
        sender=None,
        source=source,
        at=ctx.now,
        debtor_id=ctx.state.debtor_id,
    )
    ctx.opted_out = ctx.opted_out or changed


def wrong_person(ctx: _Context, action: MarkWrongPerson) -> None:
    ctx.debtor.wrong_person = True
    ctx.debtor.updated_at = ctx.now
    ctx.case.status = CaseStatus.WRONG_PERSON
    ctx.session.add(ctx.debtor)
    ctx.session.add(ctx.case)
    stop_channel(ctx, OptOutChannel(), source="wrong_person")
    _event(ctx, "wrong_person", {"channel": ctx.channel})


def note(ctx: _Context, action: Note) -> None:
    _event(ctx, action.kind, action.data)


_APPLY: dict[type, Callable[[_Context, Any], None]] = {
    RecordPromise: record_promise,
    ActivatePlan: activate_plan,
    OpenDispute: open_dispute,
    AddDisputeReason: add_dispute_reason,
    RaiseFlag: flag,
    PauseReminders: pause,
    OptOutChannel: stop_channel,
    MarkWrongPerson: wrong_person,
    Note: note,
}


# actions whose writes and events go through `ctx.sql` and `ctx.events`
_NO_ORM = frozenset({Note, RecordPromise, ActivatePlan})


def apply_action(ctx: _Context, action: Action) -> None:
    """Apply one action of a decision."""
    if type(action) not in _NO_ORM:
        ctx.events.flush()  # the ORM writes of the action (and their events) come after the turn's events
    _APPLY[type(action)](ctx, action)
