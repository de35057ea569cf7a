"""What `relance serve` runs beside the web app (webhooks, console): the in-process services.

One process, the embedded default: the web app, the scheduler's sweep (when this process holds the
leader lock) and the dispatcher, all on the same channels (one Telegram bot, one Twilio client).
Imports of the web stack happen inside the command, so that the rest of the CLI starts fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from relance.core.runtime import Runtime
    from relance.web.app import Service


@contextlib.asynccontextmanager
async def background_jobs(app: FastAPI) -> AsyncIterator[None]:
    """The sweep and the dispatcher (`scheduler.runner`), sending through the web app's channels."""
    from scheduler.runner import start_background

    web = app.state.relance
    background = start_background(web.runtime, channels=web.channels)
    app.state.background = background  # /readyz reports its role (leader or stand-by)
    try:
        yield
    finally:
        await background.stop()


@contextlib.asynccontextmanager
async def imap_replies(app: FastAPI) -> AsyncIterator[None]:
    """E-mail replies read from the IMAP mailbox (`bot.imap_poll`), when one is configured."""
    import asyncio

    from bot.imap_poll import ImapPoller

    web = app.state.relance
    task = asyncio.create_task(ImapPoller(web.runtime, web.renderer).run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def serve_services(runtime: Runtime) -> list[Service]:
    """What runs beside the web app in `relance serve` (IMAP polling when `RELANCE_IMAP_*` is set)."""
    services: list[Service] = [background_jobs]
    if runtime.settings.imap_enabled:
        services.append(imap_replies)
    return services
