"""Shared fixtures: fresh, migrated databases on SQLite and PostgreSQL, a runtime on a simulated clock.

Every test gets its own database: SQLite files are copied from a template migrated once per run;
PostgreSQL gets a schema of its own (made ahead and dropped afterwards, on a thread of its own while
the tests run), so parallel runs never collide. Tests that need PostgreSQL skip with a visible reason
only when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
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


def _schema_url(schema: str) -> str:
    url = sa.engine.make_url(PG_ADMIN_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _new_schema(admin: Engine) -> str:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    return schema


def _fingerprint(admin: Engine, schema: str) -> list[tuple[object, ...]]:
    """What a schema holds: relations and their columns, indexes, constraints, and the Alembic stamp."""
    where = {"s": schema}
    queries = [
        """SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
           WHERE n.nspname = :s""",
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :s",
        """SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = :s""",
        f'SELECT version_num FROM "{schema}".alembic_version',
    ]
    with admin.connect() as conn:
        rows = [tuple(row) for query in queries for row in conn.execute(sa.text(query), where)]
    return sorted(tuple(str(v).replace(schema, "<schema>") for v in row) for row in rows)


class _Schemas:
    """Fresh migrated PostgreSQL schemas, one per test, made ahead and dropped on a thread of their own.

    Migrating a schema (~0.7 s) and dropping it (~0.4 s) was most of a PostgreSQL test's set-up and
    tear-down. The first schema is migrated by Alembic itself, its statements recorded; the others replay
    them on a fresh schema (the second is checked to hold exactly what the first does), on a thread that
    keeps one schema ready ahead and drops the used ones while the tests run.
    """

    def __init__(self) -> None:
        self.admin = sa.create_engine(PG_ADMIN_URL)
        self.script: list[tuple[str, object]] = []
        self.ready: queue.Queue[str | BaseException] = queue.Queue()
        self.work: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self.errors: list[str] = []
        self.thread: threading.Thread | None = None

    def _migrate_recording(self) -> str:
        schema = _new_schema(self.admin)

        def record(conn: object, cursor: object, statement: str, parameters: object, *args: object) -> None:
            self.script.append((statement, parameters))

        engine = make_engine(_schema_url(schema))
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            ensure_schema(engine)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
            engine.dispose()
        return schema

    def _replay(self) -> str:
        schema = _new_schema(self.admin)
        engine = sa.create_engine(_schema_url(schema), poolclass=sa.pool.NullPool)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in self.script:
                cursor.execute(statement, parameters)
            raw.commit()
        finally:
            raw.close()
            engine.dispose()
        return schema

    def _drop(self, schema: str) -> None:
        try:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        except Exception as exc:  # reported when the run ends
            self.errors.append(f"{schema}: {exc}")

    def _run(self) -> None:
        while (job := self.work.get()) is not None:
            what, schema = job
            if what == "drop":
                self._drop(schema)
                continue
            try:
                self.ready.put(self._replay())
            except BaseException as exc:  # the test that waits for it fails with it
                self.ready.put(exc)

    def take(self) -> str:
        if self.thread is None:
            first = self._migrate_recording()
            second = self._replay()
            assert _fingerprint(self.admin, second) == _fingerprint(self.admin, first)
            self.ready.put(second)
            self.thread = threading.Thread(target=self._run, name="test-schemas", daemon=True)
            self.thread.start()
            return first
        self.work.put(("make", ""))
        got = self.ready.get()
        if isinstance(got, BaseException):
            raise got
        return got

    def give_back(self, schema: str) -> None:
        self.work.put(("drop", schema))

    def close(self) -> list[str]:
        if self.thread is not None:
            self.work.put(None)
            self.thread.join()
            while not self.ready.empty():
                if isinstance(left := self.ready.get(), str):
                    self._drop(left)
        self.admin.dispose()
        return self.errors


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[_Schemas]:
    schemas = _Schemas()
    yield schemas
    errors = schemas.close()
    assert not errors, f"test schemas not dropped: {errors}"


@pytest.fixture
def pg_url(_pg_schemas: _Schemas) -> Iterator[str]:
    """A URL whose connections live in a fresh, migrated schema of the test database."""
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    schema = _pg_schemas.take()
    try:
        yield _schema_url(schema)
    finally:
        _pg_schemas.give_back(schema)


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
