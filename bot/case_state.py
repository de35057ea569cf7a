"""The inbound path's view of a case, read in one query, and its small statements sent straight to the driver.

Every inbound message (a webhook burst can bring hundreds a second) reads the same few facts — the
case, its debtor, its creditor — and writes the same few rows: the message, the case's dialogue
state, the replies, the events. Through the ORM that is a dozen statements compiled, executed and
turned into tracked objects; here each is a fixed SQL string run on the session's own DBAPI
connection (same transaction), with values bound the way the models' column types bind them
(`relance.core.bulk.RowBinder`). Rare writes (promises, plans, flags, opt-outs) stay on the ORM.

`CaseState` is a snapshot: code that changes the case through the ORM gets the mapped `Case`
with `orm_case`, and `sync_case` keeps a mapped `Case` already in the session in step with rows
written here (callers that passed one read it afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from messages.context import DebtLine
from relance.core.bulk import RowBinder
from relance.core.events import EVENT_INSERT_COLUMNS, GENESIS, NewEvent, chained_rows
from relance.core.models import MONEY, Case, CaseStatus, DebtStatus

_CLOSED = (CaseStatus.PAID.value, CaseStatus.CLOSED.value)

_CASE_COLUMNS = (
    "cases.id, cases.debtor_id, cases.creditor_id, cases.status, cases.currency, cases.balance, "
    "cases.dialogue_state, cases.dialogue_data, cases.agent_id, cases.flagged_at, "
    "debtor.name, debtor.locale, debtor.timezones, debtor.phone, debtor.telegram_chat_id, creditor.key"
)
_CASE_FROM = "FROM cases JOIN debtor ON debtor.id = cases.debtor_id JOIN creditor ON creditor.id = cases.creditor_id"
# the rule of `bot.inbound.case_for_phone`: the open case we wrote to last, else the latest
_CASE_ORDER = (
    f"ORDER BY CASE WHEN cases.status IN ('{_CLOSED[0]}', '{_CLOSED[1]}') THEN 1 ELSE 0 END, "
    "coalesce(cases.last_reminder_at, cases.opened_at) DESC, cases.id DESC LIMIT 1"
)


@dataclass(slots=True)
class CaseState:
    """A case with what answering its debtor needs of the debtor and the creditor."""

    id: int
    debtor_id: int
    creditor_id: int
    status: str
    currency: str
    balance: Decimal
    dialogue_state: str
    dialogue_data: dict[str, Any]
    agent_id: int | None
    flagged: bool
    debtor_name: str
    locale: str
    zones: tuple[str, ...]
    phone: str | None
    telegram_chat_id: int | None
    creditor_key: str


class Sql:
    """Fixed statements on the DBAPI connection of a session (or a connection), with the dialect's placeholder."""

    def __init__(self, on: Session | sa.Connection) -> None:
        conn = on.connection() if isinstance(on, Session) else on
        self.dialect = conn.dialect
        self.postgresql = conn.dialect.name == "postgresql"
        self.bind = RowBinder(conn.dialect)
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def q(self, sql: str) -> str:
        """`sql` written with `?` placeholders, in the driver's paramstyle (cached)."""
        key = (sql, self.postgresql)
        cached = _SQL_CACHE.get(key)
        if cached is None:
            cached = _SQL_CACHE[key] = sql.replace("?", "%s") if self.postgresql else sql
        return cached

    def one(self, sql: str, params: Sequence[Any]) -> Any:
        cursor = self._cursor
        cursor.execute(self.q(sql), params)
        return cursor.fetchone()

    def all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        cursor = self._cursor
        cursor.execute(self.q(sql), params)
        return list(cursor.fetchall())

    def returning(self, sql: str, params: Sequence[Any]) -> int:
        """The id an `INSERT … RETURNING id` gave (the statement read to its end)."""
        cursor = self._cursor
        cursor.execute(self.q(sql), params)
        return int(cursor.fetchall()[0][0])

    def run(self, sql: str, params: Sequence[Any]) -> None:
        self._cursor.execute(self.q(sql), params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self.q(sql), rows)

    def json(self, value: Any) -> Any:
        """A JSON column's bound value (as `sa.JSON` binds it: `json.dumps`, None as JSON null)."""
        return json.dumps(value)

    def money(self, value: Any) -> Decimal:
        """A `Money` column's value as the ORM reads it (SQLite hands back a float)."""
        if not isinstance(value, Decimal):  # SQLite: a float, or an int for whole amounts
            value = Decimal(f"{value:.4f}")
        return MONEY.process_result_value(value, self.dialect)  # type: ignore[return-value]

    def day(self, value: Any) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value


_SQL_CACHE: dict[tuple[str, bool], str] = {}


def _state(sql: Sql, row: Any) -> CaseState:
    data = row[7]
    if isinstance(data, str):
        data = json.loads(data)
    return CaseState(
        id=row[0],
        debtor_id=row[1],
        creditor_id=row[2],
        status=row[3],
        currency=row[4],
        balance=sql.money(row[5]),
        dialogue_state=row[6] or "idle",
        dialogue_data=dict(data or {}),
        agent_id=row[8],
        flagged=row[9] is not None,
        debtor_name=row[10],
        locale=row[11],
        zones=tuple((row[12] or "").split()),
        phone=row[13],
        telegram_chat_id=row[14],
        creditor_key=row[15],
    )


def state_by_phone(sql: Sql, phone: str) -> CaseState | None:
    """The case an SMS from `phone` is about (the rule of `bot.inbound.case_for_phone`)."""
    row = sql.one(f"SELECT {_CASE_COLUMNS} {_CASE_FROM} WHERE debtor.phone = ? {_CASE_ORDER}", (phone,))
    return None if row is None else _state(sql, row)


def state_by_id(sql: Sql, case_id: int) -> CaseState:
    """The state of case `case_id` (which exists)."""
    row = sql.one(f"SELECT {_CASE_COLUMNS} {_CASE_FROM} WHERE cases.id = ?", (case_id,))
    return _state(sql, row)


def state_of(session: Session, case: Case | CaseState) -> CaseState:
    """A `CaseState` for a mapped `Case` (its pending changes flushed first) or the state itself."""
    if isinstance(case, CaseState):
        return case
    assert case.id is not None
    session.flush()
    return state_by_id(Sql(session), case.id)


def orm_case(session: Session, state: CaseState) -> Case:
    """The mapped `Case` (from the session's identity map when loaded already), for ORM writes."""
    case = session.get(Case, state.id)
    assert case is not None
    return case


def sync_case(session: Session, case_id: int, **values: Any) -> None:
    """Tell a mapped `Case` already in the session the values just written without it (nothing to flush)."""
    if not session.identity_map:  # the SMS webhook loads no mapped object at all
        return
    case = session.identity_map.get(session.identity_key(Case, case_id))  # type: ignore[call-overload]
    if case is None:
        return
    for name, value in values.items():
        set_committed_value(case, name, value)


def debt_lines(sql: Sql, case_id: int) -> list[DebtLine]:
    """The case's open debts (else its latest one) as templates read them, oldest due first."""
    rows = sql.all(
        "SELECT reference, balance, currency, due_date, status FROM debt WHERE case_id = ? ORDER BY due_date, id",
        (case_id,),
    )
    chosen = [r for r in rows if r[4] == DebtStatus.OPEN.value] or rows[-1:]
    return [DebtLine(r[0], sql.money(r[1]), r[2], sql.day(r[3])) for r in chosen]


_EVENT_HEAD = "SELECT hash FROM event WHERE case_id = ? ORDER BY id DESC LIMIT 1"
_LOCK_CASE = "SELECT id FROM cases WHERE id = ? FOR UPDATE"
_INSERT_EVENT = (
    f"INSERT INTO event ({', '.join(EVENT_INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_INSERT_COLUMNS))})"
)


class CaseEvents:
    """Events of one case kept in order and appended together (one head read, one executemany).

    `flush` must run before anything else appends to the case's chain (`record_event`); like
    `record_event`, it flushes the session's pending changes first and locks the case on PostgreSQL.
    """

    def __init__(self, session: Session, sql: Sql, case_id: int) -> None:
        self.session, self.sql, self.case_id = session, sql, case_id
        self.pending: list[NewEvent] = []

    def add(self, kind: str, actor: str, at: datetime, data: dict[str, Any]) -> None:
        self.pending.append(NewEvent(case_id=self.case_id, kind=kind, actor=actor, at=at, data=data))

    def flush(self) -> None:
        if not self.pending:
            return
        events, self.pending = self.pending, []
        self.session.flush()
        sql = self.sql
        if sql.postgresql:
            sql.run(_LOCK_CASE, (self.case_id,))
        head = sql.one(_EVENT_HEAD, (self.case_id,))
        rows = chained_rows(self.case_id, events, head[0] if head else GENESIS, sql.bind)
        sql.many(_INSERT_EVENT, rows)
