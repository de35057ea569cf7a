"""Outbound webhooks: case events POSTed, signed, to a local receiver; retried with back-off, in order per case."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.testing.local_server import LocalServer, Reply, Request
from relance.core.clock import SimulatedClock
from relance.core.flags import raise_flag
from relance.core.models import Case, Debt, WebhookDelivery
from relance.core.payments import record_payment
from relance.core.webhooks_out import add_endpoint, sign
from scheduler.webhook_sender import deliver_webhooks
from tests import factories


class Receiver:
    """The creditor's system: records what it gets, answers `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.got: list[Request] = []
        self._lock = threading.Lock()
        self.server = LocalServer(self._handle)

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.got.append(request)
            return Reply.of_json(self.status, {"ok": self.status < 300})

    def accepted(self) -> list[dict]:  # type: ignore[type-arg]
        return [json.loads(r.body) for r in self.got if self.status < 300 or r is not self.got[-1]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.server.start()
    yield r
    r.server.stop()


def _pay(session: Session, case: Case, amount: str, clock: SimulatedClock) -> None:
    debt = session.execute(sa.select(Debt).where(col(Debt.case_id) == case.id)).scalar_one()
    record_payment(session, debt=debt, amount=Decimal(amount), paid_on=date(2026, 11, 23), at=clock.now())


def _verify(secret: str, request: Request) -> bool:
    parts = dict(p.split("=", 1) for p in request.headers["relance-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected)


async def test_events_are_signed_retried_and_kept_in_order_per_case(
    engine: Engine, clock: SimulatedClock, receiver: Receiver
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        early = factories.case_with_debt(session, amount="5.00")
        _pay(session, early, "5", clock)  # before any endpoint: history is not replayed to a new one
        session.commit()
    clock.advance(timedelta(minutes=1))
    with Session(engine, expire_on_commit=False) as session:
        endpoint = add_endpoint(session, url=receiver.server.url + "/hook", creditor="*", at=clock.now())
        other = factories.case_with_debt(session, amount="10.00", creditor_key="other")
        other_only = add_endpoint(session, url=receiver.server.url + "/other", creditor="other", at=clock.now())
        case = factories.case_with_debt(session, amount="100.00")
        session.commit()
    receiver.status = 503  # the creditor's system is down
    with Session(engine, expire_on_commit=False) as session:
        _pay(session, case, "40", clock)
        session.commit()
    report = await deliver_webhooks(engine, clock)
    assert (report.queued, report.delivered, report.failed) == (1, 0, 1)
    with Session(engine) as session:
        (pending,) = session.execute(sa.select(WebhookDelivery)).scalars()
        assert (pending.status, pending.attempts, pending.last_status) == ("pending", 1, 503)
        assert pending.next_attempt_at == clock.now() + timedelta(seconds=30)

    with Session(engine, expire_on_commit=False) as session:
        _pay(session, case, "60", clock)  # the rest: payment_recorded then case_paid
        raise_flag(session, case=session.get(Case, other.id), reason="dispute", at=clock.now())
        session.commit()
    receiver.status = 200
    report = await deliver_webhooks(engine, clock)
    # the case's first event still waits for its back-off: its later events wait behind it; `other` goes
    assert report.delivered == 2 and [r.path for r in receiver.got[-2:]] == ["/hook", "/other"]
    assert {json.loads(r.body)["type"] for r in receiver.got[-2:]} == {"case.flagged"}

    clock.advance(timedelta(seconds=31))
    report = await deliver_webhooks(engine, clock)
    assert report.delivered == 3
    bodies = [json.loads(r.body) for r in receiver.got if r.path == "/hook" and json.loads(r.body)["case"] == case.id]
    delivered = bodies[1:]  # the first attempt was refused with 503
    assert [(b["type"], b["data"].get("amount")) for b in delivered] == [
        ("payment.recorded", "40.00"),
        ("payment.recorded", "60.00"),
        ("case.paid", None),
    ]
    assert all(b["creditor"] == "default" for b in delivered)
    assert all(_verify(endpoint.secret, r) for r in receiver.got if r.path == "/hook")
    assert all(_verify(other_only.secret, r) for r in receiver.got if r.path == "/other")
    assert not _verify("whsec_wrong", receiver.got[-1])
    assert (await deliver_webhooks(engine, clock)).delivered == 0  # nothing twice
    assert all(json.loads(r.body)["case"] != early.id for r in receiver.got)


def test_the_signature_is_stripe_shaped() -> None:
    body = b'{"id":"evt_1"}'
    mac = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body, 1_700_000_000) == f"t=1700000000,v1={mac}"
