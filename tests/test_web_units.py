"""Pure parts of the web layer and the inbound pipeline: receipts order, form parsing, log hygiene."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.telegram import make_bot
from bot.delivery_status import FINAL, TWILIO_STATUSES, next_status
from bot.inbound import Reply
from bot.sms_inbound import locale_for_number, sms_inbound
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio
from relance.core import paths
from relance.core.config import Settings
from relance.core.models import MessageStatus
from relance.web.forms import BadBody, parse_form, parse_json_object
from relance.web.logs import CHATTY, REDACTED, RedactingFactory, install_redaction, mask_phone, settings_secrets
from relance.web.twilio_routes import signed_url, twiml

OURS = [s.value for s in MessageStatus if s != MessageStatus.RECEIVED]


@settings(max_examples=300)
@given(start=st.sampled_from(OURS), receipts=st.lists(st.sampled_from(sorted(TWILIO_STATUSES)), max_size=8))
def test_receipts_only_move_forward(start: str, receipts: list[str]) -> None:
    status = start
    for receipt in receipts:
        new = next_status(status, receipt)
        if new is not None:
            assert status not in FINAL, f"{status} is final but {receipt} replaced it"
            status = new
    if "delivered" in receipts and start not in FINAL:
        assert status in FINAL


@settings(max_examples=300)
@given(texts=st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",))), max_size=3))
def test_twiml_is_byte_for_byte_what_the_sdk_writes(texts: list[str]) -> None:
    sdk = MessagingResponse()
    for text in texts:
        sdk.message(text)
    response = twiml([Reply(text) for text in texts])
    assert response.body == str(sdk).encode("utf-8")
    assert response.media_type == "text/xml"


def test_twiml_escapes_markup() -> None:
    body = twiml([Reply("a < b & c > d \"q\" 'r' 600,00\u00a0€")]).body.decode("utf-8")
    assert body == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        "a &lt; b &amp; c &gt; d \"q\" 'r' 600,00\u00a0€</Message></Response>"
    )
    assert twiml([]).body.decode("utf-8") == '<?xml version="1.0" encoding="UTF-8"?><Response />'


def test_late_sent_never_overwrites_delivered() -> None:
    assert next_status("delivered", "sent") is None
    assert next_status("sent", "delivered") == MessageStatus.DELIVERED
    assert next_status("sending", "sent") == MessageStatus.SENT
    assert next_status("sent", "queued") is None
    assert next_status("received", "delivered") is None
    assert next_status("sent", "no-such-status") is None


def test_parse_form_is_strict() -> None:
    assert parse_form(b"a=1&b=%C3%A9&c=", "application/x-www-form-urlencoded; charset=utf-8") == {
        "a": "1",
        "b": "é",
        "c": "",
    }
    for body, kind in (
        (b"a=1&a=2", "application/x-www-form-urlencoded"),
        (b"a=1", "application/json"),
        (b"\xff=1", "application/x-www-form-urlencoded"),
        (b"&".join([b"k%d=1" % i for i in range(101)]), "application/x-www-form-urlencoded"),
    ):
        with pytest.raises(BadBody):
            parse_form(body, kind)
    with pytest.raises(BadBody):
        parse_json_object(b"[]")
    with pytest.raises(BadBody):
        parse_json_object(b"[" * 100_000)


def test_sms_inbound_needs_sid_from_and_to() -> None:
    assert sms_inbound({"From": "+33612345678", "To": "+33700000001"}) is None
    inbound = sms_inbound(
        {"MessageSid": "SM1", "From": "+447700900123", "To": "+33700000001", "Body": "hi", "MessagingServiceSid": "MG1"}
    )
    assert inbound is not None and inbound.sender == "MG1" and inbound.recipient == "+33700000001"
    assert inbound.locale is None  # guessed from the number only for strangers (`handle_sms`)
    assert inbound.storable() is inbound  # made storable once: passed on as it is
    hostile = sms_inbound({"MessageSid": "SM\x00", "From": "+33" + "1" * 300, "To": "+33700000001", "Body": "a\x00b"})
    assert hostile is not None and (hostile.provider_id, hostile.text) == ("SM\u2400", "a\u2400b")
    assert len(hostile.address) == 254 and hostile.storable() is hostile
    assert locale_for_number("+447700900123") == "en" and locale_for_number("+32470123456") == "fr"
    assert locale_for_number("x") == "en"


def test_mask_phone() -> None:
    assert mask_phone("+33612345678") == "+336•••••678"
    assert mask_phone(None) == "-" and mask_phone("123") == "•••"


@pytest.fixture
def redaction_of() -> Iterator[list[RedactingFactory]]:
    """Collects the factories a test installs, and puts logging back as it was afterwards."""
    installed: list[RedactingFactory] = []
    yield installed
    for factory in installed:
        logging.setLogRecordFactory(factory.previous)


async def test_secrets_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture, redaction_of: list[RedactingFactory]
) -> None:
    with FakeTelegram() as telegram, FakeTwilio() as twilio:
        settings = Settings(
            telegram_token=telegram.token,
            twilio_auth_token=twilio.auth_token,
            telegram_webhook_secret="webhook-secret-123456",
            secret_key="app-secret-key-123456",
        )
        redaction_of.append(install_redaction(settings_secrets(settings)))
        caplog.set_level(logging.DEBUG)
        for name in CHATTY:  # a command run earlier in this process may have quietened them (configure_logging)
            caplog.set_level(logging.DEBUG, logger=name)
        bot = make_bot(telegram.token, telegram.url)
        async with bot:
            await bot.send_message(chat_id=1, text="hello")
        logging.getLogger("relance.test").warning("token %s and %s", telegram.token, twilio.auth_token)
    assert telegram.token.split(":")[1] not in caplog.text
    assert twilio.auth_token not in caplog.text
    assert REDACTED in caplog.text and "sendMessage" in caplog.text  # the lines are there, the secrets are not


HOSTS = [b"relance.example.com", b"127.0.0.1:8000", b"[::1]:8443", b"example.com:80", b"bad host:x", b"", None]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("query", [b"", b"a=1&b=%C3%A9", b"a=1#b"])
def test_the_signed_url_without_a_public_url_is_the_url_the_request_reached(
    host: bytes | None, scheme: str, query: bytes
) -> None:
    """Read from the scope without building `request.url`, and identical to what it gives."""
    headers = [(b"content-type", b"application/x-www-form-urlencoded")] + (
        [(b"host", host)] if host is not None else []
    )
    scope = {"type": "http", "scheme": scheme, "server": ("10.0.0.5", 8000), "path": paths.TWILIO_SMS,
             "query_string": query, "headers": headers}  # fmt: skip
    request = Request(scope)
    web = SimpleNamespace(runtime=SimpleNamespace(settings=SimpleNamespace(public_url=None)))
    reached = request.url
    expected = f"{reached.scheme}://{reached.netloc}{paths.TWILIO_SMS}" + (f"?{reached.query}" if reached.query else "")
    assert signed_url(web, request, paths.TWILIO_SMS) == expected  # type: ignore[arg-type]
