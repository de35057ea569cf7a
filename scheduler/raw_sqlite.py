"""Values as `relance.core.models` stores them in SQLite, for the sweep's hot paths.

At a million cases, SQLAlchemy's per-row parameter and result processing is a large share of a
sweep. These helpers bind and read the few column types involved exactly as `UTCDateTime`,
`Numeric`, `Date`, `Boolean` and `JSON` do on SQLite (UTC wall time with microseconds, ISO dates,
0/1), so the hot statements can go straight to the driver. PostgreSQL keeps SQLAlchemy Core.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any


def instant(value: datetime | None) -> str | None:
    """Bind an aware instant: its UTC wall time, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        # a sweep binds a handful of distinct instants (now, the horizons, each window's opening)
        # a million times over: formatting them once is a fifth of its time
        return _utc_text(value)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


@lru_cache(maxsize=4096)
def _utc_text(value: datetime) -> str:
    # only for tzinfo UTC: two equal instants in UTC have the same wall time (no fold), so the memo
    # never answers for a different instant; other zones take the uncached path above
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


@lru_cache(maxsize=4096)
def read_instant(value: str | None) -> datetime | None:
    """Read an instant stored by `instant` (or by SQLAlchemy) back as aware UTC."""
    # memoised: a portfolio's cases share their import instant, and swept cases their check times
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def read_date(value: str | None) -> date | None:
    # memoised: due dates and deadlines repeat across a portfolio
    return None if value is None else date.fromisoformat(value)


def read_money(value: Any) -> Decimal:
    """SQLite keeps NUMERIC as an integer or a float: read it back through its shortest repr."""
    return Decimal(str(value))


def json_value(value: Any) -> str | None:
    """Bind a JSON column (None stays SQL NULL)."""
    return None if value is None else json.dumps(value)
