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


def serve_services(runtime: Runtime) -> list[Service]:
    """What runs beside the web app in `relance serve`."""
    return [background_jobs]
