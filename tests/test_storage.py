"""The data model on SQLite and PostgreSQL: money, instants, constraints, migrations, the event log."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, SQLModel

from relance.core.db import alembic_config, current_revision, ensure_schema, head_in_files, head_revision, make_engine
from relance.core.errors import StorageError
from relance.core.events import GENESIS, case_events, event_to_dict, record_event, verify_chain
from relance.core.models import Author, Direction, Event, Message, MessageStatus, Payment
from tests.factories import case_with_debt

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def test_money_round_trips_exactly(session: Session) -> None:
    case = case_with_debt(session, amount="1234567.89")
    big = Decimal("9999999999.9999")
    session.add(Payment(case_id=case.id, amount=big, currency="EUR", paid_on=AT.date(), created_at=AT))
    session.commit()
    session.expire_all()
    stored = session.execute(sa.select(Payment.amount)).scalar_one()
    assert stored == big and isinstance(stored, Decimal)
    assert session.get(type(case), case.id).balance == Decimal("1234567.89")


def test_instants_are_aware_utc_and_naive_ones_refused(session: Session) -> None:
    case = case_with_debt(session)
    paris = timezone(timedelta(hours=1))
    case.last_reminder_at = datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=paris)
    session.add(case)
    session.commit()
    session.expire_all()
    loaded = session.get(type(case), case.id)
    assert loaded.last_reminder_at == AT
    assert loaded.last_reminder_at.tzinfo is not None and loaded.last_reminder_at.utcoffset() == timedelta(0)
    loaded.last_reminder_at = datetime(2026, 11, 23, 9, 30)
    session.add(loaded)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.flush()


def test_idempotency_key_is_unique(session: Session) -> None:
    case = case_with_debt(session)

    def msg() -> Message:
        return Message(
            case_id=case.id,
            direction=Direction.OUT,
            channel="sms",
            author=Author.BOT,
            body="Bonjour",
            status=MessageStatus.QUEUED,
            idempotency_key=f"reminder:{case.id}:1",
            created_at=AT,
        )

    session.add(msg())
    session.commit()
    session.add(msg())
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_event_log_is_append_only(session: Session) -> None:
    case = case_with_debt(session)
    record_event(session, case_id=case.id, kind="note", actor="system", at=AT, data={"x": Decimal("1.50")})
    session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.update(Event).values(kind="forged"))
    session.rollback()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.delete(Event))
    session.rollback()
    assert session.execute(sa.select(sa.func.count(Event.id))).scalar_one() == 1


def test_hash_chain_verifies_and_shows_tampering(session: Session) -> None:
    case = case_with_debt(session)
    for i in range(4):
        record_event(
            session, case_id=case.id, kind=f"step{i}", actor="bot", at=AT + timedelta(minutes=i), data={"i": i}
        )
    session.commit()
    exported = [event_to_dict(e) for e in case_events(session, case.id)]
    assert exported[0]["prev_hash"] == GENESIS
    assert verify_chain(exported) == []
    altered = [dict(e) for e in exported]
    altered[1]["data"] = {"i": 99}
    problems = verify_chain(altered)
    assert any("event 1" in p and "altered" in p for p in problems)
    removed = exported[:1] + exported[2:]
    assert any("chain broken" in p for p in verify_chain(removed))


def test_chain_fork_is_refused(session: Session) -> None:
    case = case_with_debt(session)
    first = record_event(session, case_id=case.id, kind="a", actor="bot", at=AT)
    session.commit()
    session.add(
        Event(case_id=case.id, at=AT, actor="x", kind="fork", data={}, prev_hash=first.prev_hash, hash="f" * 64)
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_migrations_go_down_and_up(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    with engine.connect() as conn:
        assert "cases" not in sa.inspect(conn).get_table_names()
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_fresh_sqlite_database_gets_wal_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with Session(engine) as session:
        session.add(Payment(case_id=424242, amount=Decimal(1), currency="EUR", paid_on=AT.date(), created_at=AT))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert head_in_files() == head_revision()


def test_a_database_at_head_is_checked_without_importing_alembic(tmp_path) -> None:
    """Every command checks the schema at start-up: an up-to-date one costs no Alembic import."""
    url = f"sqlite:///{tmp_path / 'current.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    engine.dispose()
    script = (
        "import sys\n"
        "from relance.core.db import ensure_schema, make_engine\n"
        f"ensure_schema(make_engine({url!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    engine = make_engine(url)
    command.downgrade(alembic_config(engine), "-1")  # one revision behind: upgraded again
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_database_newer_than_code_is_refused(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'future.db'}")
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_future'")
    with pytest.raises(StorageError, match="unknown to this version"):
        ensure_schema(engine)


def test_the_migrations_build_exactly_the_indexes_the_models_declare(db_url: str) -> None:
    # the schema comes only from the migrations: an index a model declares and no migration creates
    # (or one a migration left behind that no model declares) would make the two disagree silently
    engine = make_engine(db_url)
    ensure_schema(engine)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table in SQLModel.metadata.sorted_tables:
            declared = {index.name for index in table.indexes}
            built = {index["name"] for index in inspector.get_indexes(table.name)}
            unique_constraints = {c["name"] for c in inspector.get_unique_constraints(table.name)}
            assert built - unique_constraints == declared, table.name
        # partial indexes (migration 0008) are partial in the database too, and only they are
        assert _partial_indexes_built(conn) == _partial_indexes_declared(conn.dialect.name)
    engine.dispose()


def _partial_indexes_declared(dialect: str) -> set[str]:
    return {
        index.name
        for table in SQLModel.metadata.sorted_tables
        for index in table.indexes
        if index.dialect_options[dialect].get("where") is not None and index.name is not None
    }


def _partial_indexes_built(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    else:
        rows = conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
    return {name for name, sql in rows if " WHERE " in sql.upper()}


def test_the_inbound_lookups_use_their_partial_indexes(sqlite_engine: sa.Engine) -> None:
    # the rate limit and the duplicate check read partial indexes (migration 0008): the query must
    # keep the term that implies the index's condition, or SQLite falls back to scanning every message
    from bot.inbound import _RECENT, _SEEN

    with sqlite_engine.connect() as conn:
        for sql, params, index in (
            (_RECENT, ("+33612345678", "sms", "2026-01-01 00:00:00.000000"), "ix_message_from_address"),
            (_SEEN, ("SM123", "sms"), "ix_message_provider_id"),
        ):
            plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
            assert f"USING INDEX {index}" in plan, (sql, plan)
