"""The facts of many cases, read in a few set-based queries (the sweep's and the dispatcher's input).

One query selects the cases (with their debtor); a handful more fetch, for all of those cases at
once, what the decision needs: open disputes, the pending promise, the active plan and its
installments, the recent and pending reminders, escalation flags, and the debtor's opt-outs.
Nothing here loops over cases with a query each: a batch of 20,000 cases costs about ten queries.
Cases are filtered by `case_id IN (...)` for small or sparse sets and by an id range (then in
Python) for large dense ones, which keeps each query a single index range scan.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from relance.core.db import IN_CHUNK, in_chunks, in_json_list
from relance.core.models import (
    Case,
    Debt,
    Debtor,
    Dispute,
    Flag,
    Installment,
    Message,
    OptOut,
    PaymentPlan,
    PromiseToPay,
)
from scheduler import raw_sqlite, stops
from scheduler.caps import REMINDER_KINDS, ROLLING
from scheduler.facts import CaseFacts, InstallmentFacts
from scheduler.keys import installment_key

# cases the sweep looks at; paid, closed, disputed and wrong-person cases wait for a human to reopen them
ACTIVE_STATUSES = ("open", "promised", "plan", "formal_notice_sent")
PENDING = ("queued", "sending")
ESCALATIONS = ("no_response", "court_procedure", "unreachable")
SENT_STATUSES = ("sent", "delivered")
LEFT_STATUSES = ("sent", "delivered", "undelivered")
INSTALLMENT_KINDS = ("installment_reminder", "installment_missed")
_IN_LIMIT = IN_CHUNK
_SHORT_LIST = 50  # ids bound one by one up to this many (SQLite)
_SPARSE_IN_LIMIT = 20_000  # a sweep batch (20,000) fits: below SQLite's 32,766 bound variables
DURABLE_RECHECK = timedelta(days=7)

C = Case.__table__.c  # type: ignore[attr-defined]
D = Debtor.__table__.c  # type: ignore[attr-defined]
M = Message.__table__.c  # type: ignore[attr-defined]


class CaseRow(NamedTuple):
    """A case and its debtor's contact details, as the scheduler reads them.

    A named tuple, not a dataclass: a sweep builds one per case, a million of them, and a tuple is
    built in one step where a frozen dataclass sets its 23 fields one by one.
    """

    id: int
    creditor_id: int
    status: str
    currency: str
    balance: Decimal
    due_date: date | None
    last_step: int
    last_reminder_at: datetime | None
    last_inbound_at: datetime | None
    paused_until: datetime | None
    agent_id: int | None
    notice_deadline: date | None
    debtor_id: int
    debtor_name: str
    locale: str
    country: str | None
    timezones: str
    phone: str | None
    telegram_chat_id: int | None
    wrong_person: bool
    flagged_at: datetime | None = None
    opened_at: datetime | None = None
    email: str | None = None

    def addresses(self) -> dict[str, str]:
        """The debtor's address per channel."""
        out = {}
        for channel in ("telegram", "sms", "email"):
            address = self.address(channel)
            if address is not None:
                out[channel] = address
        return out

    def address(self, channel: str) -> str | None:
        """The debtor's address on `channel` (None: none known)."""
        return address_of(self, channel)


# a field's position in a CaseRow, which is also its column's in `_CASE_COLUMNS`: the sweep reads the driver's
# rows on SQLite (`due_case_rows`) by these positions, and a CaseRow alike
FIELD = {name: i for i, name in enumerate(CaseRow._fields)}
_PHONE, _CHAT, _EMAIL = FIELD["phone"], FIELD["telegram_chat_id"], FIELD["email"]


def address_of(row: Sequence[Any], channel: str) -> str | None:
    """The debtor's address on `channel` (None: none known), of a CaseRow or a driver's row of `_CASE_COLUMNS`."""
    if channel == "sms":
        return row[_PHONE] or None
    if channel == "telegram":
        chat_id = row[_CHAT]
        return None if chat_id is None else str(chat_id)
    if channel == "email":
        email = row[_EMAIL]
        return email.strip().lower() if email else None
    return None


_CASE_COLUMNS = (
    C.id, C.creditor_id, C.status, C.currency, C.balance, C.due_date, C.last_step, C.last_reminder_at,
    C.last_inbound_at, C.paused_until, C.agent_id, C.notice_deadline,
    D.id, D.name, D.locale, D.country, D.timezones, D.phone, D.telegram_chat_id, D.wrong_person, C.flagged_at,
    C.opened_at, D.email,
)  # fmt: skip


def _case_select() -> sa.Select[Any]:
    return sa.select(*_CASE_COLUMNS).join_from(Case.__table__, Debtor.__table__, D.id == C.debtor_id)  # type: ignore[attr-defined]


# Statements are built once (per shape of their case filter, see `_Cases`) and run with parameters:
# SQLAlchemy then finds them in its compiled cache without building an expression tree and a
# cache key per call, which was most of the cost of a sweep or a dispatch of a few cases.
_NOW = sa.bindparam("now", type_=C.next_check_at.type)
_CHECK_DUE = sa.or_(C.next_check_at.is_(None), C.next_check_at <= _NOW)
_DUE_IDS = sa.select(C.id).where(C.status.in_(ACTIVE_STATUSES), _CHECK_DUE).order_by(C.id)


def due_case_ids(conn: Connection, *, now: datetime) -> list[int]:
    """Ids of the active cases whose check time has come, in order (one scan of the due index)."""
    # integers need no result processing: the driver's rows, not a Row and a scalar per id (a million at a time)
    return [case_id for (case_id,) in _driver_rows(conn, _DUE_IDS, {"now": now})]


def due_cases(conn: Connection, ids: Sequence[int], *, now: datetime) -> list[CaseRow]:
    """The cases `ids` (sorted) that are still active and due at `now`, with their debtor."""
    rows = due_case_rows(conn, ids, now=now)
    if conn.dialect.name == "sqlite":
        return [sqlite_case_row(row) for row in rows]
    return rows  # type: ignore[return-value]


def due_case_rows(conn: Connection, ids: Sequence[int], *, now: datetime) -> list[Sequence[Any]]:
    """`due_cases`, on SQLite as the driver's rows (values as stored, see `scheduler.raw_sqlite`).

    The sweep reads most of them by position (`FIELD`) and makes a CaseRow (`sqlite_case_row`) only of
    the few it decides: converting every column of a million rows was a tenth of its time.
    """
    if not ids:
        return []
    cases = _cases(ids, conn)
    sqlite = conn.dialect.name == "sqlite"
    query, params = _due_cases_query(cases.shape, sqlite), {**cases.params, "now": now}
    wanted = set(ids)
    if sqlite:
        return [row for row in _driver_rows(conn, query, params) if row[0] in wanted]
    make = CaseRow._make
    return [make(row) for row in conn.execute(query, params).all() if row[0] in wanted]


@lru_cache(maxsize=8)
def _due_cases_query(shape: str, sqlite: bool) -> sa.Select[Any]:
    status, check = C.status, C.next_check_at
    if sqlite:
        # read the batch by primary key (in id order: no sort) and check status and time on each row:
        # `+` keeps SQLite, which has no statistics, from going through ix_case_due_scan instead,
        # whose OR of NULL and `<= now` visits every due case of the sweep, not the batch's, per batch
        status = sa.literal_column("+cases.status", C.status.type)
        check = sa.literal_column("+cases.next_check_at", C.next_check_at.type)
    due = sa.or_(check.is_(None), check <= _NOW)
    select = _case_select() if sqlite else _case_select_by_debtor_lookups()
    return select.where(_of_cases(C.id, shape), status.in_(ACTIVE_STATUSES), due).order_by(C.id)


def _case_select_by_debtor_lookups() -> sa.Select[Any]:
    """`_case_select` for PostgreSQL's sweep: each case's debtor fetched by its primary key.

    A batch is a range of cases and their debtors are anywhere: PostgreSQL joined them by hashing
    the batch and reading the whole debtor table, every batch. A LATERAL subquery with `OFFSET 0`
    (which PostgreSQL does not flatten into a join) reads one debtor per case through its key.
    """
    debtor = sa.select(*(col for col in _CASE_COLUMNS if col.table is D.id.table)).where(D.id == C.debtor_id)
    looked_up = debtor.offset(0).lateral("case_debtor")
    columns = [looked_up.c[col.name] if col.table is D.id.table else col for col in _CASE_COLUMNS]
    return sa.select(*columns).select_from(Case.__table__).join(looked_up, sa.true())  # type: ignore[attr-defined]


def sqlite_case_row(
    r: Sequence[Any],
    money: Callable[[Any], Decimal] = raw_sqlite.read_money,
    day: Callable[[str | None], date | None] = raw_sqlite.read_date,
    at: Callable[[str | None], datetime | None] = raw_sqlite.read_instant,
) -> CaseRow:
    """The CaseRow of a raw SQLite row of `_CASE_COLUMNS` (see `scheduler.raw_sqlite`).

    The instants most cases leave empty (last reminder, last inbound, pause, flag, notice deadline) are
    tested for NULL before the memoised readers are called: a million calls fewer each.
    """
    return CaseRow._make((
        r[0], r[1], r[2], r[3], money(r[4]), day(r[5]), r[6], None if r[7] is None else at(r[7]),
        None if r[8] is None else at(r[8]), None if r[9] is None else at(r[9]), r[10],
        None if r[11] is None else day(r[11]), r[12], r[13], r[14], r[15], r[16], r[17], r[18], bool(r[19]),
        None if r[20] is None else at(r[20]), at(r[21]), r[22],
    ))  # fmt: skip


def _sqlite_case_rows(
    raw: list[Any], wanted: set[int], *, money: Callable[[Any], Decimal] = raw_sqlite.read_money
) -> list[CaseRow]:
    """CaseRows from raw SQLite rows of `_CASE_COLUMNS`, those in `wanted`."""
    return [sqlite_case_row(r, money) for r in raw if r[0] in wanted]


_CASES_BY_ID = _case_select().where(C.id.in_(sa.bindparam("ids", expanding=True)))


@lru_cache(maxsize=4)
def _cases_by_id_query(shape: str) -> sa.Select[Any]:
    return _case_select().where(_of_cases(C.id, shape)).order_by(C.id)


def cases_by_id(conn: Connection, ids: Collection[int]) -> dict[int, CaseRow]:
    """The cases with these ids."""
    out: dict[int, CaseRow] = {}
    for chunk in in_chunks(sorted(set(ids))):
        params = {"ids": list(chunk)}
        if conn.dialect.name == "sqlite":
            # the balance as the `Money` column reads it (`600.00`): the dispatcher writes it in texts
            money = C.balance.type.result_processor(conn.dialect, None)
            cases = _cases(chunk, conn)  # a dispatcher's batch: one JSON parameter, not a parameter per id
            raw = _driver_rows(conn, _cases_by_id_query(cases.shape), cases.params)
            rows = _sqlite_case_rows(raw, set(chunk), money=money)
            out.update((row.id, row) for row in rows)
            continue
        for row in conn.execute(_CASES_BY_ID, params):
            out[row[0]] = CaseRow(*row)
    return out


class _Cases(NamedTuple):
    """How a query picks a set of cases: the shape of its filter (`_of_cases`) and its parameters."""

    shape: str  # "list", "json" or "range"
    params: dict[str, Any]


def _cases(ids: Collection[int], conn: Connection) -> _Cases:
    """`IN ids` for a small or sparse set, else the id range (callers drop rows of other cases).

    A range is one index range scan, the best when most cases in it are wanted (a sweep over a
    portfolio all due at once); when few are (the daily trickle of a portfolio in steady state),
    it would read every other case's rows too, so the ids are listed instead. On SQLite a long
    list travels as one JSON parameter read by `json_each`: SQLAlchemy expands an `IN` list into a
    parameter per id on every execution, which was a fifth of a simulation's sweeps.
    """
    lowest, highest = min(ids), max(ids)
    dense = len(ids) * 2 >= highest - lowest + 1
    if len(ids) <= _IN_LIMIT or (not dense and len(ids) <= _SPARSE_IN_LIMIT):
        if conn.dialect.name == "sqlite" and len(ids) > _SHORT_LIST:
            return _Cases("json", {"case_ids": json.dumps(sorted(ids))})
        return _Cases("list", {"case_ids": sorted(ids)})
    return _Cases("range", {"lowest": lowest, "highest": highest})


def _of_cases(column: Any, shape: str) -> Any:
    """The filter of `column` on the cases of a `_Cases` of this shape (its parameters bound at execution)."""
    if shape == "json":
        return in_json_list(column, "case_ids")
    if shape == "list":
        return column.in_(sa.bindparam("case_ids", expanding=True))
    return column.between(sa.bindparam("lowest"), sa.bindparam("highest"))


@dataclass(frozen=True, slots=True)
class PromiseRow:
    id: int
    case_id: int
    amount: Decimal
    due_on: date


@dataclass(frozen=True, slots=True)
class InstallmentRow:
    id: int
    plan_id: int
    seq: int
    due_on: date
    amount: Decimal
    paid_amount: Decimal
    status: str

    @property
    def paid(self) -> bool:
        return self.status == "paid" or self.paid_amount >= self.amount


@dataclass
class Related:
    """What the decision needs beyond the case row, for a set of cases."""

    disputes: set[int] = field(default_factory=set)
    promises: dict[int, PromiseRow] = field(default_factory=dict)
    plans: dict[int, int] = field(default_factory=dict)  # case -> active plan id
    installments: dict[int, list[InstallmentRow]] = field(default_factory=dict)
    reminded: set[str] = field(default_factory=set)  # idempotency keys of installment reminders
    recent: dict[int, list[datetime]] = field(default_factory=dict)  # case -> reminders sent lately
    pending: set[int] = field(default_factory=set)  # cases with a reminder in the outbox
    flagged: dict[int, set[str]] = field(default_factory=dict)
    # case -> (scenario reminders sent or delivered, first and latest instant one left)
    steps_sent: dict[int, tuple[int, datetime | None, datetime | None]] = field(default_factory=dict)
    # the cases any of the above mentions, once `seal` was called (None: not known, look everything up)
    touched: frozenset[int] | None = None

    def seal(self) -> None:
        """Record which cases have related facts: the others' facts come from their row alone."""
        self.touched = frozenset().union(
            self.disputes, self.promises, self.plans, self.installments, self.recent, self.pending, self.flagged,
            self.steps_sent,
        )  # fmt: skip


def related(conn: Connection, ids: Collection[int], *, now: datetime) -> Related:
    """Disputes, promises, plans, reminders and escalation flags of the cases `ids`."""
    wanted = set(ids)
    out = Related()
    if not wanted:
        return out
    cases = _cases(wanted, conn)
    _disputes(conn, wanted, cases, out)
    _promises(conn, wanted, cases, out)
    _plans(conn, wanted, cases, out)
    _reminders(conn, wanted, cases, out, since=now - ROLLING)
    _flags(conn, wanted, cases, out)
    _steps_sent(conn, wanted, cases, out)
    out.seal()
    return out


def _steps_sent(conn: Connection, wanted: set[int], cases: _Cases, out: Related) -> None:
    """Per case, the scenario reminders that left: how many reached the provider, first and last instant."""
    query = _steps_sent_query(cases.shape, conn.dialect.name == "sqlite")
    if conn.dialect.name == "sqlite":
        at = raw_sqlite.read_instant
        rows = (
            (case_id, n, at(first), at(last)) for case_id, n, first, last in _driver_rows(conn, query, cases.params)
        )
    else:
        rows = conn.execute(query, cases.params)  # type: ignore[assignment]
    out.steps_sent = {case_id: (int(n or 0), first, last) for case_id, n, first, last in rows if case_id in wanted}


@lru_cache(maxsize=8)
def _steps_sent_query(shape: str, sqlite: bool) -> sa.Select[Any]:
    sent = sa.func.sum(sa.case((M.status.in_(SENT_STATUSES), 1), else_=0))
    # SQLite has no statistics: it would read this through the status index — every message ever
    # sent, once per batch, which made a 45-day simulation quadratic. `+status` is SQLite's way of
    # saying "not through an index on this term": the case index is used and reads only the batch's.
    status = sa.literal_column("+message.status") if sqlite else M.status
    return (
        sa.select(M.case_id, sent, sa.func.min(M.sent_at), sa.func.max(M.sent_at))
        .where(_of_cases(M.case_id, shape), M.direction == "out", M.kind == "reminder")
        .where(status.in_(LEFT_STATUSES))
        .group_by(M.case_id)
    )


def _driver_rows(conn: Connection, query: sa.Select[Any], params: dict[str, Any]) -> list[Any]:
    """The rows of `query` on SQLite as the driver returns them (instants as text: see `raw_sqlite`).

    The statement goes through SQLAlchemy, so it is compiled once per shape (its compiled cache;
    a simulation's sweeps and dispatches run the same few queries thousands of times), and the
    rows are fetched from the driver's cursor: plain tuples, no Row objects, no per-value result
    processing.
    """
    result = conn.execute(query, params)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _disputes(conn: Connection, wanted: set[int], cases: _Cases, out: Related) -> None:
    rows = conn.execute(_disputes_query(cases.shape), cases.params)
    out.disputes = {case_id for (case_id,) in rows if case_id in wanted}


@lru_cache(maxsize=8)
def _disputes_query(shape: str) -> sa.Select[Any]:
    t = Dispute.__table__.c  # type: ignore[attr-defined]
    return sa.select(t.case_id).where(_of_cases(t.case_id, shape), t.status == "open")


def _promises(conn: Connection, wanted: set[int], cases: _Cases, out: Related) -> None:
    for row in conn.execute(_promises_query(cases.shape), cases.params):
        if row.case_id in wanted:  # the latest pending promise counts
            out.promises[row.case_id] = PromiseRow(*row)


@lru_cache(maxsize=8)
def _promises_query(shape: str) -> sa.Select[Any]:
    t = PromiseToPay.__table__.c  # type: ignore[attr-defined]
    query = sa.select(t.id, t.case_id, t.amount, t.due_on)
    return query.where(_of_cases(t.case_id, shape), t.status == "pending").order_by(t.id)


def _plans(conn: Connection, wanted: set[int], cases: _Cases, out: Related) -> None:
    installments: dict[int, list[InstallmentRow]] = defaultdict(list)
    for case_id, *rest in conn.execute(_plans_query(cases.shape), cases.params):
        if case_id in wanted:
            row = InstallmentRow(*rest)
            out.plans[case_id] = row.plan_id
            installments[case_id].append(row)
    out.installments = dict(installments)


@lru_cache(maxsize=8)
def _plans_query(shape: str) -> sa.Select[Any]:
    p = PaymentPlan.__table__.c  # type: ignore[attr-defined]
    i = Installment.__table__.c  # type: ignore[attr-defined]
    return (
        sa.select(p.case_id, i.id, i.plan_id, i.seq, i.due_on, i.amount, i.paid_amount, i.status)
        .join_from(PaymentPlan.__table__, Installment.__table__, i.plan_id == p.id)  # type: ignore[attr-defined]
        .where(_of_cases(p.case_id, shape), p.status == "active")
        .order_by(p.case_id, i.seq)
    )


@lru_cache(maxsize=8)
def _reminders_query(shape: str) -> sa.Select[Any]:
    return sa.select(M.case_id, M.kind, M.status, M.sent_at, M.idempotency_key).where(
        _of_cases(M.case_id, shape),
        M.direction == "out",
        M.kind.in_(sorted(REMINDER_KINDS)),
        sa.or_(M.status.in_(PENDING), M.sent_at >= sa.bindparam("since"), M.kind.in_(INSTALLMENT_KINDS)),
    )


def _reminders(conn: Connection, wanted: set[int], cases: _Cases, out: Related, *, since: datetime) -> None:
    query, params = _reminders_query(cases.shape), {**cases.params, "since": since}
    recent: dict[int, list[datetime]] = defaultdict(list)
    if conn.dialect.name == "sqlite":
        at = raw_sqlite.read_instant
        rows = [
            (case_id, kind, status, at(sent), key)
            for case_id, kind, status, sent, key in _driver_rows(conn, query, params)
        ]
    else:
        rows = conn.execute(query, params).all()  # type: ignore[assignment]
    for case_id, kind, status, sent_at, key in rows:
        if case_id not in wanted:
            continue
        if status in PENDING:
            out.pending.add(case_id)
        elif sent_at is not None and sent_at >= since:
            recent[case_id].append(sent_at)
        if kind in INSTALLMENT_KINDS and key:
            out.reminded.add(key)
    out.recent = dict(recent)


def _flags(conn: Connection, wanted: set[int], cases: _Cases, out: Related) -> None:
    flagged: dict[int, set[str]] = defaultdict(set)
    for case_id, reason in conn.execute(_flags_query(cases.shape), cases.params):
        if case_id in wanted:
            flagged[case_id].add(reason)
    out.flagged = dict(flagged)


@lru_cache(maxsize=8)
def _flags_query(shape: str) -> sa.Select[Any]:
    t = Flag.__table__.c  # type: ignore[attr-defined]
    return sa.select(t.case_id, t.reason).where(_of_cases(t.case_id, shape), t.reason.in_(ESCALATIONS))


def opted_out(conn: Connection, addresses: Collection[str] | None = None) -> dict[tuple[str, str], datetime]:
    """Active opt-outs: (channel, address) -> when the latest was recorded; all, or those of `addresses`.

    Any active opt-out of an address blocks it, whichever of our senders it was sent to.
    """
    if addresses is None:
        return {(c, a): at for c, a, at in conn.execute(_OPTED_OUT)}
    found: dict[tuple[str, str], datetime] = {}
    sqlite = conn.dialect.name == "sqlite"
    for chunk in in_chunks(sorted(set(addresses))):
        if sqlite and len(chunk) > _SHORT_LIST:  # one JSON parameter instead of a parameter per address
            rows = conn.execute(_OPTED_OUT_OF_JSON, {"addresses": json.dumps(list(chunk))})
        else:
            rows = conn.execute(_OPTED_OUT_OF, {"addresses": list(chunk)})
        found.update({(c, a): at for c, a, at in rows})
    return found


_O = OptOut.__table__.c  # type: ignore[attr-defined]
_OPTED_OUT = sa.select(_O.channel, _O.address, sa.func.max(_O.created_at)).where(_O.active.is_(True))
_OPTED_OUT_OF = _OPTED_OUT.where(_O.address.in_(sa.bindparam("addresses", expanding=True))).group_by(
    _O.channel, _O.address
)
_OPTED_OUT_OF_JSON = _OPTED_OUT.where(in_json_list(_O.address, "addresses")).group_by(_O.channel, _O.address)
_OPTED_OUT = _OPTED_OUT.group_by(_O.channel, _O.address)


def open_debts(conn: Connection, ids: Collection[int]) -> dict[int, list[tuple[str, Decimal, str, date]]]:
    """Open debts per case as (reference, balance, currency, due date), oldest first."""
    wanted = set(ids)
    out: dict[int, list[tuple[str, Decimal, str, date]]] = defaultdict(list)
    if not wanted:
        return {}
    cases = _cases(wanted, conn)
    query = _open_debts_query(cases.shape)
    if conn.dialect.name == "sqlite":
        for case_id, ref, balance, currency, due in _driver_rows(conn, query, cases.params):
            if case_id in wanted:
                out[case_id].append((ref, raw_sqlite.read_money(balance), currency, date.fromisoformat(due)))
        return dict(out)
    for case_id, *rest in conn.execute(query, cases.params):
        if case_id in wanted:
            out[case_id].append(tuple(rest))  # type: ignore[arg-type]
    return dict(out)


@lru_cache(maxsize=8)
def _open_debts_query(shape: str) -> sa.Select[Any]:
    t = Debt.__table__.c  # type: ignore[attr-defined]
    return (
        sa.select(t.case_id, t.reference, t.balance, t.currency, t.due_date)
        .where(_of_cases(t.case_id, shape), t.status == "open")
        .order_by(t.case_id, t.due_date, t.id)
    )


def channels_for(
    row: CaseRow, enabled: Sequence[str], blocked: Collection[tuple[str, str]]
) -> tuple[tuple[str, ...], frozenset[str]]:
    """(the debtor's usable channels in preference order, the channels they opted out of)."""
    usable, refused = [], []
    for channel in enabled:  # one address look-up per enabled channel (once per case of a sweep)
        address = row.address(channel)
        if address is None:
            continue
        if (channel, address) in blocked:
            refused.append(channel)
        else:
            usable.append(channel)
    return tuple(usable), (frozenset(refused) if refused else _NONE)


_NONE: frozenset[str] = frozenset()


class Reach:
    """`channels_for` of many debtors against one set of opt-outs, memoised on what decides it: which
    addresses the debtor has and which of them are blocked (a handful of combinations, not one per debtor).

    Called with a row's phone, Telegram chat id and e-mail, as a CaseRow or the driver's row holds them
    (the addresses are `address_of`'s).
    """

    __slots__ = ("email", "enabled", "memo", "sms", "telegram")

    def __init__(self, enabled: Sequence[str], blocked: Collection[tuple[str, str]]) -> None:
        self.enabled = tuple(enabled)
        self.sms, self.telegram, self.email = (
            frozenset(address for c, address in blocked if c == channel) for channel in ("sms", "telegram", "email")
        )
        self.memo: dict[tuple[int, int, int], tuple[tuple[str, ...], frozenset[str]]] = {}

    def __call__(
        self, phone: str | None, chat_id: int | None, email: str | None
    ) -> tuple[tuple[str, ...], frozenset[str]]:
        # per channel 0: no address, 1: an address, 2: an opted-out address
        sms = 0 if not phone else 2 if self.sms and phone in self.sms else 1
        tg = 0 if chat_id is None else 2 if self.telegram and str(chat_id) in self.telegram else 1
        mail = 0 if not email else 2 if self.email and email.strip().lower() in self.email else 1
        key = (sms, tg, mail)
        found = self.memo.get(key)
        if found is None:
            state = {"sms": sms, "telegram": tg, "email": mail}
            usable = tuple(c for c in self.enabled if state.get(c) == 1)
            refused = frozenset(c for c in self.enabled if state.get(c) == 2)
            found = self.memo[key] = (usable, refused or _NONE)
        return found


def case_facts(
    row: CaseRow, rel: Related, *, enabled: Sequence[str], blocked: Collection[tuple[str, str]]
) -> CaseFacts:
    """The decision's view of one case."""
    usable, refused = channels_for(row, enabled, blocked)
    if rel.touched is not None and row.id not in rel.touched:
        return row_facts(row, usable, refused)
    promise = rel.promises.get(row.id)
    plan_id = rel.plans.get(row.id)
    steps = rel.steps_sent.get(row.id, _NOTHING_SENT)
    return CaseFacts(
        status=row.status,
        balance=Decimal(row.balance),
        due_date=row.due_date,
        last_step=row.last_step,
        last_sent_at=row.last_reminder_at,
        channels=usable,
        opted_out=refused,
        wrong_person=row.wrong_person,
        dispute_open=row.id in rel.disputes,
        agent_holds=row.agent_id is not None,
        notice_deadline=row.notice_deadline,
        plan_active=plan_id is not None,
        installments=_installment_facts(rel.installments.get(row.id, ()), rel.reminded),
        promise_id=None if promise is None else promise.id,
        promise_due=None if promise is None else promise.due_on,
        paused_until=row.paused_until,
        reminders=tuple(rel.recent.get(row.id, ())),
        last_inbound_at=row.last_inbound_at,
        pending_reminder=row.id in rel.pending,
        flagged=frozenset(rel.flagged.get(row.id, ())),
        flag_open=row.flagged_at is not None,
        placed_at=row.opened_at,
        steps_sent=steps[0],
        first_step_sent_at=steps[1],
        last_step_sent_at=steps[2],
    )


_NOTHING_SENT: tuple[int, datetime | None, datetime | None] = (0, None, None)


def is_plain(row: CaseRow, rel: Related) -> bool:
    """Whether nothing but its own row speaks of the case (no dispute, promise, plan, reminder, flag…)."""
    return rel.touched is not None and row.id not in rel.touched


def row_facts_key(
    row: CaseRow, usable: tuple[str, ...], refused: frozenset[str], tolerance: Decimal
) -> tuple[Any, ...]:
    """Everything `decide` reads of a plain case (`is_plain`), as a key: its creditor (the rules), its
    debtor's country and zones (the window), and every row field `row_facts` passes on, the balance
    reduced to its standing (`stops.balance_standing`, the only way `decide` reads it).

    Keep in step with `row_facts`: a field it reads and this key leaves out would let two cases
    that differ in it share one decision (tests/test_sweep.py changes each field in turn).
    """
    return facts_key(row, usable, refused, stops.balance_standing(row.balance, tolerance))


# the fields `row_facts` passes on as they are (with the creditor, country and zones: the rules and the window),
# by position: read alike from a CaseRow and from the driver's row the sweep reads on SQLite
_FACT_FIELDS = operator.itemgetter(*(FIELD[name] for name in (
    "creditor_id", "country", "timezones", "status", "due_date", "last_step", "last_reminder_at", "wrong_person",
    "notice_deadline", "paused_until", "last_inbound_at", "opened_at",
)))  # fmt: skip
_AGENT, _FLAGGED = FIELD["agent_id"], FIELD["flagged_at"]


def facts_key(
    row: Sequence[Any], usable: tuple[str, ...], refused: frozenset[str], standing: str | None
) -> tuple[Any, ...]:
    """`row_facts_key` of a CaseRow or of a driver's row (`due_case_rows`), given its balance's standing.

    On a driver's row the instants and dates are the stored text: two cases alike in what they store
    are alike once read, so they still share a key (an instant stored in two spellings merely gets
    two keys, each decided for itself).
    """
    return (_FACT_FIELDS(row), usable, refused, standing, row[_AGENT] is None, row[_FLAGGED] is None)


def row_facts(row: CaseRow, usable: tuple[str, ...], refused: frozenset[str]) -> CaseFacts:
    """`case_facts` of a plain case (`is_plain`): the row's own fields, the defaults for the rest —
    most cases of a sweep, at a fraction of the look-ups."""
    return CaseFacts(
        status=row.status,
        balance=Decimal(row.balance),
        due_date=row.due_date,
        last_step=row.last_step,
        last_sent_at=row.last_reminder_at,
        channels=usable,
        opted_out=refused,
        wrong_person=row.wrong_person,
        agent_holds=row.agent_id is not None,
        notice_deadline=row.notice_deadline,
        paused_until=row.paused_until,
        last_inbound_at=row.last_inbound_at,
        flag_open=row.flagged_at is not None,
        placed_at=row.opened_at,
    )


def _installment_facts(rows: Sequence[InstallmentRow], reminded: set[str]) -> tuple[InstallmentFacts, ...]:
    if not rows:  # most cases have no plan: skip building an empty generator per case
        return ()
    return tuple(
        InstallmentFacts(
            id=r.id,
            due_on=r.due_on,
            paid=r.paid,
            reminded_before=installment_key(r.id, "installment_reminder") in reminded,
            reminded_missed=installment_key(r.id, "installment_missed") in reminded,
        )
        for r in rows
    )


def recheck_horizon(now: datetime, *, durable: bool = False) -> datetime:
    """When a case is looked at again at the latest (a safety net, once a day).

    `durable`: what could change the decision wakes the case (`next_check_at` = NULL) — a case
    waiting for a known day, or stopped for a reason only an agent's action lifts — so the net
    only needs to pass once a week (see `scheduler.sweep`).
    """
    return now + (DURABLE_RECHECK if durable else timedelta(days=1))
