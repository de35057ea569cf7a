"""The runtime: settings, configuration, database engine and clock, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.clock import Clock, SystemClock
from relance.core.config import RelanceConfig, Settings, load_config, load_settings
from relance.core.db import engine_for, ensure_schema
from relance.core.models import Creditor


@dataclass
class Runtime:
    """What every entry point (CLI, web app, scheduler, worker, simulation) works with."""

    settings: Settings
    config: RelanceConfig
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    def session(self) -> Session:
        """A plain session (caller commits)."""
        return Session(self.engine, expire_on_commit=False)

    def now(self) -> datetime:
        return self.clock.now()


def open_runtime(
    settings: Settings | None = None,
    *,
    config: RelanceConfig | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    upgrade: bool = True,
) -> Runtime:
    """Build the runtime; by default bring the database schema up to date first."""
    settings = settings or load_settings()
    config = config or load_config(settings.config)
    engine = engine or engine_for(settings.database_url)
    if upgrade:
        ensure_schema(engine)
    runtime = Runtime(settings=settings, config=config, engine=engine, clock=clock or SystemClock())
    if upgrade:
        sync_creditors(runtime)
    return runtime


def sync_creditors(runtime: Runtime) -> dict[str, int]:
    """Make sure every configured creditor has its row; returns key -> id.

    Core statements, not the ORM: every command runs this at start-up, and the ORM's first query
    configures every mapper, which a command such as `relance import` never needs.
    """
    table: sa.Table = Creditor.__table__  # type: ignore[attr-defined]
    with runtime.engine.begin() as conn:
        existing = {
            key: (id_, name) for id_, key, name in conn.execute(sa.select(table.c.id, table.c.key, table.c.name))
        }
        for creditor in runtime.config.creditors:
            found = existing.get(creditor.key)
            if found is None:
                insert = sa.insert(table).values(key=creditor.key, name=creditor.name, created_at=runtime.now())
                existing[creditor.key] = (conn.execute(insert.returning(table.c.id)).scalar_one(), creditor.name)
            elif found[1] != creditor.name:
                conn.execute(sa.update(table).where(table.c.id == found[0]).values(name=creditor.name))
        return {key: id_ for key, (id_, _) in existing.items()}
