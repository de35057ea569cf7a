"""Build the channels a process uses from `Settings` (secrets, API roots) and `relance.toml`."""

from __future__ import annotations

import logging

from bot.channels.base import ChannelAdapter
from bot.channels.console import ConsoleChannel
from bot.channels.sms import SMS_CAPABILITIES, TwilioSmsChannel
from bot.channels.telegram import TELEGRAM_CAPABILITIES, TelegramChannel, make_bot
from relance.core.config import RelanceConfig, Settings
from relance.core.paths import TWILIO_STATUS, public

log = logging.getLogger(__name__)


def status_callback_url(settings: Settings) -> str | None:
    """Where Twilio posts delivery receipts, or None without a public URL (none can reach us)."""
    return public(settings.public_url, TWILIO_STATUS) if settings.public_url else None


def sms_channel(settings: Settings, config: RelanceConfig) -> ChannelAdapter:
    """Twilio when configured, else the console standing in for SMS."""
    if not settings.sms_enabled:
        return ConsoleChannel(name="sms", capabilities=SMS_CAPABILITIES, path=config.channels.console_path)
    assert settings.twilio_account_sid and settings.twilio_auth_token
    callback = status_callback_url(settings)
    if callback is None:
        log.warning("RELANCE_PUBLIC_URL is not set: Twilio delivery receipts cannot reach this server")
    return TwilioSmsChannel(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        from_number=settings.twilio_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        status_callback_url=callback,
        api_url=settings.twilio_api_url,
    )


def telegram_channel(settings: Settings, config: RelanceConfig) -> ChannelAdapter:
    """python-telegram-bot when a token is configured, else the console standing in for Telegram."""
    if settings.telegram_token is None:
        return ConsoleChannel(name="telegram", capabilities=TELEGRAM_CAPABILITIES, path=config.channels.console_path)
    return TelegramChannel(make_bot(settings.telegram_token.get_secret_value(), settings.telegram_api_url))


def channels_from_settings(settings: Settings, config: RelanceConfig) -> dict[str, ChannelAdapter]:
    """One adapter per channel name (`sms`, `telegram`, `console`); the console replaces what is not configured."""
    return {
        "sms": sms_channel(settings, config),
        "telegram": telegram_channel(settings, config),
        "console": ConsoleChannel(path=config.channels.console_path),
    }
