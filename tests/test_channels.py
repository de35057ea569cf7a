"""Channels through the real SDKs (twilio, python-telegram-bot) against the local provider servers."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
from rich.console import Console

from bot.channels.base import ChannelAdapter
from bot.channels.console import ConsoleChannel
from bot.channels.factory import channels_from_settings
from bot.channels.recording import RecordingChannel, RecordingMisuse, read_recording
from bot.channels.sms import TwilioSmsChannel, rebase_url
from bot.channels.telegram import TelegramChannel, make_bot
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio
from messages.render import Choice
from relance.core.config import RelanceConfig, Settings
from relance.core.errors import PermanentChannelError, TransientChannelError
from tests.conftest_channels import CALLBACK_URL, OUR_NUMBER, fake_telegram, fake_twilio, sms, telegram

__all__ = ["fake_telegram", "fake_twilio", "sms", "telegram"]

DEBTOR = "+33612345678"
CHAT = 424242
CHOICES = (Choice("pay_now", "Payer maintenant"), Choice("plan", "Payer en plusieurs fois"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- one contract, every channel


@pytest.fixture(params=["sms", "telegram", "console", "recording"])
def adapter_and_address(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[ChannelAdapter, str]:
    if request.param == "sms":
        twilio: FakeTwilio = request.getfixturevalue("fake_twilio")
        channel = TwilioSmsChannel(
            account_sid=twilio.account_sid, auth_token=twilio.auth_token, from_number=OUR_NUMBER, api_url=twilio.url
        )
        return channel, DEBTOR
    if request.param == "telegram":
        tg: FakeTelegram = request.getfixturevalue("fake_telegram")
        return TelegramChannel(make_bot(tg.token, tg.url)), str(CHAT)
    if request.param == "console":
        return ConsoleChannel(path=tmp_path / "out.jsonl"), DEBTOR
    return RecordingChannel(name="sms"), DEBTOR


async def test_every_channel_sends_and_returns_a_provider_id(adapter_and_address: tuple[ChannelAdapter, str]) -> None:
    adapter, to = adapter_and_address
    await adapter.start()
    first = await adapter.send_text(to, "Bonjour, votre facture INV-1 de 600,00 € est due.")
    second = await adapter.send_choices(to, "Que souhaitez-vous faire ?", CHOICES)
    assert first.provider_id and second.provider_id and first.provider_id != second.provider_id
    assert first.status in {"sent", "delivered"}
    await adapter.close()


async def test_every_channel_refuses_empty_and_overlong_texts(adapter_and_address: tuple[ChannelAdapter, str]) -> None:
    adapter, to = adapter_and_address
    with pytest.raises(PermanentChannelError) as empty:
        await adapter.send_text(to, "   ")
    assert empty.value.code == "empty"
    with pytest.raises(PermanentChannelError) as long:
        await adapter.send_text(to, "x" * (adapter.capabilities.max_length + 1))
    assert long.value.code == "too_long"
    await adapter.close()


# --------------------------------------------------------------------------- SMS (twilio SDK)


async def test_sms_goes_through_the_twilio_sdk_with_from_and_status_callback(
    sms: TwilioSmsChannel, fake_twilio: FakeTwilio
) -> None:
    result = await sms.send_text(DEBTOR, "Rappel : 600,00 € restent dus.")
    [sent] = fake_twilio.messages
    assert result.provider_id == sent.sid and sent.sid.startswith("SM") and len(sent.sid) == 34
    assert (sent.to, sent.from_, sent.body) == (DEBTOR, OUR_NUMBER, "Rappel : 600,00 € restent dus.")
    assert sent.status_callback == CALLBACK_URL
    assert sms.sender == OUR_NUMBER


async def test_sms_through_a_messaging_service(fake_twilio: FakeTwilio) -> None:
    channel = TwilioSmsChannel(
        account_sid=fake_twilio.account_sid,
        auth_token=fake_twilio.auth_token,
        messaging_service_sid="MG" + "a" * 32,
        api_url=fake_twilio.url + "/",
    )
    await channel.send_text(DEBTOR, "hello")
    [sent] = fake_twilio.messages
    assert sent.messaging_service_sid == "MG" + "a" * 32 and sent.from_ is None and sent.status_callback is None
    assert channel.sender == "MG" + "a" * 32


async def test_sms_choices_are_sent_as_the_text_alone(sms: TwilioSmsChannel, fake_twilio: FakeTwilio) -> None:
    await sms.send_choices(DEBTOR, "Répondez 1 pour payer, 2 pour un échéancier.", CHOICES)
    assert [m.body for m in fake_twilio.messages] == ["Répondez 1 pour payer, 2 pour un échéancier."]


@pytest.mark.parametrize(
    ("code", "status", "error", "expected_code"),
    [
        (21610, 400, PermanentChannelError, "21610"),  # recipient opted out
        (21211, 400, PermanentChannelError, "21211"),  # invalid number
        (21614, 400, PermanentChannelError, "21614"),  # not a mobile number
        (20429, 429, TransientChannelError, "20429"),  # rate limited
        (20500, 500, TransientChannelError, "20500"),
        (20503, 503, TransientChannelError, "20503"),
    ],
)
async def test_twilio_errors_are_classified(
    sms: TwilioSmsChannel,
    fake_twilio: FakeTwilio,
    code: int,
    status: int,
    error: type[Exception],
    expected_code: str,
) -> None:
    fake_twilio.fail_next(code, status=status)
    with pytest.raises(error) as raised:
        await sms.send_text(DEBTOR, "hello")
    assert getattr(raised.value, "code", None) == expected_code
    assert fake_twilio.messages == []
    assert (await sms.send_text(DEBTOR, "again")).provider_id  # the next one goes


async def test_twilio_wrong_credentials_are_an_operator_problem_worth_retrying(fake_twilio: FakeTwilio) -> None:
    channel = TwilioSmsChannel(
        account_sid=fake_twilio.account_sid, auth_token="wrong", from_number=OUR_NUMBER, api_url=fake_twilio.url
    )
    with pytest.raises(TransientChannelError) as raised:
        await channel.start()
    assert raised.value.code == "20003"
    with pytest.raises(TransientChannelError):
        await channel.send_text(DEBTOR, "hello")


async def test_twilio_unreachable_is_transient() -> None:
    channel = TwilioSmsChannel(
        account_sid="AC" + "0" * 32,
        auth_token="t" * 32,
        from_number=OUR_NUMBER,
        api_url=f"http://127.0.0.1:{free_port()}",
        timeout=2,
    )
    with pytest.raises(TransientChannelError) as raised:
        await channel.send_text(DEBTOR, "hello")
    assert raised.value.code == "network"


async def test_twilio_start_checks_the_account(sms: TwilioSmsChannel, fake_twilio: FakeTwilio) -> None:
    await sms.start()
    assert fake_twilio.requests[-1].path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}.json"


def test_rebase_url_keeps_path_and_query() -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=2"
    assert (
        rebase_url(url, "http://127.0.0.1:8123")
        == "http://127.0.0.1:8123/2010-04-01/Accounts/AC1/Messages.json?PageSize=2"
    )
    assert rebase_url(url, "https://gw.example.com/twilio/") == (
        "https://gw.example.com/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=2"
    )


# --------------------------------------------------------------------------- Telegram (python-telegram-bot)


async def test_telegram_sends_through_ptb(telegram: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    result = await telegram.send_text(str(CHAT), "Bonjour")
    [sent] = fake_telegram.sent
    assert (sent["chat_id"], sent["text"], sent["reply_markup"]) == (CHAT, "Bonjour", None)
    assert result.provider_id == f"{CHAT}:{sent['message_id']}"
    assert telegram.sender == fake_telegram.token.split(":")[0]
    assert [name for name, _ in fake_telegram.calls] == ["getMe", "sendMessage"]


async def test_telegram_choices_are_an_inline_keyboard(telegram: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    await telegram.send_choices(str(CHAT), "Que souhaitez-vous faire ?", CHOICES)
    markup = fake_telegram.sent[0]["reply_markup"]
    assert markup == {
        "inline_keyboard": [
            [{"text": "Payer maintenant", "callback_data": "pay_now"}],
            [{"text": "Payer en plusieurs fois", "callback_data": "plan"}],
        ]
    }


async def test_telegram_choice_keys_over_64_bytes_are_refused(telegram: TelegramChannel) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await telegram.send_choices(str(CHAT), "?", [Choice("é" * 33, "x")])
    assert raised.value.code == "bad_choice"


async def test_telegram_blocked_is_permanent(telegram: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    fake_telegram.block(CHAT)
    with pytest.raises(PermanentChannelError) as raised:
        await telegram.send_text(str(CHAT), "hello")
    assert raised.value.code == "blocked"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_flood_control_is_transient(telegram: TelegramChannel, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next(429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(TransientChannelError) as raised:
        await telegram.send_text(str(CHAT), "hello")
    assert raised.value.code == "retry_after"
    fake_telegram.fail_next(400, "Bad Request: chat not found")
    with pytest.raises(PermanentChannelError):
        await telegram.send_text(str(CHAT), "hello")


async def test_telegram_wrong_token_and_unreachable_api(fake_telegram: FakeTelegram) -> None:
    wrong = TelegramChannel(make_bot("999:wrong-token", fake_telegram.url))
    with pytest.raises(TransientChannelError) as raised:
        await wrong.start()
    assert raised.value.code == "invalid_token"
    gone = TelegramChannel(make_bot(fake_telegram.token, f"http://127.0.0.1:{free_port()}", timeout=2))
    with pytest.raises(TransientChannelError) as unreachable:
        await gone.send_text(str(CHAT), "hello")
    assert unreachable.value.code in {"network", "timeout"}


async def test_telegram_refuses_an_address_that_is_not_a_chat_id(telegram: TelegramChannel) -> None:
    with pytest.raises(PermanentChannelError) as raised:
        await telegram.send_text("+33612345678", "hello")
    assert raised.value.code == "no_address"


# --------------------------------------------------------------------------- console and recording


async def test_console_writes_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    channel = ConsoleChannel(name="telegram", path=path)
    await channel.send_choices("42", "Bonjour", CHOICES)
    [line] = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["channel"] == "telegram" and record["to"] == "42" and record["text"] == "Bonjour"
    assert record["choices"] == [
        {"key": "pay_now", "label": "Payer maintenant"},
        {"key": "plan", "label": "Payer en plusieurs fois"},
    ]


async def test_console_prints_to_the_terminal_without_interpreting_markup() -> None:
    out = io.StringIO()
    channel = ConsoleChannel(name="sms", console=Console(file=out, width=100, color_system=None))
    await channel.send_text(DEBTOR, "Montant [bold]600[/bold] €")
    text = out.getvalue()
    assert "sms" in text and DEBTOR in text and "Montant [bold]600[/bold] €" in text


async def test_recording_channel_records_fails_on_demand_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "sent.jsonl"
    channel = RecordingChannel(name="telegram", path=path)
    channel.fail_next(TransientChannelError("boom", code="timeout"))
    with pytest.raises(TransientChannelError):
        await channel.send_text("42", "first")
    await channel.send_choices("42", "second", CHOICES)
    assert channel.texts_to("42") == ["second"]
    assert read_recording(path) == channel.sent
    assert channel.sent[0].choices == (("pay_now", "Payer maintenant"), ("plan", "Payer en plusieurs fois"))


async def test_a_send_after_a_torn_line_is_recorded_on_a_line_of_its_own(tmp_path: Path) -> None:
    # a process killed in the middle of writing its record (the SIGKILL crash test) leaves half a line
    path = tmp_path / "sent.jsonl"
    path.write_text('{"channel": "sms", "to": "+33612345678", "text": "Bonj', encoding="utf-8")
    channel = RecordingChannel(name="sms", path=path)
    await channel.send_text("+33612345678", "after the crash")
    assert read_recording(path) == channel.sent
    assert [r.text for r in read_recording(path)] == ["after the crash"]


async def test_recording_channel_fails_loudly_on_misuse() -> None:
    sms_like = RecordingChannel(name="sms")
    with pytest.raises(RecordingMisuse):
        await sms_like.send_text("0612345678", "not E.164")
    with pytest.raises(RecordingMisuse):
        await RecordingChannel(name="telegram").send_text("+33612345678", "not a chat id")
    with pytest.raises(RecordingMisuse):
        await sms_like.send_text(DEBTOR, b"bytes")  # type: ignore[arg-type]
    await sms_like.close()
    with pytest.raises(RecordingMisuse):
        await sms_like.send_text(DEBTOR, "after close")
    with pytest.raises(RecordingMisuse):
        RecordingChannel(name="fax")


# --------------------------------------------------------------------------- factory


def test_factory_defaults_to_the_console(tmp_path: Path) -> None:
    channels = channels_from_settings(Settings(config=tmp_path / "none.toml"), RelanceConfig())
    assert set(channels) == {"sms", "telegram", "email", "console"}
    assert all(isinstance(c, ConsoleChannel) for c in channels.values())
    assert channels["email"].capabilities.supports_buttons is False
    assert channels["sms"].capabilities.supports_buttons is False
    assert channels["telegram"].capabilities.needs_binding is True


async def test_factory_builds_real_channels_pointed_at_the_configured_api_roots(
    fake_twilio: FakeTwilio, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    settings = Settings(
        config=tmp_path / "none.toml",
        public_url="https://relance.example.com/",
        twilio_account_sid=fake_twilio.account_sid,
        twilio_auth_token=fake_twilio.auth_token,
        twilio_from=OUR_NUMBER,
        twilio_api_url=fake_twilio.url,
        telegram_token=fake_telegram.token,
        telegram_api_url=fake_telegram.url,
    )
    channels = channels_from_settings(settings, RelanceConfig())
    assert isinstance(channels["sms"], TwilioSmsChannel) and isinstance(channels["telegram"], TelegramChannel)
    await channels["sms"].send_text(DEBTOR, "hello")
    assert fake_twilio.messages[0].status_callback == "https://relance.example.com/webhooks/twilio/status"
    await channels["telegram"].start()
    await channels["telegram"].send_text(str(CHAT), "hello")
    assert fake_telegram.texts_to(CHAT) == ["hello"]
    for channel in channels.values():
        await channel.close()
