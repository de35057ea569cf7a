"""Telegram through python-telegram-bot (asyncio).

`make_bot` points PTB at `RELANCE_TELEGRAM_API_URL` (a self-hosted Bot API server or our test
server; the `/bot<token>` path is added). Choices become an inline keyboard whose buttons send
the choice's key back as callback data. A bot can only write to chats that started it, so the
channel `needs_binding`: reminders go on Telegram only to bound chats.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.channels.base import Capabilities, ChannelAdapter, ChoiceLike, SendResult
from relance.core.errors import ChannelError, PermanentChannelError, TransientChannelError

log = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
TELEGRAM_CAPABILITIES = Capabilities(max_length=4096, supports_buttons=True, needs_binding=True)
MAX_CALLBACK_DATA = 64  # bytes, Bot API limit
_CHAT_ID = re.compile(r"-?\d{1,20}")


def make_bot(token: str, api_url: str = TELEGRAM_API_URL, *, timeout: float = 10.0) -> Bot:
    """A PTB `Bot` talking to `api_url` (`{api_url}/bot<token>/<method>`)."""
    root = api_url.rstrip("/")
    request = HTTPXRequest(
        connection_pool_size=64, read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout
    )
    return Bot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot", request=request)


def bot_id(token: str) -> str:
    """The bot's numeric id, the public part of its token (before the colon)."""
    return token.split(":", 1)[0]


def channel_error(exc: TelegramError) -> ChannelError:
    """Classify a PTB error as transient or permanent."""
    if isinstance(exc, RetryAfter):
        return TransientChannelError("telegram: rate limited", code="retry_after")
    if isinstance(exc, Forbidden):
        return PermanentChannelError(f"telegram: forbidden ({exc.message})", code="blocked")
    if isinstance(exc, ChatMigrated):
        return PermanentChannelError("telegram: chat migrated", code="chat_migrated")
    if isinstance(exc, BadRequest):
        return PermanentChannelError(f"telegram: bad request ({exc.message})", code="bad_request")
    if isinstance(exc, InvalidToken):
        return TransientChannelError("telegram: the bot token was refused", code="invalid_token")
    if isinstance(exc, TimedOut):
        return TransientChannelError("telegram: timed out", code="timeout")
    if isinstance(exc, NetworkError):
        return TransientChannelError(f"telegram: network error ({exc.message})", code="network")
    return TransientChannelError(f"telegram: {type(exc).__name__}", code="telegram")


def inline_keyboard(choices: Sequence[ChoiceLike]) -> InlineKeyboardMarkup:
    """One button per row; the button sends the choice key back."""
    rows = []
    for choice in choices:
        if not choice.key or len(choice.key.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise PermanentChannelError(f"telegram: choice key {choice.key!r} is not 1-64 bytes", code="bad_choice")
        rows.append([InlineKeyboardButton(choice.label, callback_data=choice.key)])
    return InlineKeyboardMarkup(rows)


def chat_id_of(to: str) -> int:
    """A Telegram chat id from its stored text form."""
    if not isinstance(to, str | int) or not _CHAT_ID.fullmatch(str(to)):
        raise PermanentChannelError(f"telegram: {to!r} is not a chat id", code="no_address")
    return int(to)


class TelegramChannel(ChannelAdapter):
    """Messages to bound Telegram chats."""

    name = "telegram"
    capabilities = TELEGRAM_CAPABILITIES

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.sender = bot_id(bot.token)

    async def send_text(self, to: str, text: str) -> SendResult:
        return await self._send(to, text, None)

    async def send_choices(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        return await self._send(to, text, inline_keyboard(choices) if choices else None)

    async def _send(self, to: str, text: str, markup: InlineKeyboardMarkup | None) -> SendResult:
        self.check_text(to, text)
        chat_id = chat_id_of(to)
        try:
            message = await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        except TelegramError as exc:
            raise channel_error(exc) from exc
        # the Bot API has no delivery receipts: a message it accepted is in the chat
        return SendResult(provider_id=f"{chat_id}:{message.message_id}", status="delivered")

    async def start(self) -> None:
        """Initialise the bot (calls getMe: checks the token and the API root)."""
        try:
            await self.bot.initialize()
        except TelegramError as exc:
            raise channel_error(exc) from exc

    async def close(self) -> None:
        await self.bot.shutdown()
