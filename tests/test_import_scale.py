"""The streamed importer: one pass, fast paths that answer as the slow ones, issue 12/15/18 rules."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest
import sqlalchemy as sa
from phonenumbers import PhoneNumberType
from sqlmodel import Session, col
from typer.testing import CliRunner

from relance.cli import app
from relance.core import importer
from relance.core.errors import ImportRowsError
from relance.core.events import (
    NewEvent,
    _BulkEncoder,
    _hash_and_data,
    case_events,
    event_hash,
    event_to_dict,
    jsonable,
    verify_chain,
)
from relance.core.importer import import_debts, parse_date, parse_debt_row
from relance.core.models import Case, Debt, Debtor, Event, OptOut
from relance.core.phones import _international, _parsed
from relance.core.runtime import Runtime
from tests.test_import import HEADER, NOW, counts, row, write_csv

# --------------------------------------------------------------------------- fast paths


def _example_numbers() -> list[str]:
    """Every example number of every region and type, in two spellings, plus random neighbours."""
    rng = random.Random(17)
    raws = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
                     PhoneNumberType.PREMIUM_RATE, PhoneNumberType.VOIP, PhoneNumberType.UAN):  # fmt: skip
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            raws += [e164, phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)]
            for _ in range(3):
                keep = rng.randrange(2, len(e164))
                tail = "".join(rng.choice("0123456789") for _ in range(rng.randrange(0, len(e164) - keep + 3)))
                raws.append(e164[:keep] + tail)
    return raws


def test_fast_phone_path_answers_as_phonenumbers() -> None:
    answered = 0
    for raw in _example_numbers():
        fast = _international(raw)
        if fast is None:
            continue  # the full parser decides
        answered += 1
        assert fast == _parsed(raw, None), raw
    assert answered > 1500  # the fast path takes the common case, not a handful


@pytest.mark.parametrize("raw", ["+39 06 6982 1234", "+33 (0)6 12 34 56 78", "+33612345678 ext. 12", "0612345678"])
def test_other_spellings_go_to_the_parser(raw: str) -> None:
    assert _international(raw) is None
    assert importer.normalise_phone(raw, "FR") == _parsed(raw, "FR")


def test_event_hash_written_by_hand_matches_event_hash() -> None:
    at = datetime(2026, 3, 29, 1, 30, 0, 5, tzinfo=UTC)
    cases = [
        NewEvent(case_id=7, kind="debt_imported", actor="import", at=at,
                 data={"reference": "Ré-1 \"q\"", "amount": Decimal("12.50"), "due_date": date(2026, 1, 2)}),
        NewEvent(case_id=123456, kind="k", actor="agent", at=at, data={"nested": {"b": [1, None, 2.5], "a": "€\n"}},
                 actor_id="agé-\"1\u2028"),
        NewEvent(case_id=1, kind="case_opened", actor="import", at=at, data={}),
    ]  # fmt: skip
    bulk = _BulkEncoder()
    for e in cases + cases:  # the second time through, the bulk encoder reuses what it encoded
        digest, data = _hash_and_data(e, "ab" * 32)
        expected = event_hash(case_id=e.case_id, at=e.at, actor=e.actor, actor_id=e.actor_id, kind=e.kind,
                              data=e.data, prev_hash="ab" * 32)  # fmt: skip
        assert digest == expected and json.loads(data) == jsonable(e.data)
        assert bulk(e, "ab" * 32) == (digest, data)


def test_dates_say_when_the_day_does_not_exist() -> None:
    assert parse_date("29/02/2028") == date(2028, 2, 29)
    with pytest.raises(ValueError, match="day 30 does not exist in 2026-02"):
        parse_date("2026-02-30")
    with pytest.raises(ValueError, match="day 31 does not exist in 2026-04"):
        parse_date("31/04/2026")
    with pytest.raises(ValueError, match="there is no month 13"):
        parse_date("2026-13-01")
    with pytest.raises(ValueError, match=r"not a date \(YYYY-MM-DD or DD/MM/YYYY\)"):
        parse_date("next friday")


# --------------------------------------------------------------------------- one pass, all or nothing


def test_a_reference_repeated_in_a_later_batch_is_found_and_nothing_is_stored(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 3)  # the repeat lands batches after the first occurrence
    rows = [row(reference=f"R-{i}", debtor_ref=f"D{i % 4}", phone=f"+3361234{i:04d}") for i in range(10)]
    rows.append(row(reference="R-1", debtor_ref="D1", phone="+33612340001"))  # line 12 repeats line 3
    rows.append(row(reference="R-2", debtor_ref="D9", phone="+33612349999"))  # line 13 repeats line 4
    path = write_csv(tmp_path / "rep.csv", rows)
    with runtime.session() as session:
        before = counts(session)
        with pytest.raises(ImportRowsError) as info:
            import_debts(session, path, runtime.config, now=NOW)
        session.commit()  # even a caller that commits stores nothing: the import rolled back
        assert counts(session) == before
    assert [str(p) for p in info.value.problems] == [
        "line 12, field reference: 'R-1' already on line 3 for the same debtor",
        "line 13, field reference: 'R-2' already on line 4 for another debtor",
    ]
    with runtime.session() as session:
        report = import_debts(session, path, runtime.config, now=NOW, skip_invalid=True)
        session.commit()
        assert (report.debts_created, len(report.skipped), report.imported_rows) == (10, 2, 10)
        for case in session.execute(sa.select(Case)).scalars():
            debts = session.execute(sa.select(Debt).where(Debt.case_id == case.id)).scalars().all()
            assert case.balance == sum(d.amount for d in debts)
            assert case.due_date == min(d.due_date for d in debts)
            assert verify_chain([event_to_dict(e) for e in case_events(session, case.id)]) == []


def test_a_debtor_spread_over_batches_gets_one_case_with_right_totals(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 2)
    rows = [row(reference=f"S-{i}", debtor_ref="D1", amount=f"{10 * (i + 1)}", due_date=f"2026-10-{10 - i:02d}")
            for i in range(5)]  # fmt: skip
    with runtime.session() as session:
        report = import_debts(session, write_csv(tmp_path / "s.csv", rows), runtime.config, now=NOW)
        session.commit()
        case = session.execute(sa.select(Case)).scalar_one()
        assert (report.cases_created, case.balance, case.due_date) == (1, Decimal("150.00"), date(2026, 10, 6))
        kinds = [e.kind for e in case_events(session, case.id)]
        assert kinds == ["case_opened"] + ["debt_imported"] * 5


def _index_definitions(session: Session) -> list[tuple[str, ...]]:
    """Every index of the database with its definition, as the database itself states it."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        sql = "SELECT name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name"
    else:
        sql = "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
    return [tuple(r) for r in conn.exec_driver_sql(sql)]


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements SQLite runs on the session's connection meanwhile (none on PostgreSQL)."""
    seen: list[str] = []
    raw = session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        raw.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        if isinstance(raw, sqlite3.Connection):
            raw.set_trace_callback(None)


def _portfolio(count: int, prefix: str = "B") -> list[dict[str, str]]:
    return [row(reference=f"{prefix}-{i}", debtor_ref=f"{prefix}D{i % 6}", phone=f"+3361234{i % 6:04d}",
                amount=f"{(i * 37) % 900 + 10}.{i % 100:02d}", due_date=f"2026-10-{1 + i % 28:02d}",
                email=f"{prefix.lower()}{i % 6}@example.com", debtor_name=f"Nom {(i * 7) % 13}")
            for i in range(count)]  # fmt: skip


def test_a_large_import_builds_its_deferred_indexes_back(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "DEFER_FROM_ROWS", 2)  # these few rows count as a large file
    monkeypatch.setattr(importer, "BATCH", 5)
    path = write_csv(tmp_path / "big.csv", _portfolio(23))
    with runtime.session() as session:
        before = _index_definitions(session)
        with _statements(session) as statements:
            report = import_debts(session, path, runtime.config, now=NOW)
        session.commit()
        assert (report.debts_created, report.cases_created) == (23, 6)
        assert _index_definitions(session) == before
        if runtime.engine.dialect.name == "sqlite":
            dropped = {s.split('"')[1] for s in statements if s.startswith("DROP INDEX")}
            assert dropped == {name for names in importer.DEFERRED_INDEXES.values() for name in names}
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        by_amount = session.execute(
            sa.select(col(Debt.reference)).where(col(Debt.currency) == "EUR", col(Debt.amount) == Decimal("47.01"))
        )
        assert by_amount.scalars().all() == ["B-1"]  # read through ix_debt_currency_totals on SQLite


def test_a_refused_large_import_leaves_indexes_and_rows_as_they_were(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "DEFER_FROM_ROWS", 2)
    monkeypatch.setattr(importer, "BATCH", 5)
    path = write_csv(tmp_path / "bad.csv", [*_portfolio(17), row(reference="Z-1", amount="-3")])
    with runtime.session() as session:
        before, rows_before = _index_definitions(session), counts(session)
    with runtime.session() as session:  # the import's statements are the first of the session
        with _statements(session) as statements, pytest.raises(ImportRowsError):
            import_debts(session, path, runtime.config, now=NOW)
        session.commit()  # even a caller that commits keeps nothing, the dropped indexes are back
        if runtime.engine.dialect.name == "sqlite":
            assert any(s.startswith("DROP INDEX") for s in statements)
    with runtime.session() as session:
        assert (_index_definitions(session), counts(session)) == (before, rows_before)


def test_a_database_larger_than_the_file_keeps_its_indexes(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL never drops an index during an import")
    monkeypatch.setattr(importer, "DEFER_FROM_ROWS", 2)
    with runtime.session() as session:
        import_debts(session, write_csv(tmp_path / "a.csv", _portfolio(40)), runtime.config, now=NOW)
        session.commit()
        with _statements(session) as statements:
            report = import_debts(session, write_csv(tmp_path / "b.csv", _portfolio(4, "C")), runtime.config, now=NOW)
        session.commit()
    assert report.debts_created == 4
    assert [s for s in statements if "INDEX" in s] == []  # 6 debtors, cases, 40 debts, 46 events: more than 4 rows


def test_the_row_estimate_reads_only_the_start_of_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "many.csv", _portfolio(9_000))
    assert 8_500 < importer._estimated_rows(path) < 9_500
    assert importer._estimated_rows(write_csv(tmp_path / "few.csv", _portfolio(3))) == 4  # the header counts
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert importer._estimated_rows(empty) == 0


# --------------------------------------------------------------------------- contacts (issues 15, 18)


def test_changed_contact_details_update_the_debtor_with_an_event(runtime: Runtime, tmp_path: Path) -> None:
    first = [row(reference="C-1", debtor_ref="D1", email="old@example.com", address="1 rue A")]
    with runtime.session() as session:
        import_debts(session, write_csv(tmp_path / "a.csv", first), runtime.config, now=NOW)
        session.add(OptOut(channel="sms", address="+33698765432", source="keyword", created_at=NOW))
        session.commit()
        again = [
            row(reference="C-1", debtor_ref="D1", phone="+33 6 98 76 54 32", email="new@example.com", address=""),
            row(reference="C-2", debtor_ref="D1", phone="+33 6 11 11 11 11"),  # a later row: the first one wins
        ]
        report = import_debts(session, write_csv(tmp_path / "b.csv", again), runtime.config, now=NOW)
        session.commit()
        debtor = session.execute(sa.select(Debtor).where(Debtor.ref == "D1")).scalar_one()
        assert (debtor.phone, debtor.email, debtor.address) == ("+33698765432", "new@example.com", "1 rue A")
        assert (report.debtors_updated, report.debts_created, report.unchanged) == (1, 1, 1)
        change = session.execute(sa.select(Event).where(Event.kind == "debtor_contact_changed")).scalar_one()
        assert change.data == {
            "phone": {"old": "+33612345678", "new": "+33698765432"},
            "email": {"old": "old@example.com", "new": "new@example.com"},
            "phone_opted_out_of_sms": True,
        }
        report = import_debts(session, write_csv(tmp_path / "b.csv", again), runtime.config, now=NOW)
        session.commit()
        assert report.debtors_updated == 0  # the same file again changes nothing


def test_email_is_enough_and_a_row_without_contact_names_both_fields(runtime: Runtime, tmp_path: Path) -> None:
    rows = [row(reference="E-1", phone="", email="Camille@Example.com", debtor_ref=""), row(reference="E-2", phone="")]
    with runtime.session() as session:
        report = import_debts(session, write_csv(tmp_path / "e.csv", rows), runtime.config, now=NOW,
                              skip_invalid=True)  # fmt: skip
        session.commit()
        debtor = session.execute(sa.select(Debtor)).scalar_one()
        assert (debtor.phone, debtor.email, debtor.ref) == (None, "Camille@Example.com", "camille@example.com")
    assert [str(p) for p in report.skipped] == [
        "line 3, field phone: missing value: give a phone, an e-mail or both",
        "line 3, field email: missing value: give a phone, an e-mail or both",
    ]
    header = [h for h in HEADER if h not in ("phone", "email")]
    path = write_csv(tmp_path / "h.csv", [{k: v for k, v in row().items() if k in header}], header=header)
    with runtime.session() as session, pytest.raises(ImportRowsError) as info:
        import_debts(session, path, runtime.config, now=NOW)
    assert {(p.line, p.field) for p in info.value.problems} == {(1, "phone"), (1, "email")}
    assert parse_debt_row(2, row(phone="", email="x@example.com"), runtime.config).phone == ""


def test_cli_counts_invalid_rows_not_problems(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    rows = [row(reference="A", amount="-1", currency="XYZ"), row(reference="B", due_date="2026-02-30"),
            row(reference="C", phone="x"), row(reference="D")]  # fmt: skip
    result = CliRunner().invoke(app, ["import", "debts", str(write_csv(tmp_path / "bad.csv", rows))])
    assert result.exit_code == 1
    assert "3 invalid row(s)" in result.output
    assert "line 3, field due_date: '2026-02-30': day 30 does not exist in 2026-02" in result.output


def test_an_import_gives_the_connection_its_page_cache_back_even_when_refused(runtime: Runtime, tmp_path: Path) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("the page cache is SQLite's")
    good = write_csv(tmp_path / "good.csv", [row(reference="P-1"), row(reference="P-2", debtor_ref="D2")])
    bad = write_csv(tmp_path / "bad.csv", [row(reference="P-3", amount="-1")])
    for path in (good, bad):
        with runtime.session() as session:
            conn = session.connection()
            raw = conn.connection.dbapi_connection  # the same driver connection after a rollback
            before = raw.execute("PRAGMA cache_size").fetchone()[0]
            try:
                import_debts(session, path, runtime.config, now=NOW)
                assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == before
                session.commit()
            except ImportRowsError:
                pass
            assert raw.execute("PRAGMA cache_size").fetchone()[0] == before != -importer.IMPORT_CACHE_KIB
    with runtime.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Debt)).scalar_one() == 2


def test_written_events_are_canonical_for_any_reference(runtime: Runtime, tmp_path: Path) -> None:
    refs = ['Q"1', "Q\\2", "Q\u00e9\u20ac3", "Q\u2028 4", "Q\t5"]
    rows = [row(reference=ref, debtor_ref=f"D{i // 2}", amount="7", currency="JPY" if i % 2 else "EUR")
            for i, ref in enumerate(refs)]  # fmt: skip
    with runtime.session() as session:
        import_debts(session, write_csv(tmp_path / "q.csv", rows), runtime.config, now=NOW)
        session.commit()
        imported = session.execute(sa.select(Event).where(Event.kind == "debt_imported").order_by(Event.id)).scalars()
        assert [e.data for e in imported] == [
            {"reference": ref, "amount": "7" if i % 2 else "7.00", "currency": "JPY" if i % 2 else "EUR",
             "due_date": "2026-11-01"}
            for i, ref in enumerate(refs)
        ]  # fmt: skip
        for case in session.execute(sa.select(Case)).scalars():
            assert verify_chain([event_to_dict(e) for e in case_events(session, case.id)]) == []


def test_the_import_command_loads_no_web_app_scheduler_bot_or_pdf(tmp_path: Path, sqlite_url: str) -> None:
    """`relance import debts` imports only its own command's module: start-up counts on every import."""
    path = write_csv(tmp_path / "one.csv", [row(reference="L-1")])
    script = (
        "import sys\n"
        "from relance.cli import main\n"
        f"sys.argv = ['relance', 'import', 'debts', {str(path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = ('fastapi', 'relance.web', 'apscheduler', 'scheduler', 'bot', 'messages', 'fpdf', 'jinja2',\n"
        "         'relance.simulation', 'telegram', 'twilio', 'httpx', 'phonenumbers.geocoder')\n"
        "print(sorted(h for h in heavy if h in sys.modules))\n"
    )
    env = os.environ | {"RELANCE_DATABASE_URL": sqlite_url, "RELANCE_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "1 row(s) imported" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
