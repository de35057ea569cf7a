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

On PostgreSQL the batches are worked two at a time, each on its own connection (`PG_CONNECTIONS`,
`_sweep_in_parallel`): a batch's writes are mostly the server's work, and the other batch is decided
meanwhile. Cases are decided independently of each other, so the order of the batches changes nothing.

Concurrency: one sweep at a time (the scheduler leader). The dispatcher checks every stop
condition again at send time, so a fact that changes between the sweep's read and the send (a
dispute opened a second later) still stops the message.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

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
# PostgreSQL: batches worked at once, each on its own connection (`_sweep_in_parallel`)
PG_CONNECTIONS = 2
INVALID_ZONE = "invalid_time_zone"
UNKNOWN_CREDITOR = "unknown_creditor"
PLAN_BROKEN = "plan_broken"
# stops only an agent's action lifts, and every such action wakes the case: looked at again weekly
DURABLE_STOPS = frozenset(
    {AWAITING_FORMAL_NOTICE, AWAITING_AGENT, stops.AGENT, stops.DISPUTE, stops.WRONG_PERSON, stops.FORMAL_NOTICE_SENT}
)


# a sweep's phases, as `SweepReport.phases` counts them: reading the batches' cases and what relates to
# them, deciding, writing the outbox and check times, and the rare transitions through the ORM
PHASES = ("read", "decide", "write", "transitions")


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
    # seconds by phase (`PHASES`): where a slow sweep spends its time, in the log line and `bench/sweep.py`
    # (summed over the connections of a parallel sweep: their sum can exceed `seconds`)
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))

    def add(self, other: SweepReport) -> None:
        """Count `other`'s work in this report (a parallel sweep's threads each keep their own); not its seconds."""
        self.examined += other.examined
        self.queued += other.queued
        self.waiting += other.waiting
        self.stopped.update(other.stopped)
        self.escalated.update(other.escalated)
        self.errors += other.errors
        self.batches += other.batches
        for phase, seconds in other.phases.items():
            self.phases[phase] += seconds

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
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
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
        phases = ", ".join(f"{k} {self.phases[k]:.2f}" for k in PHASES if self.phases[k] >= 0.01)
        return ", ".join(parts) + f" ({self.seconds:.2f} s{': ' + phases if phases else ''})"


def sweep(
    engine: Engine,
    *,
    config: RelanceConfig,
    now: datetime,
    channels: Sequence[str] | None = None,
    batch_size: int = BATCH,
    connections: int | None = None,
) -> SweepReport:
    """Examine every active case due for a check at `now`; queue what is due.

    `channels`: the channel names this deployment sends on, in preference order (default: the
    configuration's `channels.preferred`). `connections`: on PostgreSQL, how many batches are worked
    at once, each on its own connection (default `PG_CONNECTIONS`; see `_sweep_in_parallel`). SQLite
    has one writer: its batches go one after the other.
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
        sqlite = engine.dialect.name == "sqlite"
        batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]

        pass_ = _Pass(config, now, tuple(channels or config.channels.preferred), creditor_keys, blocked, sqlite=sqlite)
        n = min(len(batches), 1 if sqlite else (connections or PG_CONNECTIONS))
        if n <= 1:
            _sweep_batches(engine, pass_, iter(batches), report, cases=len(ids))
        else:
            _sweep_in_parallel(engine, pass_, batches, report, n)
    report.seconds = time.perf_counter() - started
    if report.examined or report.errors:  # an idle minute is not worth a line
        log.info("sweep: %s", report.summary())
    return report


def _sweep_batches(
    engine: Engine, pass_: _Pass, batches: Iterator[Sequence[int]], report: SweepReport, *, cases: int = 0
) -> None:
    """Work through `batches` of case ids on one connection, one transaction each, into `report`."""
    with engine.connect() as conn, _page_cache(conn, cases):
        for ids in batches:
            with conn.begin():
                _no_jit(conn)
                read = time.perf_counter()
                rows = snapshot.due_case_rows(conn, ids, now=pass_.now)
                report.phases["read"] += time.perf_counter() - read
                pass_.batch(conn, rows, report)
            report.batches += 1


def _sweep_in_parallel(
    engine: Engine, pass_: _Pass, batches: Sequence[Sequence[int]], report: SweepReport, n: int
) -> None:
    """The batches worked by `n` threads, each with its own connection, its own twin of `pass_` and its own
    report (added into `report` at the end); each thread takes the next batch not yet taken.

    Why it is safe: a case's decision reads only that case's rows (its debts, messages, promises,
    plans, disputes, flags), its debtor and the opt-outs read once before the first batch; the caps
    count the case's own reminders. A batch writes only its own cases' rows (their outbox messages,
    check times, events and flags), and the batches are disjoint ranges of ids, so two batches never
    wait on each other's locks. Each batch is still one transaction, as when they run one by one.

    Why it is faster: on PostgreSQL most of a batch's time is the server's (its writes update every
    index of `cases` and `message`), during which the client waits; with two connections one batch's
    server work runs while the other's rows are decided in Python (which holds the GIL only while it
    decides: psycopg releases it while it waits on the server).

    An error in one thread stops the others from taking a new batch; the batches already committed
    stay (as when a sweep fails half-way), and the first error is raised.
    """
    taken = iter(batches)
    lock = threading.Lock()
    failed = threading.Event()

    def next_batches() -> Iterator[Sequence[int]]:
        while not failed.is_set():
            with lock:
                ids = next(taken, None)
            if ids is None:
                return
            yield ids

    def work() -> SweepReport:
        own = SweepReport()
        try:
            _sweep_batches(engine, pass_.twin(), next_batches(), own)
        except BaseException:
            failed.set()
            raise
        return own

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="sweep") as pool:
        futures = [pool.submit(work) for _ in range(n)]
    for future in futures:
        report.add(future.result())


_CREDITORS: sa.Table = Creditor.__table__  # type: ignore[attr-defined]
# positions in a batch's rows (`snapshot.due_case_rows`: CaseRows, or on SQLite the driver's rows)
_F = snapshot.FIELD
_BALANCE, _LAST_STEP, _DEBTOR = _F["balance"], _F["last_step"], _F["debtor_id"]
_PHONE, _CHAT, _EMAIL = _F["phone"], _F["telegram_chat_id"], _F["email"]
_CREDITOR_KEYS = sa.select(_CREDITORS.c.id, _CREDITORS.c.key)


class _Outcome(NamedTuple):
    """A decision as a batch writes it: what goes in the outbox and the check time, bound once per decision.

    Plain cases that share a decision share its outcome (`_Pass.batch`); only the case's own values
    (id, debtor, address, key, its step before) are read per case.
    """

    decision: Decision
    kind: type  # the decision's class
    check: Any  # next_check_at, bound (see `insert_outbox`)
    step: int | None = None  # Due: the scenario step the case moves to
    channel: str | None = None  # Due: the channel it goes on
    at: Any = None  # Due: not_before, bound
    followup: bool = False  # Due: a promise's follow-up (the promise is marked broken, see `_transitions`)
    key: Callable[[int], str] | None = None  # Due: the idempotency key of a case's message (`_key`)


class _Pass:
    """One sweep's state: configuration lookups and windows cached across batches."""

    def __init__(
        self,
        config: RelanceConfig,
        now: datetime,
        channels: tuple[str, ...],
        creditor_keys: dict[int, str],
        blocked: dict[tuple[str, str], datetime],
        *,
        sqlite: bool,
    ) -> None:
        self.config, self.now, self.channels = config, now, channels
        self.blocked = blocked
        self.reach = snapshot.Reach(channels, blocked)
        self.rules: dict[int, CreditorRules | None] = {cid: _rules(config, key) for cid, key in creditor_keys.items()}
        # per known creditor, the standing of a balance as the batch's rows hold it (see `_standing`)
        self.standing = {cid: _standing(r.tolerance, sqlite=sqlite) for cid, r in self.rules.items() if r is not None}
        self.windows: dict[tuple[int, str | None, str], ContactWindow | None] = {}
        # outcomes of plain cases by `snapshot.facts_key`, for the current batch
        self.decided: dict[tuple[Any, ...], _Outcome] = {}
        # on SQLite the batch's rows are the driver's, and the instants it writes are bound by hand (`insert_outbox`)
        self.case_row: Callable[[Any], CaseRow] = snapshot.sqlite_case_row if sqlite else _as_is
        self.bind: Callable[[datetime | None], Any] = raw_sqlite.instant if sqlite else _as_is
        self.horizon = snapshot.recheck_horizon(now)
        self.durable_horizon = snapshot.recheck_horizon(now, durable=True)

    def twin(self) -> _Pass:
        """A pass for another thread of a parallel sweep: the same rules, windows and opt-outs (read-only, or
        memos whose entries are the same whoever writes them first, so a bad zone is warned about once per
        sweep, twice at most when both threads meet it at the same moment), its own batch's outcomes."""
        twin = copy.copy(self)
        twin.decided = {}
        return twin

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

    def decide(
        self, row: CaseRow, rel: Related, plain: tuple[tuple[str, ...], frozenset[str]] | None = None
    ) -> tuple[Decision, tuple[str, ...]]:
        """The decision for the case, and the debtor's usable channels in preference order.

        `plain`: the case is plain (`snapshot.is_plain`), with these (usable, refused) channels.
        """
        rules = self.rules.get(row.creditor_id)
        if rules is None:
            return Stop(UNKNOWN_CREDITOR), ()
        window = self.window(row, rules)
        if window is None:
            return Stop(INVALID_ZONE), ()
        if plain is None:
            facts = snapshot.case_facts(row, rel, enabled=self.channels, blocked=self.blocked)
        else:
            facts = snapshot.row_facts(row, *plain)
        return decide(facts, rules=rules, caps=self.config.caps, window=window, now=self.now), facts.channels

    def outcome(self, decision: Decision, channels: tuple[str, ...]) -> _Outcome:
        """What the batch writes for a case decided so (the same for every case decided alike)."""
        bind, kind = self.bind, type(decision)
        if kind is Due:
            due: Due = decision  # type: ignore[assignment]
            # the dispatcher wakes the case once sent
            return _Outcome(
                due, Due, bind(self.horizon), due.step, channels[0], bind(due.at), due.kind == "promise_followup",
                _keys(due),
            )  # fmt: skip
        if kind is Wait:
            # the day something is due (at most a week: what changes it earlier wakes the case)
            until = decision.until  # type: ignore[union-attr]
            return _Outcome(decision, Wait, bind(self.horizon if until is None else min(until, self.durable_horizon)))
        if kind is Stop:
            durable = decision.reason in DURABLE_STOPS  # type: ignore[union-attr]
            return _Outcome(decision, Stop, bind(self.durable_horizon if durable else self.horizon))
        return _Outcome(decision, kind, None)  # escalated: looked at again by the next sweep, once flagged

    def batch(self, conn: Connection, rows: list[Any], report: SweepReport) -> None:
        """Decide the batch's cases (`snapshot.due_case_rows`) and write what they call for.

        A plain case (most of a sweep) is keyed on what `decide` reads of it (`snapshot.facts_key`),
        straight from the row as it came: cases sharing a key — a portfolio's due dates, steps, import
        instant and zones — are decided once per batch, and only the first of them is made a CaseRow.
        The outbox rows and check times are then made one at a time as the driver takes them
        (`_queued`, `_checks`): a million cases' worth of tuples kept to the end of their batch made the
        garbage collector walk them again and again.
        """
        clock = time.perf_counter
        started = clock()
        rel = snapshot.related(conn, [r[0] for r in rows], now=self.now)
        decided_from = clock()
        touched = rel.touched or frozenset()
        decided, reach, standing, case_row = self.decided, self.reach, self.standing, self.case_row
        decided.clear()  # one batch's worth of keys at most
        key_of, stopped = snapshot.facts_key, report.stopped
        rare: list[tuple[CaseRow, Decision]] = []  # escalations and broken promises: see `_transitions`
        outcomes: list[_Outcome] = []
        waiting = 0
        for r in rows:
            row = None
            of_creditor = standing.get(r[1])
            if r[0] in touched or of_creditor is None:
                row = case_row(r)
                o = self.outcome(*self.decide(row, rel))
            else:
                plain = reach(r[_PHONE], r[_CHAT], r[_EMAIL])
                key = key_of(r, *plain, of_creditor(r[_BALANCE]))
                o = decided.get(key)  # type: ignore[assignment]
                if o is None:
                    row = case_row(r)
                    o = decided[key] = self.outcome(*self.decide(row, rel, plain))
            outcomes.append(o)
            kind = o.kind
            if kind is Due:
                if o.followup:
                    rare.append((row or case_row(r), o.decision))
            elif kind is Wait:
                waiting += 1
            elif kind is Stop:
                stopped[o.decision.reason] += 1  # type: ignore[union-attr]
            else:
                rare.append((row or case_row(r), o.decision))
        report.waiting += waiting
        bound = self.bind is not _as_is
        written_from = clock()
        report.queued += insert_outbox(conn, self._queued(rows, outcomes), bound=bound)
        report.examined += len(rows)
        update_check_times(conn, _checks(rows, outcomes, moved=True), bound=bound)
        update_next_checks(conn, _checks(rows, outcomes, moved=False), bound=bound)  # type: ignore[arg-type]
        transitions_from = clock()
        self._transitions(conn, rare, rel, report)
        phases = report.phases
        phases["read"] += decided_from - started
        phases["decide"] += written_from - decided_from
        phases["write"] += transitions_from - written_from
        phases["transitions"] += clock() - transitions_from

    def _queued(self, rows: list[Any], outcomes: list[_Outcome]) -> Iterator[tuple[Any, ...]]:
        """The outbox rows (`outbox_row`'s values) of the batch's cases with a message due, in the batch's order."""
        now, address_of = self.bind(self.now), snapshot.address_of
        for r, o in zip(rows, outcomes, strict=True):
            if o.kind is Due:
                due: Due = o.decision  # type: ignore[assignment]
                address = address_of(r, o.channel)  # type: ignore[arg-type]
                assert address is not None, f"case {r[0]}: no address on {o.channel}"
                yield (r[0], r[_DEBTOR], o.channel, due.kind, due.step, address, o.key(r[0]), o.at, now)  # type: ignore[misc]

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


def _checks(rows: list[Any], outcomes: list[_Outcome], *, moved: bool) -> Iterator[tuple[Any, ...]]:
    """The (next_check_at, last_step, id) of the batch's cases whose scenario step moves (`moved`), or the
    (next_check_at, id) of the others, in the batch's order.

    Most cases of a steady-state sweep only get a new check time; a queued scenario step also moves
    `last_step`, which sits in the console's `ix_cases_step_totals`: those rows go in their own
    statement. Both stay in id order (the batch's), the order of the table, of `ix_case_due_scan`'s
    entries for one check time and of `ix_cases_step_totals`' for one step, status and currency
    (migration 0006): each batch rewrites a few runs of neighbouring entries.
    """
    for r, o in zip(rows, outcomes, strict=True):
        step = o.step
        if step is None or step == r[_LAST_STEP]:
            if not moved:
                yield (o.check, r[0])
        elif moved:
            yield (o.check, step, r[0])


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


def _as_is(value: Any) -> Any:
    return value


def _standing(tolerance: Decimal, *, sqlite: bool) -> Callable[[Any], str | None]:
    """`stops.balance_standing` of a balance as a batch's row holds it: a Decimal, or on SQLite the stored
    number (an int or a float, read as `raw_sqlite.read_money` reads it).

    A stored number at least 1 above the tolerance (and above 0) stands at None without being read as a
    Decimal first: its shortest repr is within a unit in the last place of it, far less than that margin.
    """
    if not sqlite:
        return lambda balance: stops.balance_standing(balance, tolerance)
    clear = float(max(tolerance, Decimal(0))) + 1.0
    read = raw_sqlite.read_money

    def standing(balance: Any) -> str | None:
        if (type(balance) is float or type(balance) is int) and balance >= clear:
            return None
        return stops.balance_standing(read(balance), tolerance)

    return standing


def _keys(due: Due) -> Callable[[int], str]:
    """`_key` of the cases decided `due`, as a function of the case id."""
    if due.kind == "reminder":
        assert due.step is not None
        return keys.reminder_keys(due.step)
    return lambda case_id: _key(case_id, due)


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


# what a queued message of the bot has of its own; the rest is the same for all (`_QUEUED`): no body yet
# (written at send time), no attempt. The constants are written in the statements, not bound on every row.
_OUTBOX_COLUMNS = ("case_id", "debtor_id", "channel", "kind", "step", "to_address", "idempotency_key", "not_before",
                   "created_at")  # fmt: skip
_QUEUED = {"direction": "out", "author": "bot", "body": "", "status": "queued", "attempts": 0}
_QUEUED_SQL = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in _QUEUED.values())
_INSERT_INTO = f"INTO message ({', '.join((*_OUTBOX_COLUMNS, *_QUEUED))})"
_SQLITE_INSERT = f"INSERT OR IGNORE {_INSERT_INTO} VALUES ({', '.join('?' * len(_OUTBOX_COLUMNS))}, {_QUEUED_SQL})"
_SQLITE_UPDATE = "UPDATE cases SET next_check_at = ?, last_step = ? WHERE id = ?"
_SQLITE_NEXT_CHECK = "UPDATE cases SET next_check_at = ? WHERE id = ?"
# `cases.id BETWEEN` the batch's lowest and highest id: without it PostgreSQL joins the arrays to a
# hash of the whole table (a sequential scan of every case, per batch, spilled to disk at a million)
_PG_NEXT_CHECK = (
    "UPDATE cases SET next_check_at = v.next_check_at "
    "FROM unnest(%b::timestamptz[], %b::int[]) AS v(next_check_at, id) "
    "WHERE cases.id = v.id AND cases.id BETWEEN %b AND %b"
)
_PG_TYPES = ("int[]", "int[]", "text[]", "text[]", "int[]", "text[]", "text[]", "timestamptz[]", "timestamptz[]")
_PG_INSERT = (
    f"INSERT {_INSERT_INTO} "
    f"SELECT v.*, {_QUEUED_SQL} FROM unnest({', '.join(f'%b::{t}' for t in _PG_TYPES)}) AS v "
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
    return (row.id, row.debtor_id, channel, kind, step, address, key, not_before, now)


def insert_outbox(conn: Connection, rows: Iterable[tuple[Any, ...]], *, bound: bool = False) -> int:
    """Insert outbox rows (`outbox_row`) in one statement; rows whose idempotency key exists are skipped.

    On SQLite the instants are bound by hand (as `UTCDateTime` stores them) and the rows go to the
    driver in one `executemany`, as they come (`rows` may be a generator): at a million rows
    SQLAlchemy's per-row parameter processing is a noticeable share of a sweep. `bound`: on SQLite,
    the rows' instants are already bound (the sweep builds them so, sparing a copy of every row).
    PostgreSQL gets each column as one array.
    """
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        values = rows if bound else ((*r[:7], bind(r[7]), bind(r[8])) for r in rows)
        return _driver_executemany(conn, _SQLITE_INSERT, values)
    rows = list(rows)
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        # one statement of fixed text whatever the batch size: each column travels as one binary array
        # (psycopg re-parsed SQLAlchemy's long multi-row INSERT … RETURNING for every batch)
        columns = [list(col) for col in zip(*rows, strict=True)]
        return int(conn.exec_driver_sql(_PG_INSERT, tuple(columns)).rowcount)
    table = Message.__table__  # type: ignore[attr-defined]
    stmt = postgresql.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)
    return len(conn.execute(stmt, [{**dict(zip(_OUTBOX_COLUMNS, r, strict=True)), **_QUEUED} for r in rows]).all())


def _driver_executemany(conn: Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """On SQLite, `sql` run for each of `rows` by the driver itself, in the connection's transaction; the
    rows changed. The driver takes an iterable, so a generator's rows are made one at a time."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return int(raw.executemany(sql, rows).rowcount)


def update_next_checks(conn: Connection, params: Iterable[tuple[Any, int]], *, bound: bool = False) -> None:
    """Set next_check_at of many cases by id (`(next_check_at, id)` pairs), in one statement.

    `bound`: on SQLite, the instants are already bound by `raw_sqlite.instant` (as in `insert_outbox`).
    """
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        _driver_executemany(conn, _SQLITE_NEXT_CHECK, params if bound else ((bind(n), i) for n, i in params))
        return
    params = list(params)
    if not params:
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


def update_check_times(conn: Connection, params: Iterable[tuple[Any, int, int]], *, bound: bool = False) -> None:
    """Set (next_check_at, last_step) of many cases by id, in one statement (`bound`: see `update_next_checks`)."""
    if conn.dialect.name == "sqlite":
        bind = raw_sqlite.instant
        _driver_executemany(conn, _SQLITE_UPDATE, params if bound else ((bind(n), s, i) for n, s, i in params))
        return
    params = list(params)
    if not params:
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
