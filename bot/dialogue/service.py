"""The dialogue's persistence: load the case's state, run the pure machine, apply its decision.

`handle_inbound` is what `bot.inbound` calls for an ordinary message from an identified debtor.
It understands the text (`bot.nlu`), runs `bot.dialogue.machine.transition`, writes promises,
plans, disputes, flags, pauses and opt-outs, records every step in the case's event log, renders
the replies through `messages`, and stores the new state in `Case.dialogue_state` /
`Case.dialogue_data`. It flushes and never commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.case_messages import render_for_case
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
from relance.core.events import record_event
from relance.core.flags import raise_flag
from relance.core.models import (
    Case,
    CaseStatus,
    Creditor,
    Debtor,
    Direction,
    Dispute,
    DisputeStatus,
    Installment,
    Message,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
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


@dataclass
class _Context:
    session: Session
    case: Case
    debtor: Debtor
    channel: str
    now: datetime
    opted_out: bool = False

    @property
    def case_id(self) -> int:
        assert self.case.id is not None
        return self.case.id


def local_today(now: datetime, zones: tuple[str, ...]) -> date:
    """The debtor's calendar day at `now` (their first time zone; UTC when unknown)."""
    try:
        zone = ZoneInfo(zones[0]) if zones else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def handle_inbound(
    session: Session,
    *,
    case: Case,
    text: str,
    channel: str,
    now: datetime,
    config: RelanceConfig,
    renderer: Renderer,
) -> list[OutboundReply]:
    """Answer one message of the case's debtor (flushed, not committed)."""
    debtor = session.get(Debtor, case.debtor_id)
    creditor = session.get(Creditor, case.creditor_id)
    assert debtor is not None and creditor is not None
    offered = last_choices(session, case, channel)
    turn = _turn(case, debtor, text, config.creditor(creditor.key).plan_policy, now, offered)
    decision = transition(turn)
    ctx = _Context(session, case, debtor, channel, now)
    _record_turn(ctx, turn, decision)
    for action in decision.actions:
        apply_action(ctx, action)
    replies = [_render(ctx, spec, config, renderer) for spec in decision.replies if _wanted(ctx, spec)]
    _save_state(ctx, decision)
    return replies


def last_choices(session: Session, case: Case, channel: str) -> list[list[str]]:
    """The menu of the last message we sent the debtor on `channel` ([key, label] pairs), if any:
    a reply "2" or a tapped button refers to it, whoever sent it (bot, scheduler)."""
    choices = session.execute(
        sa.select(col(Message.choices))
        .where(
            col(Message.case_id) == case.id, col(Message.direction) == Direction.OUT, col(Message.channel) == channel
        )
        .order_by(col(Message.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    return [[str(c["key"]), str(c["label"])] for c in choices or () if isinstance(c, dict) and "key" in c]


def _turn(case: Case, debtor: Debtor, text: str, policy: Any, now: datetime, offered: list[list[str]]) -> Turn:
    today = local_today(now, debtor.zones)
    data = dict(case.dialogue_data or {})
    return Turn(
        state=case.dialogue_state or "idle",
        data=data,
        understanding=understand(text, debtor.locale, today),
        text=text,
        case=CaseView(case.balance, case.currency, case.flagged_at is not None, case.agent_id is not None),
        policy=policy,
        today=today,
        choice=match_choice(text, offered),
    )


def _record_turn(ctx: _Context, turn: Turn, decision: Decision) -> None:
    u = turn.understanding
    record_event(
        ctx.session,
        case_id=ctx.case.id,
        kind="dialogue_turn",
        actor="bot",
        at=ctx.now,
        data={
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
    rendered = render_for_case(
        ctx.session, renderer, config, case=ctx.case, name=spec.template, channel=ctx.channel, **spec.context
    )
    return OutboundReply(rendered.text, tuple(rendered.choices), spec.template)


def _save_state(ctx: _Context, decision: Decision) -> None:
    ctx.case.dialogue_state = decision.state
    ctx.case.dialogue_data = dict(decision.data)
    ctx.case.updated_at = ctx.now
    if decision.actions:
        ctx.case.next_check_at = None  # promises, plans, pauses change what the sweep must decide
    ctx.session.add(ctx.case)
    ctx.session.flush()


# ------------------------------------------------------------------------------------------ actions


def _event(ctx: _Context, kind: str, data: dict[str, Any]) -> None:
    record_event(ctx.session, case_id=ctx.case.id, kind=kind, actor="bot", at=ctx.now, data=data)


def _inbound_message_id(ctx: _Context) -> int | None:
    """The debtor's message being answered (stored by `bot.inbound` before the dialogue runs)."""
    return ctx.session.execute(
        sa.select(col(Message.id))
        .where(col(Message.case_id) == ctx.case.id, col(Message.direction) == Direction.IN)
        .order_by(col(Message.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def _cancel_pending_promises(ctx: _Context) -> None:
    pending = ctx.session.execute(
        sa.select(PromiseToPay).where(
            col(PromiseToPay.case_id) == ctx.case.id, col(PromiseToPay.status) == PromiseStatus.PENDING
        )
    ).scalars()
    for promise in pending:
        promise.status = PromiseStatus.CANCELLED
        ctx.session.add(promise)


def record_promise(ctx: _Context, action: RecordPromise) -> None:
    _cancel_pending_promises(ctx)
    promise = PromiseToPay(
        case_id=ctx.case_id,
        amount=quantize(action.amount, ctx.case.currency),
        currency=ctx.case.currency,
        due_on=action.due_on,
        message_id=_inbound_message_id(ctx),
        created_at=ctx.now,
    )
    ctx.session.add(promise)
    if ctx.case.status in _PROMISE_FROM:
        ctx.case.status = CaseStatus.PROMISED
    ctx.session.flush()
    _event(ctx, "promise_recorded", {"promise_id": promise.id, "amount": promise.amount, "due_on": action.due_on})


def activate_plan(ctx: _Context, action: ActivatePlan) -> None:
    _cancel_pending_promises(ctx)
    for old in ctx.session.execute(
        sa.select(PaymentPlan).where(
            col(PaymentPlan.case_id) == ctx.case.id,
            col(PaymentPlan.status).in_((PlanStatus.PROPOSED, PlanStatus.ACTIVE)),
        )
    ).scalars():
        old.status, old.ended_at = PlanStatus.CANCELLED, ctx.now
        ctx.session.add(old)
    schedule = action.schedule
    plan = PaymentPlan(
        case_id=ctx.case_id,
        total=schedule.total,
        currency=ctx.case.currency,
        installment_count=schedule.count,
        frequency=schedule.frequency,
        status=PlanStatus.ACTIVE,
        created_at=ctx.now,
        accepted_at=ctx.now,
    )
    ctx.session.add(plan)
    ctx.session.flush()
    for item in schedule.installments:
        assert plan.id is not None
        ctx.session.add(Installment(plan_id=plan.id, seq=item.seq, due_on=item.due_on, amount=item.amount))
    if ctx.case.status in _PLAN_FROM:
        ctx.case.status = CaseStatus.PLAN
    ctx.session.flush()
    _event(ctx, "plan_activated", {"plan_id": plan.id, **schedule_data(schedule)})


def _open_dispute(ctx: _Context) -> Dispute | None:
    return ctx.session.execute(
        sa.select(Dispute)
        .where(col(Dispute.case_id) == ctx.case.id, col(Dispute.status) == DisputeStatus.OPEN)
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
        return ctx.debtor.phone
    if ctx.channel == "telegram" and ctx.debtor.telegram_chat_id is not None:
        return str(ctx.debtor.telegram_chat_id)
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
        debtor_id=ctx.debtor.id,
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


def apply_action(ctx: _Context, action: Action) -> None:
    """Apply one action of a decision."""
    _APPLY[type(action)](ctx, action)
