"""The web stack for webhook and Telegram tests: fake Twilio and Telegram servers, Relance under uvicorn.

`Stack` is everything a test talks to: the app's public URL (a real uvicorn on loopback), the
runtime (fresh database from the shared `engine` fixture, simulated clock), and the two fake
providers the real SDKs talk to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.testing.app_server import LoopbackServer
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.models import Case, Message
from relance.core.runtime import Runtime, open_runtime
from relance.web.app import create_app
from tests import factories

OUR_NUMBER = "+33700000001"
WEBHOOK_SECRET = "tg-webhook-secret-for-tests-0123456789"


@dataclass
class Stack:
    """A running Relance web app with its fake providers."""

    url: str
    runtime: Runtime
    twilio: FakeTwilio
    telegram: FakeTelegram
    client: httpx.Client

    def sms(self, *, from_: str, body: str, sid: str | None = None, signature: str | None = None) -> httpx.Response:
        """An inbound SMS posted by the fake Twilio to our public webhook URL, signed unless told otherwise."""
        return self.twilio.send_inbound(
            paths.public(self.url, paths.TWILIO_SMS),
            from_=from_,
            to=OUR_NUMBER,
            body=body,
            sid=sid,
            signature=signature,
        )

    def update(self, update: dict[str, Any], *, secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        return self.telegram.post_update(paths.public(self.url, paths.TELEGRAM), update, secret_token=secret)

    def case(self, amount: str = "600.00", **kw: Any) -> Case:
        """A committed case of one debt for a new French debtor."""
        with self.runtime.session() as session:
            case = factories.case_with_debt(session, amount=Decimal(amount), **kw)
            session.commit()
            return case

    def phone_of(self, case: Case) -> str:
        from relance.core.models import Debtor

        with self.runtime.session() as session:
            debtor = session.get(Debtor, case.debtor_id)
            assert debtor is not None and debtor.phone
            return debtor.phone

    def messages(self, **where: Any) -> list[Message]:
        with self.runtime.session() as session:
            query = sa.select(Message).filter_by(**where).order_by(col(Message.id))
            return list(session.execute(query).scalars())

    def count(self, model: type) -> int:
        with self.runtime.session() as session:
            return int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def stack_settings(url: str, db_url: str, twilio: FakeTwilio, telegram: FakeTelegram, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "config": Path("/nonexistent/relance.toml"),
        "public_url": url,
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from": OUR_NUMBER,
        "twilio_api_url": twilio.url,
        "telegram_token": telegram.token,
        "telegram_api_url": overrides.get("telegram_api_url") or telegram.url,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_bot_username": telegram.username,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def stack(engine: Engine, db_url: str, clock: SimulatedClock) -> Iterator[Stack]:
    """Relance served by uvicorn on loopback, Twilio and Telegram faked, webhook mode for Telegram."""
    with run_stack(engine, db_url, clock) as running:
        yield running


@contextmanager
def run_stack(engine: Engine, db_url: str, clock: SimulatedClock, **overrides: Any) -> Iterator[Stack]:
    """The stack with some settings changed (`public_url=…`, `telegram_webhook_secret=None`…)."""
    with FakeTwilio() as twilio, FakeTelegram() as telegram, LoopbackServer() as server:
        settings = stack_settings(server.url, db_url, twilio, telegram, **overrides)
        runtime = open_runtime(settings, config=RelanceConfig(), clock=clock, engine=engine)
        server.serve(create_app(runtime, console=False))
        wait_until_ready(server.url)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield Stack(server.url, runtime, twilio, telegram, client)


def wait_until_ready(url: str, timeout: float = 15.0) -> None:
    """Until /healthz says the Telegram bot is up (it starts in the background)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = httpx.get(paths.public(url, paths.HEALTH)).json()
        if health["telegram"] in {"ready", "console"}:
            return
        time.sleep(0.02)
    raise AssertionError(f"the telegram bot did not start: {health}")
