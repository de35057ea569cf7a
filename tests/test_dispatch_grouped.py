"""The dispatcher's grouped mode (every adapter deduplicates by key), against SQLite and PostgreSQL.

Same outcomes as one transaction per message; a crash between the sends and the batch's commit
loses nothing, and the resend after the lease reaches the channel once per key.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.recording import KeyedRecordingChannel, RecordingChannel
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig
from relance.core.errors import PermanentChannelError
from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.models import Case, Dispute, Flag
from scheduler import outbox as outbox_store
from tests import factories
from tests.conftest_scheduler import NOW, dispatcher, events, outbox, sweep_at


class _Crash(BaseException):
    """The process dying: not an error the dispatcher handles."""


class _CrashingChannel(KeyedRecordingChannel):
    """Dies (once) right after accepting its n-th message."""

    crash_after: int = 0

    async def send_text(self, to: str, text: str) -> Any:
        result = await super().send_text(to, text)
        if self.crash_after and len(self.sent) == self.crash_after:
            self.crash_after = 0
            raise _Crash
        return result


def keyed() -> dict[str, KeyedRecordingChannel]:
    return {"telegram": KeyedRecordingChannel(name="telegram"), "sms": KeyedRecordingChannel(name="sms")}


def queue(engine: Engine, session: Session, config: RelanceConfig, count: int) -> list[Case]:
    made = [factories.case_with_debt(session, due=date(2026, 11, 1)) for _ in range(count)]
    session.commit()
    assert sweep_at(engine, config).queued == count
    return made


@pytest.fixture
def at_now(clock: SimulatedClock) -> SimulatedClock:
    clock.set(NOW)
    return clock


def test_grouped_only_when_every_adapter_deduplicates(engine: Engine, config: RelanceConfig) -> None:
    from relance.core.clock import SystemClock

    assert dispatcher(engine, config, SystemClock(), keyed()).grouped
    mixed = {"sms": KeyedRecordingChannel(name="sms"), "telegram": RecordingChannel(name="telegram")}
    assert not dispatcher(engine, config, SystemClock(), mixed).grouped


async def test_a_batch_is_sent_and_recorded_as_one_by_one(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = queue(engine, session, config, 6)
    # one case disputed after queuing: cancelled at send time, in the same batch as the sends
    session.add(Dispute(case_id=made[2].id, reason_text="not mine", opened_at=NOW))  # type: ignore[arg-type]
    session.commit()
    channels = keyed()
    report = await dispatcher(engine, config, at_now, channels, batch=50).drain()
    assert report.outcomes == {"sent": 5, "cancelled": 1}
    rows = outbox(engine)
    by_provider = {r.provider_id: r for r in rows if r.status == "sent"}
    assert {s.provider_id for s in channels["sms"].sent} == set(by_provider)
    for sent in channels["sms"].sent:
        row = by_provider[sent.provider_id]
        assert (row.body, row.sent_at, row.to_address) == (sent.text, NOW, sent.to)
    assert len(events(engine, "message_sent")) == 5 and len(events(engine, "message_cancelled")) == 1
    with Session(engine) as s:
        for c in made:
            current = s.get(Case, c.id)
            assert current is not None and current.next_check_at is None  # woken for the next sweep
            sent_here = c.id != made[2].id
            assert (current.last_reminder_at == NOW) is sent_here
            assert verify_chain([event_to_dict(e) for e in case_events(s, c.id)]) == []  # type: ignore[arg-type]


async def test_a_permanent_failure_in_a_batch_fails_and_flags(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queue(engine, session, config, 3)
    channels = keyed()
    channels["sms"].fail_next(PermanentChannelError("unreachable", code="30003"))
    report = await dispatcher(engine, config, at_now, channels, batch=50).drain()
    assert report.outcomes == {"sent": 2, "failed": 1}
    assert sorted(r.status for r in outbox(engine)) == ["failed", "sent", "sent"]
    with Session(engine) as s:
        assert s.execute(sa.select(Flag.reason)).scalars().all() == ["delivery_failed"]  # type: ignore[call-overload]


async def test_a_crash_before_the_commit_loses_nothing_and_sends_nothing_twice(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queue(engine, session, config, 8)
    lease = timedelta(minutes=10)
    channel = _CrashingChannel(name="sms")
    channel.crash_after = 5
    channels = {"sms": channel, "telegram": KeyedRecordingChannel(name="telegram")}
    first = dispatcher(engine, config, at_now, channels, batch=50, lease=lease, worker="first")
    with pytest.raises(_Crash):
        await first.drain()
    # nothing recorded: the five accepted messages are still claimed by the dead worker
    assert sorted(r.status for r in outbox(engine)) == ["sending"] * 8
    assert events(engine, "message_sent") == []
    at_now.advance(lease + timedelta(seconds=1))
    second = dispatcher(engine, config, at_now, channels, batch=50, lease=lease, worker="second")
    assert (await second.drain()).outcomes == {"sent": 8}
    assert len(channel.sent) == 8  # the resent five were deduplicated by key
    rows = outbox(engine)
    assert [r.status for r in rows] == ["sent"] * 8
    assert {r.provider_id for r in rows} == {s.provider_id for s in channel.sent}
    assert len(events(engine, "message_sent")) == 8


async def test_the_late_worker_of_a_batch_is_fenced(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queue(engine, session, config, 2)
    with Session(engine) as s:
        mine = outbox_store.claim(s, worker="dead", now=NOW, lease=timedelta(minutes=10), limit=10)
        s.commit()
    at_now.advance(timedelta(minutes=11))
    assert (await dispatcher(engine, config, at_now, keyed()).drain()).outcomes == {"sent": 2}
    late = [outbox_store.Sent(m, NOW, "late", "sms", "+33600000000", "x", True, True) for m in mine]
    with Session(engine) as s:
        assert outbox_store.mark_sent_many(s, late, worker="dead") == [False, False]
        s.commit()
    assert "late" not in {r.provider_id for r in outbox(engine)}
    assert len(events(engine, "message_sent")) == 2


async def test_concurrent_batches_of_one_dispatcher_keep_their_own_outcomes(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    import asyncio

    queue(engine, session, config, 6)
    channels = keyed()
    worker = dispatcher(engine, config, at_now, channels, batch=3)
    reports = await asyncio.gather(worker.run_once(), worker.run_once())
    assert sorted(r.claimed for r in reports) == [3, 3]
    assert all(r.outcomes == {"sent": 3} for r in reports)
    assert [r.status for r in outbox(engine)] == ["sent"] * 6
    assert len(events(engine, "message_sent")) == 6 and len(channels["sms"].sent) == 6
