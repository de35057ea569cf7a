"""Crash and concurrency acceptance tests of the dispatcher, with real processes.

- SQLite: a dispatcher process is killed with SIGKILL at random moments, at least 50 times, while it
  sends 1,000 reminders to a recording channel that fsyncs every message it accepts before
  answering. Then: in our records every message is sent exactly once (status `sent` once, one
  `message_sent` event, the provider id of a message the channel really accepted), none is lost,
  and towards the channel delivery is at least once, with at most one duplicate per kill (the
  message in flight when the process died), as `scheduler.dispatch` states.
- PostgreSQL: 4 dispatcher processes drain 20,000 outbox rows at once; each row is sent exactly once.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from bot.channels.recording import read_recording
from relance.core.config import load_config
from relance.core.db import make_engine
from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.models import Event, Message
from scheduler.sweep import sweep
from tests.conftest_scheduler import ALWAYS_OPEN_TOML, bulk_cases, forked_worker

pytestmark = pytest.mark.slow


# Workers are forked by a fork server that imported the dispatcher's code once: a fresh interpreter spent
# 1–2 s importing before each of the kill test's ~60 workers could start. Each is still a process of its
# own, with its own database connections (opened after the fork), killed with SIGKILL.
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tests.conftest_scheduler"])


class Worker:
    """A dispatcher process (`tests.conftest_scheduler.forked_worker`)."""

    def __init__(self, url: str, config: Path, recording: Path, lease: float, die_after: int) -> None:
        receiving, sending = FORKS.Pipe(duplex=False)
        self.process = FORKS.Process(target=forked_worker, args=(url, config, recording, lease, die_after, sending))
        self.process.start()
        sending.close()
        self._ready = receiving

    def ready(self) -> bool:
        """Waits until the worker says it has started; False if it died or said nothing for a minute."""
        try:
            return self._ready.poll(60) and self._ready.recv() == "ready"
        except EOFError:
            return False
        finally:
            self._ready.close()

    def kill(self) -> None:
        assert self.process.pid is not None
        os.kill(self.process.pid, signal.SIGKILL)

    def wait(self, timeout: float) -> int | None:
        """The exit code (minus the signal number if a signal ended it), as `Popen.wait` gives it."""
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise TimeoutError(f"worker {self.process.pid} still running after {timeout} s")
        return self.process.exitcode


def start_worker(url: str, config: Path, recording: Path, lease: float = 1.0, die_after: int = 0) -> Worker:
    return Worker(url, config, recording, lease, die_after)


def queue_reminders(url: str, config_path: Path, count: int) -> None:
    """`count` cases 25 days late, swept now: `count` reminders in the outbox, for debtors always reachable."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    bulk_cases(engine, count, due=(now - timedelta(days=25)).date())
    report = sweep(engine, config=load_config(config_path), now=now, channels=("sms",))
    assert report.queued == count
    engine.dispose()


def left(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count()).select_from(Message).where(Message.status.in_(["queued", "sending"]))  # type: ignore[attr-defined]
        ).scalar_one()
    engine.dispose()
    return int(n)


def check_exactly_once(url: str, recordings: list[Path], count: int) -> Counter[str]:
    """Our records: each message sent once. Returns how many times the channel(s) accepted each text."""
    accepted = [r for path in recordings for r in read_recording(path)]
    times = Counter(r.text for r in accepted)
    ids_by_text: dict[str, set[str]] = {}
    for r in accepted:
        ids_by_text.setdefault(r.text, set()).add(r.provider_id)
    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.execute(sa.select(Message)).scalars())
        sent_events = Counter(
            e.data["message_id"]
            for e in session.execute(sa.select(Event).where(Event.kind == "message_sent")).scalars()  # type: ignore[arg-type]
        )
    engine.dispose()
    assert len(rows) == count
    assert Counter(m.status for m in rows) == {"sent": count}  # none lost
    assert all(sent_events[m.id] == 1 for m in rows) and sum(sent_events.values()) == count  # none twice
    assert len({m.body for m in rows}) == count
    for m in rows:  # what we recorded is what the channel accepted
        assert m.provider_id in ids_by_text[m.body]
    assert set(times) == {m.body for m in rows}  # the channel got nothing we do not know about
    return times


# enough rows that 60 kills come before the outbox is empty (a worker sends ~650 a second on SQLite)
KILL_ROWS = 3000


def test_sigkill_at_random_points_loses_and_duplicates_nothing_in_our_records(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "relance.toml"
    config.write_text(ALWAYS_OPEN_TOML, encoding="utf-8")
    recording = tmp_path / "sent.jsonl"
    queue_reminders(sqlite_url, config, KILL_ROWS)
    rng = random.Random(20261124)
    kills = 0
    while kills < 60 and left(sqlite_url):
        worker = start_worker(sqlite_url, config, recording)
        assert worker.ready()
        time.sleep(rng.uniform(0.0, 0.12))
        worker.kill()
        worker.wait(timeout=60)
        kills += 1
    assert kills >= 50, f"only {kills} kills before the outbox was empty: slow the run down"
    assert left(sqlite_url) > 0
    last = start_worker(sqlite_url, config, recording)
    assert last.wait(timeout=300) == 0
    times = check_exactly_once(sqlite_url, [recording], KILL_ROWS)
    duplicated = sum(n - 1 for n in times.values())
    print(f"{kills} kills, {duplicated} message(s) accepted twice by the channel")
    assert duplicated <= kills  # at least once towards the channel: one message in flight per kill at most
    engine = make_engine(sqlite_url)
    with Session(engine) as session:  # the evidence trail survived every kill
        for case_id in range(1, 1001, 97):
            assert verify_chain([event_to_dict(e) for e in case_events(session, case_id)]) == []
    engine.dispose()


def test_death_after_the_provider_accepted_means_one_resend_with_the_same_key(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "relance.toml"
    config.write_text(ALWAYS_OPEN_TOML, encoding="utf-8")
    recording = tmp_path / "sent.jsonl"
    queue_reminders(sqlite_url, config, 20)
    dying = start_worker(sqlite_url, config, recording, lease=0.5, die_after=5)
    assert dying.wait(timeout=120) == -signal.SIGKILL
    fifth = read_recording(recording)[4]
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        states = Counter(m.status for m in session.execute(sa.select(Message)).scalars())
    engine.dispose()
    assert states == {"sent": 4, "sending": 16}  # the fifth was accepted, not recorded; the batch waits
    assert start_worker(sqlite_url, config, recording, lease=0.5).wait(timeout=120) == 0
    times = check_exactly_once(sqlite_url, [recording], 20)
    assert {text: n for text, n in times.items() if n > 1} == {fifth.text: 2}


@pytest.mark.postgres
def test_four_workers_drain_20000_rows_each_sent_once(pg_url: str, tmp_path: Path) -> None:
    config = tmp_path / "relance.toml"
    config.write_text(ALWAYS_OPEN_TOML, encoding="utf-8")
    queue_reminders(pg_url, config, 20_000)
    recordings = [tmp_path / f"worker{i}.jsonl" for i in range(4)]
    workers = [start_worker(pg_url, config, path, lease=600.0) for path in recordings]
    for worker in workers:
        assert worker.wait(timeout=900) == 0
    times = check_exactly_once(pg_url, recordings, 20_000)
    assert set(times.values()) == {1}  # no crash here: towards the channel too, exactly once
    per_worker = [len(read_recording(p)) for p in recordings]
    assert sum(per_worker) == 20_000 and sum(1 for n in per_worker if n) >= 2  # the work was shared
