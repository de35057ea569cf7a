"""Issue 6 acceptance, end to end on loopback: `relance serve` in its own process, real SDKs, fake providers.

The server is the real command line (`relance serve --port P`), configured only through `RELANCE_*`
environment variables, on a SQLite file seeded beforehand. The fake Twilio signs what it posts the
way Twilio does; the fake Telegram Bot API receives what python-telegram-bot sends.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from bot.telegram_binding import issue_chat_link
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio
from relance.core import paths
from relance.core.clock import utcnow
from relance.core.db import ensure_schema, make_engine
from relance.core.models import Case, Debtor, Event, Message
from tests import factories

OUR_NUMBER = "+33700000001"
SECRET = "acceptance-webhook-secret-0123456789"
CHAT = 777_001


@dataclass
class Served:
    url: str
    db_url: str
    twilio: FakeTwilio
    telegram: FakeTelegram

    def count(self, model: type, *, kinds: tuple[str, ...] | None = None) -> int:
        """Rows of `model` (messages of these kinds only: the sweep may queue reminders meanwhile)."""
        query = sa.select(sa.func.count()).select_from(model)
        if kinds is not None:
            query = query.where(col(Message.kind).in_(kinds))
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(query).scalar_one())
        finally:
            engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    db_url = f"sqlite:///{tmp_path / 'relance.db'}"
    ensure_schema(make_engine(db_url))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeTwilio() as twilio, FakeTelegram() as telegram:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")},
            "RELANCE_DATABASE_URL": db_url,
            "RELANCE_CONFIG": str(tmp_path / "relance.toml"),
            "RELANCE_PUBLIC_URL": url,
            "RELANCE_TWILIO_ACCOUNT_SID": twilio.account_sid,
            "RELANCE_TWILIO_AUTH_TOKEN": twilio.auth_token,
            "RELANCE_TWILIO_FROM": OUR_NUMBER,
            "RELANCE_TWILIO_API_URL": twilio.url,
            "RELANCE_TELEGRAM_TOKEN": telegram.token,
            "RELANCE_TELEGRAM_API_URL": telegram.url,
            "RELANCE_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "RELANCE_TELEGRAM_BOT_USERNAME": telegram.username,
        }
        command = [sys.executable, "-c", "from relance.cli import main; main()", "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, server)
            yield Served(url, db_url, twilio, telegram)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                output, _ = server.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                output, _ = server.communicate()
    log = output.decode("utf-8", "replace")
    assert twilio.auth_token not in log and telegram.token.split(":")[1] not in log and SECRET not in log


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"relance serve exited: {server.stdout.read().decode() if server.stdout else ''}")
        try:
            if httpx.get(url + paths.HEALTH, timeout=1).json().get("telegram") == "ready":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("relance serve did not become ready")


def _seed(db_url: str) -> tuple[str, int]:
    """A French debtor owing 600 € (phone, case id)."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        case = factories.case_with_debt(session, amount="600.00")
        debtor = session.get(Debtor, case.debtor_id)
        session.commit()
        assert debtor is not None and debtor.phone and case.id is not None
        result = (debtor.phone, case.id)
    engine.dispose()
    return result


def test_signed_sms_gets_a_three_installment_plan_in_twiml(served: Served) -> None:
    phone, _ = _seed(served.db_url)
    answer = served.twilio.send_inbound(
        served.url + paths.TWILIO_SMS, from_=phone, to=OUR_NUMBER, body="je peux payer en 3 fois ?"
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    [message] = re.findall(r"<Message>(.*?)</Message>", answer.text, flags=re.S)
    assert "en 3 fois" in message and "200,00 €" in message
    assert len(re.findall(r"\d\d/\d\d/\d\d", message)) == 3  # three installments, three dates
    assert served.count(Message, kinds=("inbound", "reply")) == 2  # the debtor's message and our answer


def test_the_same_sms_with_a_wrong_signature_is_403_and_stores_nothing(served: Served) -> None:
    phone, _ = _seed(served.db_url)
    events = served.count(Event)
    refused = served.twilio.send_inbound(
        served.url + paths.TWILIO_SMS,
        from_=phone,
        to=OUR_NUMBER,
        body="je peux payer en 3 fois ?",
        signature=served.twilio.sign(served.url + paths.TWILIO_SMS, {"Body": "something else"}),
    )
    assert refused.status_code == 403
    assert served.count(Message, kinds=("inbound", "reply")) == 0 and served.count(Event) == events


def test_telegram_update_with_the_right_secret_is_answered_through_the_bot_api(served: Served) -> None:
    _, case_id = _seed(served.db_url)
    engine = make_engine(served.db_url)
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        token = issue_chat_link(session, case=case, now=utcnow())
        session.commit()
    engine.dispose()
    assert served.telegram.webhook == {"url": served.url + paths.TELEGRAM, "secret_token": SECRET}
    assert served.telegram.deliver(served.telegram.text_update(CHAT, f"/start {token}")).status_code == 200
    assert served.telegram.deliver(served.telegram.text_update(CHAT, "je peux payer en 3 fois ?")).status_code == 200
    welcome, proposal = served.telegram.sent
    assert welcome["chat_id"] == proposal["chat_id"] == CHAT
    assert "600,00" in welcome["text"] and "200,00" in proposal["text"] and "3" in proposal["text"]


def test_telegram_update_with_a_wrong_secret_is_403(served: Served) -> None:
    _seed(served.db_url)
    refused = served.telegram.deliver(served.telegram.text_update(CHAT, "/start x"), secret_token="wrong")
    assert refused.status_code == 403
    assert served.telegram.sent == [] and served.count(Message, kinds=("inbound", "reply")) == 0
