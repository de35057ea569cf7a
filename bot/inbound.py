"""What happens to a message a debtor sends us, whatever the channel.

`receive` stores the message first (nothing is ever lost, even when it is not answered), then:
carrier keywords (STOP, START, HELP…) are honoured before anything else; the per-sender rate
limit decides whether we answer at all; a case held by an agent, or a channel the debtor opted
out of, gets no bot answer; otherwise the dialogue answers. Replies are stored as outbound
messages with an idempotency key derived from the inbound provider id, so a provider retrying
its webhook gets the same answer and nothing twice. The caller commits and delivers the replies
(TwiML for SMS, the Bot API for Telegram).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from bot.case_messages import render_for_state, render_generic
from bot.case_state import CaseEvents, CaseState, Sql, orm_case, state_by_id, state_of, sync_case
from bot.dialogue.service import handle_inbound
from bot.keywords import Keyword, classify_keyword
from bot.optout import opt_in, opt_out
from messages.render import Choice, Rendered, Renderer
from relance.core.config import RelanceConfig
from relance.core.errors import ChannelError, TransientChannelError
from relance.core.flags import raise_flag
from relance.core.models import Author, Case, CaseStatus, Creditor, Debtor, Direction, Message, MessageStatus

RATE_LIMIT = 20  # inbound messages per sender …
RATE_WINDOW = timedelta(minutes=1)  # … in this window; the excess is stored, not answered
_CLOSED = (CaseStatus.PAID, CaseStatus.CLOSED)


class Disposition(StrEnum):
    """What was done with an inbound message."""

    DIALOGUE = "dialogue"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    UNKNOWN_SENDER = "unknown_sender"
    RATE_LIMITED = "rate_limited"
    DUPLICATE = "duplicate"
    OPTED_OUT = "opted_out"  # written on a channel the debtor opted out of: kept for a human
    AGENT = "agent"  # an agent holds the case: the dialogue keeps the bot silent (opt-outs still count)
    SILENT = "silent"  # nothing to say (a repeated STOP, START without an opt-out)


@dataclass(frozen=True)
class Inbound:
    """A message as the provider handed it to us."""

    channel: str  # "sms", "telegram" or "email"
    address: str  # the debtor's E.164 number, chat id or e-mail address
    sender: str | None  # our number / Messaging Service SID / bot id it was sent to
    text: str
    provider_id: str  # Twilio MessageSid, or "<chat id>:<message id>" on Telegram
    recipient: str | None = None  # our address as the provider reported it (To)
    locale: str | None = None  # a guess for strangers (number's country, Telegram language)

    def storable(self) -> Inbound:
        """This message with every field fit for the database (hostile input is kept, not refused);
        itself when it is already (the webhook's message, made storable once, is passed on as it is)."""
        # 254: an e-mail address (a phone or a chat id is far shorter)
        address = storable(self.address)[:254]
        sender = storable(self.sender)[:254] if self.sender else self.sender
        recipient = storable(self.recipient)[:254] if self.recipient else self.recipient
        text = storable(self.text)
        provider_id = storable(self.provider_id)[:64]
        fields = (address, sender, recipient, text, provider_id)
        if fields == (self.address, self.sender, self.recipient, self.text, self.provider_id):
            return self
        return replace(self, address=address, sender=sender, recipient=recipient, text=text, provider_id=provider_id)


@dataclass(frozen=True)
class Reply:
    """An answer to send back, already stored as an outbound message."""

    text: str
    choices: tuple[Choice, ...] = ()
    message_id: int | None = None


@dataclass
class Outcome:
    """The result of `receive`."""

    disposition: Disposition
    replies: list[Reply] = field(default_factory=list)
    case_id: int | None = None
    message_id: int | None = None


_CASE_ROWS: sa.Table = Case.__table__  # type: ignore[attr-defined]
_CONVERSATION_LOCKS = 0x72656C  # "rel": the first key of the per-sender advisory locks (two-key space)
_SENDER_LOCK = sa.func.pg_advisory_xact_lock(_CONVERSATION_LOCKS, sa.func.hashtext(sa.bindparam("sender")))
_LOCK_SENDER = sa.select(_SENDER_LOCK)
# one round trip for both: PostgreSQL computes the selected values (the sender's lock) as it reads
# the row, before it locks the row; a row another transaction changed meanwhile is read again, so
# what comes back is the case as the other left it
_LOCK_SENDER_AND_CASE = (
    sa.select(_CASE_ROWS, _SENDER_LOCK).where(_CASE_ROWS.c.id == sa.bindparam("case_id")).with_for_update(of=_CASE_ROWS)
)


def serialise_conversation(session: Session, sql: Sql, inbound: Inbound, case: Case | CaseState | None) -> bool:
    """PostgreSQL: one inbound message at a time per sender and per case, until the transaction ends.

    Several processes (`relance serve --workers N`) may receive two messages of one debtor, or a
    provider's retry of one message, at the same moment. The sender's advisory lock makes the
    second wait, then see the first's stored message (a retry is a duplicate, exactly once); the
    case's row lock does the same for its other channels, and the loaded case learns what the
    first one wrote, so the dialogue continues from the state it left (no lost update). SQLite has
    a single writer, and one process there handles its messages one after the other. True when
    locked: a `CaseState` snapshot read before must then be read again (`state_by_id`).
    """
    if not sql.postgresql:
        return False  # before `session.connection()`, which would begin the session's own transaction
    conn = session.connection()
    sender = f"{inbound.channel}:{inbound.address}"
    if case is None:
        conn.execute(_LOCK_SENDER, {"sender": sender})
        return True
    # Core, not an ORM refresh (which costs several times more): the row as it is now, once locked
    row = conn.execute(_LOCK_SENDER_AND_CASE, {"sender": sender, "case_id": case.id}).one()._mapping
    if isinstance(case, CaseState):
        return True  # the caller reads its snapshot again
    loaded = case.__dict__
    for column in _CASE_ROWS.c:
        value = row[column]
        if loaded.get(column.key, value) != value:
            set_committed_value(case, column.key, value)
    return True


def receive(
    session: Session,
    inbound: Inbound,
    *,
    case: Case | CaseState | None,
    now: datetime,
    config: RelanceConfig,
    renderer: Renderer,
    reply_status: MessageStatus = MessageStatus.SENT,
    answer_strangers: bool = True,
    sql: Sql | None = None,
) -> Outcome:
    """Store, then answer, one inbound message about `case` (None: a stranger); flushed, not committed.

    `case` is a mapped `Case` or its `CaseState` (the SMS webhook reads that one in a single query);
    a mapped one is kept in step with what is written. `answer_strangers=False` leaves unknown
    senders without the generic answer (Telegram asks them to bind their chat instead). `sql`: the
    session's `Sql` when the caller has one.
    """
    inbound = inbound.storable()
    sql = sql or Sql(session)
    if serialise_conversation(session, sql, inbound, case) and isinstance(case, CaseState):
        case = state_by_id(sql, case.id)  # read before the lock: the state as the other process left it
    duplicate = _duplicate(session, sql, inbound)
    if duplicate is not None:
        return duplicate
    state = None if case is None else state_of(session, case)
    events = None if state is None else CaseEvents(session, sql, state.id)
    message_id = _store_inbound(sql, inbound, state, now, events)
    outcome = _decide(session, sql, inbound, state, events, message_id, now, config, renderer)
    if events is not None:
        events.flush()
    outcome.case_id, outcome.message_id = (state.id if state else None), message_id
    if _over_rate_limit(sql, inbound, now):
        outcome = Outcome(Disposition.RATE_LIMITED, [], outcome.case_id, message_id)
    elif outcome.disposition == Disposition.UNKNOWN_SENDER and not answer_strangers:
        outcome.replies = []
    grace = timedelta(minutes=config.caps.reply_grace_minutes)
    outcome.replies = _store_replies(sql, inbound, state, outcome.replies, now, reply_status, grace)
    return outcome


def _decide(
    session: Session,
    sql: Sql,
    inbound: Inbound,
    case: CaseState | None,
    events: CaseEvents | None,
    message_id: int,
    now: datetime,
    config: RelanceConfig,
    renderer: Renderer,
) -> Outcome:
    keyword = classify_keyword(inbound.text, channel=inbound.channel)
    if keyword is not None:
        if events is not None:
            events.flush()  # opt-outs and opt-ins append to the chain themselves
        return _keyword(session, sql, inbound, keyword, case, now, config, renderer)
    if case is None:
        return _unknown_sender(renderer, inbound)
    assert events is not None
    if _opted_out(sql, channel=inbound.channel, address=inbound.address, sender=inbound.sender):
        events.flush()
        raise_flag(
            session,
            case=orm_case(session, case),
            reason="unclear",
            at=now,
            note="message received on a channel the debtor opted out of",
        )
        return Outcome(Disposition.OPTED_OUT)
    # the dialogue also runs for a case an agent holds: it stays silent then, but still honours an
    # opt-out written in words ("arrêtez de m'écrire") and keeps the trail of what was understood
    results = handle_inbound(
        session, sql, case=case, events=events, message_id=message_id, text=inbound.text, channel=inbound.channel,
        now=now, config=config, renderer=renderer,
    )  # fmt: skip
    replies = [Reply(r.text, tuple(r.choices)) for r in results]
    return Outcome(Disposition.AGENT if case.agent_id is not None else Disposition.DIALOGUE, replies)


def _unknown_sender(renderer: Renderer, inbound: Inbound) -> Outcome:
    rendered = render_generic(renderer, name="unknown_sender", channel=inbound.channel, locale=inbound.locale or "fr")
    return Outcome(Disposition.UNKNOWN_SENDER, [_rendered(rendered)])


def _keyword(
    session: Session,
    sql: Sql,
    inbound: Inbound,
    keyword: Keyword,
    case: CaseState | None,
    now: datetime,
    config: RelanceConfig,
    renderer: Renderer,
) -> Outcome:
    debtor_id = case.debtor_id if case else None
    channel, address, sender = inbound.channel, inbound.address, inbound.sender
    if keyword is Keyword.OPT_OUT:
        source = "telegram_stop" if inbound.text.strip().startswith("/") else "keyword"
        recorded = opt_out(
            session, channel=channel, address=address, sender=sender, source=source, at=now, debtor_id=debtor_id
        )
        # a stranger's STOP is honoured too, silently: we have nothing to confirm to them
        if not recorded or case is None:
            return Outcome(Disposition.SILENT)
        return Outcome(Disposition.OPT_OUT, [_case_reply(sql, renderer, config, case, "opt_out_confirmation", inbound)])
    if keyword is Keyword.OPT_IN:
        lifted = opt_in(
            session, channel=channel, address=address, sender=sender, source="keyword", at=now, debtor_id=debtor_id
        )
        if not lifted or case is None:
            return Outcome(Disposition.SILENT)
        return Outcome(Disposition.OPT_IN, [_case_reply(sql, renderer, config, case, "opt_in_confirmation", inbound)])
    if case is None:
        return _unknown_sender(renderer, inbound)
    return Outcome(Disposition.HELP, [_case_reply(sql, renderer, config, case, "help", inbound)])


def _case_reply(
    sql: Sql, renderer: Renderer, config: RelanceConfig, case: CaseState, name: str, inbound: Inbound
) -> Reply:
    return _rendered(render_for_state(sql, renderer, config, case=case, name=name, channel=inbound.channel))


def _rendered(rendered: Rendered) -> Reply:
    return Reply(rendered.text, tuple(rendered.choices))


# --------------------------------------------------------------------------- persistence


_MESSAGES = Message.__table__  # type: ignore[attr-defined]
# The statements of the hot path are built once (building them is a good part of their cost).
_CASE_ORDER = (
    sa.case((col(Case.status).in_(_CLOSED), 1), else_=0),
    sa.func.coalesce(col(Case.last_reminder_at), col(Case.opened_at)).desc(),
    col(Case.id).desc(),
)
# the debtor and the creditor come along: every answer needs them, the session keeps them at hand
_CASE_BY_PHONE = (
    sa.select(Case, Debtor, Creditor)
    .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
    .join(Creditor, col(Creditor.id) == col(Case.creditor_id))
    .where(col(Debtor.phone) == sa.bindparam("address"))
    .order_by(*_CASE_ORDER)
    .limit(1)
)
_CASE_BY_CHAT = (
    sa.select(Case, Debtor, Creditor)
    .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
    .join(Creditor, col(Creditor.id) == col(Case.creditor_id))
    .where(col(Debtor.telegram_chat_id) == sa.bindparam("chat_id"))
    .order_by(*_CASE_ORDER)
    .limit(1)
)


def case_for_phone(session: Session, phone: str) -> Case | None:
    """The case an SMS from `phone` is about: the open one we wrote to last, else the latest."""
    return session.execute(_CASE_BY_PHONE, {"address": phone}).scalars().first()


def case_for_chat(session: Session, chat_id: int) -> Case | None:
    """The case a message in a bound Telegram chat is about (same rule)."""
    return session.execute(_CASE_BY_CHAT, {"chat_id": chat_id}).scalars().first()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` with the two things no database column takes replaced visibly: NUL and lone surrogates."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "\u2400" if m.group() == "\x00" else "\ufffd", text)


def store_inbound(session: Session, inbound: Inbound, case: Case | CaseState | None, now: datetime) -> int:
    """The debtor's message, stored before anything else happens; returns its id."""
    sql = Sql(session)
    events = None if case is None else CaseEvents(session, sql, case.id)  # type: ignore[arg-type]
    message_id = _store_inbound(sql, inbound, case, now, events)
    if events is not None:
        events.flush()
    return message_id


_INSERT_INBOUND = (
    "INSERT INTO message (case_id, debtor_id, direction, channel, author, kind, body, status, to_address, "
    "from_address, provider_id, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_MARK_INBOUND = "UPDATE cases SET last_inbound_at = ?, updated_at = ? WHERE id = ?"


def _store_inbound(
    sql: Sql, inbound: Inbound, case: Case | CaseState | None, now: datetime, events: CaseEvents | None
) -> int:
    """`store_inbound`, its `message_received` event added to `events` (appended by the caller)."""
    at = sql.bind.instant(now)
    row = (
        case.id if case else None,
        case.debtor_id if case else None,
        Direction.IN.value,
        inbound.channel,
        Author.DEBTOR.value,
        "inbound",
        inbound.text,
        MessageStatus.RECEIVED.value,
        inbound.recipient or inbound.sender,
        inbound.address,
        inbound.provider_id,
        0,
        at,
    )
    message_id: int = sql.returning(_INSERT_INBOUND, row)
    if case is not None:
        assert case.id is not None and events is not None
        _mark_inbound(sql, case.id, now)
        sync_case(events.session, case.id, last_inbound_at=now, updated_at=now)
        digest = hashlib.sha256(inbound.text.encode("utf-8")).hexdigest()
        events.add(
            "message_received", "debtor", now, {"message_id": message_id, "channel": inbound.channel, "sha256": digest}
        )
    return message_id


def _mark_inbound(sql: Sql, case_id: int, now: datetime) -> None:
    """`Case.last_inbound_at` (the scheduler's quiet period); on PostgreSQL this locks the case until commit."""
    at = sql.bind.instant(now)
    sql.run(_MARK_INBOUND, (at, at, case_id))


def mark_inbound(session: Session, case: Case, now: datetime) -> None:
    """`Case.last_inbound_at` (the scheduler's quiet period) set in one UPDATE, without an ORM flush."""
    assert case.id is not None
    _mark_inbound(Sql(session), case.id, now)
    # the loaded object learns the new values without becoming dirty (nothing left to flush)
    set_committed_value(case, "last_inbound_at", now)
    set_committed_value(case, "updated_at", now)


_RECENT = "SELECT count(*) FROM message WHERE from_address = ? AND channel = ? AND direction = 'in' AND created_at > ?"


def over_rate_limit(session: Session, inbound: Inbound, now: datetime) -> bool:
    """True when the sender wrote more than `RATE_LIMIT` messages in the last `RATE_WINDOW` (this one included)."""
    return _over_rate_limit(Sql(session), inbound, now)


def _over_rate_limit(sql: Sql, inbound: Inbound, now: datetime) -> bool:
    params = (inbound.address, inbound.channel, sql.bind.instant(now - RATE_WINDOW))
    return int(sql.one(_RECENT, params)[0]) > RATE_LIMIT


_OPTED_OUT = (
    "SELECT 1 FROM optout WHERE channel = ? AND address = ? AND active = ? AND (sender IS NULL OR sender = ?) LIMIT 1"
)
_OPTED_OUT_EVERY = "SELECT 1 FROM optout WHERE channel = ? AND address = ? AND active = ? AND sender IS NULL LIMIT 1"


def _opted_out(sql: Sql, *, channel: str, address: str, sender: str | None) -> bool:
    """`bot.optout.is_opted_out`, straight to the driver."""
    if sender is None:
        return sql.one(_OPTED_OUT_EVERY, (channel, address, True)) is not None
    return sql.one(_OPTED_OUT, (channel, address, True, sender)) is not None


def _reply_key(inbound: Inbound, index: int) -> str:
    return f"reply:{inbound.channel}:{inbound.provider_id}:{index}"


_INSERT_REPLY = (
    "INSERT INTO message (case_id, debtor_id, direction, channel, author, kind, body, choices, status, to_address, "
    "from_address, idempotency_key, reply_deadline, attempts, claimed_by, claimed_at, created_at, sent_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)


def store_replies(
    session: Session,
    inbound: Inbound,
    case: Case | CaseState | None,
    replies: list[Reply],
    now: datetime,
    status: MessageStatus,
    *,
    grace: timedelta = timedelta(minutes=15),
) -> list[Reply]:
    """Store the answers as outbound messages (idempotency key: the inbound provider id and the position).

    An answer may go at any hour until `now + grace` (it answers the debtor's own message); one that
    fails for a while goes back to the outbox, where the dispatcher honours that deadline.
    """
    return _store_replies(Sql(session), inbound, case, replies, now, status, grace)


def _store_replies(
    sql: Sql,
    inbound: Inbound,
    case: Case | CaseState | None,
    replies: list[Reply],
    now: datetime,
    status: MessageStatus,
    grace: timedelta,
) -> list[Reply]:
    stored = []
    claimed = status == MessageStatus.SENDING
    at = sql.bind.instant(now)
    for index, reply in enumerate(replies):
        row = (
            case.id if case else None,
            case.debtor_id if case else None,
            Direction.OUT.value,
            inbound.channel,
            Author.BOT.value,
            "reply",
            reply.text,
            sql.json([{"key": c.key, "label": c.label} for c in reply.choices] or None),
            status.value,
            inbound.address,
            inbound.sender,
            _reply_key(inbound, index),
            sql.bind.instant(now + grace),
            0,
            "webhook" if claimed else None,
            at if claimed else None,
            at,
            at if status == MessageStatus.SENT else None,
        )
        message_id = sql.returning(_INSERT_REPLY, row)
        stored.append(Reply(reply.text, reply.choices, message_id))
    return stored


_SEEN = "SELECT id, case_id FROM message WHERE provider_id = ? AND direction = 'in' AND channel = ?"
_STORED_REPLIES = "SELECT id, body, choices FROM message WHERE idempotency_key LIKE ? ESCAPE '/' ORDER BY id"


def already_received(session: Session, inbound: Inbound) -> bool:
    """Whether this very message (provider id, channel) is stored already: a replayed update."""
    inbound = inbound.storable()
    return Sql(session).one(_SEEN, (inbound.provider_id, inbound.channel)) is not None


def _duplicate(session: Session, sql: Sql, inbound: Inbound) -> Outcome | None:
    """A provider retrying its webhook gets the answers stored the first time."""
    seen = sql.one(_SEEN, (inbound.provider_id, inbound.channel))
    if seen is None:
        return None
    prefix = f"reply:{inbound.channel}:{inbound.provider_id}:"
    pattern = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    replies = []
    for message_id, body, choices in sql.all(_STORED_REPLIES, (pattern,)):
        if isinstance(choices, str):
            choices = json.loads(choices)
        replies.append(Reply(body, tuple(Choice(c["key"], c["label"]) for c in choices or ()), message_id))
    return Outcome(Disposition.DUPLICATE, replies, seen[1], seen[0])


def settle_reply(
    session: Session,
    *,
    message_id: int,
    at: datetime,
    provider_id: str | None = None,
    status: MessageStatus | None = None,
    error: ChannelError | None = None,
) -> None:
    """Record how sending a reply went: sent, failed for good, or back to the outbox for a retry."""
    row = session.get(Message, message_id)
    if row is None or row.status != MessageStatus.SENDING:
        return
    row.claimed_by, row.claimed_at = None, None
    if error is None:
        row.status = status or MessageStatus.SENT
        row.provider_id = provider_id
        row.sent_at = at
        row.delivered_at = at if row.status == MessageStatus.DELIVERED else None
    elif isinstance(error, TransientChannelError):
        row.status = MessageStatus.QUEUED  # the dispatcher retries it with back-off
        row.attempts += 1
        row.next_attempt_at = at
    else:
        row.status = MessageStatus.FAILED
    if error is not None:
        row.last_error, row.error_code = str(error)[:500], (error.code or "")[:32] or None
    session.add(row)
    session.flush()
