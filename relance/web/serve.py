"""What `relance serve` runs beside the web app (webhooks, console): the in-process services.

One process, the embedded default: the web app, the scheduler's sweep (when this process holds the
leader lock) and the dispatcher, all on the same channels (one Telegram bot, one Twilio client).
Imports of the web stack happen inside the command, so that the rest of the CLI starts fast.

`relance serve --workers N` runs N such processes on one port (uvicorn's supervisor binds the socket
and starts `worker_app` in each). Every process serves webhooks and dispatches; only the holder of
the leader lock sweeps (`scheduler.runner.LeaderLock`: a PostgreSQL advisory lock), and APScheduler
keeps its jobs in each process's memory, never in a shared job store. Inbound messages of one
sender or one case are serialised across processes by `bot.inbound.serialise_conversation`.
`several_processes_refused` says why N > 1 is not safe for a configuration: SQLite (one writer;
each process would answer webhooks on its event loop while waiting on the others' write lock),
Telegram by long polling (one poller per bot), and the IMAP poller (every process would read the
same mailbox).
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


def several_processes_refused(runtime: Runtime) -> str | None:
    """Why this configuration cannot run in several processes, or None when it can."""
    settings = runtime.settings
    if runtime.engine.dialect.name != "postgresql":
        return (
            f"--workers above 1 needs PostgreSQL (RELANCE_DATABASE_URL is {runtime.engine.dialect.name}): "
            "SQLite takes one writer at a time, and a process waiting for another's write lock stops "
            "answering webhooks. Run one process on SQLite, or move to PostgreSQL."
        )
    if settings.telegram_enabled and not (settings.public_url and settings.telegram_webhook_secret):
        return (
            "--workers above 1 needs Telegram in webhook mode (RELANCE_PUBLIC_URL and "
            "RELANCE_TELEGRAM_WEBHOOK_SECRET): Telegram lets only one process poll a bot's updates."
        )
    if settings.imap_enabled:
        return (
            "--workers above 1 does not poll IMAP (every process would read the same mailbox): "
            "leave RELANCE_IMAP_* unset here and run one `relance serve` with them."
        )
    return None


def worker_app() -> FastAPI:
    """The app of one `relance serve --workers N` process (the parent brought the schema up to date)."""
    from relance.core.runtime import open_runtime
    from relance.web.app import create_app
    from relance.web.logs import configure_logging

    runtime = open_runtime(upgrade=False)
    # the parent passes --verbose on as RELANCE_LOG_LEVEL=DEBUG: a worker is started from an import string
    configure_logging(runtime.settings, verbose=runtime.settings.log_level.upper() == "DEBUG")
    return create_app(runtime, services=serve_services(runtime))


def serve_services(runtime: Runtime) -> list[Service]:
    """What runs beside the web app in `relance serve` (IMAP polling when `RELANCE_IMAP_*` is set)."""
    services: list[Service] = [background_jobs]
    if runtime.settings.imap_enabled:
        services.append(imap_replies)
    return services
