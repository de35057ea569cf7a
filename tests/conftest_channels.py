"""Fixtures for the channel, webhook and Telegram tests: the local provider servers and channels on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.sms import TwilioSmsChannel
from bot.channels.telegram import TelegramChannel, make_bot
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio

OUR_NUMBER = "+33700000001"
CALLBACK_URL = "http://127.0.0.1:9/webhooks/twilio/status"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def sms(fake_twilio: FakeTwilio) -> AsyncIterator[TwilioSmsChannel]:
    channel = TwilioSmsChannel(
        account_sid=fake_twilio.account_sid,
        auth_token=fake_twilio.auth_token,
        from_number=OUR_NUMBER,
        status_callback_url=CALLBACK_URL,
        api_url=fake_twilio.url,
    )
    yield channel
    await channel.close()


@pytest.fixture
async def telegram(fake_telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(make_bot(fake_telegram.token, fake_telegram.url))
    await channel.start()
    yield channel
    await channel.close()
