"""E-mail on the web app (a real uvicorn): Mailgun's signed inbound route and events, the one-click unsubscribe."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot import mailgun
from bot.channels.recording import RecordingChannel
from bot.email_inbound import parse_raw
from bot.email_links import UnsubscribeLinks, link_key
from bot.testing.smtp_server import LocalSmtpServer
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig
from relance.core.models import EmailRecord, Event, Flag, Message, OptOut
from tests.conftest_email import debtor_reply, email_case, smtp, smtp_channel
from tests.conftest_scheduler import NOW, dispatcher, outbox, sweep_at
from tests.conftest_web import Stack, run_stack

__all__ = ["smtp"]
SIGNING_KEY = "mailgun-signing-key-for-tests-0123456789"
CONFIG = RelanceConfig()


@pytest.fixture
def web(engine: Engine, db_url: str, clock: SimulatedClock, smtp: LocalSmtpServer) -> Iterator[Stack]:
    with run_stack(
        engine, db_url, clock, mailgun_signing_key=SIGNING_KEY, smtp_host=smtp.host, smtp_port=smtp.port,
        smtp_security="none", smtp_from="relance@acme.example", smtp_reply_to="replies@acme.example",
    ) as stack:  # fmt: skip
        yield stack


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def _signed(fields: dict[str, str], key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    return {**fields, "timestamp": timestamp, "token": token, "signature": mailgun.sign(key, timestamp, token)}


def _route_fields(raw: bytes) -> dict[str, str]:
    """What a Mailgun route forwards for a message (parsed fields, as its `forward()` action posts them)."""
    parsed = parse_raw(raw)
    mime = message_from_bytes(raw)
    headers = [[k, str(v)] for k, v in mime.items()]
    return {
        "sender": parsed.sender, "from": str(mime["From"]), "recipient": "replies@acme.example",
        "subject": parsed.subject, "body-plain": parsed.body, "Message-Id": parsed.header_id,
        "In-Reply-To": parsed.in_reply_to or "", "References": " ".join(parsed.references),
        "message-headers": json.dumps(headers),
    }  # fmt: skip


async def _reminder(engine: Engine, smtp: LocalSmtpServer, **kw: Any) -> tuple[int, Any]:
    case_id, _ = email_case(engine, **kw)
    config = RelanceConfig.model_validate({"channels": {"preferred": ["email", "sms"]}})
    sweep_at(engine, config, NOW)
    await dispatcher(engine, config, SimulatedClock(NOW), {"email": smtp_channel(smtp)}).drain()
    return case_id, smtp.received[-1].message


async def test_signed_inbound_reply_is_understood_and_answered(
    web: Stack, engine: Engine, smtp: LocalSmtpServer
) -> None:
    case_id, reminder = await _reminder(engine, smtp)
    raw = debtor_reply(reminder, "Je peux payer 50 € par mois ?")
    # multipart, as Mailgun posts a message with attachments (which are not read)
    response = web.client.post(
        paths.MAILGUN_INBOUND, data=_signed(_route_fields(raw)), files={"attachment-1": ("a.txt", b"x", "text/plain")}
    )
    assert response.status_code == 200, response.text
    (inbound,) = [m for m in web.messages() if m.direction == "in"]
    assert inbound.case_id == case_id and inbound.channel == "email" and inbound.body == "Je peux payer 50 € par mois ?"
    replies = [m for m in web.messages() if m.direction == "out" and m.kind == "reply"]
    assert len(replies) == 1 and replies[0].channel == "email" and replies[0].status == "queued"
    kept = [r for r in _rows(engine) if r.direction == "in"]
    assert len(kept) == 1 and kept[0].case_id == case_id
    # the same forward again (Mailgun retries): nothing twice
    again = web.client.post(paths.MAILGUN_INBOUND, data=_signed(_route_fields(raw)))
    assert again.status_code == 200 and len([m for m in web.messages() if m.direction == "in"]) == 1


def _rows(engine: Engine) -> list[EmailRecord]:
    with Session(engine) as session:
        return list(session.execute(sa.select(EmailRecord).order_by(col(EmailRecord.id))).scalars())


async def test_wrong_or_missing_signature_is_403_and_stores_nothing(
    web: Stack, engine: Engine, smtp: LocalSmtpServer
) -> None:
    _, reminder = await _reminder(engine, smtp)
    fields = _route_fields(debtor_reply(reminder, "STOP"))
    before = (_count(engine, Message), _count(engine, Event), _count(engine, EmailRecord), _count(engine, OptOut))
    wrong = web.client.post(paths.MAILGUN_INBOUND, data=_signed(fields, key="another-key-entirely-0123456789"))
    tampered = _signed(fields)
    tampered["body-plain"] = "I dispute this"
    missing = web.client.post(paths.MAILGUN_INBOUND, data=fields)
    assert wrong.status_code == 403 and missing.status_code == 403
    assert web.client.post(paths.MAILGUN_INBOUND, data={**tampered, "token": "0" * 50}).status_code == 403
    event = {"signature": {"timestamp": "1", "token": "t" * 50, "signature": "0" * 64},
             "event-data": {"event": "complained", "recipient": "camille@client.example"}}  # fmt: skip
    assert web.client.post(paths.MAILGUN_EVENTS, json=event).status_code == 403
    after = (_count(engine, Message), _count(engine, Event), _count(engine, EmailRecord), _count(engine, OptOut))
    assert after == before


def _event(data: dict[str, Any]) -> dict[str, Any]:
    signed = _signed({})
    return {"signature": {k: signed[k] for k in ("timestamp", "token", "signature")}, "event-data": data}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # storage-neutral: one backend is enough
async def test_permanent_failure_stops_email_and_tries_the_next_channel(
    web: Stack, engine: Engine, smtp: LocalSmtpServer
) -> None:
    case_id, reminder = await _reminder(engine, smtp, phone="+33612345670")
    header_id = str(reminder["Message-ID"]).strip("<>")
    delivered = {"event": "delivered", "recipient": "camille@client.example",
                 "message": {"headers": {"message-id": header_id}}}  # fmt: skip
    assert web.client.post(paths.MAILGUN_EVENTS, json=_event(delivered)).status_code == 204
    assert outbox(engine)[0].status == "delivered"
    failed = {"event": "failed", "severity": "permanent", "recipient": "camille@client.example",
              "message": {"headers": {"message-id": header_id}},
              "delivery-status": {"code": 550, "message": "5.1.1 mailbox unknown"}}  # fmt: skip
    assert web.client.post(paths.MAILGUN_EVENTS, json=_event(failed)).status_code == 204
    with Session(engine) as session:
        (opt_out,) = session.execute(sa.select(OptOut)).scalars()
        assert (opt_out.channel, opt_out.address, opt_out.source) == ("email", "camille@client.example", "hard_bounce")
    first, moved = outbox(engine)
    assert first.channel == "email" and first.status == "undelivered"  # a bounce after "delivered" to the relay
    assert moved.channel == "sms" and moved.status == "queued" and moved.kind == "reminder"
    assert moved.to_address == "+33612345670"
    # a temporary failure changes nothing
    soft = {**failed, "severity": "temporary"}
    assert web.client.post(paths.MAILGUN_EVENTS, json=_event(soft)).status_code == 204
    assert len(outbox(engine)) == 2 and _count(engine, OptOut) == 1
    assert case_id


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # storage-neutral: one backend is enough
async def test_complaint_without_another_channel_flags_the_case(
    web: Stack, engine: Engine, smtp: LocalSmtpServer
) -> None:
    case_id, _ = await _reminder(engine, smtp)
    complaint = {"event": "complained", "recipient": "Camille@Client.example"}
    assert web.client.post(paths.MAILGUN_EVENTS, json=_event(complaint)).status_code == 204
    with Session(engine) as session:
        (opt_out,) = session.execute(sa.select(OptOut)).scalars()
        (flag,) = session.execute(sa.select(Flag)).scalars()
    assert (opt_out.address, opt_out.source) == ("camille@client.example", "complaint")
    assert flag.case_id == case_id and flag.reason == "delivery_failed"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # storage-neutral: one backend is enough
async def test_one_click_unsubscribe(web: Stack, engine: Engine, smtp: LocalSmtpServer) -> None:
    case_id, reminder = await _reminder(engine, smtp, phone="+33612345671")
    # the link of the e-mail, signed by the app's key (kept in the database)
    links = UnsubscribeLinks(link_key(web.runtime.settings, engine), web.url)
    url = links.url("camille@client.example")
    assert url is not None
    page = web.client.get(url)
    assert page.status_code == 200 and "<form" in page.text and _count(engine, OptOut) == 0  # a GET changes nothing
    # RFC 8058: the mailbox provider POSTs List-Unsubscribe=One-Click to the link
    done = httpx.post(url, content=b"List-Unsubscribe=One-Click",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert done.status_code == 200
    with Session(engine) as session:
        (opt_out,) = session.execute(sa.select(OptOut)).scalars()
    assert (opt_out.channel, opt_out.address, opt_out.source) == ("email", "camille@client.example", "one_click")
    assert opt_out.debtor_id is not None
    # e-mail only: the next reminder goes by SMS
    config = RelanceConfig.model_validate({"channels": {"preferred": ["email", "sms"]}})
    later = NOW + timedelta(days=7)
    sweep_at(engine, config, later)
    sms = RecordingChannel(name="sms")
    await dispatcher(engine, config, SimulatedClock(later), {"email": smtp_channel(smtp), "sms": sms}).drain()
    assert len(smtp.received) == 1 and len(sms.sent) == 1 and sms.sent[0].to == "+33612345671"
    assert [m.channel for m in outbox(engine) if m.case_id == case_id] == ["email", "sms"]
    bad = web.client.post(paths.EMAIL_UNSUBSCRIBE + "?t=forged.token")
    assert bad.status_code == 400 and "not valid" in bad.text and _count(engine, OptOut) == 1
    assert reminder["List-Unsubscribe"]
