"""What the dispatcher does with a claimed message at send time: send, defer or cancel (pure).

Messages the scheduler wrote (reminders, follow-ups, `plan_broken`) are checked again against
every stop condition, the pause and the caps (`scheduler.decision.recheck`): the facts may have
changed since the sweep. Conversation (replies, confirmations, an agent's messages) is not
dunning: it is checked against the window — with the reply grace when the debtor just wrote — the
opt-outs, a wrong-person mark (an agent's messages), and an agent holding the case (the bot's).

An opted-out address is never written to, except by a message written after the opt-out was
recorded: that is the one confirmation the bot sends (`bot` records the opt-out, then writes its
answer). A scheduler message for an opted-out address moves to the debtor's other usable channel
if there is one; anything else is cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from relance.core.config import Caps
from relance.core.config import Creditor as CreditorRules
from scheduler.caps import REMINDER_KINDS
from scheduler.contact_window import ContactWindow, may_send
from scheduler.decision import NO_CONTACT_WINDOW, Stop, Wait, recheck
from scheduler.facts import CaseFacts

SCHEDULER_KINDS = REMINDER_KINDS | {"plan_broken"}


@dataclass(frozen=True, slots=True)
class Go:
    """Send now on `channel` to `address`."""

    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: back to the outbox until `until`."""

    until: datetime


@dataclass(frozen=True, slots=True)
class Cancel:
    """Never: a stop condition holds."""

    reason: str


SendPlan = Go | Defer | Cancel


@dataclass(frozen=True, slots=True)
class Outgoing:
    """The claimed message, as the policy sees it."""

    kind: str
    author: str
    channel: str
    address: str
    created_at: datetime
    reply_deadline: datetime | None = None


def plan_send(
    msg: Outgoing,
    *,
    facts: CaseFacts | None,
    addresses: dict[str, str],
    blocked: Mapping[tuple[str, str], datetime],
    rules: CreditorRules | None,
    caps: Caps,
    window: ContactWindow | None,
    now: datetime,
) -> SendPlan:
    """Send, defer or cancel `msg` at `now` (`blocked`: opted-out addresses and when they opted out)."""
    if facts is not None and rules is not None and not confirms_opt_out(msg, blocked):
        refused = _refused(msg, facts, rules, caps, now, window)
        if refused is not None:
            return refused
    target = _target(msg, facts, addresses, blocked)
    if target is None:
        return Cancel("opted_out")
    grace = None if msg.kind in SCHEDULER_KINDS else msg.reply_deadline
    if window is None:
        return Go(*target) if grace is not None and now <= grace else Cancel(NO_CONTACT_WINDOW)
    if not may_send(now, window, grace):
        return _defer(window, now)
    return Go(*target)


def _refused(
    msg: Outgoing, facts: CaseFacts, rules: CreditorRules, caps: Caps, now: datetime, window: ContactWindow | None
) -> SendPlan | None:
    if msg.kind in SCHEDULER_KINDS:
        check = recheck(facts, kind=msg.kind, rules=rules, caps=caps, now=now)
        if isinstance(check, Stop):
            return Cancel(check.reason)
        if isinstance(check, Wait) and check.until is not None:
            return _defer(window, check.until) if window is not None else Cancel(NO_CONTACT_WINDOW)
        return None
    if facts.wrong_person and msg.author != "bot":  # the bot's answer to "wrong number" must go
        return Cancel("wrong_person")
    if msg.author == "bot" and facts.agent_holds:
        return Cancel("agent")
    return None


def confirms_opt_out(msg: Outgoing, blocked: Mapping[tuple[str, str], datetime]) -> bool:
    """Whether `msg` was written after its address opted out: the confirmation of that opt-out."""
    since = blocked.get((msg.channel, msg.address))
    return since is not None and msg.kind not in SCHEDULER_KINDS and msg.created_at >= since


def _target(
    msg: Outgoing, facts: CaseFacts | None, addresses: dict[str, str], blocked: Mapping[tuple[str, str], datetime]
) -> tuple[str, str] | None:
    """Where the message goes: its own address unless opted out, else (scheduler messages) the other channel."""
    if (msg.channel, msg.address) not in blocked or confirms_opt_out(msg, blocked):
        return msg.channel, msg.address
    if msg.kind not in SCHEDULER_KINDS:
        return None
    for channel in facts.channels if facts is not None else ():
        address = addresses.get(channel)
        if channel != msg.channel and address is not None and (channel, address) not in blocked:
            return channel, address
    return None


def _defer(window: ContactWindow, after: datetime) -> SendPlan:
    at = window.next_allowed(after)
    return Cancel(NO_CONTACT_WINDOW) if at is None else Defer(at)
