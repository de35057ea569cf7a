"""The sweep: find the cases with something due, decide, and fill the outbox, set by set.

A sweep first lists the ids of the active cases whose `next_check_at` has come (one index scan),
then works through them in batches of twenty thousand, one transaction per batch. For a batch it
reads every fact in about ten queries (`scheduler.snapshot`), decides each case with the pure
`scheduler.decision.decide`, inserts the due messages into the outbox in one statement (a
duplicate idempotency key is ignored: a message can never be queued twice), and writes every
case's `next_check_at` (and `last_step`) in one more. A case whose window is closed now gets its
message queued with `not_before` = the window's next opening; a case with nothing due sleeps
until the day something will be, at most a week. What can bring that day nearer wakes the case
(clears its `next_check_at`): the dialogue (promises, plans, pauses), payments, imports, every
agent action, the dispatcher once a message is done, and new rules (`wake_on_new_rules`: the sweep
compares the configuration's fingerprint with the one it last decided with). The week is a safety
net for code that forgets to. A stopped case is looked at again daily, or weekly when only an
agent's action can lift the stop (`DURABLE_STOPS`).

The sweep decides *what* goes and *when*; the text is written through `messages` by the
dispatcher at send time (`Message.body` stays empty until then). That way the amounts a debtor
reads are those of the moment the message leaves, not of the night before (a payment recorded
at 07:00 changes the 08:00 reminder), a message moved to another channel gets that channel's
wording, and a sweep over a million cases stays within a minute (see `bench/sweep.py`).

Rare transitions (a promise not kept, a plan broken) go through the ORM and the event log, one
case at a time, inside the batch's transaction. Escalation flags (silence after the last reminder,
an unpaid formal notice) are not rare — a portfolio's silent debtors reach the end of the scenario
together — and are raised for the whole batch in a few statements (`relance.core.flags.raise_flags`).

Concurrency: one sweep at a time (the scheduler leader). The dispatcher checks every stop
condition again at send time, so a fact that changes between the sweep's read and the send (a
dispute opened a second later) still stops the message.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from relance.core.config import Creditor as CreditorRules
from relance.core.config import RelanceConfig
from relance.core.errors import PolicyError
from relance.core.events import record_event
from relance.core.flags import NewFlag, raise_flag, raise_flags
from relance.core.models import AppState, Case, Creditor, Message, PaymentPlan, PromiseToPay
from scheduler import followups, keys, raw_sqlite, snapshot, stops
from scheduler.contact_window import ContactWindow, contact_window
from scheduler.decision import AWAITING_AGENT, AWAITING_FORMAL_NOTICE, Decision, Due, Escalate, Stop, Wait, decide
from scheduler.snapshot import CaseRow, Related

log = logging.getLogger(__name__)

# cases per batch and transaction: the decisions are made before the first write, so the write lock
# is held for the writes only (about 0.2 s at this size); fewer commits write each index page they
# touch to the WAL fewer times (a tenth less CPU than batches of 5,000 at 200,000 cases)
BATCH = 20_000
INVALID_ZONE = "invalid_time_zone"
UNKNOWN_CREDITOR = "unknown_creditor"
PLAN_BROKEN = "plan_broken"
# stops only an agent's action lifts, and every such action wakes the case: looked at again weekly
DURABLE_STOPS = frozenset(
    {AWAITING_FORMAL_NOTICE, AWAITING_AGENT, stops.AGENT, stops.DISPUTE, stops.WRONG_PERSON, stops.FORMAL_NOTICE_SENT}
)


@dataclass
class SweepReport:
    """What one sweep did."""

    examined: int = 0
    queued: int = 0
    waiting: int = 0
    stopped: Counter[str] = field(default_factory=Counter)
    escalated: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    batches: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "queued": self.queued,
            "waiting": self.waiting,
            "stopped": dict(self.stopped),
            "escalated": dict(self.escalated),
            "errors": self.errors,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One readable line: `12 case(s) looked at, 3 reminder(s) queued, held: opted out 2 (0.02 s)`."""
        parts = [f"{self.examined} case(s) looked at", f"{self.queued} message(s) queued"]
        if self.waiting:
            parts.append(f"{self.waiting} waiting for their day")
        for label, counts in (("held", self.stopped), ("escalated", self.escalated)):
            if counts:
                parts.append(f"{label}: " + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(counts.items())))
        if self.errors:
            parts.append(f"{self.errors} error(s)")
        return ", ".join(parts) + f" ({self.seconds:.2f} s)"


def sweep(
    engine: Engine,
    *,
    config: RelanceConfig,
    now: datetime,
    channels: Sequence[str] | None = None,
    batch_size: int = BATCH,
) -> SweepReport:
    """Examine every active case due for a check at `now`; queue what is due.

    `channels`: the channel names this deployment sends on, in preference order (default: the
    configuration's `channels.preferred`).
    """
    started = time.perf_counter()
    report = SweepReport()
    with _heap_frozen():
        with engine.begin() as conn:
            wake_on_new_rules(conn, config, now)
        with engine.connect() as conn:
            creditor_keys: dict[int, str] = {i: k for i, k in conn.execute(_CREDITOR_KEYS)}
            blocked = snapshot.opted_out(conn)
            ids = snapshot.due_case_ids(conn, now=now)
        pass_ = _Pass(config, now, tuple(channels or config.channels.preferred), creditor_keys, blocked)
        with engine.connect() as conn, _page_cache(conn, len(ids)):
            for start in range(0, len(ids), batch_size):
                with conn.begin():
                    _no_jit(conn)
                    rows = snapshot.due_cases(conn, ids[start : start + batch_size], now=now)
                    pass_.batch(conn, rows, report)
                report.batches += 1
    report.seconds = time.perf_counter() - started
    if report.examined or report.errors:  # an idle minute is not worth a line
        log.info("sweep: %s", report.summary())
    return report


_CREDITORS: sa.Table = Creditor.__table__  # type: ignore[attr-defined]
_CREDITOR_KEYS = sa.select(_CREDITORS.c.id, _CREDITORS.c.key)


class _Pass:
    """One sweep's state: configuration lookups and windows cached across batches."""

    def __init__(
        self,
        config: RelanceConfig,
        now: datetime,
        channels: tuple[str, ...],
        creditor_keys: dict[int, str],
        blocked: dict[tuple[str, str], datetime],
    ) -> None:
        self.config, self.now, self.channels = config, now, channels
        self.blocked = blocked
        self.rules: dict[int, CreditorRules | None] = {cid: _rules(config, key) for cid, key in creditor_keys.items()}
        self.windows: dict[tuple[int, str | None, str], ContactWindow | None] = {}
        # decisions of plain cases by `snapshot.row_facts_key`, for the current batch
        self.decided: dict[tuple[Any, ...], tuple[Decision, tuple[str, ...]]] = {}
        self.horizon = snapshot.recheck_horizon(now)
        self.durable_horizon = snapshot.recheck_horizon(now, durable=True)

    def window(self, row: CaseRow, rules: CreditorRules) -> ContactWindow | None:
        key = (row.creditor_id, row.country, row.timezones)
        if key not in self.windows:
            try:
                self.windows[key] = contact_window(
                    rules, self.config.contact, country=row.country, timezones=row.timezones
                )
            except PolicyError as exc:
                log.warning("case(s) of debtors in %r: %s", row.timezones, exc)
                self.windows[key] = None
        return self.windows[key]

    def decide(self, row: CaseRow, rel: Related) -> tuple[Decision, tuple[str, ...]]:
        """The decision for the case, and the debtor's usable channels in preference order."""
        rules = self.rules.get(row.creditor_id)
        if rules is None:
            return Stop(UNKNOWN_CREDITOR), ()
        plain = snapshot.is_plain(row, rel)
        if plain:
            # a plain case is decided from its row alone, and a pure function of equal inputs decides
            # alike: cases sharing what `decide` reads (a portfolio's due dates, steps, import instant
            # and zones) are decided once per batch; the key holds the creditor, country and zones,
            # so a case found there needs no look-up of its window either
            usable, refused = snapshot.channels_for(row, self.channels, self.blocked)
            key = snapshot.row_facts_key(row, usable, refused, rules.tolerance)
            made = self.decided.get(key)
            if made is not None:
                return made
        window = self.window(row, rules)
        if window is None:
            return Stop(INVALID_ZONE), ()
        if not plain:
            facts = snapshot.case_facts(row, rel, enabled=self.channels, blocked=self.blocked)
            return decide(facts, rules=rules, caps=self.config.caps, window=window, now=self.now), facts.channels
        facts = snapshot.row_facts(row, usable, refused)
        d = decide(facts, rules=rules, caps=self.config.caps, window=window, now=self.now)
        made = self.decided[key] = (d, usable)
        return made

    def batch(self, conn: Connection, rows: list[CaseRow], report: SweepReport) -> None:
        rel = snapshot.related(conn, [r.id for r in rows], now=self.now)
        self.decided.clear()  # one batch's worth of keys at most
        rare: list[tuple[CaseRow, Decision]] = []  # escalations and broken promises: see `_transitions`
        outbox: list[tuple[Any, ...]] = []
        # on SQLite the outbox rows and check times are built with their instants already bound (see `insert_outbox`)
        bind = raw_sqlite.instant if conn.dialect.name == "sqlite" else _as_is
        checks = _CheckTimes(bind)
        now = bind(self.now)
        for row in rows:  # one pass: decide, and collect the outbox row and the next check time
            d, channels = self.decide(row, rel)
            kind = type(d)
            if kind is Due:
                due: Due = d  # type: ignore[assignment]  # mypy does not narrow on `type(d) is Due`
                key, at = _key(row.id, due), bind(due.at)
                outbox.append(
                    outbox_row(row, channel=channels[0], kind=due.kind, step=due.step, key=key, not_before=at, now=now)
                )
                checks.add(row, self.horizon, due.step)  # the dispatcher wakes it once sent
                if _is_followup(d):
                    rare.append((row, d))
            elif kind is Wait:
                report.waiting += 1
                # the day something is due (at most a week: what changes it earlier wakes the case)
                until = d.until  # type: ignore[union-attr]
                checks.add(row, self.horizon if until is None else min(until, self.durable_horizon), None)
            elif kind is Stop:
                reason = d.reason  # type: ignore[union-attr]
                report.stopped[reason] += 1
                checks.add(row, self.durable_horizon if reason in DURABLE_STOPS else self.horizon, None)
            else:
                checks.add(row, None, None)  # escalated: looked at again by the next sweep, once flagged
                rare.append((row, d))
        report.queued += insert_outbox(conn, outbox, bound=True)
        report.examined += len(rows)
        checks.write(conn)
        self._transitions(conn, rare, rel, report)

    def _transitions(
        self, conn: Connection, rare: list[tuple[CaseRow, Decision]], rel: Related, report: SweepReport
    ) -> None:
        """Escalations and broken promises (`rare`, in the batch's order), through the ORM and the event log."""
        if not rare:
            return
        with Session(bind=conn) as session:
            flags = []
            for row, d in rare:
                if isinstance(d, Escalate):
                    report.escalated[d.reason] += 1
                if isinstance(d, Escalate) and d.reason != followups.BROKEN:
                    # a flag only (silence, an unpaid notice): raised for the whole batch at once below
                    flags.append(NewFlag(case_id=row.id, reason=d.reason, action=d.action))
                    continue
                case = session.get(Case, row.id)
                assert case is not None
                if isinstance(d, Escalate):
                    self._break_plan(session, case, rel, row)
                    raise_flag(session, case=case, reason=d.reason, action=d.action, at=self.now, actor="scheduler")
                elif isinstance(d, Due) and d.ref is not None:
                    _promise_broken(session, case, d.ref, self.now)
            session.flush()
            raise_flags(session, flags, at=self.now, actor="scheduler")

    def _break_plan(self, session: Session, case: Case, rel: Related, row: CaseRow) -> None:
        plan = session.get(PaymentPlan, rel.plans[case.id])  # type: ignore[index]
        assert plan is not None
        plan.status, plan.ended_at = "broken", self.now
        if case.status == "plan":
            case.status = "open"
        case.updated_at = self.now
        session.add_all([plan, case])
        record_event(
            session, case_id=case.id, kind="plan_broken", actor="scheduler", at=self.now, data={"plan_id": plan.id}
        )
        self._queue_plan_broken(session, row, plan.id)  # type: ignore[arg-type]

    def _queue_plan_broken(self, session: Session, row: CaseRow, plan_id: int) -> None:
        rules = self.rules[row.creditor_id]
        window = self.window(row, rules) if rules is not None else None
        usable = snapshot.channels_for(row, self.channels, self.blocked)[0]
        at = window.next_allowed(self.now) if window is not None else None
        if usable and at is not None:
            message = outbox_row(
                row, channel=usable[0], kind=PLAN_BROKEN, step=None, key=keys.plan_broken_key(plan_id),
                not_before=at, now=self.now,
            )  # fmt: skip
            insert_outbox(session.connection(), [message])


class _CheckTimes:
    """The (next_check_at, last_step) a batch writes back, split by what changes.

    Most cases of a steady-state sweep only get a new check time; a queued scenario step also moves
    `last_step`, which sits in the console's `ix_cases_step_totals`: those rows go in their own
    statement. Both lists stay in id order (the batch's), the order of the table, of
    `ix_case_due_scan`'s entries for one check time and of `ix_cases_step_totals`' for one step,
    status and currency (migration 0006): each batch rewrites a few runs of neighbouring entries.
    """

    __slots__ = ("bind", "moved", "stayed")

    def __init__(self, bind: Any) -> None:
        self.bind = bind  # `raw_sqlite.instant` on SQLite (the rows go to the driver as they are), else as is
        self.moved: list[tuple[Any, int, int]] = []
        self.stayed: list[tuple[Any, int]] = []

    def add(self, row: CaseRow, nxt: datetime | None, step: int | None) -> None:
        if step is None or step == row.last_step:
            self.stayed.append((self.bind(nxt), row.id))
        else:
            self.moved.append((self.bind(nxt), step, row.id))

    def write(self, conn: Connection) -> None:
        bound = self.bind is not _as_is
        update_check_times(conn, self.moved, bound=bound)
        update_next_checks(conn, self.stayed, bound=bound)


@contextmanager
def _page_cache(conn: Connection, cases: int) -> Iterator[None]:
    """On SQLite, a page cache sized for the sweep (restored after): a batch rewrites index pages
    spread over the whole table, and with the default 2 MB cache they were read and spilled again
    and again within one transaction."""
    if conn.dialect.name != "sqlite" or cases < _BIG_SWEEP:
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    (previous,) = raw.execute("PRAGMA cache_size").fetchone()
    raw.execute(f"PRAGMA cache_size = -{SWEEP_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(previous)}")


def _no_jit(conn: Connection) -> None:
    """On PostgreSQL, no JIT compilation for the batch's transaction: a batch's look-ups of 20,000
    debtors by key cost more than `jit_above_cost`, and compiling them took longer than running them."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """During a sweep, the objects that exist before it are left out of the garbage collector's
    full passes until it ends (`gc.freeze`, undone by `gc.unfreeze`).

    A sweep allocates millions of small containers (rows, facts, decisions), and each batch's
    survive long enough to trigger full collections, each of which walked the whole process heap
    (the ORM, the configuration, the web app): a sixth of a 100,000-case sweep's CPU. Freezing
    frees nothing and changes no object; garbage cycles from before merely wait for the next
    collection after the sweep. Process-wide, so harmless when another thread does the same:
    the first `unfreeze` only brings the older objects back into the collector's passes early.
    Both are constant-time (they move list heads), so even an idle minute's sweep pays nothing.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_BIG_SWEEP = 20_000  # cases: below this the default cache holds what a sweep touches
SWEEP_CACHE_KIB = 256 * 1024


RULES_STATE = "scheduler.rules_sha256"
_STATE: sa.Table = AppState.__table__  # type: ignore[attr-defined]
_KNOWN_RULES = sa.select(_STATE.c.value).where(_STATE.c.key == RULES_STATE)


def rules_fingerprint(config: RelanceConfig) -> str:
    """SHA-256 of the business rules (scenarios, windows, caps…) the sweep decides with."""
    return hashlib.sha256(config.model_dump_json().encode("utf-8")).hexdigest()


def wake_on_new_rules(conn: Connection, config: RelanceConfig, now: datetime) -> bool:
    """When the rules changed since the last sweep, wake every active case (True): a case asleep
    until the day its next step falls under the old scenario is decided again under the new one."""
    fingerprint = rules_fingerprint(config)
    known = conn.execute(_KNOWN_RULES).scalar()
    if known == fingerprint:
        return False
    cases = snapshot.C.id.table
    # cases already awake are left alone: on PostgreSQL rewriting NULL with NULL still writes a new
    # row version and an entry in every index of `cases` (the first sweep of a new database woke
    # every case it had just imported, a quarter of its time)
    awake = snapshot.C.next_check_at.is_(None)
    conn.execute(
        sa.update(cases).where(snapshot.C.status.in_(snapshot.ACTIVE_STATUSES), ~awake).values(next_check_at=None)
    )
    # one statement, insert or update: two sweeps that both read no fingerprint (a sweep run by hand
    # beside the scheduler's first one) both write it, instead of the second failing on the key
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    changed = {"value": fingerprint, "updated_at": now}
    upsert = dialect.insert(_STATE).values(key=RULES_STATE, **changed)
    conn.execute(upsert.on_conflict_do_update(index_elements=[_STATE.c.key], set_=changed))
    log.info("the rules changed since the last sweep: every active case is looked at again")
    return True


def _rules(config: RelanceConfig, key: str) -> CreditorRules | None:
    for creditor in config.creditors:
        if creditor.key == key:
            return creditor
    log.warning("creditor %r has cases but is not in relance.toml: its cases are not reminded", key)
    return None


def _as_is(value: datetime) -> datetime:
    return value


def _is_followup(d: Decision) -> bool:
    return isinstance(d, Due) and d.kind == "promise_followup"


def _key(case_id: int, due: Due) -> str:
    if due.kind == "reminder":
        assert due.step is not None
        return keys.reminder_key(case_id, due.step)
    assert due.ref is not None
    if due.kind == "promise_followup":
        return keys.promise_key(due.ref)
    return keys.installment_key(due.ref, due.kind)


def _promise_broken(session: Session, case: Case, promise_id: int, now: datetime) -> None:
    """The promise was not kept: one follow-up is queued and the scenario resumes after it."""
    promise = session.get(PromiseToPay, promise_id)
    assert promise is not None
    promise.status, promise.followed_up_at = "broken", now
    if case.status == "promised":
        case.status = "open"
    case.updated_at = now
    session.add_all([promise, case])
    record_event(
        session, case_id=case.id, kind="promise_broken", actor="scheduler", at=now, data={"promise_id": promise_id}
    )


_OUTBOX_COLUMNS = (
    "case_id", "debtor_id", "direction", "channel", "author", "kind", "step", "body", "status", "to_address",
    "idempotency_key", "not_before", "attempts", "created_at",
)  # fmt: skip
_SQLITE_INSERT = (
    f"INSERT OR IGNORE INTO message ({', '.join(_OUTBOX_COLUMNS)}) VALUES ({', '.join('?' * len(_OUTBOX_COLUMNS))})"
)
_SQLITE_UPDATE = "UPDATE cases SET next_check_at = ?, last_step = ? WHERE id = ?"
_SQLITE_NEXT_CHECK = "UPDATE cases SET next_check_at = ? WHERE id = ?"
# `cases.id BETWEEN` the batch's lowest and highest id: without it PostgreSQL joins the arrays to a
# hash of the whole table (a sequential scan of every case, per batch, spilled to disk at a million)
_PG_NEXT_CHECK = (
    "UPDATE cases SET next_check_at = v.next_check_at "
    "FROM unnest(%b::timestamptz[], %b::int[]) AS v(next_check_at, id) "
    "WHERE cases.id = v.id AND cases.id BETWEEN %b AND %b"
)
_PG_TYPES = ("int[]", "int[]", "text[]", "text[]", "text[]", "text[]", "int[]", "text[]", "text[]", "text[]", "text[]",
             "timestamptz[]", "int[]", "timestamptz[]")  # fmt: skip
_PG_INSERT = (
    f"INSERT INTO message ({', '.join(_OUTBOX_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'%b::{t}' for t in _PG_TYPES)}) "
    "ON CONFLICT (idempotency_key) DO NOTHING"
)
_PG_UPDATE = (
    "UPDATE cases SET next_check_at = v.next_check_at, last_step = v.last_step "
    "FROM unnest(%b::timestamptz[], %b::int[], %b::int[]) AS v(next_check_at, last_step, id) "
    "WHERE cases.id = v.id AND cases.id BETWEEN %b AND %b"
)


def outbox_row(
    row: CaseRow,
    *,
    channel: str,
    kind: str,
    step: int | None,
    key: str,
    not_before: datetime | str | None,
    now: datetime | str | None,
) -> tuple[Any, ...]:
    """The values (in `_OUTBOX_COLUMNS` order) of one queued message of the bot; its text comes at send time.

    The instants as given: datetimes, or on SQLite already bound by `raw_sqlite.instant` (`insert_outbox(bound=True)`).
    """
    address = row.address(channel)
    assert address is not None, f"case {row.id}: no address on {channel}"
    return (row.id, row.debtor_id, "out", channel, "bot", kind, step, "", "queued", address, key, not_before, 0, now)


def insert_outbox(conn: Connection, rows: list[tuple[Any, ...]], *, bound: bool = False) -> int:
    """Insert outbox rows in one statement; rows whose idempotency key exists are skipped.

    On SQLite the instants are bound by hand (as `UTCDateTime` stores them) and the rows go to the
    driver in one `executemany`: at a million rows SQLAlchemy's per-row parameter processing is a
    noticeable share of a sweep. `bound`: on SQLite, the rows' instants are already bound (the
    sweep builds them so, sparing a copy of every row). PostgreSQL goes through SQLAlchemy Core.
    """
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        values = rows if bound else [(*r[:11], bind(r[11]), r[12], bind(r[13])) for r in rows]
        return int(conn.exec_driver_sql(_SQLITE_INSERT, values).rowcount)  # type: ignore[arg-type]
    if conn.dialect.name == "postgresql":
        # one statement of fixed text whatever the batch size: each column travels as one binary array
        # (psycopg re-parsed SQLAlchemy's long multi-row INSERT … RETURNING for every batch)
        columns = [list(col) for col in zip(*rows, strict=True)]
        return int(conn.exec_driver_sql(_PG_INSERT, tuple(columns)).rowcount)
    table = Message.__table__  # type: ignore[attr-defined]
    stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)
    return len(conn.execute(stmt, [dict(zip(_OUTBOX_COLUMNS, r, strict=True)) for r in rows]).all())


def update_next_checks(conn: Connection, params: list[tuple[Any, int]], *, bound: bool = False) -> None:
    """Set next_check_at of many cases by id (`(next_check_at, id)` pairs), in one statement.

    `bound`: on SQLite, the instants are already bound by `raw_sqlite.instant` (as in `insert_outbox`).
    """
    if not params:
        return
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        values = params if bound else [(bind(n), i) for n, i in params]
        conn.exec_driver_sql(_SQLITE_NEXT_CHECK, values)  # type: ignore[arg-type]
        return
    if conn.dialect.name == "postgresql":
        nexts, ids = (list(col) for col in zip(*params, strict=True))
        conn.exec_driver_sql(_PG_NEXT_CHECK, (nexts, ids, min(ids), max(ids)))
        return
    conn.execute(
        sa.update(snapshot.C.id.table)
        .where(snapshot.C.id == sa.bindparam("b_id"))
        .values(next_check_at=sa.bindparam("b_next")),
        [{"b_next": n, "b_id": i} for n, i in params],
    )


def update_check_times(conn: Connection, params: list[tuple[Any, int, int]], *, bound: bool = False) -> None:
    """Set (next_check_at, last_step) of many cases by id, in one statement (`bound`: see `update_next_checks`)."""
    if not params:
        return
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        values = params if bound else [(bind(n), s, i) for n, s, i in params]
        conn.exec_driver_sql(_SQLITE_UPDATE, values)  # type: ignore[arg-type]
        return
    if conn.dialect.name == "postgresql":
        nexts, step_values, ids = (list(col) for col in zip(*params, strict=True))
        conn.exec_driver_sql(_PG_UPDATE, (nexts, step_values, ids, min(ids), max(ids)))
        return
    conn.execute(
        sa.update(snapshot.C.id.table)
        .where(snapshot.C.id == sa.bindparam("b_id"))
        .values(next_check_at=sa.bindparam("b_next"), last_step=sa.bindparam("b_step")),
        [{"b_next": n, "b_step": s, "b_id": i} for n, s, i in params],
    )
