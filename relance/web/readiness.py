"""Readiness (`/readyz`): can this process do its work now? Each check says why not.

- database: writable (a row inserted and rolled back: a read-only file or a read-only PostgreSQL
  answers here, not at the first login or webhook);
- migrations: the schema is at this code's head revision;
- scheduler: this process's sweep is leader or stand-by (or it runs none: a web-only process);
- channels: at least one is configured, and the Telegram bot is started when Telegram is on.
`/healthz` stays what it was: the process is up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from relance.core.db import current_revision, head_revision

PROBE_TIMEOUT_MS = 2000


@dataclass(frozen=True)
class Check:
    """One readiness check: passed or not, and what it found."""

    ok: bool
    detail: str


def database_writable(engine: Engine) -> Check:
    """Insert a row and roll it back, waiting at most `PROBE_TIMEOUT_MS` for a lock."""
    probe = sa.table("appstate", sa.column("key"), sa.column("value"), sa.column("updated_at"))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA busy_timeout={PROBE_TIMEOUT_MS}")
            else:
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {PROBE_TIMEOUT_MS}")
            try:
                conn.execute(
                    sa.insert(probe).values(key=f"readyz:{uuid.uuid4().hex[:16]}", value="", updated_at=sa.func.now())
                )
            finally:
                conn.rollback()
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA busy_timeout=30000")
    except sa.exc.SQLAlchemyError as exc:
        return Check(False, f"the database refuses writes: {_short(exc)}")
    return Check(True, "writable")


def migrations_current(engine: Engine) -> Check:
    try:
        current, head = current_revision(engine), head_revision()
    except sa.exc.SQLAlchemyError as exc:
        return Check(False, f"cannot read the schema revision: {_short(exc)}")
    if current != head:
        return Check(False, f"the schema is at revision {current}, this code needs {head}: run `relance db upgrade`")
    return Check(True, f"at head {head}")


def scheduler_state(background: Any) -> Check:
    """`background` is the process's `scheduler.runner.Background`, or None when it runs no scheduler."""
    if background is None:
        return Check(True, "no scheduler in this process")
    if not background.scheduler.running:
        return Check(False, "the scheduler is not running")
    leader = background.leader
    if leader is None:
        return Check(True, "dispatcher only")
    return Check(True, "leader" if leader.held else "stand-by (another process leads the sweep)")


def channels_ready(channels: dict[str, Any], telegram: Any) -> Check:
    if not channels:
        return Check(False, "no channel is configured")
    if telegram is not None and not telegram.ready:
        return Check(False, "the Telegram bot is not started yet (getMe / webhook registration pending)")
    return Check(True, ", ".join(sorted(channels)))


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return text[:200]
