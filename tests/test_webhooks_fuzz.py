"""Hostile bodies to both webhooks: never a 500, nothing evaluated, nothing lost.

The app runs in-process (Starlette's TestClient drives the real ASGI app and its lifespan, with the
Telegram bot talking to the fake Bot API), on SQLite and PostgreSQL. One database serves all the
examples of a test; each example uses its own provider ids and moves the clock a minute on, so the
rate limit never hides an answer.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.inbound import storable
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio, sign
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig
from relance.core.models import Message
from relance.core.runtime import Runtime, open_runtime
from relance.web.app import create_app
from relance.web.limits import MAX_BODY_BYTES
from tests.conftest_web import OUR_NUMBER, WEBHOOK_SECRET, stack_settings

PUBLIC = "https://relance.example.com"
STRANGER = "+33655501234"
HOSTILE = [
    "{{7*7}}",
    "${7*7}",
    "{% for x in range(10**9) %}x{% endfor %}",
    "{{ config.items() }}",
    "#{7*7}",
    "<%= 7*7 %>",
    "'; DROP TABLE message; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM debtor;--",
    "\\x00\\x01",
    "%s%s%s%n",
    "<script>alert(1)</script>",
    "<Response><Message>pwned</Message></Response>",
    "]]>&lt;&amp;",
    "\u202egnp.exe",
    "\x00",
    "\ud800",
    "🙂" * 400,
    "STOP" * 300,
    "é" * 1600,
    "\r\n\r\nHTTP/1.1 200 OK",
    "../../etc/passwd",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=1600),
    st.binary(max_size=1200).map(lambda b: b.decode("latin-1")),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map(" ".join),
)
# an HTTP form is UTF-8: a lone surrogate cannot travel in one (JSON can carry it escaped)
form_text = hostile_text.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class App:
    """The app under TestClient, with what the tests need to sign and count."""

    def __init__(self, client: TestClient, runtime: Runtime, twilio: FakeTwilio, telegram: FakeTelegram) -> None:
        self.client, self.runtime, self.twilio, self.telegram = client, runtime, twilio, telegram

    def sms(self, form: dict[str, str], *, signed: bool = True) -> Any:
        signature = sign(self.twilio.auth_token, PUBLIC + paths.TWILIO_SMS, form) if signed else "bad"
        return self.client.post(paths.TWILIO_SMS, data=form, headers={"X-Twilio-Signature": signature})

    def messages(self) -> int:
        with self.runtime.session() as session:
            return int(session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one())

    def inbound(self, provider_id: str) -> Message | None:
        with self.runtime.session() as session:
            query = sa.select(Message).where(col(Message.provider_id) == provider_id, col(Message.direction) == "in")
            return session.execute(query).scalar_one_or_none()

    def tick(self) -> None:
        self.runtime.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]


@pytest.fixture
def app(engine: Engine, db_url: str, clock: SimulatedClock) -> Iterator[App]:
    with FakeTwilio() as twilio, FakeTelegram() as telegram:
        settings_ = stack_settings(PUBLIC, db_url, twilio, telegram)
        runtime = open_runtime(settings_, config=RelanceConfig(), clock=clock, engine=engine)
        with TestClient(create_app(runtime, console=False), base_url=PUBLIC, raise_server_exceptions=False) as client:
            deadline = time.monotonic() + 15
            while client.get(paths.HEALTH).json()["telegram"] != "ready":
                assert time.monotonic() < deadline, "the telegram bot did not start"
                time.sleep(0.02)
            yield App(client, runtime, twilio, telegram)


@FUZZ
@given(body=form_text)
def test_hostile_sms_is_stored_exactly_and_answered_with_plain_text(app: App, body: str) -> None:
    app.tick()
    sid = "SM" + uuid.uuid4().hex
    response = app.sms({"MessageSid": sid, "From": STRANGER, "To": OUR_NUMBER, "Body": body})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    stored = app.inbound(sid)
    assert stored is not None and stored.body == storable(body)  # nothing lost
    assert "49" not in response.text and "pwned" not in response.text  # nothing evaluated or injected


@FUZZ
@given(
    form=st.dictionaries(st.sampled_from(["MessageSid", "From", "To", "Body", "MessageStatus", "x"]), form_text),
    path=st.sampled_from([paths.TWILIO_SMS, paths.TWILIO_STATUS]),
)
@example(form={"MessageSid": "\x00", "MessageStatus": "sent"}, path=paths.TWILIO_STATUS)  # found by this test
@example(form={"MessageSid": "SM1", "From": "+33" + "1" * 80, "To": "\x00", "Body": "x"}, path=paths.TWILIO_SMS)
def test_signed_forms_of_any_shape_never_fail(app: App, form: dict[str, str], path: str) -> None:
    app.tick()
    signature = sign(app.twilio.auth_token, PUBLIC + path, form)
    response = app.client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    # a form over the body limit is refused whole (413) before anything reads it, never a 5xx
    too_large = len(urlencode(form).encode()) > MAX_BODY_BYTES
    assert response.status_code in ({413} if too_large else {200, 204, 400}), response.text


@FUZZ
@given(
    raw=st.binary(max_size=3000),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=x", "text/plain", ""]
    ),
    path=st.sampled_from([paths.TWILIO_SMS, paths.TWILIO_STATUS, paths.TELEGRAM]),
)
def test_unsigned_garbage_is_refused_and_stores_nothing(app: App, raw: bytes, content_type: str, path: str) -> None:
    before = app.messages()
    headers = {"content-type": content_type} if content_type else {}
    response = app.client.post(path, content=raw, headers=headers)
    assert response.status_code in {400, 403}, response.text
    assert app.messages() == before


@FUZZ
@given(payload=json_values)
def test_any_json_with_the_right_secret_never_fails(app: App, payload: Any) -> None:
    response = app.client.post(
        paths.TELEGRAM, content=json.dumps(payload), headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    )
    assert response.status_code in {200, 400}, response.text


@FUZZ
@given(text=hostile_text.filter(lambda t: 0 < len(t) <= 4096), chat=st.integers(1, 2**40))
def test_hostile_telegram_text_is_stored_exactly(app: App, text: str, chat: int) -> None:
    app.tick()
    update = app.telegram.text_update(chat, text)
    response = app.client.post(
        paths.TELEGRAM, content=json.dumps(update), headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    )
    assert response.status_code == 200, response.text
    stored = app.inbound(f"{chat}:{update['message']['message_id']}")
    assert stored is not None and stored.body == storable(text)


def test_huge_bodies_are_413_on_both_webhooks(app: App) -> None:
    big = "x" * 200_000
    for path, headers in (
        (paths.TWILIO_SMS, {"content-type": "application/x-www-form-urlencoded"}),
        (paths.TELEGRAM, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "content-type": "application/json"}),
    ):
        assert app.client.post(path, content=f"Body={big}", headers=headers).status_code == 413
    chunked = app.client.post(
        paths.TWILIO_SMS,
        content=iter([b"Body=", b"y" * 70_000]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    assert app.messages() == 0
