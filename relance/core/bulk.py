"""Bulk inserts straight to the driver, for the import's and the audit trail's hot paths.

SQLAlchemy's per-row parameter processing (type decorators, JSON serialisation, the ORM's bulk
path) costs more than the database itself when a file brings a hundred thousand rows. `RowBinder`
converts values exactly as the column types of `relance.core.models` store them — `UTCDateTime`
as the UTC wall time on SQLite and an aware instant on PostgreSQL, `Numeric` as a float on SQLite
(what SQLAlchemy binds there), and `Date` as ISO text on SQLite — and
`insert_rows` hands prepared tuples to the driver's `executemany` on the session's connection (same
transaction; psycopg pipelines it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from relance.core.errors import StorageError

if TYPE_CHECKING:
    import psycopg


class RowBinder:
    """Driver values for one dialect, as the models' column types would bind them."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self.sqlite = dialect.name == "sqlite"
        self._instants: dict[datetime, Any] = {}

    def instant(self, value: datetime | None) -> Any:
        if value is None:
            return None
        bound = self._instants.get(value)
        if bound is None:
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"naive datetime {value!r} cannot be stored: use an aware UTC value")
            utc = value.astimezone(UTC)
            bound = utc.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else utc
            if len(self._instants) < 64:  # a bulk write uses a handful of instants (its `now`)
                self._instants[value] = bound
        return bound

    def money(self, value: Decimal | None) -> Any:
        if value is None:
            return None
        return float(value) if self.sqlite else value

    def day(self, value: date | None) -> Any:
        if value is None:
            return None
        return value.isoformat() if self.sqlite else value


def insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """INSERT every tuple of `rows` (values in `columns` order, already bound) with one executemany."""
    if not rows:
        return
    conn.exec_driver_sql(_insert_sql(conn.dialect, table, tuple(columns)), list(rows))


def insert_rows_returning_ids(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """`insert_rows`, then the new rows' `id`s in the order of `rows`."""
    if not rows:
        return []
    name = conn.dialect.identifier_preparer.format_table(table)
    if conn.dialect.name == "postgresql":
        mark = "%s"
        cols = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
        sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join([mark] * len(columns))}) RETURNING id"
        cursor = cast("psycopg.Cursor[tuple[Any, ...]]", conn.connection.cursor())
        try:
            cursor.executemany(sql, list(rows), returning=True)  # psycopg 3: one result per row, pipelined
            ids = []
            while True:
                row = cursor.fetchone()
                if row is None:
                    raise StorageError(f"{name}: an insert returned no id")
                ids.append(row[0])
                if not cursor.nextset():
                    break
        finally:
            cursor.close()
        return ids
    # SQLite: from the executemany's first row to the commit the write lock is ours, and each new
    # rowid is the largest one plus one, so the rows just written hold the last len(rows) ids; a
    # count over that range checks it (two index lookups, no row read back through Python)
    insert_rows(conn, table, columns, rows)
    lite = conn.connection.cursor()
    try:
        last = lite.execute(f"SELECT max(id) FROM {name}").fetchone()[0]
        first = last - len(rows) + 1
        found = lite.execute(f"SELECT count(*) FROM {name} WHERE id BETWEEN ? AND ?", (first, last)).fetchone()[0]
    finally:
        lite.close()
    if found != len(rows):
        raise StorageError(f"the new rows of {table.name} are not the last {len(rows)} ids; run the import again")
    return list(range(first, last + 1))


def insert_row_returning_id(conn: sa.Connection, table: sa.Table, columns: Sequence[str], row: tuple[Any, ...]) -> int:
    """INSERT one bound row straight to the driver; its new `id` (`RETURNING`, SQLite 3.35+ and PostgreSQL)."""
    return int(
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, tuple(columns)) + " RETURNING id", row).scalar_one()
    )


def _insert_sql(dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]) -> str:
    preparer = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )


IN_MARKS = 500  # values per `IN (...)` of `select_in`: well below every driver's bound-parameter limit


def select_in(conn: sa.Connection, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of `sql` whose `{}` is a list of `values`, straight on the driver, IN_MARKS values at a time.

    Every chunk has the same number of marks (the last one repeats its last value), so the driver
    prepares the statement once per import instead of SQLAlchemy building and compiling one per chunk.
    """
    if not values:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    statement = sql.format(", ".join([mark] * IN_MARKS))
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(values), IN_MARKS):
            chunk = list(values[start : start + IN_MARKS])
            chunk += [chunk[-1]] * (IN_MARKS - len(chunk))
            cursor.execute(statement, chunk)
            yield from cursor.fetchall()
    finally:
        cursor.close()
