"""The outbox, as the dispatcher works it: claim rows, then move each claimed row along once.

The outbox is the `message` table (direction `out`). A row goes
`queued` → `sending` (claimed) → `sent` | `failed` | `cancelled`, or back to `queued` (deferred to
a later `not_before`, a transient error retried at `next_attempt_at`, moved to another channel).

Claiming is one statement on both backends::

    UPDATE message SET status='sending', claimed_by=:worker, claimed_at=:now, attempts=attempts+1
    WHERE id IN (SELECT id FROM message WHERE <eligible> ORDER BY not_before, id LIMIT :n
                 [FOR UPDATE SKIP LOCKED])          -- PostgreSQL: workers skip each other's rows
    RETURNING ...

SQLite has no row locks (`FOR UPDATE` is dropped) but runs the whole UPDATE under its database
write lock, so a row is never claimed twice there either; workers just do not run in parallel.
Eligible rows are queued rows whose time has come, and `sending` rows whose claim is older than
the lease (their worker died between claiming and recording the outcome).

Every later transition is fenced: `WHERE id = :id AND claimed_by = :worker AND status = 'sending'`.
A worker whose lease expired and whose row another worker took over changes nothing, and records
no event: in our records each message is sent once.

The dispatcher's hot path, `record_sent`, records a sent message (fenced update, the case's
wake-up, its hash-chained `message_sent` event) in one transaction; on PostgreSQL in one statement
(`_SENT_AT_ONCE`), and `claim_raw` claims in one, both in autocommit on the driver's connection.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from relance.core.bulk import RowBinder, insert_rows
from relance.core.db import in_chunks, in_json_list
from relance.core.events import (
    EVENT,
    NewEvent,
    canonical_json,
    chained,
    head_locked,
    json_text,
    lock_cases,
    record_encoded_events,
    record_event,
)
from relance.core.models import Case, Message, OptOut, UTCDateTime

MESSAGE: sa.Table = Message.__table__  # type: ignore[attr-defined]
M = MESSAGE.c
ACTOR = "dispatcher"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed outbox row."""

    id: int
    case_id: int | None
    debtor_id: int | None
    kind: str
    step: int | None
    author: str
    channel: str
    to_address: str | None
    body: str
    choices: list[Any] | None
    idempotency_key: str | None
    reply_deadline: datetime | None
    attempts: int
    created_at: datetime


_CLAIMED_COLUMNS = (
    M.id, M.case_id, M.debtor_id, M.kind, M.step, M.author, M.channel, M.to_address, M.body, M.choices,
    M.idempotency_key, M.reply_deadline, M.attempts, M.created_at,
)  # fmt: skip


def claim(
    session: Session | sa.Connection, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due rows for `worker` (committed by the caller before sending)."""
    params = {"worker": worker, "now": now, "expired": now - lease, "limit": limit}
    result = session.execute(_CLAIM, params)
    dialect = result.context.dialect  # type: ignore[attr-defined]
    if dialect.name == "sqlite":
        try:
            raw = result.cursor.fetchall()  # type: ignore[attr-defined]
        finally:
            result.close()
        rows = _claimed_driver_rows(raw, dialect)
    else:
        rows = [Claimed(*row) for row in result]
    return sorted(rows, key=lambda r: r.id)


def _claimed_driver_rows(raw: list[Any], dialect: sa.Dialect) -> list[Claimed]:
    """Claimed rows from the driver's tuples, each column read by its type's own result processing
    (as a Row would be); an instant once per distinct stored text (a batch's rows share a few
    creation instants; instants are immutable, unlike the JSON `choices`, read for each row)."""
    typed: list[tuple[int, Any, dict[Any, Any] | None]] = []
    for index, column in enumerate(_CLAIMED_COLUMNS):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            typed.append((index, process, {} if isinstance(column.type, UTCDateTime) else None))
    out = []
    for row in raw:
        values = list(row)
        for index, process, seen in typed:
            value = values[index]
            if seen is None or value is None:
                values[index] = process(value)
            elif (known := seen.get(value)) is not None:
                values[index] = known
            else:
                values[index] = seen[value] = process(value)
        out.append(Claimed(*values))
    return out


def _claim_statement() -> sa.Update:
    """The claim, built once and run with parameters (worker, now, expired, limit)."""
    now = sa.bindparam("now", type_=M.not_before.type)
    due = sa.and_(
        M.status == "queued",
        sa.or_(M.not_before.is_(None), M.not_before <= now),
        sa.or_(M.next_attempt_at.is_(None), M.next_attempt_at <= now),
    )
    abandoned = sa.and_(M.status == "sending", M.claimed_at < sa.bindparam("expired", type_=M.claimed_at.type))
    eligible = (
        sa.select(M.id)
        .where(M.direction == "out", sa.or_(due, abandoned))
        .order_by(M.not_before, M.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(MESSAGE)
        .where(M.id.in_(eligible.scalar_subquery()))
        .values(status="sending", claimed_by=sa.bindparam("worker"), claimed_at=now, attempts=M.attempts + 1)
        .returning(*_CLAIMED_COLUMNS)
    )


_CLAIM = _claim_statement()


def claim_raw(raw: Any, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """`claim` on a psycopg connection in autocommit: the same statement, one round trip, its own transaction."""
    params = {"worker": worker, "now": now, "expired": now - lease, "limit": limit}
    rows = [_claimed(list(row)) for row in raw.execute(_CLAIM_PG, params)]
    return sorted(rows, key=lambda r: r.id)


def _claimed(values: list[Any]) -> Claimed:
    """A claimed row read by the driver: its instants in UTC, as `UTCDateTime` reads them."""
    values[11], values[13] = _utc(values[11]), _utc(values[13])  # reply_deadline, created_at
    return Claimed(*values)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


_CLAIM_PG = (
    "UPDATE message SET status = 'sending', claimed_by = %(worker)s, claimed_at = %(now)s, attempts = attempts + 1 "
    "WHERE message.id IN (SELECT message.id FROM message WHERE message.direction = 'out' AND ("
    "(message.status = 'queued' AND (message.not_before IS NULL OR message.not_before <= %(now)s) "
    "AND (message.next_attempt_at IS NULL OR message.next_attempt_at <= %(now)s)) "
    "OR (message.status = 'sending' AND message.claimed_at < %(expired)s)) "
    "ORDER BY message.not_before, message.id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
    "RETURNING id, case_id, debtor_id, kind, step, author, channel, to_address, body, choices, idempotency_key, "
    "reply_deadline, attempts, created_at"
)


def _fenced(session: Session, msg: Claimed, worker: str, **values: Any) -> bool:
    """Apply `values` to a row this worker still holds; False when another worker took it over."""
    result = session.execute(
        sa.update(MESSAGE).where(M.id == msg.id, M.claimed_by == worker, M.status == "sending").values(**values)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _wake_case(session: Session, msg: Claimed, *, sent_reminder_at: datetime | None = None) -> None:
    """After a scheduler message is done, the sweep looks at its case again at once."""
    if msg.case_id is None:
        return
    values: dict[str, Any] = {"next_check_at": None}
    if sent_reminder_at is not None:
        values["last_reminder_at"] = sent_reminder_at
    cases: sa.Table = Case.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(cases).where(cases.c.id == msg.case_id).values(**values))


def _release_step(session: Session, msg: Claimed) -> None:
    """A scenario step that never left is not a step taken: the case may queue it again later.

    The row keeps its place in the trail under a retired key (`reminder:<case>:<step>:x<id>`) so the
    step's own key is free, and the case's `last_step` goes back by one. Without this a case whose
    first reminder was cancelled would open, later, with its second.
    """
    if msg.kind != "reminder" or msg.step is None or msg.case_id is None or not msg.idempotency_key:
        return
    retired = f"{msg.idempotency_key}:x{msg.id}"
    session.execute(sa.update(MESSAGE).where(M.id == msg.id).values(idempotency_key=retired))
    cases: sa.Table = Case.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(cases).where(cases.c.id == msg.case_id, cases.c.last_step == msg.step).values(last_step=msg.step - 1)
    )


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def mark_sent(
    session: Session,
    msg: Claimed,
    *,
    worker: str,
    now: datetime,
    provider_id: str,
    channel: str,
    address: str,
    body: str,
    reminder: bool,
    scheduler_kind: bool,
) -> bool:
    """The provider accepted the message: record it (once) with the provider's id."""
    done = _fenced(
        session, msg, worker, status="sent", provider_id=provider_id, sent_at=now, channel=channel,
        to_address=address, body=body, last_error=None, error_code=None, next_attempt_at=None,
    )  # fmt: skip
    if not done:
        return False
    if scheduler_kind:
        _wake_case(session, msg, sent_reminder_at=now if reminder else None)
    _event(session, msg, "message_sent", now, channel=channel, provider_id=provider_id, body_sha256=body_digest(body))
    return True


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the provider accepted, to record with `mark_sent_many`."""

    msg: Claimed
    now: datetime
    provider_id: str
    channel: str
    address: str
    body: str
    reminder: bool
    scheduler_kind: bool


def mark_sent_many(session: Session, sent: Sequence[Sent], *, worker: str) -> list[bool]:
    """`mark_sent` for many messages in a few statements; for each, whether it was recorded.

    The same fence: only rows this worker still holds are recorded (read first, locked on
    PostgreSQL, and the UPDATE keeps the fence in its WHERE clause).
    """
    if not sent:
        return []
    held = _held(session, [s.msg.id for s in sent], worker)
    todo = [s for s in sent if s.msg.id in held]
    if todo:
        conn = session.connection()
        wakes = [s for s in todo if s.scheduler_kind and s.msg.case_id is not None]
        if conn.dialect.name == "sqlite":
            _sent_many_sqlite(conn, todo, wakes, worker)
        else:
            conn.execute(_SENT_UPDATE, [_sent_params(s, worker) for s in todo])
            for reminder in (True, False):
                params = [{"b_case": s.msg.case_id, "b_at": s.now} for s in wakes if s.reminder is reminder]
                if params:
                    conn.execute(_WAKE_AFTER_REMINDER if reminder else _WAKE, params)
        _sent_events(session, [s for s in todo if s.msg.case_id is not None])
        for s in todo:
            if s.msg.case_id is None:  # the chain of events without a case, one by one
                _event(session, s.msg, "message_sent", s.now, **_sent_data(s))
    return [s.msg.id in held for s in sent]


def _sent_events(session: Session, sent: Sequence[Sent]) -> None:
    """The `message_sent` events of `sent` (all with a case), in order: `record_events_bulk`'s rows and
    hashes, with each event's data written as canonical JSON directly (`_sent_json`), one call per run
    of messages sent at the same instant (a whole batch in the simulation)."""
    if any(s.now != sent[0].now for s in sent):  # several runs: every chain lock first, in one sorted order
        lock_cases(session.connection(), sorted({s.msg.case_id for s in sent if s.msg.case_id is not None}))
    start = 0
    while start < len(sent):
        at, end = sent[start].now, start + 1
        while end < len(sent) and sent[end].now == at:
            end += 1
        events = [(s.msg.case_id, "message_sent", _sent_json(s)) for s in sent[start:end]]
        record_encoded_events(session, events, actor=ACTOR, at=at)  # type: ignore[arg-type]
        start = end


def _sent_json(s: Sent) -> str:
    """`canonical_json` of a `message_sent` event's data (`_sent_event`), written by hand in its key order."""
    msg = s.msg
    step, key = msg.step, msg.idempotency_key
    plain = type(msg.id) is int and (step is None or type(step) is int) and (key is None or type(key) is str)
    if not (plain and type(msg.kind) is str and type(s.channel) is str and type(s.provider_id) is str):
        return canonical_json(_sent_event(s).data)
    return (
        f'{{"body_sha256":"{body_digest(s.body)}","channel":{json_text(s.channel)},'
        f'"key":{"null" if key is None else json_text(key)},"kind":{json_text(msg.kind)},'
        f'"message_id":{int.__repr__(msg.id)},"provider_id":{json_text(s.provider_id)},'
        f'"step":{"null" if step is None else int.__repr__(step)}}}'
    )


def _sent_many_sqlite(conn: sa.Connection, todo: Sequence[Sent], wakes: Sequence[Sent], worker: str) -> None:
    """`mark_sent_many`'s updates on SQLite, straight to the driver's executemany (instants bound as
    `UTCDateTime` binds them): SQLAlchemy's per-row parameter processing was most of their cost."""
    bind = RowBinder(conn.dialect).instant
    sent = [(s.provider_id, bind(s.now), s.channel, s.address, s.body, s.msg.id, worker) for s in todo]
    conn.exec_driver_sql(_SQLITE_SENT, sent)  # type: ignore[arg-type]
    reminded = [(bind(s.now), s.msg.case_id) for s in wakes if s.reminder]
    if reminded:
        conn.exec_driver_sql(_SQLITE_WAKE_AFTER_REMINDER, reminded)  # type: ignore[arg-type]
    woken = [(s.msg.case_id,) for s in wakes if not s.reminder]
    if woken:
        conn.exec_driver_sql(_SQLITE_WAKE, woken)  # type: ignore[arg-type]


def record_sent(conn: sa.Connection, s: Sent, *, worker: str, heads: dict[int, str]) -> bool:
    """`mark_sent` in one transaction of its own on `conn` (idle, not in a transaction); whether it was recorded.

    `heads` holds the chain head of the cases of the batch (`relance.core.events.chain_heads`, read
    with it), kept up to date here. On PostgreSQL, with the head known, the whole record is one
    statement run on its own (autocommit: one round trip, see `_SENT_AT_ONCE`). Otherwise, or if
    another writer appended to the case's chain in the meantime (the unique (case_id, prev_hash)
    constraint refuses the event and the statement changes nothing), the locked way: fenced update,
    the case's wake-up or lock (the chain's lock), its head, the event, in one transaction.
    """
    case_id = s.msg.case_id
    if case_id is None:  # the chain without a case has a lock of its own: the general path
        with Session(bind=conn, expire_on_commit=False) as session, session.begin():
            return mark_sent(
                session, s.msg, worker=worker, now=s.now, provider_id=s.provider_id, channel=s.channel,
                address=s.address, body=s.body, reminder=s.reminder, scheduler_kind=s.scheduler_kind,
            )  # fmt: skip
    event = _sent_event(s)
    if conn.dialect.name == "postgresql" and case_id in heads:
        done = _sent_at_once(conn, s, worker, event, heads)
        if done is not None:
            return done
    with conn.begin():
        if conn.execute(_SENT_UPDATE, _sent_params(s, worker)).rowcount != 1:  # type: ignore[attr-defined]
            return False
        if s.scheduler_kind:
            conn.execute(_WAKE_AFTER_REMINDER if s.reminder else _WAKE, {"b_case": case_id, "b_at": s.now})
        else:
            lock_cases(conn, [case_id])
        prev = head_locked(conn, case_id)
        digest, data = chained(event, prev)
        insert_rows(conn, EVENT, _EVENT_COLUMNS, [_event_row(conn, event, data, prev, digest)])
    heads[case_id] = digest
    return True


def _sent_at_once(conn: sa.Connection, s: Sent, worker: str, event: NewEvent, heads: dict[int, str]) -> bool | None:
    """PostgreSQL: record `s` with one statement chained on the known head; None if that head is stale."""
    import psycopg

    case_id = s.msg.case_id
    assert case_id is not None and not conn.in_transaction()
    prev = heads[case_id]
    digest, data = chained(event, prev)
    params = {"b_id": s.msg.id, "b_worker": worker, "b_pid": s.provider_id, "b_at": s.now, "b_channel": s.channel,
              "b_address": s.address, "b_body": s.body, "e_data": data, "e_prev": prev, "e_hash": digest}  # fmt: skip
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    sql = _SENT_AT_ONCE[(s.scheduler_kind, s.reminder and s.scheduler_kind)]
    raw.autocommit = True  # one statement, its own transaction: no BEGIN/COMMIT round trips
    try:
        recorded = raw.execute(sql, params).fetchone() is not None
    except psycopg.errors.UniqueViolation:
        return None  # someone else appended to the chain: nothing was changed, go the locked way
    finally:
        raw.autocommit = False
    if recorded:
        heads[case_id] = digest
    return recorded


# The fenced update, then the case row locked — by the wake-up of a scheduler message, by FOR UPDATE
# otherwise: the lock every appender to a case's chain takes first — then the event, inserted from
# that locked row (so after the lock), chained on the head read with the batch. A row comes back
# only if the fence held (the case exists: foreign key). Run in autocommit, the statement is its own
# transaction; a stale head makes the INSERT fail on uq_event_chain, and the whole statement with it.
_SENT_FENCED = (
    "UPDATE message SET status = 'sent', provider_id = %(b_pid)s, sent_at = %(b_at)s, channel = %(b_channel)s, "
    "to_address = %(b_address)s, body = %(b_body)s, last_error = NULL, error_code = NULL, next_attempt_at = NULL "
    "WHERE id = %(b_id)s AND claimed_by = %(b_worker)s AND status = 'sending' RETURNING case_id"
)
_SENT_CHAIN = {
    "wake": "UPDATE cases SET next_check_at = NULL WHERE id IN (SELECT case_id FROM sent) RETURNING id",
    "remind": "UPDATE cases SET next_check_at = NULL, last_reminder_at = %(b_at)s "
    "WHERE id IN (SELECT case_id FROM sent) RETURNING id",
    "lock": "SELECT id FROM cases WHERE id IN (SELECT case_id FROM sent) FOR UPDATE",
}
_SENT_EVENT = (
    "INSERT INTO event (case_id, at, actor, actor_id, kind, data, prev_hash, hash) "
    f"SELECT id, %(b_at)s, '{ACTOR}', NULL, 'message_sent', %(e_data)s::json, %(e_prev)s, %(e_hash)s "
    "FROM chain RETURNING id"
)
_SENT_AT_ONCE = {
    (scheduler, reminder): f"WITH sent AS ({_SENT_FENCED}), chain AS ({_SENT_CHAIN[part]}) {_SENT_EVENT}"
    for scheduler, reminder, part in ((True, True, "remind"), (True, False, "wake"), (False, False, "lock"))
}
_EVENT_COLUMNS = ("case_id", "at", "actor", "actor_id", "kind", "data", "prev_hash", "hash")


def _event_row(conn: sa.Connection, e: NewEvent, data: str, prev: str, digest: str) -> tuple[Any, ...]:
    return (e.case_id, RowBinder(conn.dialect).instant(e.at), e.actor, e.actor_id, e.kind, data, prev, digest)


def _held(session: Session, ids: list[int], worker: str) -> set[int]:
    found: set[int] = set()
    sqlite = session.get_bind().dialect.name == "sqlite"
    for chunk in in_chunks(ids):
        if sqlite:  # the ids as one JSON parameter: SQLAlchemy binds an `IN` list id by id on every execution
            rows = session.execute(_HELD_JSON, {"ids": json.dumps(list(chunk)), "worker": worker})
        else:
            rows = session.execute(_HELD, {"ids": list(chunk), "worker": worker})
        found.update(rows.scalars())
    return found


_HELD = (
    sa.select(M.id)
    .where(M.id.in_(sa.bindparam("ids", expanding=True)), M.claimed_by == sa.bindparam("worker"))
    .where(M.status == "sending")
    .with_for_update()
)

_HELD_JSON = (
    sa.select(M.id)
    .where(in_json_list(M.id, "ids"), M.claimed_by == sa.bindparam("worker"))
    .where(M.status == "sending")
)

_CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]
_SENT_UPDATE = (
    sa.update(MESSAGE)
    .where(M.id == sa.bindparam("b_id"), M.claimed_by == sa.bindparam("b_worker"), M.status == "sending")
    .values(
        status="sent", provider_id=sa.bindparam("b_pid"), sent_at=sa.bindparam("b_at", type_=M.sent_at.type),
        channel=sa.bindparam("b_channel"), to_address=sa.bindparam("b_address"), body=sa.bindparam("b_body"),
        last_error=None, error_code=None, next_attempt_at=None,
    )
)  # fmt: skip
_WAKE = sa.update(_CASES).where(_CASES.c.id == sa.bindparam("b_case")).values(next_check_at=None)
_WAKE_AFTER_REMINDER = _WAKE.values(last_reminder_at=sa.bindparam("b_at", type_=_CASES.c.last_reminder_at.type))

# the same three statements as the driver's SQL, for `_sent_many_sqlite`
_SQLITE_SENT = (
    "UPDATE message SET status = 'sent', provider_id = ?, sent_at = ?, channel = ?, to_address = ?, body = ?, "
    "last_error = NULL, error_code = NULL, next_attempt_at = NULL "
    "WHERE id = ? AND claimed_by = ? AND status = 'sending'"
)
_SQLITE_WAKE = "UPDATE cases SET next_check_at = NULL WHERE id = ?"
_SQLITE_WAKE_AFTER_REMINDER = "UPDATE cases SET next_check_at = NULL, last_reminder_at = ? WHERE id = ?"


def _sent_params(s: Sent, worker: str) -> dict[str, Any]:
    return {"b_id": s.msg.id, "b_worker": worker, "b_pid": s.provider_id, "b_at": s.now, "b_channel": s.channel,
            "b_address": s.address, "b_body": s.body}  # fmt: skip


def _sent_event(s: Sent) -> NewEvent:
    data = _event_data(s.msg, **_sent_data(s))
    return NewEvent(case_id=s.msg.case_id, kind="message_sent", actor=ACTOR, at=s.now, data=data)  # type: ignore[arg-type]


def _sent_data(s: Sent) -> dict[str, Any]:
    return {"channel": s.channel, "provider_id": s.provider_id, "body_sha256": body_digest(s.body)}


def defer(session: Session, msg: Claimed, *, worker: str, until: datetime) -> bool:
    """Not now (window closed, caps, pause): back to the outbox; a deferral is not an attempt."""
    return _fenced(
        session, msg, worker, status="queued", not_before=until, claimed_by=None, claimed_at=None,
        attempts=max(0, msg.attempts - 1),
    )  # fmt: skip


def retry_later(session: Session, msg: Claimed, *, worker: str, at: datetime, error: str, code: str | None) -> bool:
    """A transient failure: try again at `at`."""
    return _fenced(
        session, msg, worker, status="queued", next_attempt_at=at, claimed_by=None, claimed_at=None,
        last_error=error[:500], error_code=code,
    )  # fmt: skip


def cancel(session: Session, msg: Claimed, *, worker: str, now: datetime, reason: str, scheduler_kind: bool) -> bool:
    """A stop condition holds: the message will never be sent."""
    if not _fenced(session, msg, worker, status="cancelled", last_error=reason, claimed_by=None):
        return False
    _release_step(session, msg)
    if scheduler_kind:
        _wake_case(session, msg)
    _event(session, msg, "message_cancelled", now, reason=reason)
    return True


def fail(
    session: Session, msg: Claimed, *, worker: str, now: datetime, error: str, code: str | None, scheduler_kind: bool
) -> bool:
    """A permanent failure with no other channel left."""
    if not _fenced(session, msg, worker, status="failed", last_error=error[:500], error_code=code, claimed_by=None):
        return False
    _release_step(session, msg)
    if scheduler_kind:
        _wake_case(session, msg)
    _event(session, msg, "message_failed", now, channel=msg.channel, error=error[:500], code=code)
    return True


def move_channel(
    session: Session,
    msg: Claimed,
    *,
    worker: str,
    now: datetime,
    channel: str,
    address: str,
    body: str,
    error: str,
    code: str | None,
) -> bool:
    """A permanent failure on one channel: queue the message again on the debtor's other channel."""
    moved = _fenced(
        session, msg, worker, status="queued", channel=channel, to_address=address, body=body, attempts=0,
        next_attempt_at=None, claimed_by=None, claimed_at=None, last_error=error[:500], error_code=code,
    )  # fmt: skip
    if moved:
        _event(session, msg, "message_failed", now, channel=msg.channel, error=error[:500], code=code, moved_to=channel)
    return moved


def record_opt_out(
    session: Session, msg: Claimed, *, channel: str, address: str, sender: str | None, now: datetime, source: str
) -> None:
    """The provider says the recipient opted out (Twilio 21610): nothing more goes to that address."""
    session.add(
        OptOut(debtor_id=msg.debtor_id, channel=channel, address=address, sender=sender, source=source, created_at=now)
    )
    session.flush()
    if msg.case_id is not None:
        record_event(
            session, case_id=msg.case_id, kind="opt_out_recorded", actor=ACTOR, at=now,
            data={"channel": channel, "source": source, "message_id": msg.id},
        )  # fmt: skip


def _event(session: Session, msg: Claimed, kind: str, now: datetime, **data: Any) -> None:
    record_event(session, case_id=msg.case_id, kind=kind, actor=ACTOR, at=now, data=_event_data(msg, **data))


def _event_data(msg: Claimed, **data: Any) -> dict[str, Any]:
    return {"message_id": msg.id, "kind": msg.kind, "step": msg.step, "key": msg.idempotency_key, **data}
