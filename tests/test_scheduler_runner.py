"""Processes: the leader lock, the APScheduler jobs, the CLI commands."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core.db import make_engine
from relance.core.runtime import Runtime
from scheduler.runner import JOB_OPTIONS, LeaderLock, start_background
from tests import factories
from tests.conftest_scheduler import outbox, recording


def test_one_leader_per_sqlite_database(sqlite_url: str) -> None:
    first, second = make_engine(sqlite_url), make_engine(sqlite_url)
    a, b = LeaderLock(first), LeaderLock(second)
    assert a.try_acquire() and a.try_acquire()  # idempotent while held
    assert not b.try_acquire()
    a.release()
    assert b.try_acquire()
    b.release()
    first.dispose()
    second.dispose()


@pytest.mark.postgres
def test_one_leader_per_postgresql_schema_and_a_dead_leader_frees_it(pg_url: str) -> None:
    first, second = make_engine(pg_url), make_engine(pg_url)
    a, b = LeaderLock(first), LeaderLock(second)
    assert a.try_acquire()
    assert not b.try_acquire()
    assert a._conn is not None
    a._conn.invalidate()  # the leader's connection dies (process killed, network cut)
    a._conn = None
    # the server frees the lock once its backend sees the connection gone, a moment later: the standby takes over at
    # one of its next ticks (the first try may come before the backend has exited)
    deadline = time.monotonic() + 10
    while not b.try_acquire():
        assert time.monotonic() < deadline, "the dead leader's lock was never freed"
        time.sleep(0.05)
    assert not LeaderLock(first).try_acquire()
    b.release()
    assert LeaderLock(first).try_acquire()
    first.dispose()
    second.dispose()


async def test_background_jobs_sweep_and_send(runtime: Runtime, engine: Engine) -> None:
    with Session(engine) as session:
        factories.case_with_debt(session)
        session.commit()
    channels = recording()
    background = start_background(runtime, channels=channels, sweep_every=3600, dispatch_every=0.2)
    try:
        jobs = {job.id: job for job in background.scheduler.get_jobs()}
        assert set(jobs) == {"sweep", "dispatch", "webhooks"}
        for job in jobs.values():
            assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (
                JOB_OPTIONS["misfire_grace_time"], True, 1,
            )  # fmt: skip
        for _ in range(100):
            if channels["sms"].sent:
                break
            await asyncio.sleep(0.05)
        assert len(channels["sms"].sent) == 1
        assert background.last_sweep is not None and background.last_sweep.queued == 1
    finally:
        await background.stop()
    assert [m.status for m in outbox(engine)] == ["sent"]
    assert not background.scheduler.running


async def test_a_second_process_stands_by(runtime: Runtime) -> None:
    one = start_background(runtime, dispatch_jobs=False, sweep_every=3600)
    two = start_background(runtime, dispatch_jobs=False, sweep_every=3600)
    try:
        for _ in range(100):  # both try at start; whichever got the lock first leads
            if one.last_sweep or two.last_sweep:
                break
            await asyncio.sleep(0.02)
        leader, standby = (one, two) if one.last_sweep else (two, one)
        assert await leader.run_sweep() is not None
        assert await standby.run_sweep() is None
        await leader.stop()
        assert await standby.run_sweep() is not None  # takes over at its next tick
    finally:
        await one.stop()
        await two.stop()


def test_commands_are_registered(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "scheduler" in result.output and "worker" in result.output
