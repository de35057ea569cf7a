"""What the scheduler knows about a case when it decides: small frozen values, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InstallmentFacts:
    """One installment of the active plan, and which of its reminders already exist."""

    id: int
    due_on: date
    paid: bool = False
    reminded_before: bool = False
    reminded_missed: bool = False


@dataclass(slots=True)
class CaseFacts:
    """Everything `decide` looks at for one case; treated as a value, never changed once built.

    Not `frozen`: a frozen dataclass sets each of these 26 fields through `object.__setattr__`,
    which made building the facts a tenth of a sweep's time (one per case). Derive a changed copy
    with `dataclasses.replace`.
    """

    status: str
    balance: Decimal
    due_date: date | None
    last_step: int = 0
    # when the last reminder of any kind went out (Case.last_reminder_at)
    last_sent_at: datetime | None = None
    # channels that reach the debtor and that they have not opted out of, in preference order
    channels: tuple[str, ...] = ("sms",)
    # channels the debtor opted out of (to tell "opted out" from "no way to reach them")
    opted_out: frozenset[str] = frozenset()
    wrong_person: bool = False
    dispute_open: bool = False
    agent_holds: bool = False
    notice_sent: bool = False
    notice_deadline: date | None = None
    plan_active: bool = False
    installments: tuple[InstallmentFacts, ...] = ()
    promise_id: int | None = None
    promise_due: date | None = None
    paused_until: datetime | None = None
    # reminders of the last 7 days (sent instants), for the caps
    reminders: tuple[datetime, ...] = ()
    last_inbound_at: datetime | None = None
    # a reminder of this case is already in the outbox (queued or being sent)
    pending_reminder: bool = False
    # reasons of escalation flags ever raised on the case (no_response, court_procedure)
    flagged: frozenset[str] = frozenset()
    # an open flag waits for a person (Case.flagged_at): the scenario holds its reminders
    flag_open: bool = False
    # the day the case was imported (Case.opened_at), for scenarios anchored on the placement
    placed_at: datetime | None = None
    # scenario reminders that actually left (sent or delivered), and when the first and latest went
    steps_sent: int = 0
    first_step_sent_at: datetime | None = None
    last_step_sent_at: datetime | None = None
