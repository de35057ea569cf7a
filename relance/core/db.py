"""Engines, sessions and schema upgrades.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout so that the web app, the
scheduler and a dispatcher can share one file); PostgreSQL (`postgresql+psycopg://`) is the
scale-out store. The schema is managed only by the Alembic migrations shipped in
`relance/core/migrations`; nothing calls `create_all`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


IN_CHUNK = 500  # values per `IN (...)` list: well below every driver's bound-parameter limit
_T = TypeVar("_T")


def in_chunks(values: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    """`values` in slices of at most `size`, for queries that filter with `IN (...)`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_json_list(column: Any, name: str) -> Any:
    """`column IN` the values of a JSON array bound as the one parameter `name` (SQLite's `json_each`).

    SQLAlchemy expands an `IN` list into a parameter per value on every execution; a long list (a
    dispatcher's batch, a sweep's cases) bound as one JSON text is read by SQLite itself.
    """
    listed = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str, **kw: Any) -> Engine:
    """A new engine for `url` with the pragmas/options Relance relies on."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kw)


_SHARED_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One shared engine per URL for the process."""
    engine = _SHARED_ENGINES.get(url)
    if engine is None:
        engine = _SHARED_ENGINES[url] = make_engine(url)
    return engine


def dispose_shared_engines() -> None:
    """Close the connections of every engine `engine_for` made (on SQLite the last close of a file
    checkpoints its write-ahead log into the database file and removes the log)."""
    for engine in _SHARED_ENGINES.values():
        engine.dispose()


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent)."""
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except sa.exc.OperationalError as exc:
        raise StorageError(f"cannot upgrade {engine.url.render_as_string()}: {exc.orig}") from exc


def ensure_schema(engine: Engine) -> None:
    """Upgrade a fresh or older database; refuse one that is newer than this code.

    A database already at the head revision is recognised without Alembic (`_at_head`): importing
    it costs more than the rest of a command's start-up checks together.
    """
    if _at_head(engine):
        return
    from alembic.script import ScriptDirectory

    try:
        current = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise StorageError(f"cannot open database {engine.url.render_as_string()}: {exc.orig}") from exc
    if current is None:  # a fresh database
        upgrade(engine)
        return
    script = ScriptDirectory.from_config(alembic_config(engine))  # reads every migration file: once
    if current == script.get_current_head():
        return
    if not _known_revision(script, current):
        raise StorageError(
            f"the database is at revision {current}, unknown to this version of Relance: upgrade Relance"
        )
    upgrade(engine)


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _at_head(engine: Engine) -> bool:
    """Whether the database is stamped with exactly the head revision of the shipped migrations.

    False whenever in doubt (no version table, an error, several heads in the files): the caller
    then asks Alembic.
    """
    head = head_in_files()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return False
            stamped = [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    except sa.exc.SQLAlchemyError:
        return False
    return stamped == [head]


_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"'\n]+)[\"']\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"'\n]+)[\"']")


@cache
def head_in_files() -> str | None:
    """`head_revision()` read from the migration files' `revision` and `down_revision` lines
    (without importing Alembic); None unless there is exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if not revision and not down:
            continue  # not a migration (__init__.py)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.update(_QUOTED.findall(down[0]))  # None, "0005", or a merge's ("0005", "0004b")
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
