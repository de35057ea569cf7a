"""What `relance serve` runs beside the web app (webhooks, console): the in-process services.

One process, the embedded default: the web app, the scheduler's sweep (when this process holds the
leader lock) and the dispatcher, all on the same channels (one Telegram bot, one Twilio client).
Imports of the web stack happen inside the command, so that the rest of the CLI starts fast.

`relance serve --workers N` runs N such processes on one port (`run_workers`: each has its own
listening socket with SO_REUSEPORT, so the kernel spreads connections evenly between them; one
shared socket let a single process's event loop accept a whole burst of keep-alive connections and
left the others idle). Every process serves webhooks and dispatches; only the holder of
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
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from relance.core.runtime import Runtime
    from relance.web.app import Service

log = logging.getLogger(__name__)
SUPERVISE_EVERY = 0.5  # seconds between two looks at the workers


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


def run_workers(
    workers: int, *, host: str, port: int, options: dict[str, Any], app: str = "relance.web.serve:worker_app"
) -> int:
    """Run `workers` server processes of `app` (a factory) on one port until SIGINT or SIGTERM; exit status.

    A worker that dies after it started serving is replaced; one that dies before stops them all
    (the next one would fail the same way).
    """
    _check_port_free(host, port)
    ctx = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    running: dict[int, tuple[Any, Any]] = {}  # slot -> (process, its "serving" event)

    def start(slot: int) -> None:
        serving = ctx.Event()
        process = ctx.Process(
            target=_serve_worker, args=(app, host, port, options, serving), name=f"relance-worker-{slot}"
        )
        process.start()
        running[slot] = (process, serving)

    for slot in range(workers):
        start(slot)
    status = 0
    while not stopping.wait(SUPERVISE_EVERY):
        for slot, (process, serving) in list(running.items()):
            if process.is_alive():
                continue
            if not serving.is_set():
                log.error("worker %d (pid %s) failed to start (exit %s): stopping", slot, process.pid, process.exitcode)
                stopping.set()
                status = 1
                break
            log.warning("worker %d (pid %s) died (exit %s): starting another", slot, process.pid, process.exitcode)
            start(slot)
    for process, _ in running.values():
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)  # once: a second signal would make uvicorn skip the shutdown
    for process, _ in running.values():
        process.join()
    return status


def _check_port_free(host: str, port: int) -> None:
    """Raise OSError when something listens on the port already (SO_REUSEPORT would share it silently)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are no obstacle
        probe.bind((host, port))


def _serve_worker(app: str, host: str, port: int, options: dict[str, Any], serving: Any) -> None:
    """One worker process: its own SO_REUSEPORT socket, listened on only once its app has started."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                serving.set()

    os.setpgrp()  # a terminal's Ctrl-C reaches the supervisor only, which passes one SIGTERM on
    _leave_with_parent()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    Server(uvicorn.Config(app, factory=True, host=host, port=port, **options)).run(sockets=[sock])


def _leave_with_parent() -> None:
    """Shut this worker down (SIGTERM to itself) if the supervisor dies without stopping it."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


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
