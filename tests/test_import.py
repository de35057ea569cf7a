"""Portfolio and payment import from CSV."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core.config import RelanceConfig
from relance.core.errors import ImportRowsError, RowProblem
from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.importer import DEBT_OPTIONAL, DEBT_REQUIRED, import_debts, import_payments, parse_debt_row
from relance.core.models import Case, CaseStatus, Debt, Debtor, DebtStatus, Event, Payment
from relance.core.money import parse_amount
from relance.core.runtime import Runtime

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HEADER = list(DEBT_REQUIRED) + list(DEBT_OPTIONAL)


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def row(**kw: str) -> dict[str, str]:
    base = {
        "reference": "INV-1",
        "debtor_name": "Camille Martin",
        "phone": "06 12 34 56 78",
        "amount": "600.00",
        "currency": "EUR",
        "due_date": "2026-11-01",
        "country": "FR",
    }
    base.update(kw)
    return base


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (Debtor, Case, Debt, Event, Payment)
    )


def test_import_groups_debts_into_cases_and_normalises(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "debts.csv",
        [
            row(reference="INV-1", debtor_ref="C1"),
            row(reference="INV-2", debtor_ref="C1", amount="1 234,50", due_date="15/10/2026"),
            row(reference="INV-3", phone="+1 208 555 0111", debtor_name="Jim Boise", country="", currency="usd"),
            row(reference="INV-4", phone="+32 470 12 34 56", debtor_name="Lotte Peeters", country=""),
        ],
    )
    with runtime.session() as session:
        report = import_debts(session, path, runtime.config, now=NOW)
        session.commit()
        assert (report.debtors_created, report.cases_created, report.debts_created) == (3, 3, 4)
        c1 = session.execute(sa.select(Debtor).where(Debtor.ref == "C1")).scalar_one()
        assert (c1.phone, c1.locale, c1.country, c1.timezones) == ("+33612345678", "fr", "FR", "Europe/Paris")
        case = session.execute(sa.select(Case).where(Case.debtor_id == c1.id)).scalar_one()
        assert case.balance == Decimal("1834.50")
        assert str(case.due_date) == "2026-10-15"
        us = session.execute(sa.select(Debtor).where(Debtor.name == "Jim Boise")).scalar_one()
        assert us.ref == "+12085550111"  # no debtor_ref: the phone is the identity
        assert set(us.zones) == {"America/Boise", "America/Los_Angeles"}
        assert (us.country, us.locale) == ("US", "en")
        be = session.execute(sa.select(Debtor).where(Debtor.name == "Lotte Peeters")).scalar_one()
        assert (be.country, be.locale) == ("BE", "fr")
        # the console's name search reads the folded name, which the bulk insert writes itself
        assert (us.name_folded, be.name_folded) == ("jim boise", "lotte peeters")
        events = [event_to_dict(e) for e in case_events(session, case.id)]
        assert [e["kind"] for e in events] == ["case_opened", "debt_imported", "debt_imported"]
        assert verify_chain(events) == []


def test_reimport_changes_nothing_and_amount_change_is_logged(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(reference="INV-1"), row(reference="INV-2", amount="100")])
    with runtime.session() as session:
        import_debts(session, path, runtime.config, now=NOW)
        session.commit()
        before = counts(session)
        report = import_debts(session, path, runtime.config, now=NOW)
        session.commit()
        assert report.unchanged == 2 and counts(session) == before
        changed = write_csv(
            tmp_path / "b.csv", [row(reference="INV-1", amount="450"), row(reference="INV-2", amount="100")]
        )
        report = import_debts(session, changed, runtime.config, now=NOW)
        session.commit()
        assert report.debts_updated == 1
        debt = session.execute(sa.select(Debt).where(Debt.reference == "INV-1")).scalar_one()
        assert (debt.amount, debt.balance) == (Decimal("450.00"), Decimal("450.00"))
        case = session.get(Case, debt.case_id)
        assert case.balance == Decimal("550.00")
        change = session.execute(sa.select(Event).where(Event.kind == "debt_amount_changed")).scalar_one()
        assert change.data["old_amount"] == "600.00" and change.data["new_amount"] == "450.00"


def test_bad_rows_are_all_reported_and_nothing_is_imported(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row(reference="OK-1"),
            row(reference="B-2", phone="12"),
            row(reference="B-3", amount="-5"),
            row(reference="B-4", amount="abc"),
            row(reference="B-5", due_date="2026-13-45"),
            row(reference="B-6", currency="XYZ"),
            row(reference="OK-1", phone="+33 6 99 99 99 99", debtor_name="Someone Else"),
            row(reference="", debtor_name=""),
            row(reference="B-9", timezone="Mars/Olympus", locale="de"),
        ],
    )
    with runtime.session() as session:
        before = counts(session)
        with pytest.raises(ImportRowsError) as info:
            import_debts(session, path, runtime.config, now=NOW)
        session.rollback()
        assert counts(session) == before
    found = {(p.line, p.field) for p in info.value.problems}
    assert found == {
        (3, "phone"),
        (4, "amount"),
        (5, "amount"),
        (6, "due_date"),
        (7, "currency"),
        (8, "reference"),
        (9, "reference"),
        (9, "debtor_name"),
        (10, "timezone"),
        (10, "locale"),
    }
    assert "another debtor" in next(str(p) for p in info.value.problems if p.line == 8)
    assert str(info.value.problems[0]).startswith("line 3, field phone:")


def test_skip_invalid_imports_the_good_rows(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mixed.csv", [row(reference="G-1"), row(reference="B-1", amount="0"), row(reference="G-2")]
    )
    with runtime.session() as session:
        report = import_debts(session, path, runtime.config, now=NOW, skip_invalid=True)
        session.commit()
        assert report.debts_created == 2 and report.skipped == [
            RowProblem(3, "amount", "must be greater than 0 (got 0)")
        ]


def test_reference_owned_by_another_debtor_in_database(runtime: Runtime, tmp_path: Path) -> None:
    with runtime.session() as session:
        import_debts(session, write_csv(tmp_path / "a.csv", [row(reference="X-1")]), runtime.config, now=NOW)
        session.commit()
        other = write_csv(tmp_path / "b.csv", [row(reference="X-1", phone="+33 6 98 76 54 32", debtor_name="B")])
        with pytest.raises(ImportRowsError, match="line 2, field reference: 'X-1' already belongs to another debtor"):
            import_debts(session, other, runtime.config, now=NOW)


def test_bad_header_names_missing_and_unknown_columns(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("reference,debtor_nme,phone,amount,currency,due_date\nA,B,+33612345678,1,EUR,2026-01-01\n")
    with runtime.session() as session, pytest.raises(ImportRowsError) as info:
        import_debts(session, path, runtime.config, now=NOW)
    assert {(p.line, p.field) for p in info.value.problems} == {(1, "debtor_name"), (1, "debtor_nme")}


def test_payments_close_debts_and_cases_idempotently(runtime: Runtime, tmp_path: Path) -> None:
    debts = write_csv(
        tmp_path / "d.csv", [row(reference="P-1", debtor_ref="C9"), row(reference="P-2", debtor_ref="C9", amount="50")]
    )
    pay = write_csv(
        tmp_path / "p.csv",
        [
            {"reference": "P-1", "amount": "600", "paid_on": "2026-11-20"},
            {"reference": "P-2", "amount": "20", "paid_on": "2026-11-21"},
        ],
        header=["reference", "amount", "paid_on"],
    )
    with runtime.session() as session:
        import_debts(session, debts, runtime.config, now=NOW)
        first = import_payments(session, pay, now=NOW)
        session.commit()
        assert first.payments_recorded == 2
        p1 = session.execute(sa.select(Debt).where(Debt.reference == "P-1")).scalar_one()
        assert (p1.balance, p1.status) == (Decimal("0.00"), DebtStatus.PAID)
        case = session.get(Case, p1.case_id)
        assert (case.balance, case.status) == (Decimal("30.00"), CaseStatus.OPEN)
        again = import_payments(session, pay, now=NOW)
        session.commit()
        assert (again.payments_recorded, again.unchanged) == (0, 2)
        rest = write_csv(
            tmp_path / "p2.csv",
            [{"reference": "P-2", "amount": "30", "paid_on": "2026-11-22"}],
            ["reference", "amount", "paid_on"],
        )
        assert import_payments(session, rest, now=NOW).cases_paid == 1
        session.commit()
        session.refresh(case)
        assert (case.balance, case.status) == (Decimal("0.00"), CaseStatus.PAID)


def test_bad_payment_rows_are_reported(runtime: Runtime, tmp_path: Path) -> None:
    pay = write_csv(
        tmp_path / "p.csv",
        [
            {"reference": "NOPE", "amount": "10", "paid_on": "2026-11-20"},
            {"reference": "NOPE", "amount": "x", "paid_on": "yesterday"},
        ],
        header=["reference", "amount", "paid_on"],
    )
    with runtime.session() as session, pytest.raises(ImportRowsError) as info:
        import_payments(session, pay, now=NOW)
    assert {(p.line, p.field) for p in info.value.problems} == {(2, "reference"), (3, "amount"), (3, "paid_on")}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("600", "600"),
        ("1234.50", "1234.50"),
        ("1234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("12,345,678", "12345678"),
    ],
)
def test_parse_amount(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(HEADER), st.text(max_size=30), max_size=len(HEADER)))
def test_row_parser_never_crashes(raw: dict[str, str]) -> None:
    result = parse_debt_row(7, raw, RelanceConfig())
    if isinstance(result, list):
        assert result and all(p.line == 7 and p.field in HEADER for p in result)
    else:
        assert result.amount > 0 and (result.phone.startswith("+") or (not result.phone and result.email))


def test_cli_bad_csv_exits_nonzero_and_lists_rows(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    path = write_csv(
        tmp_path / "bad.csv", [row(reference="A"), row(reference="B", amount="-1"), row(reference="C", phone="x")]
    )
    result = CliRunner().invoke(app, ["import", "debts", str(path)])
    assert result.exit_code == 1
    assert "line 3, field amount" in result.output and "line 4, field phone" in result.output
    good = write_csv(tmp_path / "good.csv", [row(reference="A")])
    result = CliRunner().invoke(app, ["import", "debts", str(good)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["cases", "show", "A"])
    assert result.exit_code == 0 and "Camille Martin" in result.output and "debt_imported" in result.output
    result = CliRunner().invoke(app, ["cases", "list"])
    assert "#1" in result.output


def test_a_new_or_changed_debt_wakes_its_case_for_the_sweep(runtime: Runtime, tmp_path: Path) -> None:
    later = NOW + timedelta(days=3)
    with runtime.session() as session:
        import_debts(session, write_csv(tmp_path / "a.csv", [row(reference="INV-1")]), runtime.config, now=NOW)
        case = session.execute(sa.select(Case)).scalar_one()
        case.next_check_at = later  # asleep, as the sweep leaves it
        session.commit()
        same = write_csv(tmp_path / "same.csv", [row(reference="INV-1")])
        import_debts(session, same, runtime.config, now=NOW)
        session.commit()
        session.refresh(case)
        assert case.next_check_at == later  # nothing changed: nothing to decide again
        older = write_csv(tmp_path / "b.csv", [row(reference="INV-1"), row(reference="INV-0", due_date="2026-10-01")])
        import_debts(session, older, runtime.config, now=NOW)
        session.commit()
        session.refresh(case)
        assert (case.due_date, case.next_check_at) == (date(2026, 10, 1), None)
