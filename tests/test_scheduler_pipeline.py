"""Properties of the whole pipeline (real sweep + real dispatcher + SQLite) over random runs.

Random debtors (zones of Paris, New York, Los Angeles, several at once), due dates, instants around
the 2026 DST changes, debtors writing at random moments, sweeps and dispatches at random intervals:
nothing is ever sent outside the debtor's window, and the caps hold for every case.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig
from relance.core.db import make_engine
from relance.core.models import Case, Debtor, Message
from scheduler.caps import REMINDER_KINDS, ROLLING
from scheduler.contact_window import contact_window
from scheduler.sweep import sweep
from tests import factories
from tests.conftest_scheduler import dispatcher, recording

PROFILES = [
    ("FR", "Europe/Paris"),
    ("US", "America/New_York"),
    ("US", "America/Los_Angeles"),
    ("US", "America/New_York America/Los_Angeles"),
    ("GB", "Europe/London"),
]
DST_DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
CONFIG = RelanceConfig()


@st.composite
def runs(draw: st.DrawFn) -> dict[str, object]:
    start = datetime.combine(draw(st.sampled_from(DST_DAYS)), time(0), tzinfo=UTC) - timedelta(days=2)
    start += timedelta(minutes=draw(st.integers(0, 24 * 60)))
    debtors = draw(st.lists(st.tuples(st.sampled_from(PROFILES), st.integers(-40, 2)), min_size=2, max_size=5))
    steps = draw(st.lists(st.tuples(st.integers(1, 20 * 60), st.booleans()), min_size=20, max_size=50))
    return {"start": start, "debtors": debtors, "steps": steps}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=runs())
def test_nothing_outside_the_window_and_caps_hold(
    run: dict[str, object], sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    start: datetime = run["start"]  # type: ignore[assignment]
    clock = SimulatedClock(start)
    wrote: dict[int, list[datetime]] = {}
    with Session(engine) as session:
        for (country, zones), offset in run["debtors"]:  # type: ignore[attr-defined]
            made = factories.case_with_debt(
                session, country=country, timezones=zones, due=start.date() + timedelta(days=offset)
            )
            wrote[made.id] = []  # type: ignore[index]
        session.commit()
    channels = recording()
    worker = dispatcher(engine, CONFIG, clock, channels)
    for gap, debtor_writes in run["steps"]:  # type: ignore[attr-defined]
        clock.advance(timedelta(minutes=gap))
        if debtor_writes:
            case_id = sorted(wrote)[gap % len(wrote)]
            wrote[case_id].append(clock.now())
            with engine.begin() as conn:
                conn.execute(sa.update(Case).where(Case.id == case_id).values(last_inbound_at=clock.now()))
        sweep(engine, config=CONFIG, now=clock.now())
        asyncio.run(worker.drain())
    _check(engine, wrote)
    engine.dispose()


def _check(engine: Engine, wrote: dict[int, list[datetime]]) -> None:
    query = (
        sa.select(Message, Debtor)
        .join(Debtor, Debtor.id == Message.debtor_id)  # type: ignore[arg-type]
        .where(Message.status == "sent")  # type: ignore[arg-type]
    )
    sent = []
    with Session(engine) as session:
        for message, debtor in session.execute(query.order_by(Message.sent_at)):  # type: ignore[arg-type]
            window = contact_window(
                CONFIG.creditor(), CONFIG.contact, country=debtor.country, timezones=debtor.timezones
            )
            assert window.is_allowed(message.sent_at), (message.kind, message.sent_at, debtor.timezones)
            sent.append(message)
    event(f"messages sent: {min(len(sent), 6)}")
    for case_id, inbound in wrote.items():
        times = [m.sent_at for m in sent if m.case_id == case_id and m.kind in REMINDER_KINDS]
        for a, b in itertools.pairwise(times):
            assert b - a >= timedelta(hours=48)
        for i in range(len(times) - 3):
            assert times[i + 3] - times[i] >= ROLLING
        for t in times:
            assert not any(w <= t < w + timedelta(hours=72) for w in inbound)
        steps = [m.step for m in sent if m.case_id == case_id and m.kind == "reminder"]
        assert steps == sorted(set(steps))
