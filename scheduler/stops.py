"""Stop conditions: when a case must not be reminded at all."""

from __future__ import annotations

from decimal import Decimal

from scheduler.facts import CaseFacts

# Why a case gets no reminder, in the order they are checked.
PAID = "paid"
CLOSED = "closed"
UNDER_TOLERANCE = "under_tolerance"
WRONG_PERSON = "wrong_person"
DISPUTE = "dispute"
AGENT = "agent"
FORMAL_NOTICE_SENT = "formal_notice_sent"
OPTED_OUT = "opted_out"
NO_CHANNEL = "no_channel"
NO_OPEN_DEBT = "no_open_debt"

# `relance.core.models.CaseStatus` values (not imported: the policy core stays free of the ORM)
_PAID, _CLOSED, _WRONG, _DISPUTED, _NOTICE = "paid", "closed", "wrong_person", "disputed", "formal_notice_sent"


def balance_standing(balance: Decimal, tolerance: Decimal) -> str | None:
    """What the balance alone says: PAID (nothing owed), UNDER_TOLERANCE, or None (enough to remind).

    The only way `stop_reason`, and so `scheduler.decision.decide`, reads a balance: two cases whose
    facts differ only in balances of the same standing are decided alike (the sweep memoises on it).
    """
    if balance <= 0:
        return PAID
    if balance < tolerance:
        return UNDER_TOLERANCE
    return None


def stop_reason(facts: CaseFacts, tolerance: Decimal) -> str | None:
    """The first stop condition that holds, or None when reminders may go on."""
    standing = balance_standing(facts.balance, tolerance)
    if facts.status == _PAID or standing == PAID:
        return PAID
    if facts.status == _CLOSED:
        return CLOSED
    if standing == UNDER_TOLERANCE:
        return UNDER_TOLERANCE
    if facts.wrong_person or facts.status == _WRONG:
        return WRONG_PERSON
    if facts.dispute_open or facts.status == _DISPUTED:
        return DISPUTE
    if facts.agent_holds:
        return AGENT
    if facts.notice_sent or facts.status == _NOTICE:
        return FORMAL_NOTICE_SENT
    if not facts.channels:
        return OPTED_OUT if facts.opted_out else NO_CHANNEL
    if facts.due_date is None:
        return NO_OPEN_DEBT
    return None
