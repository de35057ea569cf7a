"""The dispatcher: claims outbox rows, checks them again, sends them, records what happened.

For each claimed row, at send time: the stop conditions, pause and caps (scheduler messages), the
opt-outs and the contact window (every message; a reply within the grace of the debtor's own
message may go at any hour) are checked again (`scheduler.send_policy`). Then the text goes
through the debtor's channel (`bot.channels.ChannelAdapter`) and the outcome is recorded:
- accepted: status `sent`, the provider's id, `sent_at`, one `message_sent` event (with the SHA-256
  of the exact text) — in the same transaction;
- transient error (timeout, 5xx, rate limit): back to the outbox at now + 30 s × 2^(attempt − 1),
  capped at one hour; after 8 attempts it is treated as permanent;
- permanent error: Twilio 21610 (the recipient replied STOP to the carrier) records an `OptOut`;
  the message moves to the debtor's other usable channel if there is one, else it is `failed` and
  the case is flagged `delivery_failed`.

What is guaranteed
------------------
In our records, exactly once: a message is marked `sent`, and gets its `message_sent` event, at
most once (fenced transitions, see `scheduler.outbox`), and a message claimed by a worker that dies
is claimed again once its lease (default 10 minutes, far longer than any provider call) expires,
so none is lost.

Towards the provider, at least once. A worker sends, then commits. If it dies after the provider
accepted the message and before the commit, the message is sent again after the lease, with the
same idempotency key. Neither Twilio's Messages API nor Telegram's sendMessage accepts an
idempotency key, so on those channels such a crash delivers the message twice: at most one
duplicate per crash and per worker (a worker has one provider call in flight at a time), and never
outside the contact window (the resend is checked again like any send). An adapter that does
deduplicate can be given the key: if it has a `send_keyed(to, text, choices, key=...)` coroutine,
the dispatcher calls it instead of `send_text`/`send_choices`.

How a batch is worked, one transaction per message
--------------------------------------------------
A batch keeps one connection from its claim to its last outcome. On PostgreSQL the claim, the
send-time facts of its cases (`scheduler.send_facts`: one statement) and their opt-outs are three
round trips; on SQLite the set-based reads of `scheduler.snapshot`. Each accepted message is then
recorded by `outbox.record_sent` — on PostgreSQL one statement in its own transaction, chained on
the case's event head read with the batch (a stale head falls back to the locked way) — and that
record runs while the next message is checked and written; it is settled before any other write
and before the next provider call, so a worker still has at most one message accepted and not
recorded. The checks use the facts read with the batch, as the texts use its debts.

When every adapter deduplicates (all have `send_keyed`; the simulation's recording channels do),
a resend after a crash reaches nobody twice, so the one-transaction-per-message rhythm buys
nothing: the dispatcher then sends a claimed batch and records all its outcomes in one
transaction (same fenced transitions, same events). A crash before that commit leaves the batch's
rows claimed; after the lease they are sent again with the same keys and recorded once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot.channels.base import ChannelAdapter, SendResult
from bot.channels.email import EmailSent, OutgoingEmail
from bot.email_store import record_email, thread_of
from bot.telegram_binding import telegram_link
from messages.email import email_parts, email_subject, reply_subject
from messages.render import Renderer
from relance.core.clock import Clock
from relance.core.config import Creditor as CreditorRules
from relance.core.config import RelanceConfig
from relance.core.db import session_scope
from relance.core.errors import ChannelError, PermanentChannelError, PolicyError, RenderError, TransientChannelError
from relance.core.flags import raise_flag
from relance.core.models import Case, Creditor, Installment, PromiseToPay
from relance.core.paylinks import PayLinks
from scheduler import keys, outbox, send_facts, snapshot
from scheduler.caps import REMINDER_KINDS
from scheduler.compose import Subject, compose, compose_subject, content
from scheduler.contact_window import ContactWindow, contact_window
from scheduler.local_time import local_today
from scheduler.outbox import Claimed
from scheduler.send_policy import SCHEDULER_KINDS, Cancel, Defer, Go, Outgoing, plan_send
from scheduler.snapshot import CaseRow, Related

log = logging.getLogger(__name__)

TWILIO_OPTED_OUT = "21610"
HARD_BOUNCE = "hard_bounce"  # the recipient's mail server refused the address: e-mail stops for it
# grouped mode: the transitions of the batch being handled, recorded together at its end
_Pending = list[tuple[Any, tuple[Any, ...], dict[str, Any]]]
_PENDING: ContextVar[_Pending | None] = ContextVar("relance_dispatch_pending", default=None)
# the connection a batch works on, from its claim to its last outcome (per task, like _PENDING)
_CONN: ContextVar[Connection | None] = ContextVar("relance_dispatch_connection", default=None)
# one by one: the record of the message just sent, running while the next one is checked and written
_INFLIGHT: ContextVar[list[asyncio.Task[None]] | None] = ContextVar("relance_dispatch_inflight", default=None)


@dataclass(frozen=True, slots=True)
class Retry:
    """Back-off of transient failures."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempt: int) -> timedelta:
        """Wait before attempt `attempt + 1`: base × 2^(attempt − 1), capped."""
        return min(self.base * (2 ** max(0, attempt - 1)), self.cap)


@dataclass
class DispatchReport:
    """What a dispatcher did."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.outcomes.update(other.outcomes)


@dataclass(frozen=True, slots=True)
class _Choice:
    key: str
    label: str


@dataclass
class _Batch:
    """What the checks need for a claimed batch, read in a few queries."""

    cases: dict[int, CaseRow]
    rel: Related
    blocked: dict[tuple[str, str], datetime]
    creditors: dict[int, str]
    debts: dict[int, list[tuple[str, Decimal, str, date]]] | None = None  # open debts, read with the batch
    heads: dict[int, str] = field(default_factory=dict)  # event chain heads (PostgreSQL, one by one)
    # contact windows by (creditor id, country, time zones), or why there is none
    windows: dict[tuple[int, str | None, str], ContactWindow | PolicyError] = field(default_factory=dict)


def worker_name() -> str:
    """A name unique to this worker: host, pid and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Sends what is due in the outbox; run `run_once` periodically or `drain` to empty it."""

    def __init__(
        self,
        engine: Engine,
        *,
        config: RelanceConfig,
        renderer: Renderer,
        channels: Mapping[str, ChannelAdapter],
        clock: Clock,
        worker: str | None = None,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=10),
        retry: Retry = Retry(),
        telegram_bot: str | None = None,
        pay_links: PayLinks | None = None,
    ) -> None:
        self.engine, self.config, self.renderer, self.channels, self.clock = engine, config, renderer, channels, clock
        self.worker = worker or worker_name()
        self.batch, self.lease, self.retry = batch, lease, retry
        # the bot's username: the first SMS of an unbound debtor carries a link to it
        self.telegram_bot = telegram_bot
        # online payment on: messages carry Relance's signed link to a checkout for the case / installment / promise
        self.pay_links = pay_links
        self.enabled = tuple(c for c in (*config.channels.preferred, *channels) if c in channels)
        self.enabled = tuple(dict.fromkeys(self.enabled))
        # every adapter deduplicates by key: a batch's outcomes are recorded together (module docstring)
        self.grouped = bool(channels) and all(callable(getattr(a, "send_keyed", None)) for a in channels.values())
        self._creditor_keys: dict[int, str] = {}  # creditor id -> key (ids and keys never change)
        self._rules_seen: tuple[Any, dict[str, CreditorRules]] = ((), {})

    async def drain(self, *, max_batches: int | None = None) -> DispatchReport:
        """Send batches until nothing is due (or `max_batches` were handled)."""
        total = DispatchReport()
        done = 0
        while max_batches is None or done < max_batches:
            report = await self.run_once()
            total.add(report)
            done += 1
            if report.claimed == 0:
                break
        return total

    async def run_once(self) -> DispatchReport:
        """Claim one batch and handle each of its messages (on one connection, kept for the batch)."""
        report = DispatchReport()
        conn = await asyncio.to_thread(self.engine.connect)
        conn_token = _CONN.set(conn)
        try:
            claimed, batch = await asyncio.to_thread(self._claim, conn)
            report.claimed = len(claimed)
            token = _PENDING.set([] if self.grouped else None)  # per task: concurrent batches never mix
            inflight: list[asyncio.Task[None]] = []
            flight_token = _INFLIGHT.set(None if self.grouped else inflight)
            try:
                for msg in claimed:
                    report.outcomes[await self._handle(msg, batch)] += 1
                await self._settle()
                await self._record_pending()
            except Exception:
                await self._settle()  # what went before the error is recorded, as one by one
                await self._record_pending()
                raise
            finally:
                _PENDING.reset(token)
                _INFLIGHT.reset(flight_token)
                await _drained(inflight)  # cancelled: the record's thread still uses the connection
        finally:
            _CONN.reset(conn_token)
            await asyncio.to_thread(conn.close)
        return report

    async def _settle(self) -> None:
        """Wait for the record of the message sent last (raising its error): before any other write or send."""
        inflight = _INFLIGHT.get()
        while inflight:
            task = inflight[0]
            try:
                await task
            finally:
                if task.done():  # else (we were cancelled) it stays, for run_once to wait for
                    inflight.remove(task)

    async def _record_pending(self) -> None:
        """Grouped mode: apply the batch's recorded outcomes, in order, in one transaction."""
        pending = _PENDING.get()
        _PENDING.set(None)
        if pending:
            await asyncio.to_thread(self._apply, pending)

    def _apply(self, pending: _Pending) -> None:
        """Run the kept transitions in order; consecutive sends are recorded together."""
        sent: list[outbox.Sent] = []
        with self._session() as session:
            for fn, args, kwargs in pending:
                if fn is outbox.mark_sent_many:
                    sent.extend(args[0])
                    continue
                self._record_sent(session, sent)
                fn(session, *args, **kwargs)
            self._record_sent(session, sent)

    def _record_sent(self, session: Any, sent: list[outbox.Sent]) -> None:
        for item, done in zip(sent, outbox.mark_sent_many(session, sent, worker=self.worker), strict=True):
            if not done:
                _taken_over(item.msg)
        sent.clear()

    # ------------------------------------------------------------------ reading

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session in a transaction of its own: on the batch's connection when there is one."""
        conn = _CONN.get()
        if conn is None:
            with session_scope(self.engine) as session:
                yield session
            return
        with Session(bind=conn, expire_on_commit=False) as session, session.begin():
            yield session

    def _claim(self, conn: Connection) -> tuple[list[Claimed], _Batch]:
        """Claim a batch (committed before anything is sent), then read what its checks need."""
        now = self.clock.now()
        if conn.dialect.name == "postgresql":
            claimed, batch = self._claim_pg(conn, now)
        else:
            with conn.begin():
                claimed = outbox.claim(conn, worker=self.worker, now=now, lease=self.lease, limit=self.batch)
            if not claimed:
                return claimed, _Batch(cases={}, rel=snapshot.Related(), blocked={}, creditors={}, debts={})
            with conn.begin():
                batch = self._read(conn, claimed, now)
        if any(row.creditor_id not in self._creditor_keys for row in batch.cases.values()):
            with conn.begin():  # a creditor created since the last look (ids and keys never change)
                self._creditor_keys = dict(conn.execute(sa.select(Creditor.id, Creditor.key)).all())  # type: ignore[call-overload]
        batch.creditors = self._creditor_keys
        return claimed, batch

    def _claim_pg(self, conn: Connection, now: datetime) -> tuple[list[Claimed], _Batch]:
        """PostgreSQL: the claim, the facts and the opt-outs, each one statement in autocommit (three round trips)."""
        raw = conn.connection.driver_connection
        raw.autocommit = True  # type: ignore[union-attr]
        try:
            claimed = outbox.claim_raw(raw, worker=self.worker, now=now, lease=self.lease, limit=self.batch)
            if not claimed:
                return claimed, _Batch(cases={}, rel=snapshot.Related(), blocked={}, creditors={}, debts={})
            facts = send_facts.read(raw, {m.case_id for m in claimed if m.case_id is not None}, now=now)
            blocked = send_facts.opted_out(raw, _addresses(claimed, facts.cases))
        finally:
            raw.autocommit = False  # type: ignore[union-attr]
        heads = facts.heads if not self.grouped else {}
        return claimed, _Batch(facts.cases, facts.rel, blocked, {}, facts.debts, heads)

    def _read(self, conn: Connection, claimed: list[Claimed], now: datetime) -> _Batch:
        """SQLite: the set-based reads of `scheduler.snapshot` (no round trips to save there)."""
        ids = {m.case_id for m in claimed if m.case_id is not None}
        cases = snapshot.cases_by_id(conn, ids)
        return _Batch(
            cases=cases,
            rel=snapshot.related(conn, ids, now=now),
            blocked=snapshot.opted_out(conn, _addresses(claimed, cases)),
            creditors={},
            debts=snapshot.open_debts(conn, ids),
        )

    def _rules(self, batch: _Batch, row: CaseRow | None) -> CreditorRules | None:
        if row is None or row.creditor_id not in batch.creditors:
            return None
        seen, by_key = self._rules_seen
        if seen is not self.config.creditors:
            by_key = {}
            for c in self.config.creditors:
                by_key.setdefault(c.key, c)  # the first of a key, as a search in order would find
            self._rules_seen = (self.config.creditors, by_key)
        return by_key.get(batch.creditors[row.creditor_id])

    def _window(self, row: CaseRow | None, rules: CreditorRules | None, batch: _Batch) -> ContactWindow | None:
        """The case's contact window; built once per batch for cases of one creditor, country and zones."""
        if row is None or rules is None:
            return None
        key = (row.creditor_id, row.country, row.timezones)
        window = batch.windows.get(key)
        if window is None:
            try:
                window = contact_window(rules, self.config.contact, country=row.country, timezones=row.timezones)
            except PolicyError as exc:
                window = exc
            batch.windows[key] = window
        if isinstance(window, PolicyError):
            log.warning("case %s: %s", row.id, window)
            return None
        return window

    # ------------------------------------------------------------------ one message

    async def _handle(self, msg: Claimed, batch: _Batch) -> str:
        now = self.clock.now()
        row = batch.cases.get(msg.case_id) if msg.case_id is not None else None
        rules = self._rules(batch, row)
        window = self._window(row, rules, batch)
        facts = None
        if row is not None:
            facts = snapshot.case_facts(row, batch.rel, enabled=self.enabled, blocked=batch.blocked)
        plan = plan_send(
            Outgoing(msg.kind, msg.author, msg.channel, msg.to_address or "", msg.created_at, self._grace(msg)),
            facts=facts,
            addresses=row.addresses() if row is not None else {},
            blocked=batch.blocked,
            rules=rules,
            caps=self.config.caps,
            window=window,
            now=now,
        )
        if isinstance(plan, Cancel):
            await self._db(outbox.cancel, msg, worker=self.worker, now=now, reason=plan.reason,
                           scheduler_kind=msg.kind in SCHEDULER_KINDS)  # fmt: skip
            return "cancelled"
        if isinstance(plan, Defer):
            await self._db(outbox.defer, msg, worker=self.worker, until=plan.until)
            return "deferred"
        body, subject = msg.body, None
        if msg.kind in SCHEDULER_KINDS:
            try:
                body, subject = await self._text(msg, row, rules, plan.channel, window, now, batch)
            except (RenderError, ValueError) as exc:
                log.error("message %s: cannot write its text: %s", msg.id, exc)
                await self._db(self._fail, msg, now=now, error=f"cannot write the text: {exc}", code="render")
                return "failed"
        return await self._send(msg, plan, body, row, batch, now, subject=subject)

    def _grace(self, msg: Claimed) -> datetime | None:
        """Until when `msg` may go at any hour (a bot reply without a deadline: the grace from its creation)."""
        # the bot writes its reply the moment the debtor's message comes in
        if msg.reply_deadline is not None or msg.author != "bot" or msg.kind != "reply":
            return msg.reply_deadline
        return msg.created_at + timedelta(minutes=self.config.caps.reply_grace_minutes)

    async def _db(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn(session, ...)` in its own transaction, or in grouped mode keep it for the batch's (None)."""
        await self._settle()
        pending = _PENDING.get()
        if pending is not None:
            pending.append((fn, args, kwargs))
            return None

        def run() -> Any:
            with self._session() as session:
                return fn(session, *args, **kwargs)

        return await asyncio.to_thread(run)

    async def _send(
        self,
        msg: Claimed,
        plan: Go,
        body: str,
        row: CaseRow | None,
        batch: _Batch,
        now: datetime,
        *,
        subject: str | None = None,
    ) -> str:
        adapter = self.channels.get(plan.channel)
        if adapter is None:
            return await self._permanent(msg, plan, row, batch, f"no {plan.channel} channel configured", None, now)
        try:
            result = await self._provider_call(adapter, msg, plan, body, row, batch, subject)
        except TransientChannelError as exc:
            if msg.attempts < self.retry.max_attempts:
                at = now + self.retry.delay(msg.attempts)
                await self._db(outbox.retry_later, msg, worker=self.worker, at=at, error=str(exc), code=exc.code)
                return "retried"
            return await self._permanent(
                msg, plan, row, batch, f"gave up after {msg.attempts} attempts: {exc}", exc.code, now
            )
        except PermanentChannelError as exc:
            return await self._permanent(msg, plan, row, batch, str(exc), exc.code, now)
        except Exception as exc:  # a bug in an adapter: logged with its traceback, retried like a transient error
            log.exception("message %s: unexpected error from the %s channel", msg.id, plan.channel)
            if msg.attempts < self.retry.max_attempts:
                at = now + self.retry.delay(msg.attempts)
                await self._db(outbox.retry_later, msg, worker=self.worker, at=at, error=repr(exc), code="unexpected")
                return "retried"
            return await self._permanent(msg, plan, row, batch, repr(exc), "unexpected", now)
        sent = outbox.Sent(
            msg, self.clock.now(), result.provider_id, plan.channel, plan.address, body,
            reminder=msg.kind in REMINDER_KINDS, scheduler_kind=msg.kind in SCHEDULER_KINDS,
        )  # fmt: skip
        pending = _PENDING.get()
        if isinstance(result, EmailSent):  # the raw e-mail: threading of the answers, and the case file
            await self._db(_keep_email, msg, result, plan.address, sent.now)
        if pending is not None:
            pending.append((outbox.mark_sent_many, ([sent],), {"worker": self.worker}))
            return "sent"
        inflight = _INFLIGHT.get()
        if inflight is not None:  # recorded while the next message is checked and written; settled before it leaves
            inflight.append(asyncio.create_task(self._record_later(msg, sent, batch.heads)))
            return "sent"
        await self._record_later(msg, sent, batch.heads)
        return "sent"

    async def _record_later(self, msg: Claimed, sent: outbox.Sent, heads: dict[int, str]) -> None:
        if not await asyncio.to_thread(self._record_one, sent, heads):
            _taken_over(msg)

    def _record_one(self, sent: outbox.Sent, heads: dict[int, str]) -> bool:
        """One accepted message recorded in its own transaction, on the batch's connection."""
        conn = _CONN.get()
        if conn is not None:
            return outbox.record_sent(conn, sent, worker=self.worker, heads=heads)
        with self.engine.connect() as own:
            return outbox.record_sent(own, sent, worker=self.worker, heads=heads)

    async def _provider_call(
        self,
        adapter: ChannelAdapter,
        msg: Claimed,
        plan: Go,
        body: str,
        row: CaseRow | None = None,
        batch: _Batch | None = None,
        subject: str | None = None,
    ) -> SendResult:
        # one provider call at a time per worker, and only once the message before is recorded: a crash
        # leaves at most one message accepted and not recorded (module docstring)
        await self._settle()
        send_email = getattr(adapter, "send_email", None)
        if plan.channel == "email" and send_email is not None:
            rules = self._rules(batch, row) if batch is not None else None
            mail = await asyncio.to_thread(self._email, adapter, msg, plan, body, row, rules, subject)
            return await send_email(mail)  # type: ignore[no-any-return]
        choices = [_choice(c) for c in msg.choices or ()]
        keyed = getattr(adapter, "send_keyed", None)
        if keyed is not None:
            return await keyed(plan.address, body, choices, key=msg.idempotency_key or f"message:{msg.id}")  # type: ignore[no-any-return]
        if choices:
            return await adapter.send_choices(plan.address, body, choices)
        return await adapter.send_text(plan.address, body)

    async def _permanent(
        self, msg: Claimed, plan: Go, row: CaseRow | None, batch: _Batch, error: str, code: str | None, now: datetime
    ) -> str:
        """Record an opt-out the provider reported, then try the other channel, else fail and flag."""
        adapter = self.channels.get(plan.channel)
        if code in (TWILIO_OPTED_OUT, HARD_BOUNCE):
            source = "provider_21610" if code == TWILIO_OPTED_OUT else HARD_BOUNCE
            # a hard bounce stops e-mail to that address from every sender
            sender = adapter.sender if adapter and code == TWILIO_OPTED_OUT else None
            await self._db(outbox.record_opt_out, msg, channel=plan.channel, address=plan.address,
                           sender=sender, now=now, source=source)  # fmt: skip
            batch.blocked[(plan.channel, plan.address)] = now
        other = self._other_channel(row, plan, batch)
        if other is not None:
            # the scheduler's texts are written again on the new channel at its send
            body = "" if msg.kind in SCHEDULER_KINDS else msg.body
            await self._db(outbox.move_channel, msg, worker=self.worker, now=now, channel=other[0], address=other[1],
                           body=body, error=error, code=code)  # fmt: skip
            return "moved"
        await self._db(self._fail, msg, now=now, error=error, code=code)
        return "failed"

    def _fail(self, session: Any, msg: Claimed, *, now: datetime, error: str, code: str | None) -> None:
        done = outbox.fail(session, msg, worker=self.worker, now=now, error=error, code=code,
                           scheduler_kind=msg.kind in SCHEDULER_KINDS)  # fmt: skip
        case = session.get(Case, msg.case_id) if done and msg.case_id is not None else None
        if case is not None:
            raise_flag(session, case=case, reason="delivery_failed", at=now, actor=outbox.ACTOR, note=error[:500])

    def _other_channel(self, row: CaseRow | None, plan: Go, batch: _Batch) -> tuple[str, str] | None:
        if row is None:
            return None
        for channel, address in row.addresses().items():
            usable = channel in self.channels and (channel, address) not in batch.blocked
            if channel != plan.channel and usable and not row.wrong_person:
                return channel, address
        return None

    # ------------------------------------------------------------------ writing the text

    async def _text(
        self,
        msg: Claimed,
        row: CaseRow | None,
        rules: CreditorRules | None,
        channel: str,
        window: ContactWindow | None,
        now: datetime,
        batch: _Batch,
    ) -> tuple[str, str | None]:
        """The text (and e-mail subject) of a scheduler message; written on the spot when the batch has it all."""
        debts = None if batch.debts is None or row is None else batch.debts.get(row.id, [])
        if debts is not None and _subject_kind(msg) is None and not self._links(row, channel, msg):
            return self._write(msg, row, rules, channel, window, now, debts=debts)
        await self._settle()  # the database is read (and a Telegram link written) on a connection of its own
        return await asyncio.to_thread(self._write, msg, row, rules, channel, window, now)

    def _links(self, row: CaseRow | None, channel: str, msg: Claimed) -> bool:
        """Whether the text carries a fresh Telegram deep link (written in the database)."""
        first = row is not None and row.last_reminder_at is None
        return bool(self.telegram_bot) and channel == "sms" and msg.kind == "reminder" and first

    def _write(
        self,
        msg: Claimed,
        row: CaseRow | None,
        rules: CreditorRules | None,
        channel: str,
        window: ContactWindow | None,
        now: datetime,
        *,
        debts: list[tuple[str, Decimal, str, date]] | None = None,
    ) -> tuple[str, str | None]:
        """The text of a scheduler message, from the facts of the moment it leaves (`debts`: already read).

        On e-mail, also its subject (from the same template family and context), else None.
        """
        if row is None or rules is None or window is None:
            raise RenderError(f"message {msg.id}: its case, creditor or contact window is unknown")
        subject = None
        if debts is None or _subject_kind(msg) is not None:
            with self.engine.connect() as conn:
                if debts is None:
                    debts = snapshot.open_debts(conn, [row.id]).get(row.id, [])
                subject = _subject(conn, msg)
        first = row.last_reminder_at is None
        link = self._telegram_link(row, now) if channel == "sms" and msg.kind == "reminder" and first else None
        about = content(row.debtor_name, row.locale, debts, row.balance, link, self._pay_link(msg, row))
        today = local_today(now, window.zones)
        text = compose(
            self.renderer, rules, kind=msg.kind, channel=channel, about=about, today=today,
            step=msg.step, first_contact=first, subject=subject,
        ).text  # fmt: skip
        if channel != "email":
            return text, None
        title = compose_subject(
            self.renderer, rules, kind=msg.kind, about=about, today=today, step=msg.step,
            first_contact=first, subject=subject,
        )  # fmt: skip
        return text, title

    def _email(
        self,
        adapter: ChannelAdapter,
        msg: Claimed,
        plan: Go,
        body: str,
        row: CaseRow | None,
        rules: CreditorRules | None,
        subject: str | None,
    ) -> OutgoingEmail:
        """The e-mail of a message: answers thread under the debtor's last e-mail; footer with the one-click link."""
        thread = None
        if msg.case_id is not None and msg.kind not in SCHEDULER_KINDS:
            with self.engine.connect() as conn:
                thread = thread_of(conn, msg.case_id)
        locale = row.locale if row is not None else "fr"
        sender_name = rules.name if rules is not None else ""
        if subject is None:
            fallback = email_subject(self.renderer, "reply", locale=locale, creditor_name=sender_name or "Relance")
            subject = reply_subject(thread.subject if thread else None, fallback)
        link = getattr(adapter, "unsubscribe_url", None)
        url = link(plan.address) if callable(link) else None
        parts = email_parts(
            self.renderer, text=body, subject=subject, locale=locale, sender_name=sender_name, unsubscribe_url=url
        )
        return OutgoingEmail(
            to=plan.address, subject=parts.subject, text=parts.text, html=parts.html, case_id=msg.case_id,
            message_id=msg.id, in_reply_to=thread.in_reply_to if thread else None,
            references=thread.references if thread else (), unsubscribe_url=url,
        )  # fmt: skip

    def _pay_link(self, msg: Claimed, row: CaseRow) -> str | None:
        """The payment link of what the message asks for: the installment, the promise, else the balance."""
        if self.pay_links is None:
            return None
        if _subject_kind(msg) is not None and msg.idempotency_key is not None:
            _, ident, _ = keys.parse_key(msg.idempotency_key)
            return self.pay_links.url("promise" if msg.kind == "promise_followup" else "installment", ident)
        return self.pay_links.url("case", row.id)

    def _telegram_link(self, row: CaseRow, now: datetime) -> str | None:
        """A fresh deep link binding Telegram, for the first SMS of a debtor with no bound chat."""
        if not self.telegram_bot or row.telegram_chat_id is not None:
            return None
        with session_scope(self.engine) as session:
            case = session.get(Case, row.id)
            assert case is not None
            return telegram_link(session, case=case, bot_username=self.telegram_bot, now=now)


async def _drained(tasks: list[asyncio.Task[None]]) -> None:
    """Let records still in flight end (after a cancellation); their errors are logged, not lost."""
    if not tasks:
        return
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.error("recording a sent message failed", exc_info=task.exception())
    tasks.clear()


def _addresses(claimed: list[Claimed], cases: Mapping[int, CaseRow]) -> set[str]:
    """Every address the batch may write to: its debtors' and its messages' own."""
    addresses = {a for row in cases.values() for a in row.addresses().values()}
    addresses.update(m.to_address for m in claimed if m.to_address)
    return addresses


def _keep_email(session: Any, msg: Claimed, sent: EmailSent, address: str, now: datetime) -> None:
    """The e-mail as it left (Message-ID, raw source), for threading and the case file."""
    record_email(
        session, direction="out", header_id=sent.header_id, address=address, raw=sent.raw, at=now,
        case_id=msg.case_id, message_id=msg.id, subject=sent.subject,
    )  # fmt: skip


def _choice(raw: Any) -> _Choice:
    if isinstance(raw, Mapping):
        return _Choice(str(raw["key"]), str(raw["label"]))
    key, label = raw
    return _Choice(str(key), str(label))


def _taken_over(msg: Claimed) -> None:
    log.warning("message %s: sent, but another worker had taken it over (lease expired)", msg.id)


def _subject_kind(msg: Claimed) -> str | None:
    """The kind of a follow-up about a promise or an installment (its subject is read by key), else None."""
    if msg.idempotency_key and msg.kind in ("promise_followup", *snapshot.INSTALLMENT_KINDS):
        return msg.kind
    return None


def _subject(conn: Connection, msg: Claimed) -> Subject | None:
    """The promise or installment a follow-up is about, from its idempotency key."""
    if _subject_kind(msg) is None or msg.idempotency_key is None:
        return None
    _, ident, _ = keys.parse_key(msg.idempotency_key)
    if msg.kind == "promise_followup":
        p = PromiseToPay.__table__.c  # type: ignore[attr-defined]
        due_on, amount = conn.execute(sa.select(p.due_on, p.amount).where(p.id == ident)).one()
        return Subject(due_on=due_on, amount=Decimal(amount))
    i = Installment.__table__.c  # type: ignore[attr-defined]
    plan_id, seq, due_on, amount, paid = conn.execute(
        sa.select(i.plan_id, i.seq, i.due_on, i.amount, i.paid_amount).where(i.id == ident)
    ).one()
    count = conn.execute(sa.select(sa.func.count()).where(i.plan_id == plan_id)).scalar_one()
    return Subject(due_on, Decimal(amount) - Decimal(paid), seq, count)


__all__ = ["ChannelError", "DispatchReport", "Dispatcher", "Retry", "worker_name"]
