"""Build the channels a process uses from `Settings` (secrets, API roots) and `relance.toml`."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from bot.channels.base import ChannelAdapter
from bot.channels.console import ConsoleChannel
from bot.channels.email import EMAIL_CAPABILITIES, SmtpEmailChannel
from bot.channels.sms import SMS_CAPABILITIES, TwilioSmsChannel
from bot.channels.telegram import TELEGRAM_CAPABILITIES, TelegramChannel, make_bot
from bot.email_links import UnsubscribeLinks, link_key
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


def email_channel(settings: Settings, config: RelanceConfig, engine: Engine | None = None) -> ChannelAdapter:
    """SMTP when configured, else the console standing in for e-mail.

    With `engine`, unsubscribe links are signed with the key kept in the database when
    `RELANCE_SECRET_KEY` is not set; without either, e-mails carry the `mailto:` unsubscribe only.
    """
    if not settings.email_enabled:
        return ConsoleChannel(name="email", capabilities=EMAIL_CAPABILITIES, path=config.channels.console_path)
    links = None
    if settings.secret_key is not None or engine is not None:
        assert engine is not None or settings.secret_key is not None
        key = link_key(settings, engine) if engine is not None else settings.secret_key.get_secret_value()  # type: ignore[union-attr]
        links = UnsubscribeLinks(key, settings.public_url)
    if links is None or not settings.public_url:
        log.warning("RELANCE_PUBLIC_URL is not set: e-mails carry no one-click unsubscribe link (mailto only)")
    return SmtpEmailChannel.from_settings(settings, links)


def channels_from_settings(
    settings: Settings, config: RelanceConfig, engine: Engine | None = None
) -> dict[str, ChannelAdapter]:
    """One adapter per channel (`sms`, `telegram`, `email`, `console`); the console replaces what is not configured."""
    return {
        "sms": sms_channel(settings, config),
        "telegram": telegram_channel(settings, config),
        "email": email_channel(settings, config, engine),
        "console": ConsoleChannel(path=config.channels.console_path),
    }
