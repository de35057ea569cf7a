"""The dialogue as explicit states, one small handler per state, wired in `build_handlers`.

`transition(turn)` is pure: it maps the case's dialogue state and data, what the debtor said (an
`Understanding`, or the key of a menu choice) and a few facts about the case to a `Decision`.
States, persisted in `Case.dialogue_state` / `Case.dialogue_data`:

    idle ──plan request──> awaiting_plan_answer ──affirm──> idle (plan active)
      │                          │ deny / new proposal out of policy (2nd: flag refused_offer)
      ├──dispute──> awaiting_dispute_reason ──any text──> disputed
      ├──already paid──> awaiting_payment_details ──any text──> idle
      ├──hardship (flag hardship)──> awaiting_hardship_choice ──pause──> idle (paused)
      │                          │ plan──> awaiting_plan_answer; more help or a person──> handed_over
      ├──human, abuse, second unclear message──> handed_over
      ├──threat (abuse with violence)──> handed_over, flag "threat" (urgent), no reply at all
      ├──bereavement──> closed: this channel stopped at once, one respectful line, flag "bereavement"
      └──wrong person──> closed

A protective reading (opt-out, threat, abuse, wrong person, dispute, human, hardship) counts from a
lower confidence than the others: unsure between stopping and going on, the bot stops.

Once a case is flagged for a human or held by an agent, the bot answers nothing but the opt-out
confirmation; the exceptions are the answers to what it asked as it raised the flag itself: the
reason of a dispute, the date and means of a payment the debtor says was made, and the choice
offered to a debtor in hardship (a pause, or a plan negotiated to its end), until an agent holds
the case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.dialogue import plans
from bot.dialogue.decisions import (
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
from bot.dialogue.reasons import dispute_reason_code
from bot.nlu import Understanding
from messages.context import InstallmentLine, handover_context, hardship_context, plan_context, promise_context
from relance.core.config import PlanPolicy

IDLE = "idle"
AWAITING_PLAN_ANSWER = "awaiting_plan_answer"
AWAITING_DISPUTE_REASON = "awaiting_dispute_reason"
AWAITING_PAYMENT_DETAILS = "awaiting_payment_details"
AWAITING_HARDSHIP_CHOICE = "awaiting_hardship_choice"
DISPUTED = "disputed"
HANDED_OVER = "handed_over"
CLOSED = "closed"

LOW_CONFIDENCE = 0.5  # below this, a message counts as not understood
# a protective reading is taken from this confidence (safety first: see `bot.nlu.combine`)
PROTECTIVE_CONFIDENCE = 0.3
PROTECTIVE = frozenset({"opt_out", "abuse", "dispute", "wrong_person", "human", "hardship"})
PAYMENT_CHECK_PAUSE_DAYS = 5
HARDSHIP_PAUSE_DAYS = 30
DEFAULT_PROMISE_DAYS = 7  # "je vais payer" without a date: a week
HARDSHIP_OFFER = "hardship_offer"  # dialogue_data key: the pause / plan offered in hardship is open


@dataclass(frozen=True, slots=True)
class CaseView:
    """What the machine needs to know about the case."""

    balance: Decimal
    currency: str
    flagged: bool = False
    agent_holds: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """One message to answer, in context."""

    state: str
    data: dict[str, Any]
    understanding: Understanding
    text: str
    case: CaseView
    policy: PlanPolicy
    today: date
    choice: str | None = None  # the key of the menu entry the debtor picked, if any
    intent: str = field(init=False)

    def __post_init__(self) -> None:
        if self.choice is not None:  # a menu entry says everything: "2" is no amount of 2
            object.__setattr__(self, "understanding", Understanding(self.choice, 1.0))
        u = self.understanding
        floor = PROTECTIVE_CONFIDENCE if u.intent in PROTECTIVE else LOW_CONFIDENCE
        intent = u.intent if u.confidence >= floor else "unknown"
        if intent == "abuse" and u.detail == "threat":
            intent = "threat"
        elif intent == "wrong_person" and u.detail == "bereavement":
            intent = "bereavement"
        elif intent == "opt_out" and "wrong_person" in u.also:
            intent = "wrong_person"  # "STOP, wrong number": its handling stops the channel too, and marks the number
        object.__setattr__(self, "intent", intent)


Handler = Callable[[Turn], Decision]


# --------------------------------------------------------------------------------- small builders


def _data(turn: Turn, **changes: Any) -> dict[str, Any]:
    """The turn's data with the negotiation counters reset and `changes` applied."""
    reset = ("unclear", "offer", "refusals", "plan_unclear", HARDSHIP_OFFER)
    data = {k: v for k, v in turn.data.items() if k not in reset}
    data.update({k: v for k, v in changes.items() if v is not None})
    return data


def _reply(template: str, **context: Any) -> ReplySpec:
    return ReplySpec(template, context)


def _handover(turn: Turn, reason: str, state: str = HANDED_OVER, note: str | None = None) -> Decision:
    """Flag the case for a human and tell the debtor when a person will answer."""
    return Decision(
        state,
        _data(turn),
        (_reply("handover", **handover_context(answer_by(turn.today))),),
        (RaiseFlag(reason, note),),
    )


def answer_by(today: date) -> date:
    """When a person answers: the next working day (Monday to Saturday)."""
    day = today + timedelta(days=1)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def schedule_data(schedule: plans.Schedule) -> dict[str, Any]:
    """A schedule as JSON for `Case.dialogue_data`."""
    return {
        "frequency": schedule.frequency,
        "installments": [[i.seq, i.due_on.isoformat(), str(i.amount)] for i in schedule.installments],
    }


def schedule_from_data(data: dict[str, Any]) -> plans.Schedule:
    """The schedule stored by `schedule_data`."""
    rows = tuple(plans.Installment(int(s), date.fromisoformat(d), Decimal(a)) for s, d, a in data["installments"])
    return plans.Schedule(rows, str(data["frequency"]))


def _plan_reply(template: str, schedule: plans.Schedule) -> ReplySpec:
    lines = [InstallmentLine(i.seq, i.due_on, i.amount) for i in schedule.installments]
    return _reply(template, **plan_context(lines, schedule.frequency))


# ---------------------------------------------------------------------------- handlers by intent


def on_opt_out(turn: Turn) -> Decision:
    return Decision(
        turn.state, dict(turn.data), (ReplySpec("opt_out_confirmation", only_if="opted_out"),), (OptOutChannel(),)
    )


def on_wrong_person(turn: Turn) -> Decision:
    return Decision(CLOSED, _data(turn), (_reply("wrong_person"),), (MarkWrongPerson(), RaiseFlag("wrong_person")))


def on_dispute(turn: Turn) -> Decision:
    actions = (OpenDispute(dispute_reason_code(turn.text), turn.text), RaiseFlag("dispute", "review dispute"))
    return Decision(AWAITING_DISPUTE_REASON, _data(turn), (_reply("dispute_ack"),), actions)


def on_already_paid(turn: Turn) -> Decision:
    u = turn.understanding
    said = {"amount": None if u.amount is None else str(u.amount), "date": u.date.isoformat() if u.date else None}
    actions = (
        PauseReminders(PAYMENT_CHECK_PAUSE_DAYS),
        Note("payment_claimed", {**said, "text": turn.text}),
        RaiseFlag("payment_check", _paid_note(u)),
    )
    return Decision(AWAITING_PAYMENT_DETAILS, _data(turn), (_reply("already_paid"),), actions)


def _paid_note(u: Understanding) -> str:
    parts = ["the debtor says the debt is paid"]
    if u.amount is not None:
        parts.append(f"amount {u.amount}")
    if u.date is not None:
        parts.append(f"on {u.date.isoformat()}")
    return ", ".join(parts)


def on_promise(turn: Turn) -> Decision:
    if turn.case.balance <= 0:
        return on_info(turn)
    u = turn.understanding
    amount = min(u.amount, turn.case.balance) if u.amount else turn.case.balance
    due = max(u.date or turn.today + timedelta(days=DEFAULT_PROMISE_DAYS), turn.today)
    reply = _reply("promise_confirmation", **promise_context(amount, due))
    return Decision(IDLE, _data(turn), (reply,), (RecordPromise(amount, due),))


def plan_request(u: Understanding) -> plans.PlanRequest:
    """What a plan message asked for."""
    return plans.PlanRequest(count=u.installments, amount=u.amount, frequency=u.frequency, start=u.date)


def on_plan(turn: Turn) -> Decision:
    """A plan request: the schedule as asked when the policy allows it, else the nearest one."""
    if turn.case.balance <= 0:
        return on_info(turn)
    request = plan_request(turn.understanding)
    offer = plans.offer(turn.case.balance, turn.case.currency, request, turn.policy, turn.today)
    counter = request.is_specific and not offer.as_requested
    return _offer_plan(turn, offer.schedule, counter=counter, refusals=turn.data.get("refusals", 0))


def _offer_plan(turn: Turn, schedule: plans.Schedule, *, counter: bool, refusals: int) -> Decision:
    template = "plan_counter_offer" if counter else "plan_proposal"
    # a plan negotiated from the hardship offer stays that offer's answer (see `silenced`)
    carried = {HARDSHIP_OFFER: turn.data.get(HARDSHIP_OFFER)}
    data = _data(turn, offer=schedule_data(schedule), refusals=refusals, **carried)
    note = Note("plan_counter_offered" if counter else "plan_proposed", schedule_data(schedule))
    return Decision(AWAITING_PLAN_ANSWER, data, (_plan_reply(template, schedule),), (note,))


def on_hardship(turn: Turn) -> Decision:
    """A pause or a plan offered at once, and the case flagged: a person reviews every declared
    hardship (forbearance), whether or not the debtor takes the offer up."""
    reply = _reply("hardship", **hardship_context(HARDSHIP_PAUSE_DAYS))
    flag = RaiseFlag("hardship", f"the debtor declared hardship: {turn.text[:200]}")
    return Decision(AWAITING_HARDSHIP_CHOICE, _data(turn, **{HARDSHIP_OFFER: True}), (reply,), (flag,))


def on_human(turn: Turn) -> Decision:
    return _handover(turn, "human_requested")


def on_info(turn: Turn) -> Decision:
    keep = IDLE if turn.state in (HANDED_OVER, CLOSED, DISPUTED) else turn.state
    return Decision(keep, dict(turn.data), (_reply("info"),))


def on_abuse(turn: Turn) -> Decision:
    return Decision(HANDED_OVER, _data(turn), (_reply("abuse"),), (RaiseFlag("abuse"),))


def on_threat(turn: Turn) -> Decision:
    """Violence announced: everything stops, a person looks at it first, and nothing is said back
    (any answer would argue with someone who threatens)."""
    note = f"threat received: {turn.text[:200]}"
    actions = (Note("threat_received", {"text": turn.text[:500]}), RaiseFlag("threat", note))
    return Decision(HANDED_OVER, _data(turn), (), actions)


def on_bereavement(turn: Turn) -> Decision:
    """The debtor died: no more messages on this number from now on, one respectful line, a person
    takes the file (the estate is not chased by a bot)."""
    actions = (
        OptOutChannel(),
        Note("bereavement_reported", {"text": turn.text[:500]}),
        RaiseFlag("bereavement", f"the debtor is reported deceased: {turn.text[:200]}"),
    )
    return Decision(CLOSED, _data(turn), (_reply("bereavement"),), actions)


def on_affirm(turn: Turn) -> Decision:
    """A "merci" / "ok" with no question pending: nothing to answer."""
    return Decision(IDLE, _data(turn))


def on_pause(turn: Turn) -> Decision:
    # no template confirms a pause yet (see the report): the pause is applied and recorded silently
    actions = (PauseReminders(HARDSHIP_PAUSE_DAYS), Note("pause_granted", {"days": HARDSHIP_PAUSE_DAYS}))
    return Decision(IDLE, _data(turn), (), actions)


def on_unclear(turn: Turn) -> Decision:
    """A clarification menu; the second message in a row that is not understood goes to a human."""
    unclear = int(turn.data.get("unclear", 0)) + 1
    if unclear >= 2:
        return _handover(turn, "unclear", note=f"two messages not understood; last: {turn.text[:200]}")
    return Decision(IDLE, _data(turn, unclear=unclear), (_reply("clarification"),))


BY_INTENT: dict[str, Handler] = {
    "opt_out": on_opt_out,
    "wrong_person": on_wrong_person,
    "dispute": on_dispute,
    "payment_plan": on_plan,
    "already_paid": on_already_paid,
    "promise_to_pay": on_promise,
    "hardship": on_hardship,
    "human": on_human,
    "info_request": on_info,
    "abuse": on_abuse,
    "threat": on_threat,
    "bereavement": on_bereavement,
    "affirm": on_affirm,
    "deny": on_unclear,
    "unknown": on_unclear,
    "pause": on_pause,
}


def by_intent(turn: Turn) -> Decision:
    return BY_INTENT.get(turn.intent, on_unclear)(turn)


# ----------------------------------------------------------------------------- handlers by state


def idle(turn: Turn) -> Decision:
    return by_intent(turn)


def plan_answer(turn: Turn) -> Decision:
    """A plan is on the table: accept, refuse, propose another, or talk about something else."""
    offer = turn.data.get("offer")
    if offer is None:
        return by_intent(turn)
    if turn.intent == "affirm":
        schedule = schedule_from_data(offer)
        if schedule.total != turn.case.balance:  # a payment arrived meanwhile: offer the new figures
            return on_plan(replace(turn, choice="payment_plan"))
        reply = _plan_reply("plan_confirmation", schedule)
        return Decision(IDLE, _data(turn), (reply,), (ActivatePlan(schedule), Note("plan_accepted", offer)))
    if turn.intent == "deny":
        return _refused(turn)
    if turn.intent == "payment_plan" and plan_request(turn.understanding).is_specific:
        return _new_proposal(turn)
    if turn.intent in ("payment_plan", "unknown"):
        return _unclear_proposal(turn, offer)
    return by_intent(turn)


def _refused(turn: Turn) -> Decision:
    """A refusal: the most lenient plan the policy allows, then a human after the second."""
    refusals = int(turn.data.get("refusals", 0)) + 1
    if refusals >= 2:
        return _handover(turn, "refused_offer", note="the debtor refused two plan offers")
    schedule = plans.most_lenient(turn.case.balance, turn.case.currency, turn.policy, turn.today)
    return _offer_plan(turn, schedule, counter=True, refusals=refusals)


def _new_proposal(turn: Turn) -> Decision:
    """The debtor's own proposal: accepted as a proposal when inside policy, else countered
    (a counter-proposal out of policy refuses our offer)."""
    request = plan_request(turn.understanding)
    offer = plans.offer(turn.case.balance, turn.case.currency, request, turn.policy, turn.today)
    refusals = int(turn.data.get("refusals", 0)) + (0 if offer.as_requested else 1)
    if refusals >= 2:
        return _handover(turn, "refused_offer", note="the debtor's proposals stay outside the plan policy")
    return _offer_plan(turn, offer.schedule, counter=not offer.as_requested, refusals=refusals)


def _unclear_proposal(turn: Turn, offer: dict[str, Any]) -> Decision:
    """A reply to a plan offer we cannot read: the offer again, then a human after the second."""
    unclear = int(turn.data.get("plan_unclear", 0)) + 1
    if unclear >= 2:
        return _handover(turn, "refused_offer", note="two answers to a plan offer were not understood")
    decision = _offer_plan(turn, schedule_from_data(offer), counter=False, refusals=turn.data.get("refusals", 0))
    return replace(decision, data={**decision.data, "plan_unclear": unclear}, actions=())


def dispute_reason(turn: Turn) -> Decision:
    """The answer to "why do you contest?": kept as written and acknowledged, once."""
    if turn.intent == "opt_out":
        return on_opt_out(turn)
    if turn.intent in ("threat", "bereavement"):
        return by_intent(turn)
    return Decision(DISPUTED, _data(turn), (_reply("dispute_reason_received"),), (AddDisputeReason(turn.text),))


def payment_details(turn: Turn) -> Decision:
    """The answer to "when and how did you pay?": recorded for the person checking it."""
    if turn.intent in ("opt_out", "dispute", "wrong_person", "threat", "bereavement"):
        return by_intent(turn)
    u = turn.understanding
    data = {"text": turn.text, "amount": None if u.amount is None else str(u.amount)}
    data["date"] = u.date.isoformat() if u.date else None
    data["means"] = payment_means(turn.text)
    return Decision(IDLE, _data(turn), (), (Note("payment_details", data),))


_MEANS = (
    ("transfer", re.compile(r"vir|transf|wire|bank", re.I)),
    ("card", re.compile(r"\bcarte\b|\bcb\b|card", re.I)),
    ("cheque", re.compile(r"ch[eè]que|check", re.I)),
    ("cash", re.compile(r"esp[eè]ces|liquide|cash", re.I)),
    ("direct_debit", re.compile(r"pr[eé]l[eè]vement|direct debit", re.I)),
)


def payment_means(text: str) -> str | None:
    """How the debtor says they paid (transfer, card, cheque, cash, direct debit), if they say."""
    return next((name for name, pattern in _MEANS if pattern.search(text)), None)


def hardship_choice(turn: Turn) -> Decision:
    """After the hardship answer: a pause, a plan, or help beyond what the bot can offer (anything
    else a person in difficulty says goes to a human rather than to a menu)."""
    if turn.intent == "human":  # a call is asked for: more than the hardship review already flagged
        return _handover(turn, "human_requested", note=f"hardship; the debtor asks for a person: {turn.text[:200]}")
    if turn.intent in ("hardship", "deny", "unknown"):
        return _handover(turn, "hardship", note=f"hardship; the debtor asks for more help: {turn.text[:200]}")
    return by_intent(turn)


def silenced(turn: Turn) -> Decision:
    """A case flagged for a human or held by an agent: only opt-out, and the answer to what the bot
    asked as it flagged (a dispute reason, payment details, the hardship offer) until an agent holds it."""
    if turn.intent == "opt_out" or turn.understanding.intent == "opt_out":
        return on_opt_out(replace(turn, choice="opt_out"))
    if turn.intent in ("threat", "bereavement"):  # whoever holds the case must know at once
        decision = BY_INTENT[turn.intent](turn)
        return replace(decision, replies=()) if turn.case.agent_holds else decision
    if turn.case.agent_holds:
        return Decision(turn.state, dict(turn.data))
    if turn.state == AWAITING_DISPUTE_REASON:
        return dispute_reason(turn)
    if turn.state == AWAITING_PAYMENT_DETAILS:
        return payment_details(turn)
    if turn.data.get(HARDSHIP_OFFER) and turn.state in (AWAITING_HARDSHIP_CHOICE, AWAITING_PLAN_ANSWER):
        return HANDLERS[turn.state](turn)
    return Decision(turn.state, dict(turn.data))


def build_handlers() -> dict[str, Handler]:
    """The state -> handler table (states a human closed fall back to `idle`)."""
    return {
        IDLE: idle,
        AWAITING_PLAN_ANSWER: plan_answer,
        AWAITING_DISPUTE_REASON: dispute_reason,
        AWAITING_PAYMENT_DETAILS: payment_details,
        AWAITING_HARDSHIP_CHOICE: hardship_choice,
        DISPUTED: idle,
        HANDED_OVER: idle,
        CLOSED: idle,
    }


HANDLERS = build_handlers()


def transition(turn: Turn) -> Decision:
    """The decision for one inbound message."""
    if turn.case.flagged or turn.case.agent_holds:
        return silenced(turn)
    return HANDLERS.get(turn.state, idle)(turn)


def match_choice(text: str, choices: list[list[str]] | None) -> str | None:
    """The key of the menu entry a reply picks: its number ("2") or its label (a tapped button)."""
    if not choices:
        return None
    answer = text.strip().rstrip(".)").strip()
    if answer.isdecimal() and 1 <= int(answer) <= len(choices):  # "²".isdigit() is true, int() refuses it
        return str(choices[int(answer) - 1][0])
    folded = answer.casefold()
    return next((str(key) for key, label in choices if str(label).casefold() == folded), None)
