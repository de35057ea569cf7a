"""The conversation of a case as the console shows it: one chronological thread.

Messages are bubbles (the debtor on the left, the bot and agents on the right) with their delivery
status in words; events become short sentences ("Promise to pay 480.00 EUR by 27 Nov"); events that
only repeat what a bubble already shows (sent, received, delivery status) are folded into it; the
raw data of everything stays behind a details toggle.

Order: a message sits where the trail logged it (its `message_received` / `message_sent` event);
one not logged yet (queued) sits at its creation, after every event of the same instant, so an
answer always follows what it answers, even when simulated time gives both the same instant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from relance.core.clock import ensure_utc
from relance.core.models import Event, Message

# what a provider's error code means, for the agent (Twilio's documented codes; Telegram's are words already)
PROVIDER_ERRORS = {
    "21211": "the number is not a valid phone number",
    "21408": "SMS to this country is not enabled on our account",
    "21610": "the debtor replied STOP to our number (opted out at the carrier)",
    "21612": "this route cannot carry the message",
    "21614": "the number is not a mobile number",
    "30001": "the provider's queue overflowed: try again later",
    "30002": "our provider account is suspended",
    "30003": "the phone is unreachable (off or out of coverage)",
    "30004": "the message was blocked (the number blocks us or the carrier does)",
    "30005": "unknown number: it does not exist or is no longer in service",
    "30006": "landline or unreachable carrier",
    "30007": "the carrier filtered the message as spam",
    "30008": "unknown delivery error from the carrier",
    "403": "the debtor blocked the bot on Telegram",
    "400": "Telegram refused the message (chat not found)",
}
STATUS_WORDS = {
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "not delivered",
    "failed": "failed",
    "cancelled": "not sent (cancelled)",
    "received": "received",
}
FOLDED = frozenset(
    {"message_received", "message_sent", "message_status", "message_failed", "message_cancelled", "agent_replied"}
)
HIDDEN = frozenset({"case_file_exported"})
NOTE = "note_added"


@dataclass
class Bubble:
    """A message in the thread, with the events that tell its story."""

    message: Message
    at: datetime
    side: str  # left (debtor) or right (bot, agent)
    who: str
    raw: list[dict[str, Any]] = field(default_factory=list)

    is_message = True

    @property
    def status_text(self) -> str:
        return STATUS_WORDS.get(self.message.status, self.message.status)

    @property
    def error_text(self) -> str | None:
        return provider_error(self.message.error_code, self.message.last_error)


@dataclass
class Line:
    """A system event in the thread: a short sentence, its kind (for styling), its raw data."""

    event: Event
    at: datetime
    text: str
    who: str
    raw: list[dict[str, Any]] = field(default_factory=list)

    is_message = False

    @property
    def is_note(self) -> bool:
        return self.event.kind == NOTE

    @property
    def kind(self) -> str:
        return self.event.kind


def provider_error(code: str | None, error: str | None) -> str | None:
    """The provider's error in words (`30003` → the phone is unreachable), else its own text."""
    if code and code in PROVIDER_ERRORS:
        return f"{PROVIDER_ERRORS[code]} (error {code})"
    if error:
        return f"{error} (error {code})" if code and code not in error else error
    return f"provider error {code}" if code else None


# --------------------------------------------------------------------------- sentences


def _money(value: Any, currency: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{value} {currency or ''}".strip()
    return f"{amount:,.2f} {currency or ''}".strip()


def _day(value: Any) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day.strftime('%b %Y')}"


def _label(value: Any) -> str:
    return str(value or "?").replace("_", " ")


def _plan(d: Mapping[str, Any], currency: str, what: str = "Plan agreed") -> str:
    rows = d.get("installments") or []
    if not rows:
        return what
    amounts = {str(r[2]) for r in rows}
    first = _money(rows[0][2], currency)
    each = f"{len(rows)} × {first}" if len(amounts) == 1 else f"{len(rows)} installments from {first}"
    return f"{what}: {each} {d.get('frequency', '')}, first on {_day(rows[0][1])}".rstrip()


def _understood(d: Mapping[str, Any]) -> str:
    u = d.get("understood") or {}
    intent = _label(u.get("intent"))
    parts = [f"Bot read: {intent}"]
    if u.get("amount") is not None:
        parts.append(f"amount {_money(u['amount'], '')}")
    if u.get("installments"):
        parts.append(f"{u['installments']} installments")
    if u.get("date"):
        parts.append(f"date {_day(u['date'])}")
    return ", ".join(parts)


Sentence = Callable[[Mapping[str, Any], str, Callable[[Any], str]], str]

SENTENCES: dict[str, Sentence] = {
    "case_opened": lambda d, c, n: "Case opened",
    "debt_imported": lambda d, c, n: (
        f"Invoice {d.get('reference', '?')} imported: {_money(d.get('amount'), d.get('currency') or c)}"
        f" due {_day(d.get('due_date'))}"
    ),
    "debt_amount_changed": lambda d, c, n: f"Invoice {d.get('reference', '?')}: amount changed by a new import",
    "debt_due_date_changed": lambda d, c, n: f"Invoice {d.get('reference', '?')}: due date changed by a new import",
    "case_reopened": lambda d, c, n: "Case reopened by an import",
    "promise_recorded": lambda d, c, n: f"Promise to pay {_money(d.get('amount'), c)} by {_day(d.get('due_on'))}",
    "promise_kept": lambda d, c, n: "Promise kept",
    "promise_broken": lambda d, c, n: "Promise broken: the reminders resume",
    "plan_activated": lambda d, c, n: _plan(d, c),
    "plan_proposed": lambda d, c, n: _plan(d, c, "Plan proposed"),
    "plan_counter_offered": lambda d, c, n: _plan(d, c, "Counter-offer"),
    "plan_accepted": lambda d, c, n: "The debtor accepted the plan",
    "plan_broken": lambda d, c, n: "Plan broken: an installment was missed",
    "dispute_opened": lambda d, c, n: f"Dispute opened: {_label(d.get('reason_code'))}",
    "dispute_reason_given": lambda d, c, n: f"Dispute reason: {_label(d.get('reason_code'))}",
    "reminders_paused": lambda d, c, n: f"Reminders paused until {_day(d.get('until'))}",
    "wrong_person": lambda d, c, n: "The debtor says this is the wrong person",
    "flag_raised": lambda d, c, n: (
        f"Flagged: {_label(d.get('reason'))} (recommended: {_label(d.get('recommended_action') or d.get('action'))})"
    ),
    "flags_resolved": lambda d, c, n: "Flags resolved" + (f": {d['note']}" if d.get("note") else ""),
    "flag_snoozed": lambda d, c, n: (
        f"Flag {_label(d.get('reason'))} snoozed until {_day(d.get('until'))}"
        + (f": {d['note']}" if d.get("note") else "")
    ),
    "payment_recorded": lambda d, c, n: (
        f"Payment of {_money(d.get('amount'), d.get('currency') or c)} received"
        + (f" on {d['reference']}" if d.get("reference") else "")
        + (f" (paid {_day(d['paid_on'])})" if d.get("paid_on") else "")
    ),
    "case_paid": lambda d, c, n: "Paid in full",
    "agent_took_over": lambda d, c, n: "Taken over: the bot is silent",
    "case_assigned": lambda d, c, n: f"Assigned to {n(d.get('assignee_id'))}",
    "agent_replied": lambda d, c, n: f"Agent reply queued on {d.get('channel', '?')}",
    "handed_back_to_bot": lambda d, c, n: "Handed back to the bot" + (f": {d['note']}" if d.get("note") else ""),
    "call_logged": lambda d, c, n: f"Call: {_label(d.get('outcome'))}" + (f" — {d['note']}" if d.get("note") else ""),
    "notice_drafted": lambda d, c, n: (
        f"Formal notice #{d.get('notice_id', '?')} drafted: {_money(d.get('total'), d.get('currency') or c)}"
    ),
    "formal_notice_sent": lambda d, c, n: (
        f"Formal notice sent on {_day(d.get('sent_on'))} by {d.get('method', '?')}, deadline {_day(d.get('deadline'))}"
    ),
    "case_closed": lambda d, c, n: (
        f"Case closed ({_label(d.get('reason'))})" + (f": {d['note']}" if d.get("note") else "")
    ),
    "dispute_upheld": lambda d, c, n: "Dispute upheld: the disputed debts are cancelled",
    "dispute_rejected": lambda d, c, n: "Dispute rejected: reminders resume",
    "marked_wrong_person": lambda d, c, n: "Marked as the wrong person: no more contact",
    "opt_out_recorded": lambda d, c, n: f"Opted out of {d.get('channel', '?')}",
    "opt_in_recorded": lambda d, c, n: f"Opted back in on {d.get('channel', '?')}",
    "telegram_bound": lambda d, c, n: "Telegram chat linked",
    "dialogue_turn": lambda d, c, n: _understood(d),
    NOTE: lambda d, c, n: str(d.get("text", "")),
}


def describe(event: Event, currency: str, names: Callable[[Any], str]) -> str:
    """A short, human sentence for an event."""
    sentence = SENTENCES.get(event.kind)
    if sentence is not None:
        return sentence(event.data or {}, currency, names)
    return _label(event.kind).capitalize()


def raw(event: Event) -> dict[str, Any]:
    return {"event": event.kind, "at": ensure_utc(event.at).isoformat(), "by": event.actor, **(event.data or {})}


def raw_json(items: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(list(items), ensure_ascii=False, indent=1, default=str)


# --------------------------------------------------------------------------- the thread


def _who(message: Message, agent_names: Mapping[int | None, str]) -> tuple[str, str]:
    if message.author == "debtor" or message.direction == "in":
        return "left", "Debtor"
    if message.author == "agent":
        return "right", agent_names.get(message.agent_id, "Agent")
    return "right", "Bot" if message.author == "bot" else message.author.capitalize()


def build_thread(
    messages: Sequence[Message], events: Sequence[Event], *, currency: str, agent_names: Mapping[int | None, str]
) -> list[Bubble | Line]:
    """Messages and events of a case, in the order they happened."""
    by_id = {m.id: m for m in messages}
    bubbles: dict[int | None, Bubble] = {}
    keyed: list[tuple[tuple[datetime, float, int], Bubble | Line]] = []

    def names(agent_id: Any) -> str:
        try:
            return agent_names.get(int(agent_id), f"agent #{agent_id}")
        except (TypeError, ValueError):
            return "?"

    anchors: dict[int, tuple[datetime, float, int]] = {}
    for e in events:
        ref = (e.data or {}).get("message_id")
        if e.kind in ("message_received", "message_sent") and isinstance(ref, int) and ref in by_id:
            anchors.setdefault(ref, (ensure_utc(e.at), float(e.id or 0), 0))
    following: tuple[datetime, float, int] | None = None  # the earliest anchor of the messages written later
    for m in sorted(messages, key=lambda m: m.id or 0, reverse=True):
        side, who = _who(m, agent_names)
        at = ensure_utc(m.created_at)
        bubble = Bubble(m, at, side, who, [{"message": m.id, "kind": m.kind, "step": m.step, "status": m.status}])
        bubbles[m.id] = bubble
        anchor = anchors.get(m.id or 0)
        if anchor is None:
            # not logged (an immediate answer, a queued reply): after the events of its instant, but before
            # the next logged message, which was written after it
            key: tuple[datetime, float, int] = (at, float(1 << 62), m.id or 0)
            if following is not None:
                key = min(key, (following[0], following[1] - 0.5, m.id or 0))
        else:
            key = anchor
            following = anchor if following is None else min(following, anchor)
        keyed.append((key, bubble))
    for e in events:
        ref = (e.data or {}).get("message_id")
        if e.kind in FOLDED and isinstance(ref, int) and ref in bubbles:
            bubbles[ref].raw.append(raw(e))
            continue
        if e.kind in HIDDEN:
            continue
        line = Line(e, ensure_utc(e.at), describe(e, currency, names), _actor(e, names), [raw(e)])
        keyed.append(((line.at, float(e.id or 0), 1), line))
    return [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


def _actor(event: Event, names: Callable[[Any], str]) -> str:
    if event.actor == "agent" and event.actor_id:
        return names(event.actor_id)
    return {"bot": "Bot", "debtor": "Debtor", "import": "Import", "scheduler": "Scheduler"}.get(
        event.actor, event.actor.capitalize()
    )
