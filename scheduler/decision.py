"""What to do with one case now: the scheduler's single decision function, pure.

`decide(facts, rules=..., caps=..., window=..., now=...)` returns one of
- `Stop(reason)`: a stop condition holds, nothing is sent (see `scheduler.stops`);
- `Wait(until)`: nothing is due before `until` (None: nothing is scheduled at all);
- `Due(at, kind, step, ref)`: put a message of `kind` in the outbox now, to go at `at`, the
  earliest instant the contact window allows (the date and the caps already allow it now);
- `Escalate(reason, action)`: flag the case for a human (no_response, broken_plan, court_procedure).

Order: stop conditions; one reminder in the outbox at a time; the formal notice's deadline; a
pause; an active plan (only installment follow-ups); an open flag waiting for a person (scenario
reminders, promise follow-ups and missed-installment reminders hold); a pending promise; the
scenario (`scheduler.scenario`: steps in order, each after its gap); escalation (after enough
reminders actually sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from relance.core.config import Caps
from relance.core.config import Creditor as CreditorRules
from scheduler import followups, scenario, stops
from scheduler.caps import QUIET_KINDS, REMINDER_KINDS, earliest_by_caps
from scheduler.contact_window import ContactWindow
from scheduler.facts import CaseFacts
from scheduler.local_time import day_start, local_today

REMINDER = "reminder"
PROMISE_FOLLOWUP = "promise_followup"
NO_CONTACT_WINDOW = "no_contact_window"
AWAITING_FORMAL_NOTICE = "awaiting_formal_notice"
AWAITING_AGENT = "awaiting_agent"
PLAN_ACTIVE = "plan_active"
PROMISE_PENDING = "promise_pending"
NO_ACTIVE_PLAN = "no_active_plan"
UNREACHABLE = "unreachable"
# proactive messages held while a flag waits for a person (installment notices the debtor agreed to still go)
HELD_FOR_AGENT = frozenset({REMINDER, PROMISE_FOLLOWUP, followups.MISSED})


@dataclass(frozen=True, slots=True)
class Stop:
    """No message: a stop condition holds."""

    reason: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing due before `until` (None: nothing scheduled)."""

    until: datetime | None


@dataclass(frozen=True, slots=True)
class Due:
    """A message of `kind` is due; it may go from `at` (scenario `step`, installment/promise `ref`)."""

    at: datetime
    kind: str
    step: int | None = None
    ref: int | None = None


@dataclass(frozen=True, slots=True)
class Escalate:
    """The case needs a human: flag `reason`, recommending `action` (installment `ref` for a plan)."""

    reason: str
    action: str
    ref: int | None = None


Decision = Stop | Wait | Due | Escalate


@dataclass(slots=True)  # internal, one per decision: not frozen, which would cost a call per field
class _Context:
    facts: CaseFacts
    caps: Caps
    window: ContactWindow
    now: datetime
    today: date


def decide(facts: CaseFacts, *, rules: CreditorRules, caps: Caps, window: ContactWindow, now: datetime) -> Decision:
    """The next thing to do for a case at `now`."""
    ctx = _Context(facts, caps, window, now, local_today(now, window.zones))
    reason = stops.stop_reason(facts, rules.tolerance)
    if reason == stops.FORMAL_NOTICE_SENT and not (facts.dispute_open or facts.agent_holds):
        return _after_notice(ctx)
    if reason is not None:
        return Stop(reason)
    if facts.pending_reminder:
        return Wait(None)
    if facts.paused_until is not None and facts.paused_until > now:
        return Wait(facts.paused_until)
    if facts.plan_active:
        return _plan(ctx)
    if _awaiting_agent(facts):
        # a person was asked for (a request, a hardship, a refused offer, a broken plan…): the bot
        # stays quiet, as in the conversation, until an agent resolves the flag or takes the case —
        # scenario reminders and promise follow-ups alike
        return Stop(AWAITING_AGENT)
    if facts.promise_due is not None:
        return _promise(ctx, facts.promise_due)
    return _scenario(ctx, rules)


def _awaiting_agent(facts: CaseFacts) -> bool:
    """An open flag waits for a person (not only the escalations the scheduler raised itself)."""
    return facts.flag_open and not facts.flagged


def _schedule(ctx: _Context, on: date, kind: str, *, step: int | None = None, ref: int | None = None) -> Decision:
    """Due now if the day has come and the caps allow it, else wait for whichever comes later."""
    starts = day_start(on, ctx.window.zones)
    if starts > ctx.now:
        return Wait(starts)
    allowed = earliest_by_caps(
        ctx.caps,
        after=ctx.now,
        reminders=ctx.facts.reminders,
        last_inbound=ctx.facts.last_inbound_at,
        quiet=kind in QUIET_KINDS,
    )
    if allowed > ctx.now:
        return Wait(allowed)
    at = ctx.window.next_allowed(ctx.now)
    if at is None:
        return Stop(NO_CONTACT_WINDOW)
    return Due(at=at, kind=kind, step=step, ref=ref)


def _after_notice(ctx: _Context) -> Decision:
    """After the formal notice: flag for court once its deadline passed unpaid."""
    deadline = ctx.facts.notice_deadline
    if deadline is None or "court_procedure" in ctx.facts.flagged:
        return Stop(stops.FORMAL_NOTICE_SENT)
    on = followups.court_procedure_on(deadline)
    if ctx.today < on:
        return Wait(day_start(on, ctx.window.zones))
    return Escalate("court_procedure", "court_procedure")


def _plan(ctx: _Context) -> Decision:
    """An active plan: only installment follow-ups (a missed-installment reminder waits for a flagged person)."""
    step = followups.next_plan_step(ctx.facts.installments, ctx.today)
    if step is None:
        return Wait(None)
    if step.kind == followups.BROKEN:
        if step.on <= ctx.today:
            return Escalate(followups.BROKEN, "call_debtor", ref=step.ref)
        return Wait(day_start(step.on, ctx.window.zones))
    if step.kind in HELD_FOR_AGENT and _awaiting_agent(ctx.facts):
        broken = followups.broken_on(ctx.facts.installments, step.ref)
        return Wait(day_start(broken, ctx.window.zones)) if broken is not None else Stop(AWAITING_AGENT)
    return _schedule(ctx, step.on, step.kind, ref=step.ref)


def _promise(ctx: _Context, promise_due: date) -> Decision:
    """A pending promise: silence until its grace day is over, then one follow-up."""
    return _schedule(ctx, followups.promise_followup_on(promise_due), PROMISE_FOLLOWUP, ref=ctx.facts.promise_id)


def _scenario(ctx: _Context, rules: CreditorRules) -> Decision:
    """The next step in order (its day and its gap after the previous one), else escalate."""
    plan, facts = rules.scenario, ctx.facts
    assert facts.due_date is not None  # stop_reason() returned NO_OPEN_DEBT otherwise
    anchor = scenario.anchor_day(
        plan,
        due_date=facts.due_date,
        placed_on=_local_day(ctx, facts.placed_at),
        first_sent_on=_local_day(ctx, facts.first_step_sent_at),
    )
    last_sent_on = _local_day(ctx, facts.last_step_sent_at or facts.last_sent_at)
    step = scenario.next_step(plan, last_step=facts.last_step)
    if step is not None:
        on = scenario.next_step_on(plan, anchor=anchor, last_step=facts.last_step, last_sent_on=last_sent_on)
        assert on is not None
        return _schedule(ctx, on, REMINDER, step=step)
    if facts.flagged & {"no_response", UNREACHABLE}:
        return Stop(AWAITING_FORMAL_NOTICE)
    on = scenario.escalation_on(plan, anchor=anchor, last_sent_on=last_sent_on)
    if ctx.today < on:
        return Wait(day_start(on, ctx.window.zones))
    if not scenario.may_escalate(plan, sent=facts.steps_sent):
        # the steps were queued but too few reached the debtor: a person finds another way to reach them
        return Escalate(UNREACHABLE, "call_debtor")
    return Escalate("no_response", "formal_notice")


def _local_day(ctx: _Context, instant: datetime | None) -> date | None:
    return None if instant is None else local_today(instant, ctx.window.zones)


def recheck(facts: CaseFacts, *, kind: str, rules: CreditorRules, caps: Caps, now: datetime) -> Stop | Wait | None:
    """The dispatcher's check of a scheduler message at send time: None (send), Stop or Wait (defer).

    Stop conditions and pauses apply to every message the scheduler writes; the caps to reminders.
    """
    reason = stops.stop_reason(facts, rules.tolerance)
    if reason is not None:
        return Stop(reason)
    if kind == REMINDER and facts.plan_active:
        return Stop(PLAN_ACTIVE)
    if kind == REMINDER and facts.promise_due is not None:
        return Stop(PROMISE_PENDING)
    if kind in HELD_FOR_AGENT and _awaiting_agent(facts):
        return Stop(AWAITING_AGENT)
    if kind in (followups.BEFORE, followups.MISSED) and not facts.plan_active:
        return Stop(NO_ACTIVE_PLAN)
    if facts.paused_until is not None and facts.paused_until > now:
        return Wait(facts.paused_until)
    if kind not in REMINDER_KINDS:
        return None
    allowed = earliest_by_caps(
        caps, after=now, reminders=facts.reminders, last_inbound=facts.last_inbound_at, quiet=kind in QUIET_KINDS
    )
    return Wait(allowed) if allowed > now else None
