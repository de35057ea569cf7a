"""Processes: the sweep and the dispatcher as APScheduler jobs, one sweeping leader, any number of workers.

- `relance serve` (embedded, SQLite): the web app calls `start_background(runtime)` in FastAPI's
  lifespan and `await background.stop()` on shutdown; sweep and dispatch run in its event loop.
- `relance scheduler`: the sweep only (plus nothing else), for multi-process deployments.
- `relance worker`: the dispatcher only; start as many as needed on PostgreSQL.

Only one process sweeps at a time: the one holding the leader lock — a PostgreSQL advisory lock
held on a dedicated connection (released when that connection closes, so a dead leader frees it
at once), or on SQLite an exclusive `flock` on a file next to the database. Every sweep tick, a
process that is not the leader tries to become it, so a standby takes over within one interval.
Dispatch needs no leader: workers claim disjoint rows (`scheduler.outbox`).

APScheduler 3.x keeps its jobs in memory here (no shared job store: its FAQ warns that sharing one
between processes runs jobs twice or not at all). All times are UTC.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Connection, Engine

from bot.channels.base import ChannelAdapter
from messages.render import Renderer
from relance.core.clock import utcnow
from relance.core.paylinks import pay_links
from relance.core.runtime import Runtime
from scheduler.dispatch import Dispatcher
from scheduler.sweep import SweepReport, sweep
from scheduler.webhook_sender import deliver_webhooks

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0  # seconds
DISPATCH_EVERY = 5.0
# Why these job options: a sweep or a dispatch run that was missed (the process was busy, paused,
# or restarting) is still worth running late — both only look at what is due *now* — so no grace
# limit (APScheduler 3.x's default of 1 s would silently drop it); but several missed runs are
# worth exactly one run, never a burst, hence coalesce; and a run still going when the next is due
# must not overlap with itself, hence one instance.
JOB_OPTIONS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class LeaderLock:
    """The sweeping leader's lock: PostgreSQL advisory lock, or a file lock for SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True while this process leads."""
        if self.held:
            return self._still_held()
        if self.engine.dialect.name == "postgresql":
            return self._try_advisory()
        return self._try_file()

    def _try_advisory(self) -> bool:
        conn = self.engine.connect()
        # per schema, so that separate Relance installs (or test schemas) in one database do not collide
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(hashtext('relance-sweep:' || current_schema()))"))
        if got.scalar_one():
            conn.commit()
            self._conn = conn
            return True
        conn.rollback()
        conn.close()
        return False

    def _try_file(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:":
            self._file = open("/dev/null")  # noqa: SIM115 - one process owns an in-memory database
            return True
        handle = open(Path(database).with_name(Path(database).name + ".sweep.lock"), "w")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def _still_held(self) -> bool:
        if self._conn is None:
            return True
        try:
            self._conn.execute(sa.text("SELECT 1")).scalar_one()
            self._conn.commit()
            return True
        except sa.exc.DBAPIError:
            log.warning("lost the connection holding the sweep leader lock: no longer leading")
            self._conn = None
            return False

    def release(self) -> None:
        if self._conn is not None:
            with suppress(sa.exc.DBAPIError):
                self._conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
                self._conn.commit()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the flock
            self._file = None


@dataclass
class Background:
    """The running jobs of one process."""

    scheduler: AsyncIOScheduler
    runtime: Runtime
    leader: LeaderLock | None = None
    dispatcher: Dispatcher | None = None
    channels: Mapping[str, ChannelAdapter] = field(default_factory=dict)
    last_sweep: SweepReport | None = None
    _running: set[asyncio.Task[Any]] = field(default_factory=set)

    async def run_sweep(self) -> SweepReport | None:
        """One sweep, if this process leads (in a thread: the event loop keeps serving)."""
        with self._tracked():
            return await self._sweep()

    async def run_webhooks(self) -> None:
        """Deliver the outbound webhooks that are due (`scheduler.webhook_sender`)."""
        with self._tracked():
            await deliver_webhooks(self.runtime.engine, self.runtime.clock)

    async def run_dispatch(self) -> None:
        """Send everything due now."""
        with self._tracked():
            if self.dispatcher is not None:
                await self.dispatcher.drain()

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        """Remember the running job, so that `stop` lets it finish its transaction."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)  # type: ignore[arg-type]

    async def _sweep(self) -> SweepReport | None:
        if self.leader is None or not await asyncio.to_thread(self.leader.try_acquire):
            return None
        rt = self.runtime
        # the configured preference order, among the channels this process can send on
        channel_names = tuple(c for c in rt.config.channels.preferred if c in self.channels) or None
        self.last_sweep = await asyncio.to_thread(
            sweep, rt.engine, config=rt.config, now=rt.clock.now(), channels=channel_names
        )
        return self.last_sweep

    async def stop(self) -> None:
        """Stop the jobs (a run in progress finishes first), close the channels, give up leadership."""
        # Pause first, let the runs in progress finish, then shut down: APScheduler's asyncio
        # executor cancels the jobs still running at shutdown, which would cut a dispatch between
        # the provider's answer and its commit (the message would stay `sending` until its lease).
        if self.scheduler.running:
            self.scheduler.pause()
        current = asyncio.current_task()
        await asyncio.sleep(0)  # a job submitted just before the pause gets to start and be tracked
        while others := [t for t in self._running if t is not current and not t.done()]:
            await asyncio.gather(*others, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for adapter in self.channels.values():
            with suppress(Exception):
                await adapter.close()
        if self.leader is not None:
            await asyncio.to_thread(self.leader.release)


def start_background(
    runtime: Runtime,
    *,
    sweep_jobs: bool = True,
    dispatch_jobs: bool = True,
    channels: Mapping[str, ChannelAdapter] | None = None,
    sweep_every: float = SWEEP_EVERY,
    dispatch_every: float = DISPATCH_EVERY,
) -> Background:
    """Start the sweep and/or dispatch jobs in the running event loop (call from FastAPI's lifespan)."""
    if channels is None and dispatch_jobs:
        from bot.channels import channels_from_settings

        channels = channels_from_settings(runtime.settings, runtime.config, runtime.engine)
    scheduler = AsyncIOScheduler(timezone="UTC")
    background = Background(scheduler, runtime, channels=channels or {})
    if sweep_jobs:
        background.leader = LeaderLock(runtime.engine)
        scheduler.add_job(background.run_sweep, "interval", seconds=sweep_every, id="sweep", **JOB_OPTIONS)
    if dispatch_jobs:
        background.dispatcher = Dispatcher(
            runtime.engine,
            config=runtime.config,
            renderer=Renderer.from_config(runtime.config),
            channels=background.channels,
            clock=runtime.clock,
            telegram_bot=runtime.settings.telegram_bot_username if runtime.settings.telegram_enabled else None,
            pay_links=pay_links(runtime.settings, runtime.engine, runtime.now()),
        )
        scheduler.add_job(background.run_dispatch, "interval", seconds=dispatch_every, id="dispatch", **JOB_OPTIONS)
        scheduler.add_job(background.run_webhooks, "interval", seconds=dispatch_every, id="webhooks", **JOB_OPTIONS)
    scheduler.start()
    # first runs now rather than one interval after start-up
    for job in scheduler.get_jobs():
        job.modify(next_run_time=utcnow())
    return background


async def run_until_signalled(runtime: Runtime, **options: Any) -> None:
    """Run the background jobs until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    background = start_background(runtime, **options)
    for adapter in background.channels.values():
        await adapter.start()
    try:
        await stop.wait()
    finally:
        await background.stop()
