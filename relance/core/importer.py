"""Portfolio import: debts and payments from CSV.

Two passes over the file, both streamed:
1. validate every row (pure `parse_debt_row`, plus cross-row and database checks in batches) and
   collect every problem as `line N, field F: reason`;
2. if nothing is wrong (or `skip_invalid`), import in batches with set-based queries, all in one
   transaction, so a failure half-way leaves the database unchanged.

Re-importing the same file changes nothing; a changed amount updates the debt's balance and logs an
event.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import sqlalchemy as sa
from phonenumbers import timezone as pn_timezone
from sqlmodel import Session, col

from relance.core.config import RelanceConfig
from relance.core.db import in_chunks
from relance.core.errors import ImportRowsError, RowProblem
from relance.core.events import NewEvent, record_events_bulk
from relance.core.models import Case, CaseStatus, Creditor, Debt, Debtor, DebtStatus
from relance.core.money import has_valid_precision, is_currency, parse_amount, quantize
from relance.core.payments import record_payment, refresh_case_totals

DEBT_REQUIRED = ("reference", "debtor_name", "amount", "currency", "due_date")
DEBT_OPTIONAL = (
    "phone",  # optional when `email` is given: at least one contact is required
    "debtor_ref",
    "email",
    "telegram_chat_id",
    "locale",
    "country",
    "timezone",
    "creditor",
    "address",
)
PAYMENT_REQUIRED = ("reference", "amount", "paid_on")
PAYMENT_OPTIONAL = ("creditor",)
FRENCH_LOCALE_COUNTRIES = {"FR", "BE", "LU", "MC"}
SUPPORTED_LOCALES = {"fr", "en"}
BATCH = 1000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class DebtRow:
    """One valid row of a debts CSV, normalised."""

    line: int
    reference: str
    debtor_name: str
    phone: str
    amount: Decimal
    currency: str
    due_date: date
    debtor_ref: str
    email: str | None
    telegram_chat_id: int | None
    locale: str
    country: str | None
    timezones: str
    creditor: str
    address: str | None


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    imported_rows: int = 0
    debtors_created: int = 0
    cases_created: int = 0
    debts_created: int = 0
    debts_updated: int = 0
    unchanged: int = 0
    payments_recorded: int = 0
    cases_paid: int = 0
    skipped: list[RowProblem] = field(default_factory=list)


# --------------------------------------------------------------------------- pure row parsing


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` or day-first `DD/MM/YYYY`."""
    text = text.strip()
    if "/" in text:
        day, month, year = text.split("/")
        if len(year) != 4:
            raise ValueError("use YYYY-MM-DD or DD/MM/YYYY")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


# both passes of an import read every phone, and a debtor with several invoices has one number:
# parsing costs ~0.2 ms, so recent answers are kept (bounded: memory stays flat on large files)
@lru_cache(maxsize=16_384)
def normalise_phone(raw: str, country: str | None) -> tuple[str, str, tuple[str, ...]]:
    """E.164 number, its region and every candidate time zone; raises ValueError."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        hint = "" if country else " (write it as +<country code>… or fill the country column)"
        raise ValueError(f"{raw!r} is not a phone number{hint}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    region = phonenumbers.region_code_for_number(number) or (country or "")
    zones = tuple(z for z in pn_timezone.time_zones_for_number(number) if z in _zones())
    return e164, region, zones


def _problem(line: int, fieldname: str, reason: str) -> RowProblem:
    return RowProblem(line, fieldname, reason)


def parse_debt_row(line: int, raw: dict[str, str], config: RelanceConfig) -> DebtRow | list[RowProblem]:
    """Validate and normalise one CSV row (pure)."""
    problems: list[RowProblem] = []
    get = lambda name: (raw.get(name) or "").strip()  # noqa: E731

    for name in DEBT_REQUIRED:
        if not get(name):
            problems.append(_problem(line, name, "missing value"))
    if not get("phone") and not get("email"):
        problems.append(_problem(line, "phone", "missing value: give a phone or an email (at least one contact)"))
    reference, debtor_name = get("reference"), get("debtor_name")
    if len(reference) > 100:
        problems.append(_problem(line, "reference", "longer than 100 characters"))

    country = get("country").upper() or None
    if country is not None and country not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(_problem(line, "country", f"{country!r} is not an ISO 3166 country code"))
        country = None

    phone, region = "", None
    zones: tuple[str, ...] = ()
    if get("phone"):
        try:
            phone, region, zones = normalise_phone(get("phone"), country)
        except ValueError as exc:
            problems.append(_problem(line, "phone", str(exc)))

    currency = get("currency").upper()
    if currency and not is_currency(currency):
        problems.append(_problem(line, "currency", f"{get('currency')!r} is not an ISO 4217 currency"))

    amount = Decimal(0)
    if get("amount"):
        try:
            amount = parse_amount(get("amount"))
            if amount <= 0:
                problems.append(_problem(line, "amount", f"must be greater than 0 (got {get('amount')})"))
            elif currency and is_currency(currency) and not has_valid_precision(amount, currency):
                problems.append(_problem(line, "amount", f"too many decimals for {currency}"))
            elif amount >= Decimal("1e13"):
                problems.append(_problem(line, "amount", "too large"))
        except ValueError:
            problems.append(_problem(line, "amount", f"{get('amount')!r} is not a number"))

    due = date.min
    if get("due_date"):
        try:
            due = parse_date(get("due_date"))
        except ValueError:
            problems.append(_problem(line, "due_date", f"{get('due_date')!r} is not a date (YYYY-MM-DD)"))

    chat_id = None
    if get("telegram_chat_id"):
        try:
            chat_id = int(get("telegram_chat_id"))
        except ValueError:
            problems.append(_problem(line, "telegram_chat_id", "must be an integer"))

    locale = get("locale").lower().replace("_", "-").split("-")[0]
    if locale and locale not in SUPPORTED_LOCALES:
        problems.append(_problem(line, "locale", f"{get('locale')!r} is not supported (fr or en)"))

    timezone = get("timezone")
    if timezone and timezone not in _zones():
        problems.append(_problem(line, "timezone", f"{timezone!r} is not an IANA time zone"))

    creditor = get("creditor") or (config.default_creditor or config.creditors[0].key)
    if creditor not in {c.key for c in config.creditors}:
        problems.append(_problem(line, "creditor", f"{creditor!r} is not a configured creditor"))

    email = get("email") or None
    if email and ("@" not in email or len(email) > 254):
        problems.append(_problem(line, "email", f"{email!r} is not an e-mail address"))

    if problems:
        return problems
    country = country or region or None
    return DebtRow(
        line=line,
        reference=reference,
        debtor_name=debtor_name,
        phone=phone,
        amount=quantize(amount, currency),
        currency=currency,
        due_date=due,
        debtor_ref=get("debtor_ref") or phone or (email or "").lower(),
        email=email,
        telegram_chat_id=chat_id,
        locale=locale or ("fr" if country in FRENCH_LOCALE_COUNTRIES else "en"),
        country=country,
        timezones=timezone or (" ".join(zones) if zones else "UTC"),
        creditor=creditor,
        address=get("address") or None,
    )


# --------------------------------------------------------------------------- CSV reading


def read_csv(path: Path, required: Iterable[str], optional: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header; raises ImportRowsError on a bad header."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from _read_rows(handle, tuple(required), tuple(optional))


def _read_rows(
    handle: io.TextIOBase | Any, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    sample = handle.read(4096)
    handle.seek(0)
    delimiter = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportRowsError([RowProblem(1, "(header)", "the file is empty")])
    header = [h.strip() for h in header]
    problems = [RowProblem(1, name, "missing column") for name in required if name not in header]
    problems += [
        RowProblem(1, name, f"unknown column (expected {', '.join(required + optional)})")
        for name in header
        if name not in required and name not in optional
    ]
    if problems:
        raise ImportRowsError(problems)
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield line, {"__shape__": f"has {len(row)} fields, the header has {len(header)}"}
            continue
        yield line, dict(zip(header, row, strict=True))


def count_data_lines(path: Path) -> int:
    """Rows in the file (for the progress bar)."""
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


# --------------------------------------------------------------------------- debts import


def validate_debts(
    session: Session, path: Path, config: RelanceConfig, progress: Progress | None = None
) -> tuple[list[RowProblem], int]:
    """First pass: every problem of the file, and the number of data rows."""
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str], tuple[str, int]] = {}  # (creditor, reference) -> (debtor key, line)
    batch: list[DebtRow] = []
    rows = 0
    for line, raw in read_csv(path, DEBT_REQUIRED, DEBT_OPTIONAL):
        rows += 1
        parsed = _parse_or_shape(line, raw, config)
        if isinstance(parsed, list):
            problems.extend(parsed)
            continue
        key = (parsed.creditor, parsed.reference)
        first = seen.get(key)
        if first is not None:
            other = "another debtor" if first[0] != parsed.debtor_ref else "the same debtor"
            problems.append(
                RowProblem(line, "reference", f"{parsed.reference!r} already on line {first[1]} for {other}")
            )
            continue
        seen[key] = (parsed.debtor_ref, line)
        batch.append(parsed)
        if len(batch) >= BATCH:
            problems.extend(_conflicts_in_db(session, batch))
            batch.clear()
        if progress:
            progress(1)
    problems.extend(_conflicts_in_db(session, batch))
    problems.sort(key=lambda p: p.line)
    return problems, rows


def _parse_or_shape(line: int, raw: dict[str, str], config: RelanceConfig) -> DebtRow | list[RowProblem]:
    if "__shape__" in raw:
        return [RowProblem(line, "(row)", raw["__shape__"])]
    return parse_debt_row(line, raw, config)


def _conflicts_in_db(session: Session, rows: list[DebtRow]) -> list[RowProblem]:
    """References already in the database for another debtor."""
    if not rows:
        return []
    found = session.execute(
        sa.select(col(Debt.reference), col(Creditor.key), col(Debtor.ref))
        .join(Case, col(Case.id) == col(Debt.case_id))
        .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
        .join(Creditor, col(Creditor.id) == col(Debt.creditor_id))
        .where(col(Debt.reference).in_({r.reference for r in rows}))
    ).all()
    owner = {(creditor, ref): debtor for ref, creditor, debtor in found}
    return [
        RowProblem(r.line, "reference", f"{r.reference!r} already belongs to another debtor ({owner[key]})")
        for r in rows
        if (key := (r.creditor, r.reference)) in owner and owner[key] != r.debtor_ref
    ]


def import_debts(
    session: Session,
    path: Path,
    config: RelanceConfig,
    *,
    now: datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    validate_progress: Progress | None = None,
) -> ImportReport:
    """Import a debts CSV (the caller commits). Raises ImportRowsError when rows are bad."""
    problems, rows = validate_debts(session, path, config, validate_progress)
    if problems and not skip_invalid:
        raise ImportRowsError(problems)
    bad_lines = {p.line for p in problems}
    report = ImportReport(rows=rows, skipped=problems)
    creditor_ids: dict[str, int] = {k: i for k, i in session.execute(sa.select(col(Creditor.key), col(Creditor.id)))}
    batch: list[DebtRow] = []
    for line, raw in read_csv(path, DEBT_REQUIRED, DEBT_OPTIONAL):
        if line in bad_lines:
            continue
        parsed = _parse_or_shape(line, raw, config)
        if isinstance(parsed, list):  # cannot happen after validation; refuse loudly if it does
            raise ImportRowsError(parsed)
        batch.append(parsed)
        if len(batch) >= BATCH:
            _import_batch(session, batch, creditor_ids, now, report)
            if progress:
                progress(len(batch))
            batch = []
    _import_batch(session, batch, creditor_ids, now, report)
    if progress:
        progress(len(batch))
    return report


def _import_batch(
    session: Session, rows: list[DebtRow], creditor_ids: dict[str, int], now: datetime, report: ImportReport
) -> None:
    if not rows:
        return
    report.imported_rows += len(rows)
    debtor_ids = _upsert_debtors(session, rows, now, report)
    case_ids, new_cases = _upsert_cases(session, rows, creditor_ids, debtor_ids, now, report)
    events: list[NewEvent] = [
        NewEvent(case_id=cid, kind="case_opened", actor="import", at=now, data={"debtor_ref": dref, "creditor": cred})
        for (cred, dref), cid in new_cases.items()
    ]
    touched = _upsert_debts(session, rows, creditor_ids, case_ids, now, report, events)
    record_events_bulk(session, events)
    _refresh_cases(session, touched, now)


def _upsert_debtors(session: Session, rows: list[DebtRow], now: datetime, report: ImportReport) -> dict[str, int]:
    firsts: dict[str, DebtRow] = {}
    for r in rows:
        firsts.setdefault(r.debtor_ref, r)
    existing: dict[str, int] = {
        ref: debtor_id
        for ref, debtor_id in session.execute(
            sa.select(col(Debtor.ref), col(Debtor.id)).where(col(Debtor.ref).in_(firsts))
        )
    }
    missing = [
        {
            "ref": r.debtor_ref,
            "name": r.debtor_name,
            "phone": r.phone or None,
            "email": r.email,
            "telegram_chat_id": r.telegram_chat_id,
            "locale": r.locale,
            "country": r.country,
            "timezones": r.timezones,
            "address": r.address,
            "wrong_person": False,
            "created_at": now,
            "updated_at": now,
        }
        for ref, r in firsts.items()
        if ref not in existing
    ]
    if missing:
        for ref, debtor_id in session.execute(sa.insert(Debtor).returning(col(Debtor.ref), col(Debtor.id)), missing):
            existing[ref] = debtor_id
        report.debtors_created += len(missing)
    return existing


def _upsert_cases(
    session: Session,
    rows: list[DebtRow],
    creditor_ids: dict[str, int],
    debtor_ids: dict[str, int],
    now: datetime,
    report: ImportReport,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    wanted: dict[tuple[int, int], tuple[str, str, str]] = {}
    for r in rows:
        wanted.setdefault((creditor_ids[r.creditor], debtor_ids[r.debtor_ref]), (r.creditor, r.debtor_ref, r.currency))
    found = session.execute(
        sa.select(col(Case.creditor_id), col(Case.debtor_id), col(Case.id)).where(
            sa.tuple_(col(Case.creditor_id), col(Case.debtor_id)).in_(list(wanted))
        )
    ).all()
    by_ids = {(c, d): cid for c, d, cid in found}
    missing = [
        {
            "creditor_id": c,
            "debtor_id": d,
            "status": CaseStatus.OPEN.value,
            "currency": wanted[(c, d)][2],
            "balance": Decimal(0),
            "last_step": 0,
            "dialogue_state": "idle",
            "dialogue_data": {},
            "opened_at": now,
            "updated_at": now,
        }
        for (c, d) in wanted
        if (c, d) not in by_ids
    ]
    new_cases: dict[tuple[str, str], int] = {}
    if missing:
        for c, d, cid in session.execute(
            sa.insert(Case).returning(col(Case.creditor_id), col(Case.debtor_id), col(Case.id)), missing
        ):
            by_ids[(c, d)] = cid
            new_cases[wanted[(c, d)][:2]] = cid
        report.cases_created += len(missing)
    return {(v[0], v[1]): by_ids[k] for k, v in wanted.items()}, new_cases


def _upsert_debts(
    session: Session,
    rows: list[DebtRow],
    creditor_ids: dict[str, int],
    case_ids: dict[tuple[str, str], int],
    now: datetime,
    report: ImportReport,
    events: list[NewEvent],
) -> set[int]:
    found = session.execute(sa.select(Debt).where(col(Debt.reference).in_({r.reference for r in rows}))).scalars()
    existing = {(d.creditor_id, d.reference): d for d in found}
    inserts, touched = [], set()
    for r in rows:
        case_id = case_ids[(r.creditor, r.debtor_ref)]
        debt = existing.get((creditor_ids[r.creditor], r.reference))
        if debt is None:
            inserts.append(
                {
                    "creditor_id": creditor_ids[r.creditor],
                    "case_id": case_id,
                    "reference": r.reference,
                    "amount": r.amount,
                    "balance": r.amount,
                    "currency": r.currency,
                    "due_date": r.due_date,
                    "status": DebtStatus.OPEN.value,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            events.append(
                NewEvent(
                    case_id=case_id,
                    kind="debt_imported",
                    actor="import",
                    at=now,
                    data={"reference": r.reference, "amount": r.amount, "currency": r.currency, "due_date": r.due_date},
                )
            )
            touched.add(case_id)
        elif debt.amount != r.amount or debt.due_date != r.due_date:
            _apply_change(debt, r, now, events)
            session.add(debt)
            report.debts_updated += 1
            touched.add(case_id)
        else:
            report.unchanged += 1
    if inserts:
        session.execute(sa.insert(Debt), inserts)
        report.debts_created += len(inserts)
    session.flush()
    return touched


def _apply_change(debt: Debt, row: DebtRow, now: datetime, events: list[NewEvent]) -> None:
    paid = debt.amount - debt.balance
    old_amount, old_due = debt.amount, debt.due_date
    debt.amount = row.amount
    debt.balance = max(Decimal(0), row.amount - paid)
    debt.due_date = row.due_date
    debt.status = DebtStatus.OPEN if debt.balance > 0 else DebtStatus.PAID
    debt.updated_at = now
    events.append(
        NewEvent(
            case_id=debt.case_id,
            kind="debt_amount_changed" if old_amount != row.amount else "debt_due_date_changed",
            actor="import",
            at=now,
            data={
                "reference": debt.reference,
                "old_amount": old_amount,
                "new_amount": row.amount,
                "old_due_date": old_due,
                "new_due_date": row.due_date,
                "balance": debt.balance,
            },
        )
    )


def _refresh_cases(session: Session, case_ids: set[int], now: datetime) -> None:
    """Set-based recompute of balance and day 0 of the touched cases; reopen paid ones."""
    if not case_ids:
        return
    open_debts = sa.and_(col(Debt.case_id) == col(Case.id), col(Debt.status) == DebtStatus.OPEN)
    balance = sa.select(sa.func.coalesce(sa.func.sum(col(Debt.balance)), 0)).where(open_debts).scalar_subquery()
    due = sa.select(sa.func.min(col(Debt.due_date))).where(open_debts).scalar_subquery()
    for chunk in in_chunks(sorted(case_ids)):
        session.execute(
            sa.update(Case)
            .where(col(Case.id).in_(chunk))
            .values(balance=balance, due_date=due, updated_at=now, next_check_at=None)  # the sweep decides again
            .execution_options(synchronize_session=False)
        )
        reopened = (
            session.execute(
                sa.update(Case)
                .where(col(Case.id).in_(chunk), col(Case.status) == CaseStatus.PAID, col(Case.balance) > 0)
                .values(status=CaseStatus.OPEN.value, closed_at=None)
                .returning(col(Case.id))
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
        record_events_bulk(
            session,
            [NewEvent(case_id=cid, kind="case_reopened", actor="import", at=now, data={}) for cid in reopened],
        )
        paid = (
            session.execute(
                sa.select(Case).where(
                    col(Case.id).in_(chunk),
                    col(Case.balance) == 0,
                    col(Case.status).notin_([CaseStatus.PAID, CaseStatus.CLOSED]),
                )
            )
            .scalars()
            .all()
        )
        for case in paid:
            session.refresh(case)
            refresh_case_totals(session, case, now)
    session.expire_all()


# --------------------------------------------------------------------------- payments import


@dataclass(frozen=True)
class PaymentRow:
    line: int
    reference: str
    amount: Decimal
    paid_on: date
    creditor: str | None


def parse_payment_row(line: int, raw: dict[str, str]) -> PaymentRow | list[RowProblem]:
    """Validate one payments CSV row (pure)."""
    problems = []
    get = lambda name: (raw.get(name) or "").strip()  # noqa: E731
    for name in PAYMENT_REQUIRED:
        if not get(name):
            problems.append(RowProblem(line, name, "missing value"))
    amount, paid_on = Decimal(0), date.min
    if get("amount"):
        try:
            amount = parse_amount(get("amount"))
            if amount <= 0:
                problems.append(RowProblem(line, "amount", f"must be greater than 0 (got {get('amount')})"))
        except ValueError:
            problems.append(RowProblem(line, "amount", f"{get('amount')!r} is not a number"))
    if get("paid_on"):
        try:
            paid_on = parse_date(get("paid_on"))
        except ValueError:
            problems.append(RowProblem(line, "paid_on", f"{get('paid_on')!r} is not a date (YYYY-MM-DD)"))
    if problems:
        return problems
    return PaymentRow(line, get("reference"), amount, paid_on, get("creditor") or None)


def import_payments(
    session: Session,
    path: Path,
    *,
    now: datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Record the payments of a CSV (`reference, amount, paid_on`); idempotent on re-import."""
    problems: list[RowProblem] = []
    valid: list[tuple[PaymentRow, Debt]] = []
    occurrences: dict[tuple[str, Decimal, date], int] = {}
    report = ImportReport()
    for line, raw in read_csv(path, PAYMENT_REQUIRED, PAYMENT_OPTIONAL):
        report.rows += 1
        parsed = (
            parse_payment_row(line, raw) if "__shape__" not in raw else [RowProblem(line, "(row)", raw["__shape__"])]
        )
        if isinstance(parsed, list):
            problems.extend(parsed)
            continue
        debts = _debts_for_reference(session, parsed)
        if len(debts) != 1:
            reason = "no debt with this reference" if not debts else "several creditors use it: fill `creditor`"
            problems.append(RowProblem(line, "reference", f"{parsed.reference!r}: {reason}"))
            continue
        if not has_valid_precision(parsed.amount, debts[0].currency):
            problems.append(RowProblem(line, "amount", f"too many decimals for {debts[0].currency}"))
            continue
        valid.append((parsed, debts[0]))
    if problems and not skip_invalid:
        raise ImportRowsError(problems)
    report.skipped = problems
    for parsed, debt in valid:
        key = (parsed.reference, parsed.amount, parsed.paid_on)
        occurrences[key] = occurrences.get(key, 0) + 1
        external = f"import:{debt.creditor_id}:{parsed.reference}:{parsed.amount}:{parsed.paid_on}:{occurrences[key]}"
        was_paid = _case_status(session, debt.case_id) == CaseStatus.PAID
        recorded = record_payment(
            session, debt=debt, amount=parsed.amount, paid_on=parsed.paid_on, at=now, external_key=external
        )
        if recorded is None:
            report.unchanged += 1
        else:
            report.payments_recorded += 1
            report.cases_paid += int(not was_paid and _case_status(session, debt.case_id) == CaseStatus.PAID)
        if progress:
            progress(1)
    report.imported_rows = len(valid)
    return report


def _debts_for_reference(session: Session, row: PaymentRow) -> list[Debt]:
    query = sa.select(Debt).where(col(Debt.reference) == row.reference)
    if row.creditor:
        query = query.join(Creditor, col(Creditor.id) == col(Debt.creditor_id)).where(col(Creditor.key) == row.creditor)
    return list(session.execute(query).scalars())


def _case_status(session: Session, case_id: int) -> str:
    return session.execute(sa.select(col(Case.status)).where(col(Case.id) == case_id)).scalar_one()
