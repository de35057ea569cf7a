"""The Twilio webhooks on a real uvicorn server: signatures, keywords, strangers, receipts, limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col
from twilio.request_validator import RequestValidator

from bot.channels.sms import TwilioSmsChannel
from bot.inbound import RATE_LIMIT
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.models import Event, Flag, Message, MessageStatus, OptOut
from tests.conftest_web import OUR_NUMBER, Stack, run_stack, stack

__all__ = ["stack"]

STRANGER = "+33699999999"


def test_twilio_documented_signature_example() -> None:
    """Twilio's documented validator example (known answer)."""
    validator = RequestValidator("12345")
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert validator.compute_signature(url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert validator.validate(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_wrong_or_missing_signature_is_403_and_stores_nothing(stack: Stack) -> None:
    case = stack.case()
    phone = stack.phone_of(case)
    before = stack.count(Event)
    wrong = stack.sms(from_=phone, body="je peux payer en 3 fois ?", signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert wrong.status_code == 403
    missing = stack.client.post(
        paths.TWILIO_SMS, data={"From": phone, "To": OUR_NUMBER, "Body": "x", "MessageSid": "SM1"}
    )
    assert missing.status_code == 403
    assert stack.count(Message) == 0 and stack.count(Event) == before


def test_signature_is_checked_against_the_public_url(engine: Engine, db_url: str, clock: SimulatedClock) -> None:
    """Behind a proxy the request reaches us on another host: the public URL is what Twilio signed."""
    with run_stack(engine, db_url, clock, public_url="https://relance.example.com/") as stack:
        params = {"MessageSid": "SM" + "1" * 32, "From": STRANGER, "To": OUR_NUMBER, "Body": "hello"}
        public = "https://relance.example.com/webhooks/twilio/sms"
        good = stack.twilio.post_signed(
            paths.public(stack.url, paths.TWILIO_SMS), params, signature=stack.twilio.sign(public, params)
        )
        assert good.status_code == 200
        local = stack.twilio.post_signed(
            paths.public(stack.url, paths.TWILIO_SMS), {**params, "MessageSid": "SM" + "2" * 32}
        )
        assert local.status_code == 403  # signed for the loopback URL, not the public one


def test_stop_then_stop_again_then_start(stack: Stack) -> None:
    case = stack.case()
    phone = stack.phone_of(case)
    first = stack.sms(from_=phone, body="  Arrêt! ")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/xml")
    assert "<Message>" in first.text and "START" in first.text and "Example Creditor" in first.text
    [opt] = _opt_outs(stack)
    assert (opt.channel, opt.address, opt.sender, opt.source, opt.active) == ("sms", phone, OUR_NUMBER, "keyword", True)
    again = stack.sms(from_=phone, body="STOP")
    assert again.text.count("<Message>") == 0  # one confirmation only
    resumed = stack.sms(from_=phone, body="start")
    assert "<Message>" in resumed.text and not _opt_outs(stack)[0].active
    kinds = _event_kinds(stack, case.id)
    assert kinds.count("opt_out") == 1 and kinds.count("opt_in") == 1 and kinds.count("message_received") == 3
    assert len(stack.messages(direction="in")) == 3


def test_help_answers_with_the_creditor_contacts(stack: Stack) -> None:
    phone = stack.phone_of(stack.case())
    answer = stack.sms(from_=phone, body="AIDE")
    assert "recouvrement@example.com" in answer.text and "+33100000000" in answer.text


def test_unknown_sender_gets_a_generic_answer_that_discloses_nothing(stack: Stack) -> None:
    stack.case()
    answer = stack.sms(from_=STRANGER, body="c'est quoi cette facture de 600 euros ?")
    assert answer.status_code == 200 and "<Message>" in answer.text
    for secret in ("Example Creditor", "600", "INV-", "recouvrement"):
        assert secret not in answer.text
    [stored] = stack.messages(direction="in")
    assert stored.case_id is None and stored.from_address == STRANGER and stored.body.startswith("c'est quoi")
    # answered in the language of the number's country
    assert "Bonjour" in answer.text
    assert "Hello" in stack.sms(from_="+447700900123", body="who is this?").text


def test_a_strangers_stop_is_recorded_silently(stack: Stack) -> None:
    answer = stack.sms(from_=STRANGER, body="STOP")
    assert "<Message>" not in answer.text
    [opt] = _opt_outs(stack)
    assert opt.address == STRANGER and opt.debtor_id is None


def test_a_retried_webhook_gets_the_same_answer_and_nothing_twice(stack: Stack) -> None:
    phone = stack.phone_of(stack.case())
    sid = "SM" + "7" * 32
    first = stack.sms(from_=phone, body="HELP", sid=sid)
    second = stack.sms(from_=phone, body="HELP", sid=sid)
    assert first.text == second.text and "<Message>" in first.text
    assert len(stack.messages(direction="in")) == 1 and len(stack.messages(direction="out")) == 1


def test_rate_limit_stores_the_excess_without_answering(stack: Stack) -> None:
    phone = stack.phone_of(stack.case())
    answered = [("<Message>" in stack.sms(from_=phone, body="INFO").text) for _ in range(RATE_LIMIT + 5)]
    assert answered == [True] * RATE_LIMIT + [False] * 5
    assert len(stack.messages(direction="in")) == RATE_LIMIT + 5
    stack.runtime.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert "<Message>" in stack.sms(from_=phone, body="INFO").text


def test_body_size_is_limited(stack: Stack) -> None:
    huge = stack.client.post(
        paths.TWILIO_SMS,
        content=b"Body=" + b"x" * 100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    assert stack.count(Message) == 0


# --------------------------------------------------------------------------- delivery receipts


@pytest.fixture
def sent(stack: Stack) -> Iterator[tuple[Stack, Message]]:
    """A reminder sent through the SMS channel to the fake Twilio, stored as the dispatcher would."""
    import asyncio

    case = stack.case()
    phone = stack.phone_of(case)
    channel = TwilioSmsChannel(
        account_sid=stack.twilio.account_sid,
        auth_token=stack.twilio.auth_token,
        from_number=OUR_NUMBER,
        status_callback_url=paths.public(stack.url, paths.TWILIO_STATUS),
        api_url=stack.twilio.url,
    )
    result = asyncio.run(channel.send_text(phone, "Rappel : 600,00 € restent dus."))
    with stack.runtime.session() as session:
        row = Message(
            case_id=case.id,
            debtor_id=case.debtor_id,
            direction="out",
            channel="sms",
            author="bot",
            kind="reminder",
            body="Rappel",
            status=MessageStatus.SENT,
            to_address=phone,
            from_address=OUR_NUMBER,
            provider_id=result.provider_id,
            created_at=stack.runtime.now(),
        )
        session.add(row)
        session.commit()
    yield stack, row


def _status(stack: Stack, message_id: int | None) -> Message:
    with stack.runtime.session() as session:
        row = session.get(Message, message_id)
        assert row is not None
        return row


def test_receipts_move_forward_only_and_are_idempotent(sent: tuple[Stack, Message]) -> None:
    stack, message = sent
    sid = message.provider_id
    assert sid is not None
    assert stack.twilio.send_status(sid, "delivered").status_code == 204
    assert stack.twilio.send_status(sid, "sent").status_code == 204  # late
    assert stack.twilio.send_status(sid, "delivered").status_code == 204  # repeated
    row = _status(stack, message.id)
    assert row.status == "delivered" and row.delivered_at is not None
    assert _event_kinds(stack, message.case_id).count("message_status") == 1


def test_auto_receipts_reach_us_in_order(sent: tuple[Stack, Message]) -> None:
    stack, message = sent
    assert message.provider_id
    for status in ("queued", "sent", "delivered"):
        stack.twilio.send_status(message.provider_id, status)
    assert [code for _, _, code in stack.twilio.callback_results] == [204, 204, 204]
    assert _status(stack, message.id).status == "delivered"


def test_receipt_with_a_bad_signature_is_refused(sent: tuple[Stack, Message]) -> None:
    stack, message = sent
    params = {"MessageSid": str(message.provider_id), "MessageStatus": "failed", "ErrorCode": "30006"}
    refused = stack.twilio.post_signed(paths.public(stack.url, paths.TWILIO_STATUS), params, signature="nope")
    assert refused.status_code == 403 and _status(stack, message.id).status == "sent"


def test_opted_out_receipt_records_an_opt_out(sent: tuple[Stack, Message]) -> None:
    stack, message = sent
    assert message.provider_id
    stack.twilio.send_status(message.provider_id, "undelivered", error_code=21610)
    assert _status(stack, message.id).status == "undelivered"
    [opt] = _opt_outs(stack)
    assert (opt.address, opt.sender, opt.source) == (message.to_address, OUR_NUMBER, "provider_21610")


def test_unreachable_number_flags_the_case(sent: tuple[Stack, Message]) -> None:
    stack, message = sent
    assert message.provider_id
    stack.twilio.send_status(message.provider_id, "failed", error_code=30006)
    with stack.runtime.session() as session:
        [flag] = session.execute(sa.select(Flag)).scalars()
    assert flag.reason == "delivery_failed" and flag.case_id == message.case_id


def test_receipt_for_an_unknown_message_is_accepted_and_ignored(stack: Stack) -> None:
    params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    assert stack.twilio.post_signed(paths.public(stack.url, paths.TWILIO_STATUS), params).status_code == 204


def test_channel_sends_with_auto_receipts_end_to_end(stack: Stack) -> None:
    """The fake posts Twilio's receipts on its own, after the dispatcher-like code stored the message."""
    import asyncio

    stack.twilio.auto_statuses, stack.twilio.auto_delay = ("sent", "delivered"), 0.05
    case = stack.case()
    phone = stack.phone_of(case)
    channel = TwilioSmsChannel(
        account_sid=stack.twilio.account_sid,
        auth_token=stack.twilio.auth_token,
        from_number=OUR_NUMBER,
        status_callback_url=paths.public(stack.url, paths.TWILIO_STATUS),
        api_url=stack.twilio.url,
    )
    with stack.runtime.session() as session:
        row = Message(
            case_id=case.id,
            debtor_id=case.debtor_id,
            direction="out",
            channel="sms",
            author="bot",
            kind="reminder",
            body="Rappel",
            status=MessageStatus.SENDING,
            to_address=phone,
            from_address=OUR_NUMBER,
            created_at=stack.runtime.now(),
        )
        session.add(row)
        session.commit()
        result = asyncio.run(channel.send_text(phone, "Rappel"))
        row.provider_id, row.status = result.provider_id, MessageStatus.SENT
        session.add(row)
        session.commit()
    deadline = time.monotonic() + 10
    while _status(stack, row.id).status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _status(stack, row.id).status == "delivered"


# --------------------------------------------------------------------------- helpers


def _opt_outs(stack: Stack) -> list[OptOut]:
    with stack.runtime.session() as session:
        return list(session.execute(sa.select(OptOut).order_by(col(OptOut.id))).scalars())


def _event_kinds(stack: Stack, case_id: int | None) -> list[str]:
    with stack.runtime.session() as session:
        query = sa.select(col(Event.kind)).where(col(Event.case_id) == case_id).order_by(col(Event.id))
        return list(session.execute(query).scalars())


# --------------------------------------------------------------------------- the dialogue behind the webhook


def test_plan_request_is_proposed_then_accepted_in_twiml(stack: Stack) -> None:
    phone = stack.phone_of(stack.case())
    proposal = stack.sms(from_=phone, body="je peux payer en 3 fois ?")
    assert "en 3 fois" in proposal.text and "200,00 €" in proposal.text
    confirmed = stack.sms(from_=phone, body="oui")
    assert "confirm" in confirmed.text and "200,00 €" in confirmed.text
    replies = stack.messages(direction="out")
    assert [m.status for m in replies] == ["sent", "sent"] and all(m.to_address == phone for m in replies)
    assert all(m.from_address == OUR_NUMBER and m.kind == "reply" for m in replies)


def test_a_case_held_by_an_agent_gets_no_bot_answer_but_opt_outs_still_count(stack: Stack) -> None:
    from relance.core.agents import create_agent
    from relance.core.models import Case

    case = stack.case()
    phone = stack.phone_of(case)
    with stack.runtime.session() as session:
        agent = create_agent(
            session, email="a@example.com", name="A", password="correct horse battery", at=stack.runtime.now()
        )
        held = session.get(Case, case.id)
        assert held is not None
        held.agent_id = agent.id
        session.add(held)
        session.commit()
    assert "<Message>" not in stack.sms(from_=phone, body="je peux payer en 3 fois ?").text
    stack.sms(from_=phone, body="arrêtez de m'écrire s'il vous plaît")
    assert [o.active for o in _opt_outs(stack)] == [True]
    assert len(stack.messages(direction="in")) == 2
