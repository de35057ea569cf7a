"""What the routes share: the runtime, the channels, the renderer and the Telegram bot (on `app.state`)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from bot.channels.base import ChannelAdapter
from bot.db_runner import DbRunner
from bot.telegram_bot import TelegramBot
from messages.render import Renderer
from relance.core.runtime import Runtime


@dataclass
class WebContext:
    """Built once by `create_app`."""

    runtime: Runtime
    channels: dict[str, ChannelAdapter]
    renderer: Renderer
    db: DbRunner
    telegram: TelegramBot | None = None


async def web_context(request: Request) -> WebContext:
    """The application's `WebContext` (a FastAPI dependency; async, so no thread hop per request)."""
    context: WebContext = request.app.state.relance
    return context
