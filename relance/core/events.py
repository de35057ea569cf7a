"""The audit trail: append-only, hash-chained per case.

Each event stores the SHA-256 of its canonical form, which includes the hash of the previous event
of the same case (`GENESIS` for the first). Editing, removing or reordering any event breaks every
hash after it, so `verify_chain` shows tampering. The database refuses UPDATE and DELETE on the
table (triggers in the initial migration), and a unique (case_id, prev_hash) constraint turns a
race between two writers into an error instead of a fork.

Events without a case (sign-ins, account changes) form one chain of their own. A unique index on
`prev_hash` where `case_id IS NULL` keeps it from forking (NULLs escape the constraint above), and
appends to it are serialised: a transaction-scoped advisory lock on PostgreSQL, the database's write
lock taken before the head is read on SQLite, so concurrent sign-ins queue instead of colliding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.bulk import RowBinder, insert_row_returning_id, insert_rows
from relance.core.clock import ensure_utc
from relance.core.db import in_chunks, in_json_list
from relance.core.models import Case, Event

_CASES: sa.Table = Case.__table__  # type: ignore[attr-defined]

GENESIS = "0" * 64


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """Turn Decimals, dates, enums and tuples into plain JSON values (Decimals as strings)."""
    kind = type(value)
    if kind in _PLAIN:  # the common case first: an isinstance chain through ABCs costs ~10 µs a call
        return value
    if kind is dict:
        return {str(k): v if type(v) in _PLAIN else jsonable(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# one encoder for every hash: `json.dumps` with options builds a new encoder on each call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


@lru_cache(maxsize=1024)
def _instant_text(at: datetime) -> str:
    return ensure_utc(at).isoformat(timespec="microseconds")


def event_hash(
    *,
    case_id: int | None,
    at: datetime,
    actor: str,
    actor_id: str | None,
    kind: str,
    data: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 of the canonical JSON form of an event."""
    canonical = _CANONICAL(
        {
            "case_id": case_id,
            "at": _instant_text(at),
            "actor": actor,
            "actor_id": actor_id,
            "kind": kind,
            "data": jsonable(data),
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


EVENT: sa.Table = Event.__table__  # type: ignore[attr-defined]


def chain_head(session: Session, case_id: int | None) -> str:
    """Hash of the last event of a case, or GENESIS."""
    return _head(session.connection(), case_id)


def _head(conn: sa.Connection, case_id: int | None) -> str:
    if case_id is None:
        query = sa.select(EVENT.c.hash).where(EVENT.c.case_id.is_(None)).order_by(EVENT.c.id.desc()).limit(1)
        return conn.execute(query).scalar() or GENESIS
    # every webhook and dispatch writes events: straight to the driver (uses ix_event_case_chain)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"SELECT hash FROM event WHERE case_id = {mark} ORDER BY id DESC LIMIT 1"
    return conn.exec_driver_sql(sql, (case_id,)).scalar() or GENESIS


def record_event(
    session: Session,
    *,
    case_id: int | None,
    kind: str,
    actor: str,
    at: datetime,
    actor_id: str | int | None = None,
    data: Mapping[str, Any] | None = None,
) -> Event:
    """Append one event to the case's chain (flushed, not committed); returns it, detached.

    The row is written with a Core INSERT on the session's connection, not through the ORM unit of
    work: events are never updated, and the webhooks and the dispatcher write one per message.
    """
    session.flush()  # pending changes first, so the chain and the database agree on the order
    conn = session.connection()
    if case_id is not None:
        _lock_cases(conn, [case_id])
    else:
        _lock_caseless_chain(conn)
    actor_ref = None if actor_id is None else str(actor_id)
    event = NewEvent(case_id=case_id, kind=kind, actor=actor, at=at, data=data or {}, actor_id=actor_ref)  # type: ignore[arg-type]
    prev = _head(conn, case_id)
    digest, data_json = _hash_and_data(event, prev)
    bind = RowBinder(conn.dialect)
    row = (case_id, bind.instant(at), actor, actor_ref, kind, data_json, prev, digest)
    event_id = insert_row_returning_id(conn, EVENT, _EVENT_COLUMNS, row)
    return Event(id=event_id, case_id=case_id, at=ensure_utc(at), actor=actor, actor_id=actor_ref, kind=kind,
                 data=json.loads(data_json), prev_hash=prev, hash=digest)  # fmt: skip


@dataclass(frozen=True)
class NewEvent:
    """An event to append in bulk (import)."""

    case_id: int
    kind: str
    actor: str
    at: datetime
    data: Mapping[str, Any]
    actor_id: str | None = None


def chained(event: NewEvent, prev: str) -> tuple[str, str]:
    """The hash of `event` appended after `prev`, and its data as stored (canonical JSON text)."""
    return _hash_and_data(event, prev)


def head_locked(conn: sa.Connection, case_id: int) -> str:
    """Hash of the last event of a case whose row this transaction has locked (`lock_cases`, or an UPDATE)."""
    return _head(conn, case_id)


def lock_cases(conn: sa.Connection, case_ids: Sequence[int]) -> None:
    """Take the chain locks of these cases (PostgreSQL; SQLite has a single writer) until the transaction ends."""
    _lock_cases(conn, case_ids)


def record_events_bulk(session: Session, events: Sequence[NewEvent], *, fresh: Collection[int] = ()) -> int:
    """Append many events at once, chaining each case's events in order (one query per batch).

    `fresh` names cases created in this transaction, which have no event yet: their chains start at
    GENESIS without a lock or a head query. Rows go to the driver's executemany (`relance.core.bulk`).
    """
    if not events:
        return 0
    conn = session.connection()
    case_ids = sorted({e.case_id for e in events if e.case_id not in fresh})
    _lock_cases(conn, case_ids)
    heads = _chain_heads(session, case_ids)
    bind = RowBinder(conn.dialect)
    encode = _BulkEncoder()
    rows = []
    for e in events:
        prev = heads.get(e.case_id, GENESIS)
        digest, data = encode(e, prev)
        heads[e.case_id] = digest
        rows.append((e.case_id, bind.instant(e.at), e.actor, e.actor_id, e.kind, data, prev, digest))
    insert_rows(conn, EVENT, _EVENT_COLUMNS, rows)
    return len(rows)


EVENT_INSERT_COLUMNS = ("case_id", "at", "actor", "actor_id", "kind", "data", "prev_hash", "hash")


def chained_rows(case_id: int, events: Sequence[NewEvent], prev: str, bind: RowBinder) -> list[tuple[Any, ...]]:
    """The rows (in `EVENT_INSERT_COLUMNS` order) that append `events` to a case's chain whose head is `prev`.

    For writers that append straight to the driver (the inbound path): they lock the case on
    PostgreSQL and read the head (`chain_head`) in the same transaction first, as `record_event` does.
    """
    rows = []
    for e in events:
        digest, data = _hash_and_data(e, prev)
        rows.append((case_id, bind.instant(e.at), e.actor, e.actor_id, e.kind, data, prev, digest))
        prev = digest
    return rows


_ENCODE_STR = json.encoder.encode_basestring  # what the canonical encoder (ensure_ascii=False) writes for a str


def _scalar(value: str | int | None) -> str:
    """A JSON scalar exactly as the canonical encoder writes it inside the object."""
    if type(value) is str:
        return _ENCODE_STR(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return _CANONICAL(value)


def _hash_and_data(e: NewEvent, prev: str) -> tuple[str, str]:
    """`event_hash` of the event and its data's JSON text, encoding the data once for both.

    The canonical object is written by hand in its sorted key order; `test_events` checks it
    against `event_hash`.
    """
    data = _CANONICAL(jsonable(e.data))
    canonical = (
        f'{{"actor":{_scalar(e.actor)},"actor_id":{_scalar(e.actor_id)},"at":{_scalar(_instant_text(e.at))},'
        f'"case_id":{_scalar(e.case_id)},"data":{data},"kind":{_scalar(e.kind)},"prev_hash":{_scalar(prev)}}}'
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), data


json_text = _ENCODE_STR  # a str as canonical JSON writes it, quotes included


def canonical_json(data: Mapping[str, Any]) -> str:
    """An event's data as the hash and the `data` column hold it."""
    return _CANONICAL(jsonable(data))


EncodedEvent = tuple[int, str, str]  # (case_id, kind, canonical_json(data))


def record_encoded_events(
    session: Session, events: Sequence[EncodedEvent], *, actor: str, at: datetime, fresh: Collection[int] = ()
) -> int:
    """`record_events_bulk` for events of one actor at one instant, their data already canonical JSON.

    The importer's hot path (two events a row): no NewEvent and no JSON encoder per event; what the
    events share is encoded once. `test_import_scale` checks the hashes against `event_hash`.
    """
    if not events:
        return 0
    conn = session.connection()
    case_ids = sorted({case_id for case_id, _, _ in events if case_id not in fresh})
    _lock_cases(conn, case_ids)
    heads = _chain_heads(session, case_ids)
    bound_at = RowBinder(conn.dialect).instant(at)
    head = f'{{"actor":{_scalar(actor)},"actor_id":null,"at":{_scalar(_instant_text(at))},"case_id":'
    tails: dict[str, str] = {}
    sha256 = hashlib.sha256
    rows = []
    for case_id, kind, data in events:
        prev = heads.get(case_id, GENESIS)
        tail = tails.get(kind) or tails.setdefault(kind, f',"kind":{_scalar(kind)},"prev_hash":')
        canonical = f'{head}{int.__repr__(case_id)},"data":{data}{tail}{_ENCODE_STR(prev)}}}'
        digest = heads[case_id] = sha256(canonical.encode("utf-8")).hexdigest()
        rows.append((case_id, bound_at, actor, None, kind, data, prev, digest))
    insert_rows(conn, EVENT, _EVENT_COLUMNS, rows)
    return len(rows)


class _BulkEncoder:
    """`_hash_and_data` for a batch of events: what they share (actor, instant, kind) is encoded once."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str | None, datetime, str], tuple[str, str]] = {}

    def __call__(self, e: NewEvent, prev: str) -> tuple[str, str]:
        key = (e.actor, e.actor_id, e.at, e.kind)
        parts = self._parts.get(key)
        if parts is None:
            head = f'{{"actor":{_scalar(e.actor)},"actor_id":{_scalar(e.actor_id)},"at":{_scalar(_instant_text(e.at))}'
            parts = (head + ',"case_id":', f',"kind":{_scalar(e.kind)},"prev_hash":')
            if len(self._parts) < 256:
                self._parts[key] = parts
        data = _CANONICAL(jsonable(e.data))
        canonical = f'{parts[0]}{_scalar(e.case_id)},"data":{data}{parts[1]}{_ENCODE_STR(prev)}}}'
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), data


_EVENT_COLUMNS = EVENT_INSERT_COLUMNS


def _lock_cases(conn: sa.Connection, case_ids: Sequence[int]) -> None:
    """PostgreSQL: lock the cases' rows (sorted ids), so concurrent appends to a chain queue instead of colliding."""
    if conn.dialect.name != "postgresql":
        return  # SQLite has a single writer
    for chunk in in_chunks(case_ids):
        conn.execute(sa.select(_CASES.c.id).where(_CASES.c.id.in_(chunk)).order_by(_CASES.c.id).with_for_update())


CASELESS_CHAIN_LOCK = 0x72656C616E6365  # "relance": the advisory lock key of the chain without a case
_APPSTATE = sa.table("appstate", sa.column("key"))


def _lock_caseless_chain(conn: sa.Connection) -> None:
    """Serialise appends to the chain of events without a case, until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CASELESS_CHAIN_LOCK)))
    else:
        # a write that changes nothing still takes SQLite's write lock, so the head read next is the
        # latest one and no other writer can append before our INSERT
        conn.execute(sa.update(_APPSTATE).where(sa.false()).values(key=_APPSTATE.c.key))


def chain_heads(conn: sa.Connection, case_ids: Iterable[int]) -> dict[int, str]:
    """Hash of the last event of each of these cases that has one (no lock: a hint, for optimistic appends)."""
    return _chain_heads(conn, case_ids)


def _chain_heads(session: Session | sa.Connection, case_ids: Iterable[int]) -> dict[int, str]:
    heads: dict[int, str] = {}
    sqlite = (session if isinstance(session, sa.Connection) else session.get_bind()).dialect.name == "sqlite"
    for chunk in in_chunks(list(case_ids)):
        if sqlite:  # one JSON parameter: SQLAlchemy binds an `IN` list value by value on every execution
            rows = session.execute(_HEADS_JSON, {"case_ids": json.dumps(list(chunk))})
        else:
            rows = session.execute(_HEADS, {"case_ids": list(chunk)})
        for case_id, digest in rows:
            if case_id is not None:
                heads[case_id] = digest
    return heads


_LAST_OF_CASES = (
    sa.select(EVENT.c.case_id, sa.func.max(EVENT.c.id).label("last_id"))
    .where(EVENT.c.case_id.in_(sa.bindparam("case_ids", expanding=True)))
    .group_by(EVENT.c.case_id)
    .subquery()
)
_HEADS = sa.select(EVENT.c.case_id, EVENT.c.hash).join(_LAST_OF_CASES, EVENT.c.id == _LAST_OF_CASES.c.last_id)
_LAST_OF_LISTED = (
    sa.select(EVENT.c.case_id, sa.func.max(EVENT.c.id).label("last_id"))
    .where(in_json_list(EVENT.c.case_id, "case_ids"))
    .group_by(EVENT.c.case_id)
    .subquery()
)
_HEADS_JSON = sa.select(EVENT.c.case_id, EVENT.c.hash).join(_LAST_OF_LISTED, EVENT.c.id == _LAST_OF_LISTED.c.last_id)


def verify_chain(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """Check a case's events (dicts as exported, in order); returns the problems found."""
    problems = []
    prev = GENESIS
    for index, e in enumerate(events):
        if e.get("prev_hash") != prev:
            problems.append(f"event {index} (id {e.get('id')}): previous hash does not match: chain broken")
        expected = event_hash(
            case_id=e.get("case_id"),
            at=datetime.fromisoformat(e["at"]),
            actor=e["actor"],
            actor_id=e.get("actor_id"),
            kind=e["kind"],
            data=e.get("data") or {},
            prev_hash=e.get("prev_hash", ""),
        )
        if e.get("hash") != expected:
            problems.append(f"event {index} (id {e.get('id')}): content does not match its hash: altered")
        prev = e.get("hash", "")
    return problems


def event_to_dict(event: Event) -> dict[str, Any]:
    """The exported form of an event (what `verify_chain` checks)."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "at": ensure_utc(event.at).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_id": event.actor_id,
        "kind": event.kind,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def case_events(session: Session, case_id: int) -> list[Event]:
    """Every event of a case, in append order."""
    return list(
        session.execute(sa.select(Event).where(col(Event.case_id) == case_id).order_by(col(Event.id))).scalars()
    )
