"""Stop conditions and the send-time re-check."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from relance.core.config import Caps, Creditor
from scheduler import stops
from scheduler.decision import Stop, Wait, recheck
from scheduler.facts import CaseFacts

RULES = Creditor(key="c", name="C", iban="FR7630006000011234567890189")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
OPEN = CaseFacts(status="open", balance=Decimal("600"), due_date=date(2026, 11, 1))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({}, None),
        ({"status": "paid"}, stops.PAID),
        ({"balance": Decimal("0")}, stops.PAID),
        ({"balance": Decimal("-3")}, stops.PAID),  # overpaid
        ({"status": "closed"}, stops.CLOSED),
        ({"balance": Decimal("4.99")}, stops.UNDER_TOLERANCE),
        ({"wrong_person": True}, stops.WRONG_PERSON),
        ({"status": "wrong_person"}, stops.WRONG_PERSON),
        ({"dispute_open": True}, stops.DISPUTE),
        ({"status": "disputed"}, stops.DISPUTE),
        ({"agent_holds": True}, stops.AGENT),
        ({"notice_sent": True}, stops.FORMAL_NOTICE_SENT),
        ({"status": "formal_notice_sent"}, stops.FORMAL_NOTICE_SENT),
        ({"channels": (), "opted_out": frozenset({"sms"})}, stops.OPTED_OUT),
        ({"channels": ()}, stops.NO_CHANNEL),  # no phone, no chat, or no channel configured
        ({"due_date": None}, stops.NO_OPEN_DEBT),
        # an open plan or a promise is not a stop: they change what is sent, not whether
        ({"plan_active": True, "status": "plan"}, None),
        ({"promise_due": date(2026, 12, 1), "status": "promised"}, None),
    ],
)
def test_stop_reasons(change: dict[str, object], reason: str | None) -> None:
    assert stops.stop_reason(replace(OPEN, **change), Decimal("5")) == reason  # type: ignore[arg-type]


def test_tolerance_is_strict_and_per_creditor() -> None:
    at_tolerance = replace(OPEN, balance=Decimal("5"))
    assert stops.stop_reason(at_tolerance, Decimal("5")) is None
    assert stops.stop_reason(at_tolerance, Decimal("5.01")) == stops.UNDER_TOLERANCE
    assert stops.stop_reason(at_tolerance, Decimal("0")) is None


def test_paid_wins_over_every_other_reason() -> None:
    everything = replace(OPEN, balance=Decimal("0"), dispute_open=True, agent_holds=True, channels=())
    assert stops.stop_reason(everything, Decimal("5")) == stops.PAID


def test_recheck_at_send_time() -> None:
    caps = Caps()
    go = recheck(OPEN, kind="reminder", rules=RULES, caps=caps, now=NOW)
    assert go is None
    assert recheck(replace(OPEN, dispute_open=True), kind="reminder", rules=RULES, caps=caps, now=NOW) == Stop(
        stops.DISPUTE
    )
    planned = replace(OPEN, plan_active=True)
    assert recheck(planned, kind="reminder", rules=RULES, caps=caps, now=NOW) == Stop("plan_active")
    assert recheck(planned, kind="installment_reminder", rules=RULES, caps=caps, now=NOW) is None
    assert recheck(OPEN, kind="installment_missed", rules=RULES, caps=caps, now=NOW) == Stop("no_active_plan")
    promised = replace(OPEN, promise_due=date(2026, 12, 1))
    assert recheck(promised, kind="reminder", rules=RULES, caps=caps, now=NOW) == Stop("promise_pending")
    # the debtor wrote an hour ago: the reminder waits 72 h, the agreed installment notice does not
    wrote = replace(OPEN, last_inbound_at=NOW - timedelta(hours=1), plan_active=True)
    assert recheck(wrote, kind="installment_missed", rules=RULES, caps=caps, now=NOW) == Wait(NOW + timedelta(hours=71))
    assert recheck(wrote, kind="installment_reminder", rules=RULES, caps=caps, now=NOW) is None
    recent = replace(OPEN, reminders=(NOW - timedelta(hours=10),))
    assert recheck(recent, kind="reminder", rules=RULES, caps=caps, now=NOW) == Wait(NOW + timedelta(hours=38))
    paused = replace(OPEN, paused_until=NOW + timedelta(days=2))
    assert recheck(paused, kind="reminder", rules=RULES, caps=caps, now=NOW) == Wait(NOW + timedelta(days=2))
