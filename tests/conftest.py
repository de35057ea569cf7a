"""Shared fixtures: fresh, migrated databases on SQLite and PostgreSQL, a runtime on a simulated clock.

Every test gets its own database: SQLite files are copied from a template migrated once per run;
PostgreSQL gets a schema of its own (dropped afterwards), so parallel runs never collide. Tests that
need PostgreSQL skip with a visible reason only when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.db import ensure_schema, make_engine
from relance.core.runtime import Runtime, open_runtime

PG_ADMIN_URL = os.environ.get("RELANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


def pg_unavailable_reason() -> str | None:
    """None when the PostgreSQL test server answers, else why not (cached)."""
    if "reason" not in _pg_state:
        try:
            engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means: no server here
            _pg_state["reason"] = f"no PostgreSQL server at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return _pg_state["reason"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "relance.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections live in a fresh, migrated schema of the test database."""
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.engine.make_url(PG_ADMIN_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    ensure_schema(engine)
    engine.dispose()
    try:
        yield rendered
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database URL, once per backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def config() -> RelanceConfig:
    return RelanceConfig()


@pytest.fixture
def runtime(engine: Engine, clock: SimulatedClock, config: RelanceConfig, db_url: str) -> Runtime:
    """A runtime on the fresh database of `engine`, with a simulated clock and default config."""
    settings = Settings(database_url=db_url, config=Path("/nonexistent/relance.toml"))
    return open_runtime(settings, config=config, clock=clock, engine=engine)
