"""What an agent does to a case, as plain functions of the session (no web code here).

Each action changes the rows, records one event with the agent's id (actor `agent`) and flushes; the
caller commits. Errors the agent can fix are `ActionError` (or `PolicyError` for compliance
refusals), with a message meant for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.clock import ensure_utc
from relance.core.config import RelanceConfig
from relance.core.errors import PolicyError, RelanceError
from relance.core.events import record_event
from relance.core.flags import resolve_flags
from relance.core.models import (
    Agent,
    Author,
    Case,
    CaseStatus,
    Channel,
    Debt,
    Debtor,
    DebtStatus,
    Direction,
    Dispute,
    DisputeStatus,
    Flag,
    FlagStatus,
    FormalNotice,
    Message,
    MessageStatus,
    NoticeStatus,
    OptOut,
    valid_id,
)
from relance.core.payments import DEFAULT_CEILING, check_paid_on, checked_amount, record_payment, refresh_case_totals
from scheduler.contact_window import ContactWindow, contact_window, may_send, reply_deadline

AGENT_REPLY = "agent_reply"
MAX_REPLY_LENGTH = 1600
ENDED = (CaseStatus.CLOSED, CaseStatus.PAID)


class ActionError(RelanceError):
    """The action cannot be done as asked; the message says why, for the agent."""


def _event(session: Session, case: Case, kind: str, agent_id: int, at: datetime, **data: object) -> None:
    record_event(session, case_id=case.id, kind=kind, actor="agent", actor_id=agent_id, at=at, data=data)


def _touch(session: Session, case: Case, at: datetime) -> None:
    case.updated_at = at
    session.add(case)
    session.flush()


# --------------------------------------------------------------------------- take over, hand back


def _check_not_held_by_another(case: Case, agent_id: int, admin: bool) -> None:
    """A case another agent holds is theirs until they hand it back (an admin may still step in)."""
    if case.agent_id is not None and case.agent_id != agent_id and not admin:
        raise ActionError("another agent holds this case: they must hand it back first (or an admin)")


def take_over(session: Session, *, case: Case, agent_id: int, at: datetime, admin: bool = False) -> None:
    """The agent holds the case: the bot and the scenario stay silent on it."""
    if case.agent_id == agent_id:
        raise ActionError("you already hold this case")
    _check_not_held_by_another(case, agent_id, admin)
    previous = case.agent_id
    case.agent_id = agent_id
    session.execute(
        sa.update(Flag)
        .where(col(Flag.case_id) == case.id, col(Flag.status) == FlagStatus.OPEN)
        .values(assignee_id=agent_id)
    )
    _touch(session, case, at)
    _event(session, case, "agent_took_over", agent_id, at, previous_agent_id=previous)


def hand_back(
    session: Session, *, case: Case, agent_id: int, at: datetime, note: str | None = None, admin: bool = False
) -> None:
    """Give the case back to the bot: no agent holds it, its flags are resolved, the sweep looks again."""
    if case.agent_id is None and case.flagged_at is None:
        raise ActionError("the bot already has this case")
    _check_not_held_by_another(case, agent_id, admin)
    case.agent_id = None
    case.next_check_at = None
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=agent_id, note=note)
    _event(session, case, "handed_back_to_bot", agent_id, at, note=note)


# --------------------------------------------------------------------------- reply


@dataclass(frozen=True)
class Reachable:
    """A channel and address the debtor can be written to."""

    channel: str
    address: str


def debtor_channels(debtor: Debtor) -> dict[str, str]:
    """The debtor's addresses per channel."""
    out = {}
    if debtor.telegram_chat_id is not None:
        out[Channel.TELEGRAM.value] = str(debtor.telegram_chat_id)
    if debtor.phone:
        out[Channel.SMS.value] = debtor.phone
    return out


def reply_channel(
    addresses: dict[str, str], opted_out: set[tuple[str, str]], preferred: Sequence[str], last_inbound: str | None
) -> Reachable | None:
    """Where an agent's reply goes: the channel the debtor last wrote on, else by preference; never opted out."""
    order = [last_inbound, *preferred, *addresses] if last_inbound else [*preferred, *addresses]
    for channel in dict.fromkeys(c for c in order if c):
        address = addresses.get(channel)
        if address is not None and (channel, address) not in opted_out:
            return Reachable(channel, address)
    return None


def _opted_out(session: Session, debtor: Debtor, addresses: dict[str, str]) -> set[tuple[str, str]]:
    # any active opt-out of the address blocks it, whichever of our numbers it was sent to
    rows = session.execute(
        sa.select(col(OptOut.channel), col(OptOut.address)).where(
            col(OptOut.active).is_(True),
            sa.or_(col(OptOut.debtor_id) == debtor.id, col(OptOut.address).in_(list(addresses.values()))),
        )
    )
    return {(channel, address) for channel, address in rows}


def _last_inbound_channel(session: Session, case: Case) -> str | None:
    return session.execute(
        sa.select(col(Message.channel))
        .where(col(Message.case_id) == case.id, col(Message.direction) == Direction.IN)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    ).scalar_one_or_none()


def debtor_window(config: RelanceConfig, creditor_key: str, debtor: Debtor) -> ContactWindow:
    """The debtor's contact window for this creditor (creditor's hours ∩ the law's, local time)."""
    return contact_window(
        config.creditor(creditor_key), config.contact, country=debtor.country, timezones=debtor.timezones
    )


def send_time(window: ContactWindow, now: datetime, last_inbound_at: datetime | None, grace_minutes: int) -> datetime:
    """When a reply may go: now inside the window or the reply grace, else the next allowed instant."""
    until = reply_deadline(last_inbound_at, grace_minutes) if last_inbound_at else None
    if may_send(now, window, until):
        return now
    at = window.next_allowed(now)
    if at is None:
        raise PolicyError("the debtor's contact window never opens (check the creditor's and country's hours)")
    return at


@dataclass(frozen=True)
class Reply:
    """A queued agent reply and when it may go (`immediate` when inside the window now)."""

    message: Message
    goes_at: datetime
    immediate: bool


def send_reply(
    session: Session,
    *,
    case: Case,
    agent_id: int,
    text: str,
    at: datetime,
    config: RelanceConfig,
    creditor_key: str,
    reply_key: str | None = None,
) -> Reply:
    """Queue the agent's message on the debtor's channel, for now or the next allowed instant."""
    if case.agent_id != agent_id:
        raise ActionError("take the case over before replying (the bot would speak at the same time)")
    text = text.strip()
    if not text:
        raise ActionError("the reply is empty")
    if len(text) > MAX_REPLY_LENGTH:
        raise ActionError(f"the reply is too long ({len(text)} characters, at most {MAX_REPLY_LENGTH})")
    key = f"agent-reply:{case.id}:{reply_key or uuid.uuid4().hex}"
    existing = session.execute(sa.select(Message).where(col(Message.idempotency_key) == key)).scalar_one_or_none()
    if existing is not None:  # the same form submitted twice: one message
        assert existing.not_before is not None
        return Reply(existing, existing.not_before, existing.not_before <= existing.created_at)
    debtor = _debtor(session, case)
    if debtor.wrong_person:
        raise PolicyError("this number belongs to the wrong person: nothing may be sent to it")
    addresses = debtor_channels(debtor)
    target = reply_channel(
        addresses,
        _opted_out(session, debtor, addresses),
        config.channels.preferred,
        _last_inbound_channel(session, case),
    )
    if target is None:
        raise PolicyError("the debtor opted out of every channel (or has none): nothing can be sent")
    window = debtor_window(config, creditor_key, debtor)
    grace = config.caps.reply_grace_minutes
    goes_at = send_time(window, at, case.last_inbound_at, grace)
    until = reply_deadline(case.last_inbound_at, grace) if case.last_inbound_at else None
    message = _queue_message(
        session, case, debtor, target, agent_id=agent_id, text=text, key=key, at=at, goes_at=goes_at,
        reply_until=until if until is not None and until >= at else None,
    )  # fmt: skip
    _event(
        session, case, "agent_replied", agent_id, at, message_id=message.id, channel=target.channel, not_before=goes_at
    )
    return Reply(message, goes_at, goes_at <= at)


def _queue_message(
    session: Session,
    case: Case,
    debtor: Debtor,
    target: Reachable,
    *,
    agent_id: int,
    text: str,
    key: str,
    at: datetime,
    goes_at: datetime,
    reply_until: datetime | None,
) -> Message:
    message = Message(
        case_id=case.id,
        debtor_id=debtor.id,
        direction=Direction.OUT,
        channel=target.channel,
        author=Author.AGENT,
        agent_id=agent_id,
        kind=AGENT_REPLY,
        body=text,
        status=MessageStatus.QUEUED,
        to_address=target.address,
        idempotency_key=key,
        not_before=goes_at,
        reply_deadline=reply_until,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def _debtor(session: Session, case: Case) -> Debtor:
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    return debtor


# --------------------------------------------------------------------------- payment


def agent_payment(
    session: Session,
    *,
    case: Case,
    debt_id: int,
    amount: str,
    paid_on: date,
    agent_id: int,
    at: datetime,
    ceiling: Decimal = DEFAULT_CEILING,
    confirm_overpayment: bool = False,
) -> Decimal:
    """Record a payment the agent learnt of (bank transfer seen, cheque received…); returns the credit left over.

    The amount must be positive, in the currency's minor unit at most, and under `ceiling`; one larger
    than the debt's balance is refused unless the agent confirms it, and the excess is recorded as a credit.
    """
    debt = session.get(Debt, debt_id) if valid_id(debt_id) else None
    if debt is None or debt.case_id != case.id:
        raise ActionError("choose one of this case's debts")
    try:
        value = checked_amount(amount, debt.currency, ceiling=ceiling)
    except ValueError as exc:
        raise ActionError(f"amount: {exc}") from None
    try:
        check_paid_on(paid_on, ensure_utc(at).date())
    except ValueError as exc:
        raise ActionError(f"payment date: {exc}") from None
    excess = value - debt.balance
    if excess > 0 and not confirm_overpayment:
        raise ActionError(
            f"amount: {value} {debt.currency} is more than the debt's balance ({debt.balance} {debt.currency}): "
            "tick “record the overpayment” to keep the excess as a credit"
        )
    record_payment(session, debt=debt, amount=value, paid_on=paid_on, at=at, source="agent", agent_id=agent_id)
    if excess > 0:
        record_event(
            session, case_id=case.id, kind="overpayment_credit", actor="agent", actor_id=agent_id, at=at,
            data={"amount": excess, "currency": debt.currency, "reference": debt.reference},
        )  # fmt: skip
    return max(excess, Decimal(0))


# --------------------------------------------------------------------------- dispute, wrong person, close


def _open_disputes(session: Session, case: Case) -> list[Dispute]:
    return list(
        session.execute(
            sa.select(Dispute).where(col(Dispute.case_id) == case.id, col(Dispute.status) == DisputeStatus.OPEN)
        ).scalars()
    )


def resolve_dispute(
    session: Session, *, case: Case, upheld: bool, agent_id: int, at: datetime, note: str | None = None
) -> None:
    """Upheld: the disputed debts are cancelled (the case closes if none is left). Rejected: reminders resume."""
    disputes = _open_disputes(session, case)
    if not disputes and case.status != CaseStatus.DISPUTED:
        raise ActionError("this case has no open dispute")
    for dispute in disputes:
        dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
        dispute.resolved_at = at
        dispute.resolved_by = agent_id
        session.add(dispute)
    previous = case.status
    cancelled = _cancel_disputed_debts(session, case, disputes, at) if upheld else []
    closing = upheld and not _open_debts(session, case)
    if closing:
        # CLOSED before the totals are refreshed, so that a zero balance does not read as "paid"
        case.status = CaseStatus.CLOSED
        case.closed_at = at
    elif case.status == CaseStatus.DISPUTED:
        case.status = CaseStatus.OPEN
    case.agent_id = None
    case.next_check_at = None
    if upheld:
        refresh_case_totals(session, case, at)
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=agent_id, note=note)
    kind = "dispute_upheld" if upheld else "dispute_rejected"
    _event(session, case, kind, agent_id, at, dispute_ids=[d.id for d in disputes], cancelled=cancelled, note=note)
    if closing:
        _event(session, case, "case_closed", agent_id, at, previous_status=previous, reason="dispute_upheld")


def _cancel_disputed_debts(session: Session, case: Case, disputes: list[Dispute], at: datetime) -> list[str]:
    """Cancel the debts the disputes name (all open debts when one names none); returns their references."""
    named = {d.debt_id for d in disputes}
    query = sa.select(Debt).where(col(Debt.case_id) == case.id, col(Debt.status) == DebtStatus.OPEN)
    if named and None not in named:
        query = query.where(col(Debt.id).in_(named))
    debts = list(session.execute(query).scalars())
    for debt in debts:
        debt.status = DebtStatus.CANCELLED
        debt.updated_at = at
        session.add(debt)
    session.flush()
    return [d.reference for d in debts]


def _open_debts(session: Session, case: Case) -> list[Debt]:
    return list(
        session.execute(
            sa.select(Debt).where(col(Debt.case_id) == case.id, col(Debt.status) == DebtStatus.OPEN)
        ).scalars()
    )


def mark_wrong_person(session: Session, *, case: Case, agent_id: int, at: datetime, note: str | None = None) -> None:
    """The number does not belong to the debtor: no more contact with it, on any of their cases."""
    debtor = _debtor(session, case)
    if debtor.wrong_person and case.status == CaseStatus.WRONG_PERSON:
        raise ActionError("already marked as the wrong person")
    debtor.wrong_person = True
    debtor.updated_at = at
    session.add(debtor)
    case.status = CaseStatus.WRONG_PERSON
    case.agent_id = None
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=agent_id, note=note)
    _event(session, case, "marked_wrong_person", agent_id, at, phone=debtor.phone, note=note)


def close_case(session: Session, *, case: Case, agent_id: int, at: datetime, note: str | None = None) -> None:
    """Close the case: no more reminders, nothing more from the bot."""
    if case.status in ENDED:
        raise ActionError(f"the case is already {case.status}")
    _close(session, case, at, agent_id, reason="agent", note=note)


def _close(session: Session, case: Case, at: datetime, agent_id: int, *, reason: str, note: str | None = None) -> None:
    previous = case.status
    case.status = CaseStatus.CLOSED
    case.closed_at = at
    case.agent_id = None
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=agent_id, note=note)
    _event(session, case, "case_closed", agent_id, at, previous_status=previous, reason=reason, note=note)


# --------------------------------------------------------------------------- formal notice


def notice_of(session: Session, case: Case, notice_id: int) -> FormalNotice:
    """The case's notice with this id."""
    notice = session.get(FormalNotice, notice_id) if valid_id(notice_id) else None
    if notice is None or notice.case_id != case.id:
        raise ActionError("no such formal notice on this case")
    return notice


def sent_instant(sent_on: date, at: datetime) -> datetime:
    """The instant stored for a letter posted on `sent_on`: now if today, else noon UTC that day."""
    at = ensure_utc(at)
    return at if sent_on == at.date() else datetime.combine(sent_on, time(12), tzinfo=UTC)


def mark_notice_sent(
    session: Session,
    *,
    case: Case,
    notice: FormalNotice,
    sent_on: date,
    method: str,
    tracking_number: str | None,
    deadline_days: int,
    agent_id: int,
    at: datetime,
) -> date:
    """Record that the notice was posted; the case waits for its deadline (then the scheduler flags court)."""
    if notice.status == NoticeStatus.SENT:
        raise ActionError("this notice is already marked as sent")
    if not method.strip():
        raise ActionError("say how the notice was sent (e.g. registered letter)")
    if sent_on > ensure_utc(at).date() or sent_on < ensure_utc(notice.created_at).date():
        raise ActionError("the sending date must be between the notice's creation and today")
    deadline = max(notice.deadline, sent_on + timedelta(days=deadline_days))
    notice.status = NoticeStatus.SENT
    notice.sent_at = sent_instant(sent_on, at)
    notice.sent_by = agent_id
    notice.method = method.strip()[:64]
    notice.tracking_number = (tracking_number or "").strip()[:100] or None
    session.add(notice)
    case.status = CaseStatus.FORMAL_NOTICE_SENT
    case.notice_deadline = deadline
    # released to the system: the scheduler watches the deadline only for cases no agent holds
    case.agent_id = None
    case.next_check_at = None
    _touch(session, case, at)
    resolve_flags(session, case=case, at=at, agent_id=agent_id, note="formal notice sent")
    _event(
        session, case, "formal_notice_sent", agent_id, at, notice_id=notice.id, sent_on=sent_on,
        method=notice.method, tracking_number=notice.tracking_number, deadline=deadline,
    )  # fmt: skip
    return deadline


# --------------------------------------------------------------------------- working together

CALL_OUTCOMES = ("reached", "no_answer", "promise", "refused", "wrong_number", "voicemail")
MAX_NOTE_LENGTH = 4000


def assign(session: Session, *, case: Case, to_agent: Agent, agent_id: int, at: datetime) -> None:
    """Give the case to a colleague (or to oneself): they hold it, the bot stays silent, it is in their "mine"."""
    if not to_agent.active:
        raise ActionError(f"{to_agent.name} is disabled: pick an active colleague")
    if case.agent_id == to_agent.id:
        raise ActionError(f"{to_agent.name} already holds this case")
    previous = case.agent_id
    case.agent_id = to_agent.id
    session.execute(
        sa.update(Flag)
        .where(col(Flag.case_id) == case.id, col(Flag.status) == FlagStatus.OPEN)
        .values(assignee_id=to_agent.id)
    )
    _touch(session, case, at)
    _event(session, case, "case_assigned", agent_id, at, assignee_id=to_agent.id, previous_agent_id=previous)


def add_note(session: Session, *, case: Case, text: str, agent_id: int, at: datetime) -> None:
    """An internal note on the case: for colleagues only, never sent to the debtor."""
    text = text.strip()
    if not text:
        raise ActionError("the note is empty: write something first")
    if len(text) > MAX_NOTE_LENGTH:
        raise ActionError(f"the note is too long ({len(text)} characters, at most {MAX_NOTE_LENGTH})")
    _touch(session, case, at)
    _event(session, case, "note_added", agent_id, at, text=text)


def log_call(session: Session, *, case: Case, outcome: str, note: str, agent_id: int, at: datetime) -> None:
    """The outcome of a phone call to the debtor (reached, no answer, promise, refused…), with a note."""
    if outcome not in CALL_OUTCOMES:
        allowed = ", ".join(o.replace("_", " ") for o in CALL_OUTCOMES)
        raise ActionError(f"unknown call outcome {outcome!r}: one of {allowed}")
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ActionError(f"the note is too long ({len(note)} characters, at most {MAX_NOTE_LENGTH})")
    _touch(session, case, at)
    _event(session, case, "call_logged", agent_id, at, outcome=outcome, note=note or None)


def snooze_flag(
    session: Session, *, case: Case, flag_id: int, until: date, note: str, agent_id: int, at: datetime
) -> datetime:
    """Put an open flag aside until the start of `until` (UTC): it leaves the queue, then comes back by itself."""
    flag = session.get(Flag, flag_id) if valid_id(flag_id) else None
    if flag is None or flag.case_id != case.id:
        raise ActionError(f"there is no flag #{flag_id} on this case")
    if flag.status != FlagStatus.OPEN:
        raise ActionError("this flag is already resolved")
    today = ensure_utc(at).date()
    if until <= today:
        raise ActionError("snooze until a later day than today")
    if until > today + timedelta(days=366):
        raise ActionError("a flag can be snoozed for a year at most")
    flag.snoozed_until = datetime.combine(until, time(0), tzinfo=UTC)
    session.add(flag)
    _touch(session, case, at)
    _event(
        session, case, "flag_snoozed", agent_id, at, flag_id=flag.id, reason=flag.reason, until=until,
        note=note.strip() or None,
    )  # fmt: skip
    return flag.snoozed_until
