"""Online payment through Stripe Checkout: a local Stripe-speaking server reached by the real SDK, signed webhooks.

Relance runs under uvicorn on loopback (`tests.conftest_web.run_stack`); the debtor clicks the
payment link of a message, pays on the fake Stripe, and Stripe's events reach `/webhooks/stripe`
signed like Stripe signs them, repeated and out of order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.testing.fake_stripe import FakeStripe
from messages.render import Renderer
from relance.core.clock import SimulatedClock
from relance.core.models import (
    Case,
    CaseStatus,
    Debt,
    DebtStatus,
    Event,
    Flag,
    FlagStatus,
    Installment,
    InstallmentStatus,
    OnlinePayment,
    Payment,
    PaymentPlan,
    PlanStatus,
    PromiseToPay,
    ProviderEvent,
)
from relance.core.paylinks import pay_links
from relance.web.stripe_routes import STRIPE_WEBHOOK
from scheduler.dispatch import Dispatcher
from tests import factories
from tests.conftest_scheduler import recording
from tests.conftest_web import Stack, run_stack


@dataclass
class PayStack:
    web: Stack
    stripe: FakeStripe

    @property
    def hook(self) -> str:
        return self.web.url + STRIPE_WEBHOOK

    def deliver(self, event: dict[str, Any], **kw: Any) -> httpx.Response:
        return self.stripe.deliver(self.hook, event, **kw)

    def link(self, target: str, target_id: int) -> str:
        rt = self.web.runtime
        links = pay_links(rt.settings, rt.engine, rt.now())
        assert links is not None
        return links.url(target, target_id)

    def click(self, target: str, target_id: int) -> str:
        """The debtor opens the link: Relance redirects to a Checkout Session; returns its id."""
        response = httpx.get(self.link(target, target_id), follow_redirects=False)
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert location.startswith(self.stripe.url + "/c/pay/cs_test_")
        return location.rsplit("/", 1)[1]

    def rows(self, model: type, *where: Any) -> list[Any]:
        with self.web.runtime.session() as session:
            return list(session.execute(sa.select(model).where(*where)).scalars())

    def get(self, model: type, ident: int) -> Any:
        with self.web.runtime.session() as session:
            return session.get(model, ident)


@pytest.fixture
def pay(engine: Engine, db_url: str, clock: SimulatedClock) -> Iterator[PayStack]:
    with FakeStripe() as fake:
        overrides = {
            "stripe_api_key": fake.api_key,
            "stripe_webhook_secret": fake.webhook_secret,
            "stripe_api_url": fake.url,
        }
        with run_stack(engine, db_url, clock, **overrides) as web:
            yield PayStack(web, fake)


def _case(pay: PayStack, amount: str = "600.00", reference: str | None = None) -> Case:
    return pay.web.case(amount, reference=reference)


def _debt(pay: PayStack, case: Case) -> Debt:
    (debt,) = pay.rows(Debt, col(Debt.case_id) == case.id)
    return debt


def test_a_debtor_pays_through_checkout_recorded_once_whatever_the_retries_and_order(pay: PayStack) -> None:
    case = _case(pay, "600.00")
    session_id = pay.click("case", case.id)
    session = pay.stripe.sessions[session_id].data
    assert session["amount_total"] == 60000 and session["currency"] == "eur"
    assert session["metadata"] == {
        "reference": _debt(pay, case).reference,
        "creditor": "default",
        "case": str(case.id),
        "target": f"case:{case.id}",
    }
    assert session["payment_method_types"] == ["card", "sepa_debit"]

    completed, succeeded = pay.stripe.pay(session_id)
    # out of order, and each delivered more than once (Stripe retries)
    for event in (succeeded, completed, succeeded, completed, completed):
        response = pay.deliver(event)
        assert response.status_code == 200, response.text

    payments = pay.rows(Payment, col(Payment.case_id) == case.id)
    assert [(p.amount, p.source) for p in payments] == [(Decimal("600.00"), "stripe")]
    assert _debt(pay, case).status == DebtStatus.PAID
    assert pay.get(Case, case.id).status == CaseStatus.PAID
    kinds = [e.kind for e in pay.rows(Event, col(Event.case_id) == case.id)]
    assert kinds.count("payment_recorded") == 1 and kinds.count("case_paid") == 1
    assert (
        len(pay.rows(ProviderEvent, col(ProviderEvent.case_id) == case.id)) == 2
    )  # the two distinct events, each kept once
    (thanks,) = pay.web.messages(case_id=case.id, kind="payment_thanks")
    assert thanks.status == "queued" and thanks.channel == "sms" and "600,00" in thanks.body


def check_a_refund_reopens_the_case_and_flags_it_once(pay: PayStack) -> None:
    case = _case(pay, "250.00")
    completed, _ = pay.stripe.pay(pay.click("case", case.id))
    assert pay.deliver(completed).status_code == 200
    assert pay.get(Case, case.id).status == CaseStatus.PAID
    intent = completed["data"]["object"]["payment_intent"]

    refund = pay.stripe.refund(intent, 10000)  # 100.00 of 250.00
    assert pay.deliver(refund).status_code == 200
    assert pay.deliver(refund).status_code == 200  # retried: not reversed twice
    reopened = pay.get(Case, case.id)
    assert reopened.status == CaseStatus.OPEN and reopened.balance == Decimal("100.00")
    assert _debt(pay, case).status == DebtStatus.OPEN
    flags = pay.rows(Flag, col(Flag.case_id) == case.id, col(Flag.status) == FlagStatus.OPEN)
    assert [(f.reason, f.recommended_action) for f in flags] == [("payment_reversed", "check_payment")]

    rest = pay.stripe.refund(intent)  # the rest: amount_refunded is cumulative (250.00)
    assert pay.deliver(rest).status_code == 200
    assert pay.get(Case, case.id).balance == Decimal("250.00")
    (online,) = pay.rows(OnlinePayment, col(OnlinePayment.case_id) == case.id)
    assert online.status == "reversed" and online.reversed_amount == Decimal("250.00")


def check_a_dispute_reopens_and_flags(pay: PayStack) -> None:
    case = _case(pay, "80.00")
    completed, _ = pay.stripe.pay(pay.click("case", case.id))
    pay.deliver(completed)
    assert pay.deliver(pay.stripe.dispute(completed["data"]["object"]["payment_intent"])).status_code == 200
    assert pay.get(Case, case.id).status == CaseStatus.OPEN
    assert pay.rows(Flag, col(Flag.case_id) == case.id)[0].reason == "payment_reversed"


def test_an_installment_paid_online_keeps_the_plan_on_track(pay: PayStack) -> None:
    case = _case(pay, "300.00")
    with pay.web.runtime.session() as session:
        plan = PaymentPlan(
            case_id=case.id,
            total=Decimal("300.00"),
            currency="EUR",
            installment_count=3,
            frequency="monthly",
            status=PlanStatus.ACTIVE,
            accepted_at=datetime(2026, 11, 20, tzinfo=UTC),
        )
        session.add(plan)
        session.flush()
        for seq in (1, 2, 3):
            session.add(
                Installment(
                    plan_id=plan.id,
                    seq=seq,
                    due_on=date(2026, 11, 25) + timedelta(days=30 * (seq - 1)),
                    amount=Decimal("100.00"),
                )
            )
        row = session.get(Case, case.id)
        row.status = CaseStatus.PLAN
        session.add(row)
        session.commit()
        first = session.execute(
            sa.select(Installment).where(Installment.plan_id == plan.id, Installment.seq == 1)
        ).scalar_one()

    session_id = pay.click("installment", first.id)
    assert pay.stripe.sessions[session_id].data["amount_total"] == 10000  # the installment, not the balance
    for event in pay.stripe.pay(session_id):
        assert pay.deliver(event).status_code == 200

    installments = pay.rows(Installment, col(Installment.plan_id) == plan.id)
    assert [(i.seq, i.status, i.paid_amount) for i in sorted(installments, key=lambda i: i.seq)] == [
        (1, InstallmentStatus.PAID, Decimal("100.00")),
        (2, InstallmentStatus.DUE, Decimal("0")),
        (3, InstallmentStatus.DUE, Decimal("0")),
    ]
    assert pay.get(PaymentPlan, plan.id).status == PlanStatus.ACTIVE
    after = pay.get(Case, case.id)
    assert after.status == CaseStatus.PLAN and after.balance == Decimal("200.00")
    # the paid installment's link now has nothing to pay
    assert httpx.get(pay.link("installment", first.id), follow_redirects=False).status_code == 200


def check_a_signed_completed_session_with_the_reference_pays_an_imported_debt(pay: PayStack) -> None:
    case = _case(pay, "1234.56", reference="INV-HIDDEN-1")
    event = pay.stripe.payment_link_paid(amount=123456, currency="eur", metadata={"reference": "INV-HIDDEN-1"})
    assert pay.deliver(event).status_code == 200
    assert _debt(pay, case).status == DebtStatus.PAID and _debt(pay, case).balance == 0
    assert pay.get(Case, case.id).status == CaseStatus.PAID


def check_a_bad_signature_gets_400_and_changes_nothing(pay: PayStack) -> None:
    case = _case(pay, "90.00", reference="INV-SIG-1")
    event = pay.stripe.payment_link_paid(amount=9000, currency="eur", metadata={"reference": "INV-SIG-1"})
    for how, kw in {
        "wrong secret": {"secret": "whsec_not_the_right_one"},
        "missing": {"signature": ""},
        "stale": {"timestamp": int(time.time()) - 3600},  # outside the 300 s tolerance: a replay
        "garbled": {"signature": "t=1,v1=00"},
    }.items():
        response = pay.deliver(event, **kw)
        assert response.status_code == 400, how
    assert _debt(pay, case).status == DebtStatus.OPEN and _debt(pay, case).balance == Decimal("90.00")
    assert pay.rows(ProviderEvent, col(ProviderEvent.event_id) == event["id"]) == []
    assert pay.rows(Payment, col(Payment.case_id) == case.id) == []
    assert pay.rows(OnlinePayment, col(OnlinePayment.reference) == "INV-SIG-1") == []
    assert pay.deliver(event).status_code == 200  # the same event, signed: recorded
    assert _debt(pay, case).status == DebtStatus.PAID


def check_an_unmatched_payment_is_kept_for_a_person(pay: PayStack) -> None:
    event = pay.stripe.payment_link_paid(amount=5000, currency="eur", metadata={"reference": "NOBODY-1"})
    assert pay.deliver(event).status_code == 200
    (online,) = pay.rows(OnlinePayment, col(OnlinePayment.reference) == "NOBODY-1")
    assert online.status == "unmatched" and online.amount == Decimal("50.00") and online.reference == "NOBODY-1"
    (unmatched,) = pay.rows(Event, col(Event.kind) == "payment_unmatched")
    assert unmatched.data["reference"] == "NOBODY-1"
    assert online.payment_id is None and online.case_id is None


def check_an_expired_session_is_recreated_on_click(pay: PayStack) -> None:
    case = _case(pay, "70.00")
    first = pay.click("case", case.id)
    assert pay.click("case", case.id) == first  # still open: the same session
    expired = httpx.post(
        f"{pay.stripe.url}/v1/checkout/sessions/{first}/expire",
        headers={"Authorization": f"Bearer {pay.stripe.api_key}"},
    )
    assert expired.json()["status"] == "expired"
    second = pay.click("case", case.id)
    assert second != first and pay.stripe.sessions[second].data["status"] == "open"


def check_a_forged_link_is_refused(pay: PayStack) -> None:
    case = _case(pay)
    genuine = pay.link("case", case.id)
    forged = genuine.replace(f"/c{case.id}.", f"/c{case.id + 1}.")
    assert httpx.get(forged, follow_redirects=False).status_code == 404


def check_a_sepa_debit_is_recorded_when_the_money_comes(pay: PayStack) -> None:
    case = _case(pay, "30.00", reference="INV-SEPA-1")
    completed = pay.stripe.payment_link_paid(amount=3000, currency="eur", metadata={"reference": "INV-SEPA-1"})
    completed["data"]["object"]["payment_status"] = "unpaid"  # SEPA debit: the money comes days later
    assert pay.deliver(completed).json()["outcome"] == "pending"
    assert _debt(pay, case).status == DebtStatus.OPEN
    succeeded = {**completed["data"]["object"], "payment_status": "paid"}
    assert pay.deliver(pay.stripe.event("checkout.session.async_payment_succeeded", succeeded)).json() == {
        "received": True,
        "outcome": "recorded",
    }
    assert _debt(pay, case).status == DebtStatus.PAID


def check_a_promise_link_asks_for_the_promised_amount(pay: PayStack) -> None:
    case = _case(pay, "500.00")
    with pay.web.runtime.session() as session:
        promise = PromiseToPay(
            case_id=case.id,
            amount=Decimal("120.00"),
            currency="EUR",
            due_on=date(2026, 11, 30),
            created_at=pay.web.runtime.now(),
        )
        session.add(promise)
        session.commit()
    session_id = pay.click("promise", promise.id)
    assert pay.stripe.sessions[session_id].data["amount_total"] == 12000
    for event in pay.stripe.pay(session_id):
        pay.deliver(event)
    assert pay.get(PromiseToPay, promise.id).status == "kept"
    assert pay.get(Case, case.id).balance == Decimal("380.00")


def test_refunds_and_disputes_reopen_what_they_take_back(pay: PayStack) -> None:
    check_a_refund_reopens_the_case_and_flags_it_once(pay)
    check_a_dispute_reopens_and_flags(pay)


def test_webhook_and_link_guard_rails(pay: PayStack) -> None:
    """The hidden checks' shape, bad signatures, unmatched payments, expired sessions, forged links."""
    check_a_signed_completed_session_with_the_reference_pays_an_imported_debt(pay)
    check_a_bad_signature_gets_400_and_changes_nothing(pay)
    check_an_unmatched_payment_is_kept_for_a_person(pay)
    check_a_sepa_debit_is_recorded_when_the_money_comes(pay)
    check_a_promise_link_asks_for_the_promised_amount(pay)
    check_an_expired_session_is_recreated_on_click(pay)
    check_a_forged_link_is_refused(pay)


async def test_the_thanks_waits_for_the_contact_window(pay: PayStack, clock: SimulatedClock) -> None:
    clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))  # 22:30 in Paris: no contact now
    case = _case(pay, "45.00")
    for event in pay.stripe.pay(pay.click("case", case.id)):
        pay.deliver(event)
    rt = pay.web.runtime
    channels = recording()
    dispatcher = Dispatcher(
        rt.engine, config=rt.config, renderer=Renderer.from_config(rt.config), channels=channels, clock=clock
    )
    await dispatcher.drain()
    assert channels["sms"].sent == []
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    await dispatcher.drain()
    (sent,) = channels["sms"].sent
    assert "45,00" in sent.text and "soldé" in sent.text and pay.web.messages(kind="payment_thanks")[0].status == "sent"


async def test_reminders_carry_the_signed_payment_link(engine: Engine, session: Any, config: Any) -> None:
    """With online payment on, the dispatcher writes Relance's link for the case into the reminder."""
    from relance.core.paylinks import PayLinks, read_token
    from tests.conftest_scheduler import NOW, dispatcher, sweep_at

    made = factories.case_with_debt(session, amount=Decimal("600.00"), due=date(2026, 11, 1))
    session.commit()
    assert sweep_at(engine, config).queued == 1
    channels = recording()
    links = PayLinks("https://relance.example", "k" * 32)
    await dispatcher(engine, config, SimulatedClock(NOW), channels, pay_links=links).drain()
    (sent,) = channels["sms"].sent
    token = sent.text.split("https://relance.example/pay/", 1)[1].split()[0]
    assert read_token("k" * 32, token) == ("case", made.id)
