"""Portfolio import: debts and payments from CSV.

Debts are read in one streamed pass, each row parsed once: a batch of valid rows is checked
against the file so far and the database (a reference repeated in the file, or already owned by
another debtor), then written at once with the driver's executemany (`relance.core.bulk`). The
whole import runs in the caller's transaction: when any row is bad (and not `skip_invalid`) the
transaction is rolled back and `ImportRowsError` lists every problem, so nothing is half-stored.
Memory stays flat: what the import remembers across batches is two arrays of integers (the ids and
lines of the debts it wrote) and the pre-existing debts and debtors it met. On SQLite, a file at
least as large as the tables it fills has the indexes the import never reads built once at the
end, inside the same transaction, instead of row by row (`_deferred_indexes`): the cost of a row
then stays nearly flat with the size of the file.

Re-importing the same file changes nothing; a changed amount or due date updates the debt and logs
an event; changed contact details (phone, e-mail, address) update the debtor and log an event on
each of its cases, saying whether the new number has opted out of SMS.
"""

from __future__ import annotations

import csv
import io
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.bulk import RowBinder, insert_rows_returning_ids, select_in
from relance.core.config import RelanceConfig
from relance.core.db import in_chunks
from relance.core.errors import ImportRowsError, RowProblem, StorageError
from relance.core.events import (
    EncodedEvent,
    NewEvent,
    canonical_json,
    json_text,
    record_encoded_events,
    record_events_bulk,
)
from relance.core.heap import older_objects_frozen
from relance.core.models import Case, CaseStatus, Creditor, Debt, Debtor, DebtStatus, OptOut, fold
from relance.core.money import has_valid_precision, is_currency, parse_amount, quantize
from relance.core.payments import record_payment, refresh_case_totals
from relance.core.phones import is_known_zone, normalise_phone

__all__ = ["normalise_phone"]  # re-exported: callers and tests know it from here

DEBT_REQUIRED = ("reference", "debtor_name", "amount", "currency", "due_date")
DEBT_CONTACTS = ("phone", "email")  # at least one of them
DEBT_OPTIONAL = (
    "phone",
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
BATCH = 2000
IMPORT_CACHE_KIB = 131_072  # SQLite's page cache during a debts import (see _page_cache)
# Secondary indexes of the tables a debts import fills that the import never reads and that enforce
# nothing: on SQLite a large import drops them and builds them again before it returns, in its own
# transaction (see _deferred_indexes). Not here, so kept up to date row by row: the unique ones
# (debtor.ref, case per creditor and debtor, debt per creditor and reference, the event chains) and
# the ones behind the import's own lookups (ix_cases_debtor_id, ix_debt_reference, ix_debt_case_id,
# ix_event_case_chain). The event table has none since migration 0008 (`at` and `kind` unindexed).
DEFERRED_INDEXES: dict[str, tuple[str, ...]] = {
    "debtor": ("ix_debtor_phone", "ix_debtor_email", "ix_debtor_name_folded", "ix_debtor_country",
               "ix_debtor_telegram_chat_id"),
    "cases": ("ix_cases_balance", "ix_cases_step_totals", "ix_cases_due_date", "ix_case_due_scan",
              "ix_cases_updated_at", "ix_cases_agent_id"),
    "debt": ("ix_debt_currency_totals", "ix_debt_creditor_totals"),
}  # fmt: skip
DEFER_FROM_ROWS = 5_000  # smaller files keep every index: dropping and building them back costs ~3 ms

Progress = Callable[[int], None]

_CREDITOR: sa.Table = Creditor.__table__  # type: ignore[attr-defined]
_DEBTOR: sa.Table = Debtor.__table__  # type: ignore[attr-defined]
_CASE: sa.Table = Case.__table__  # type: ignore[attr-defined]
_DEBT: sa.Table = Debt.__table__  # type: ignore[attr-defined]
_OPTOUT: sa.Table = OptOut.__table__  # type: ignore[attr-defined]


class DebtRow(NamedTuple):
    """One valid row of a debts CSV, normalised (a named tuple: a third of the cost of a frozen
    dataclass to build, once per row)."""

    line: int
    reference: str
    debtor_name: str
    phone: str  # E.164, or "" when the debtor is reached by e-mail only
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
    debtors_updated: int = 0
    cases_created: int = 0
    debts_created: int = 0
    debts_updated: int = 0
    unchanged: int = 0
    payments_recorded: int = 0
    cases_paid: int = 0
    skipped: list[RowProblem] = field(default_factory=list)


# --------------------------------------------------------------------------- pure row parsing


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> date:
    """`YYYY-MM-DD` or day-first `DD/MM/YYYY`; the ValueError says what is wrong."""
    text = text.strip()
    if match := _ISO_DAY.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _FRENCH_DAY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        try:
            return date.fromisoformat(text)  # the other ISO 8601 spellings (20261101…)
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)") from None
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: there is no month {month}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r}: day {day} does not exist in {year}-{month:02d}") from None


_is_currency = lru_cache(maxsize=256)(is_currency)  # Babel's lookup costs more than the rest of a row


def _creditor_keys(config: RelanceConfig) -> frozenset[str]:
    return frozenset(c.key for c in config.creditors)


def _problem(line: int, fieldname: str, reason: str) -> RowProblem:
    return RowProblem(line, fieldname, reason)


def parse_debt_row(line: int, raw: dict[str, str], config: RelanceConfig) -> DebtRow | list[RowProblem]:
    """Validate and normalise one CSV row (pure)."""
    return DebtRowParser(config).parse(line, [(raw.get(name) or "").strip() for name in DEBT_FIELDS])


DEBT_FIELDS = DEBT_REQUIRED + DEBT_OPTIONAL  # the order of the values `DebtRowParser.parse` takes
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")  # what parse_amount reads as Decimal(text)
_MEMO_SIZE = 32_768  # entries per memo; a full memo stops learning (no eviction churn, no growth)
_MAX_AMOUNT = Decimal("1e13")


class DebtRowParser:
    """`parse_debt_row` for a whole file: the configuration read once, and the values a portfolio
    repeats (a debtor's phone on each of its invoices, a handful of due dates) parsed once each."""

    def __init__(self, config: RelanceConfig) -> None:
        self.default_creditor = config.default_creditor or config.creditors[0].key
        self.creditors = _creditor_keys(config)
        self.phones: dict[tuple[str, str | None], tuple[str, str, tuple[str, ...]] | str] = {}
        self.days: dict[str, date | str] = {}

    def parse(self, line: int, values: list[str]) -> DebtRow | list[RowProblem]:
        """One row's stripped values, in DEBT_FIELDS order."""
        (reference, debtor_name, amount_text, currency_text, due_text, phone_text, debtor_ref, email_text,
         chat_text, locale_text, country_text, timezone, creditor_text, address) = values  # fmt: skip
        problems: list[RowProblem] = []
        if not (reference and debtor_name and amount_text and currency_text and due_text):
            problems += [
                _problem(line, n, "missing value") for n, v in zip(DEBT_REQUIRED, values[:5], strict=True) if not v
            ]
        if not phone_text and not email_text:
            problems += [
                _problem(line, name, "missing value: give a phone, an e-mail or both") for name in DEBT_CONTACTS
            ]
        if len(reference) > 100:
            problems.append(_problem(line, "reference", "longer than 100 characters"))

        country = country_text.upper() or None
        if country is not None and country not in phonenumbers.SUPPORTED_REGIONS:
            problems.append(_problem(line, "country", f"{country!r} is not an ISO 3166 country code"))
            country = None

        phone, region = "", None
        zones: tuple[str, ...] = ()
        if phone_text:
            found = self._phone(phone_text, country)
            if isinstance(found, str):
                problems.append(_problem(line, "phone", found))
            else:
                phone, region, zones = found

        currency = currency_text.upper()
        known_currency = bool(currency) and _is_currency(currency)
        if currency and not known_currency:
            problems.append(_problem(line, "currency", f"{currency_text!r} is not an ISO 4217 currency"))

        amount = Decimal(0)
        if amount_text:
            try:
                amount = Decimal(amount_text) if _PLAIN_AMOUNT.fullmatch(amount_text) else parse_amount(amount_text)
            except ValueError:
                problems.append(_problem(line, "amount", f"{amount_text!r} is not a number"))
            else:
                if amount <= 0:
                    problems.append(_problem(line, "amount", f"must be greater than 0 (got {amount_text})"))
                elif known_currency and (exact := quantize(amount, currency)) != amount:
                    problems.append(_problem(line, "amount", f"too many decimals for {currency}"))
                elif amount >= _MAX_AMOUNT:
                    problems.append(_problem(line, "amount", "too large"))
                elif known_currency:
                    amount = exact  # 600 -> 600.00: stored and logged at the currency's precision

        due = date.min
        if due_text:
            day = self._day(due_text)
            if isinstance(day, str):
                problems.append(_problem(line, "due_date", day))
            else:
                due = day

        chat_id = None
        if chat_text:
            try:
                chat_id = int(chat_text)
            except ValueError:
                problems.append(_problem(line, "telegram_chat_id", "must be an integer"))

        locale = locale_text.lower().replace("_", "-").split("-")[0] if locale_text else ""
        if locale and locale not in SUPPORTED_LOCALES:
            problems.append(_problem(line, "locale", f"{locale_text!r} is not supported (fr or en)"))

        if timezone and not is_known_zone(timezone):
            problems.append(_problem(line, "timezone", f"{timezone!r} is not an IANA time zone"))

        creditor = creditor_text or self.default_creditor
        if creditor not in self.creditors:
            problems.append(_problem(line, "creditor", f"{creditor!r} is not a configured creditor"))

        email = email_text or None
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
            amount=amount,
            currency=currency,
            due_date=due,
            debtor_ref=debtor_ref or phone or (email or "").lower(),
            email=email,
            telegram_chat_id=chat_id,
            locale=locale or ("fr" if country in FRENCH_LOCALE_COUNTRIES else "en"),
            country=country,
            timezones=timezone or (" ".join(zones) if zones else "UTC"),
            creditor=creditor,
            address=address or None,
        )

    def _phone(self, text: str, country: str | None) -> tuple[str, str, tuple[str, ...]] | str:
        """normalise_phone's answer, or its error message."""
        key = (text, country)
        found = self.phones.get(key)
        if found is None:
            try:
                found = normalise_phone(text, country)
            except ValueError as exc:
                found = str(exc)
            if len(self.phones) < _MEMO_SIZE:
                self.phones[key] = found
        return found

    def _day(self, text: str) -> date | str:
        """parse_date's answer, or its error message."""
        found = self.days.get(text)
        if found is None:
            try:
                found = parse_date(text)
            except ValueError as exc:
                found = str(exc)
            if len(self.days) < _MEMO_SIZE:
                self.days[text] = found
        return found


# --------------------------------------------------------------------------- CSV reading


def read_csv(
    path: Path, required: Iterable[str], optional: Iterable[str], one_of: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header; raises ImportRowsError on a bad header.

    `one_of`: optional columns of which the header must have at least one.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from _read_rows(handle, tuple(required), tuple(optional), one_of)


def _read_rows(
    handle: io.TextIOBase | Any, required: tuple[str, ...], optional: tuple[str, ...], one_of: tuple[str, ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    reader, header = _checked_reader(handle, required, optional, one_of)
    for row in reader:
        line = reader.line_num
        if not "".join(row).strip():
            continue
        if len(row) != len(header):
            yield line, {"__shape__": f"has {len(row)} fields, the header has {len(header)}"}
            continue
        yield line, dict(zip(header, row, strict=True))


def read_csv_values(
    path: Path, fields: tuple[str, ...], required: Iterable[str], optional: Iterable[str], one_of: tuple[str, ...] = ()
) -> Iterator[tuple[int, list[str] | str]]:
    """`read_csv`, each row as its stripped values in `fields` order ("" for a column the file lacks),
    or as the reason its shape is wrong."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader, header = _checked_reader(handle, tuple(required), tuple(optional), one_of)
        where = {name: at for at, name in enumerate(header)}  # a repeated column: the last one, as read_csv
        width = len(header)
        picks = [where.get(name, width) for name in fields]  # `width`: the "" appended to each row
        for row in reader:
            if len(row) != width:
                if "".join(row).strip():
                    yield reader.line_num, f"has {len(row)} fields, the header has {width}"
                continue
            if not "".join(row).strip():
                continue
            row.append("")
            yield reader.line_num, [row[at].strip() for at in picks]


def _checked_reader(
    handle: io.TextIOBase | Any, required: tuple[str, ...], optional: tuple[str, ...], one_of: tuple[str, ...] = ()
) -> tuple[Any, list[str]]:
    """A csv reader past the header, and the header; raises ImportRowsError on a bad header."""
    sample = handle.read(4096)
    handle.seek(0)
    delimiter = ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportRowsError([RowProblem(1, "(header)", "the file is empty")])
    header = [h.strip() for h in header]
    problems = [RowProblem(1, name, "missing column") for name in required if name not in header]
    if one_of and not set(one_of) & set(header):
        problems += [RowProblem(1, name, f"missing column (give {' or '.join(one_of)})") for name in one_of]
    problems += [
        RowProblem(1, name, f"unknown column (expected {', '.join(required + optional)})")
        for name in header
        if name not in required and name not in optional
    ]
    if problems:
        raise ImportRowsError(problems)
    return reader, header


def count_data_lines(path: Path) -> int:
    """Rows in the file (for the progress bar)."""
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


# --------------------------------------------------------------------------- debts import


def import_debts(
    session: Session,
    path: Path,
    config: RelanceConfig,
    *,
    now: datetime,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a debts CSV in the session's transaction (the caller commits).

    Raises ImportRowsError when rows are bad (after rolling the session back), unless `skip_invalid`.
    """
    report = ImportReport()
    problems: list[RowProblem] = []
    writer = _DebtWriter(session, now, report)
    batch: list[DebtRow] = []
    try:
        with older_objects_frozen(), _deferred_indexes(writer.conn, _estimated_rows(path)), _page_cache(writer.conn):
            parse = DebtRowParser(config).parse
            for line, values in read_csv_values(path, DEBT_FIELDS, DEBT_REQUIRED, DEBT_OPTIONAL, DEBT_CONTACTS):
                report.rows += 1
                parsed = parse(line, values) if isinstance(values, list) else [RowProblem(line, "(row)", values)]
                if isinstance(parsed, list):
                    problems.extend(parsed)
                else:
                    batch.append(parsed)
                if len(batch) >= BATCH:
                    problems.extend(writer.write(batch))
                    batch = []
                if progress and report.rows % BATCH == 0:
                    progress(BATCH)
            problems.extend(writer.write(batch))
            if progress:
                progress(report.rows % BATCH)
            problems.sort(key=lambda p: p.line)
            if problems and not skip_invalid:
                raise ImportRowsError(problems)  # rows of valid batches were written: rolled back below
    except BaseException:
        session.rollback()  # all or nothing, deferred indexes included
        raise
    report.skipped = problems
    return report


@contextmanager
def _page_cache(conn: sa.Connection) -> Iterator[None]:
    """SQLite: a page cache of IMPORT_CACHE_KIB while the rows go in, the connection's own size after.

    The tables' indexes on amounts and balances take their entries at random places: with SQLite's
    default 2 MB cache, every insert there soon reads and spills pages, and the cost of a row grows
    with the tables (+30 % from 100 k to 500 k rows). The cache fills only as far as the import
    needs it; the caller's commit then writes the pages (durability as set by `relance.core.db`).
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")  # negative: KiB
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {before}")  # back before any rollback releases the connection


def _estimated_rows(path: Path) -> int:
    """Data lines of the file, from its size and the length of its first lines (no full read)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(65_536)
    lines = sample.count(b"\n")
    if size <= len(sample) or not lines:
        return lines
    return size * lines // len(sample)


@contextmanager
def _deferred_indexes(conn: sa.Connection, expected_rows: int) -> Iterator[None]:
    """SQLite, a large import: DEFERRED_INDEXES dropped while the rows go in, built again at the end.

    Most of these indexes take their keys in no order (amounts, balances, names, phone numbers), so
    each row lands on a page of its own in each of them, and the cost of a row grows with the
    tables (+40 % from 10 k to 500 k rows); building an index afterwards is one sorted pass. A
    table's indexes are deferred only when the file brings at least as many rows as the table holds
    (and DEFER_FROM_ROWS): building them back then costs in proportion to the file, not to the
    database. They are built after `_page_cache` has given the connection its own cache size back:
    SQLite sizes the sorter of CREATE INDEX by the page cache, and a sorter as large as the import's
    cache would add its size to the peak memory (+60 MiB at 500 k rows). DDL is transactional in
    SQLite, so the drops and the builds are part of the import's transaction: readers keep seeing
    the indexes, and a rollback (a bad row, an error) brings them back with the rest.
    PostgreSQL keeps its indexes: a DROP INDEX there would lock the tables against every reader
    until the commit.
    """
    if conn.dialect.name != "sqlite" or expected_rows < DEFER_FROM_ROWS:
        yield
        return
    # the driver opens its transaction before a write, not before DDL: one write that changes
    # nothing opens it, so no DROP below can be committed on its own
    conn.exec_driver_sql("UPDATE debt SET id = id WHERE 0")
    if not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        raise StorageError("the import could not open its transaction; nothing was imported")
    rebuild: list[str] = []
    for table, names in DEFERRED_INDEXES.items():
        if expected_rows < (conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0):
            continue  # a database larger than the file: building its indexes again would cost more
        for name in names:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?", (table, name)
            ).scalar()
            if sql is not None:  # a later migration may have dropped or renamed it
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
                rebuild.append(sql)
    yield  # when the import fails the caller rolls back, which restores the indexes: nothing to build
    for sql in rebuild:
        conn.exec_driver_sql(sql)


@dataclass
class _Found:
    """A debt already in the database with a reference of the batch."""

    id: int
    case_id: int
    amount: Decimal
    balance: Decimal
    due_date: date
    debtor_ref: str


class _DebtWriter:
    """Writes batches of valid rows; remembers what it wrote to recognise a reference seen twice."""

    def __init__(self, session: Session, now: datetime, report: ImportReport) -> None:
        self.session, self.now, self.report = session, now, report
        self.conn = session.connection()
        self.bind = RowBinder(self.conn.dialect)
        self.creditor_ids: dict[str, int] = {
            key: id_ for key, id_ in self.conn.execute(sa.select(_CREDITOR.c.key, _CREDITOR.c.id))
        }
        self.written_ids, self.written_lines = array("q"), array("q")  # debts written, ascending ids
        self.matched: dict[int, int] = {}  # pre-existing debt id -> line that named it
        self.created_debtors = array("q")  # ascending
        self.seen_debtors: set[int] = set()  # pre-existing debtors already compared
        self.batch_debtors: set[int] = set()  # debtors created by the batch being written

    def write(self, rows: list[DebtRow]) -> list[RowProblem]:
        """Check `rows` against the file so far and the database, then store the good ones."""
        if not rows:
            return []
        problems, good, found = self._check(rows)
        if good:
            self.report.imported_rows += len(good)
            self._store(good, found)
        return problems

    # ---- checks

    def _check(self, rows: list[DebtRow]) -> tuple[list[RowProblem], list[DebtRow], dict[tuple[int, str], _Found]]:
        found = self._existing_debts(rows)
        problems: list[RowProblem] = []
        good: list[DebtRow] = []
        in_batch: dict[tuple[int, str], DebtRow] = {}
        for r in rows:
            key = (self.creditor_ids[r.creditor], r.reference)
            first = in_batch.get(key)
            debt = found.get(key)
            if first is not None:
                problems.append(_repeated(r, first.line, first.debtor_ref))
            elif debt is not None and (line := self._line_of(debt.id)) is not None:
                problems.append(_repeated(r, line, debt.debtor_ref))
            elif debt is not None and debt.debtor_ref != r.debtor_ref:
                msg = f"{r.reference!r} already belongs to another debtor ({debt.debtor_ref})"
                problems.append(RowProblem(r.line, "reference", msg))
            else:
                in_batch[key] = r
                good.append(r)
        return problems, good, found

    def _line_of(self, debt_id: int) -> int | None:
        """The line of this file that already wrote or named the debt, if any."""
        at = bisect_left(self.written_ids, debt_id)
        if at < len(self.written_ids) and self.written_ids[at] == debt_id:
            return self.written_lines[at]
        return self.matched.get(debt_id)

    def _existing_debts(self, rows: list[DebtRow]) -> dict[tuple[int, str], _Found]:
        refs = sorted({r.reference for r in rows})
        # most references of a file are new: find the others with one indexed query on the driver,
        # then read those in full
        refs = [
            ref for (ref,) in select_in(self.conn, "SELECT DISTINCT reference FROM debt WHERE reference IN ({})", refs)
        ]
        query = (
            sa.select(_DEBT.c.creditor_id, _DEBT.c.reference, _DEBT.c.id, _DEBT.c.case_id, _DEBT.c.amount,
                      _DEBT.c.balance, _DEBT.c.due_date, _DEBTOR.c.ref)
            .join(_CASE, _CASE.c.id == _DEBT.c.case_id)
            .join(_DEBTOR, _DEBTOR.c.id == _CASE.c.debtor_id)
        )  # fmt: skip
        found: dict[tuple[int, str], _Found] = {}
        for chunk in in_chunks(refs):
            for creditor_id, ref, *rest in self.conn.execute(query.where(_DEBT.c.reference.in_(chunk))):
                found[(creditor_id, ref)] = _Found(*rest)
        return found

    # ---- writes

    def _store(self, rows: list[DebtRow], found: dict[tuple[int, str], _Found]) -> None:
        debtor_ids = self._debtors(rows)
        case_ids, new_cases = self._cases(rows, debtor_ids)
        events: list[EncodedEvent] = [
            (case_id, "case_opened", f'{{"creditor":{json_text(c)},"debtor_ref":{json_text(d)}}}')
            for (c, d), case_id in new_cases.items()
        ]  # canonical_json({"debtor_ref": d, "creditor": c}), keys sorted
        touched = self._debts(rows, case_ids, found, events)
        self._contacts(rows, debtor_ids, events)
        record_encoded_events(self.session, events, actor="import", at=self.now, fresh=set(new_cases.values()))
        _refresh_cases(self.session, touched - set(new_cases.values()), self.now)

    def _debtors(self, rows: list[DebtRow]) -> dict[str, int]:
        firsts: dict[str, DebtRow] = {}
        for r in rows:
            firsts.setdefault(r.debtor_ref, r)
        ids = dict(select_in(self.conn, "SELECT ref, id FROM debtor WHERE ref IN ({})", list(firsts)))
        missing = [r for ref, r in firsts.items() if ref not in ids]
        self.batch_debtors = set()
        if missing:
            now = self.bind.instant(self.now)
            values = [
                (r.debtor_ref, r.debtor_name, fold(r.debtor_name), r.phone or None, r.email, r.telegram_chat_id,
                 r.locale, r.country, r.timezones, r.address, False, now, now)
                for r in missing
            ]  # fmt: skip
            new_ids = insert_rows_returning_ids(self.conn, _DEBTOR, _DEBTOR_COLUMNS, values)
            ids.update(zip((r.debtor_ref for r in missing), new_ids, strict=True))
            self.created_debtors.extend(new_ids)
            self.batch_debtors = set(new_ids)
            self.report.debtors_created += len(missing)
        return ids

    def _cases(
        self, rows: list[DebtRow], debtor_ids: dict[str, int]
    ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """Case ids per (creditor, debtor ref); the cases created now, with their totals already right."""
        wanted: dict[tuple[int, int], list[DebtRow]] = {}
        for r in rows:
            wanted.setdefault((self.creditor_ids[r.creditor], debtor_ids[r.debtor_ref]), []).append(r)
        by_ids: dict[tuple[int, int], int] = {}
        pairs = list(wanted)
        earlier = sorted({d for _, d in pairs if d not in self.batch_debtors})  # a debtor created now has no case yet
        for creditor_id, debtor_id, case_id in select_in(
            self.conn, "SELECT creditor_id, debtor_id, id FROM cases WHERE debtor_id IN ({})", earlier
        ):
            if (creditor_id, debtor_id) in wanted:
                by_ids[(creditor_id, debtor_id)] = case_id
        missing = [pair for pair in pairs if pair not in by_ids]
        new_cases: dict[tuple[str, str], int] = {}
        if missing:
            b, now, status = self.bind, self.bind.instant(self.now), CaseStatus.OPEN.value
            values = []
            for pair in missing:
                debts = wanted[pair]  # a new case holds only this batch's new debts
                if len(debts) == 1:
                    balance, due = debts[0].amount, debts[0].due_date
                else:
                    balance, due = sum((r.amount for r in debts), Decimal(0)), min(r.due_date for r in debts)
                values.append((pair[0], pair[1], status, debts[0].currency, b.money(balance), b.day(due), 0, "idle",
                               "{}", now, now))  # fmt: skip
            new_ids = insert_rows_returning_ids(self.conn, _CASE, _CASE_COLUMNS, values)
            for pair, case_id in zip(missing, new_ids, strict=True):
                by_ids[pair] = case_id
                first = wanted[pair][0]
                new_cases[(first.creditor, first.debtor_ref)] = case_id
            self.report.cases_created += len(missing)
        out = {(rs[0].creditor, rs[0].debtor_ref): by_ids[pair] for pair, rs in wanted.items()}
        return out, new_cases

    def _debts(
        self,
        rows: list[DebtRow],
        case_ids: dict[tuple[str, str], int],
        found: dict[tuple[int, str], _Found],
        events: list[EncodedEvent],
    ) -> set[int]:
        b, now = self.bind, self.bind.instant(self.now)
        sqlite, status = b.sqlite, DebtStatus.OPEN.value
        values: list[tuple[Any, ...]] = []
        lines: list[int] = []
        touched: set[int] = set()
        for r in rows:
            creditor_id = self.creditor_ids[r.creditor]
            case_id = case_ids[(r.creditor, r.debtor_ref)]
            debt = found.get((creditor_id, r.reference)) if found else None
            if debt is None:
                amount, day = r.amount, r.due_date.isoformat()
                money = float(amount) if sqlite else amount  # as RowBinder binds them
                bound_day = day if sqlite else r.due_date
                values.append(
                    (creditor_id, case_id, r.reference, money, money, r.currency, bound_day, status, now, now)
                )
                lines.append(r.line)
                data = (f'{{"amount":"{amount}","currency":{json_text(r.currency)},"due_date":"{day}",'
                        f'"reference":{json_text(r.reference)}}}')  # fmt: skip
                events.append((case_id, "debt_imported", data))  # canonical_json of the four, keys sorted
                touched.add(case_id)
                continue
            self.matched[debt.id] = r.line
            if debt.amount != r.amount or debt.due_date != r.due_date:
                self._change(debt, r, events)
                self.report.debts_updated += 1
                touched.add(case_id)
            else:
                self.report.unchanged += 1
        if values:
            new_ids = insert_rows_returning_ids(self.conn, _DEBT, _DEBT_COLUMNS, values)
            if self.written_ids and new_ids and new_ids[0] <= self.written_ids[-1]:
                raise StorageError("debt ids went backwards during the import; run it again")
            self.written_ids.extend(new_ids)
            self.written_lines.extend(lines)
            self.report.debts_created += len(values)
        return touched

    def _change(self, debt: _Found, row: DebtRow, events: list[EncodedEvent]) -> None:
        paid = debt.amount - debt.balance
        balance = max(Decimal(0), row.amount - paid)
        self.conn.execute(
            sa.update(_DEBT)
            .where(_DEBT.c.id == debt.id)
            .values(
                amount=row.amount,
                balance=balance,
                due_date=row.due_date,
                status=DebtStatus.OPEN.value if balance > 0 else DebtStatus.PAID.value,
                updated_at=self.now,
            )
        )
        kind = "debt_amount_changed" if debt.amount != row.amount else "debt_due_date_changed"
        data = {
            "reference": row.reference,
            "old_amount": debt.amount,
            "new_amount": row.amount,
            "old_due_date": debt.due_date,
            "new_due_date": row.due_date,
            "balance": balance,
        }
        events.append((debt.case_id, kind, canonical_json(data)))

    def _contacts(self, rows: list[DebtRow], debtor_ids: dict[str, int], events: list[EncodedEvent]) -> None:
        """Pre-existing debtors whose phone, e-mail or address the file changes: update, log, re-check."""
        firsts: dict[int, DebtRow] = {}
        created_now, seen = self.batch_debtors, self.seen_debtors
        for r in rows:
            debtor_id = debtor_ids[r.debtor_ref]
            if debtor_id in created_now or debtor_id in seen or _contains(self.created_debtors, debtor_id):
                continue
            firsts.setdefault(debtor_id, r)
        if not firsts:
            return
        self.seen_debtors.update(firsts)
        d = _DEBTOR.c
        changes: dict[int, dict[str, tuple[str | None, str]]] = {}
        for chunk in in_chunks(sorted(firsts)):
            for debtor_id, phone, email, address in self.conn.execute(
                sa.select(d.id, d.phone, d.email, d.address).where(d.id.in_(chunk))
            ):
                r = firsts[debtor_id]
                now_values = {"phone": r.phone or None, "email": r.email, "address": r.address}
                old_values = {"phone": phone, "email": email, "address": address}
                diff = {k: (old_values[k], v) for k, v in now_values.items() if v is not None and v != old_values[k]}
                if diff:
                    changes[debtor_id] = diff
        if changes:
            self._apply_contacts(changes, events)

    def _apply_contacts(
        self, changes: dict[int, dict[str, tuple[str | None, str]]], events: list[EncodedEvent]
    ) -> None:
        d, o = _DEBTOR.c, _OPTOUT.c
        new_phones = sorted({diff["phone"][1] for diff in changes.values() if "phone" in diff})
        opted_out: set[str] = set()
        for chunk in in_chunks(new_phones):
            opted_out.update(
                self.conn.execute(
                    sa.select(o.address).where(o.channel == "sms", o.active.is_(True), o.address.in_(chunk))
                ).scalars()
            )
        cases: dict[int, list[int]] = {}
        for chunk in in_chunks(sorted(changes)):
            for case_id, debtor_id in self.conn.execute(
                sa.select(_CASE.c.id, _CASE.c.debtor_id).where(_CASE.c.debtor_id.in_(chunk)).order_by(_CASE.c.id)
            ):
                cases.setdefault(debtor_id, []).append(case_id)
        for debtor_id, diff in changes.items():
            values = {name: new for name, (_, new) in diff.items()}
            self.conn.execute(sa.update(_DEBTOR).where(d.id == debtor_id).values(**values, updated_at=self.now))
            data: dict[str, Any] = {name: {"old": old, "new": new} for name, (old, new) in diff.items()}
            if "phone" in diff:
                data["phone_opted_out_of_sms"] = diff["phone"][1] in opted_out
            encoded = canonical_json(data)
            events += [(case_id, "debtor_contact_changed", encoded) for case_id in cases.get(debtor_id, [])]
            self.report.debtors_updated += 1


def _repeated(row: DebtRow, line: int, debtor_ref: str) -> RowProblem:
    other = "the same debtor" if debtor_ref == row.debtor_ref else "another debtor"
    return RowProblem(row.line, "reference", f"{row.reference!r} already on line {line} for {other}")


def _contains(ids: array[int], value: int) -> bool:
    at = bisect_left(ids, value)
    return at < len(ids) and ids[at] == value


# name_folded: the driver's executemany bypasses the ORM hook and the column default that fill it
_DEBTOR_COLUMNS = ("ref", "name", "name_folded", "phone", "email", "telegram_chat_id", "locale", "country",
                   "timezones", "address", "wrong_person", "created_at", "updated_at")  # fmt: skip
_CASE_COLUMNS = ("creditor_id", "debtor_id", "status", "currency", "balance", "due_date", "last_step",
                 "dialogue_state", "dialogue_data", "opened_at", "updated_at")  # fmt: skip
_DEBT_COLUMNS = ("creditor_id", "case_id", "reference", "amount", "balance", "currency", "due_date", "status",
                 "created_at", "updated_at")  # fmt: skip


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
