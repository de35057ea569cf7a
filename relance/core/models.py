"""The database model (SQLModel tables).

Conventions:
- money is `Decimal` in `Numeric(18, 4)` columns (quantised to the currency's minor unit by the
  code that writes it); never float;
- instants are timezone-aware UTC (`UTCDateTime` refuses naive values and gives aware ones back,
  also on SQLite, which stores no offset); calendar dates are `date`;
- currencies are ISO 4217 codes;
- the `event` table is append-only (triggers in the migration refuse UPDATE and DELETE) and
  hash-chained per case (`relance.core.events`).

The outbox is the `message` table itself: an outbound message is written once, with a unique
idempotency key, in status `queued`, and the dispatcher moves it along `MessageStatus`.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from relance.core.clock import utcnow

CENT = Decimal("0.01")
MAX_ID = 2**31 - 1  # primary keys are INTEGER (int4 on PostgreSQL): a larger id matches nothing and is not sent


def valid_id(value: int) -> bool:
    """Whether `value` can be a row id at all (looking a larger one up overflows the driver)."""
    return 0 < value <= MAX_ID


class Money(TypeDecorator[Decimal]):
    """`Numeric(18, 4)`, read back without the padding zeros beyond the cents (`600.00`, `0.125`)."""

    impl = sa.Numeric(18, 4)
    cache_ok = True

    def process_result_value(self, value: Decimal | None, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        cents = value.quantize(CENT)
        return cents if cents == value else value.normalize()


MONEY = Money()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: use an aware UTC value")
        value = value.astimezone(UTC)
        # SQLite keeps no offset: store the UTC wall time, read it back as UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _money(**kw: Any) -> Any:
    return Field(sa_type=MONEY, **kw)  # type: ignore[call-overload]


def _instant(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)  # type: ignore[call-overload]


def _json(**kw: Any) -> Any:
    return Field(sa_type=sa.JSON, **kw)  # type: ignore[call-overload]


def fold(text: str) -> str:
    """Lower case without accents: `Hélène Dupré` → `helene dupre` (what name searches compare)."""
    if text.isascii():
        return text.lower()  # nothing to decompose: the same answer for a fraction of the cost
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded_name(context: Any) -> str:
    """`name_folded` of a row inserted without it (bulk inserts of the importer): its name folded."""
    return fold(context.get_current_parameters().get("name") or "")


# --------------------------------------------------------------------------- enums


class CaseStatus(StrEnum):
    OPEN = "open"  # in the scenario
    PROMISED = "promised"  # a promise to pay is pending
    PLAN = "plan"  # a payment plan is active: only installment reminders
    DISPUTED = "disputed"  # reminders stop until a human reviews
    WRONG_PERSON = "wrong_person"
    FORMAL_NOTICE_SENT = "formal_notice_sent"
    PAID = "paid"
    CLOSED = "closed"


class DebtStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"
    EMAIL = "email"
    CONSOLE = "console"


class Author(StrEnum):
    BOT = "bot"
    AGENT = "agent"
    DEBTOR = "debtor"
    SYSTEM = "system"


class MessageStatus(StrEnum):
    QUEUED = "queued"  # in the outbox, waiting for its time
    SENDING = "sending"  # claimed by a dispatcher, provider call in flight
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"  # permanent failure
    CANCELLED = "cancelled"  # stopped before sending (stop condition at send time)
    RECEIVED = "received"  # inbound


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class InstallmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"


class DisputeReason(StrEnum):
    AMOUNT = "amount"  # the amount is wrong
    GOODS_OR_SERVICE = "goods_or_service"  # not delivered, defective, not as agreed
    NOT_OWED = "not_owed"  # never ordered, contract cancelled
    ALREADY_PAID = "already_paid"
    IDENTITY = "identity"  # not the right debtor
    OTHER = "other"
    UNSPECIFIED = "unspecified"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the debtor was right: the debt is closed
    REJECTED = "rejected"  # the debt stands: the scenario resumes


class FlagStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AgentRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"


# --------------------------------------------------------------------------- tables


class Creditor(SQLModel, table=True):
    """Who is owed. Identity and rules live in `relance.toml`; this row anchors the relations."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    created_at: datetime = _instant(default_factory=utcnow)


class Debtor(SQLModel, table=True):
    """Who owes: reachable by phone (E.164) and/or Telegram, in their own locale and time zone."""

    id: int | None = Field(default=None, primary_key=True)
    # debtor_ref from the portfolio, else the E.164 phone: the import's identity key
    ref: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=200)
    # the name folded (`fold`) for searches: kept by `_fold_debtor_name` (ORM) and the column default (bulk)
    name_folded: str = Field(
        default="",
        sa_column=sa.Column("name_folded", sa.String(200), nullable=False, default=_folded_name, server_default=""),
    )
    phone: str | None = Field(default=None, max_length=20, index=True)
    email: str | None = Field(default=None, max_length=254)
    telegram_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger, index=True)  # type: ignore[call-overload]
    locale: str = Field(default="en", max_length=8)
    country: str | None = Field(default=None, max_length=2)
    # space-separated IANA zones; several when the number spans zones (message only when all allow)
    timezones: str = Field(default="UTC", max_length=200)
    address: str | None = Field(default=None, max_length=500)
    wrong_person: bool = False
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(self.timezones.split())


@sa.event.listens_for(Debtor, "before_insert")
@sa.event.listens_for(Debtor, "before_update")
def _fold_debtor_name(_mapper: Any, _connection: Any, debtor: Debtor) -> None:
    debtor.name_folded = fold(debtor.name or "")


class Case(SQLModel, table=True):
    """One debtor's collection file with one creditor; the unit of the scheduler and the dialogue."""

    # "case" is an SQL keyword: a plural name keeps hand-written SQL (benchmarks, psql) simple
    __tablename__ = "cases"
    __table_args__ = (
        sa.UniqueConstraint("creditor_id", "debtor_id", name="uq_case_creditor_debtor"),
        sa.Index("ix_case_due_scan", "status", "next_check_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # creditor_id and status lead uq_case_creditor_debtor and ix_case_due_scan: no index of their own
    # (each index is one more entry to move per case a sweep rewrites; migration 0006)
    creditor_id: int = Field(foreign_key="creditor.id")
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    status: str = Field(default=CaseStatus.OPEN, max_length=32)
    currency: str = Field(max_length=3)
    # denormalised sums of the case's open debts, kept by the code that changes debts/payments
    balance: Decimal = _money(default=Decimal("0"))
    # earliest due date among open debts: the scenario's day 0
    due_date: date | None = None
    # scheduler bookkeeping: last scenario step put in the outbox (0 = none yet)
    last_step: int = 0
    last_reminder_at: datetime | None = _instant(default=None)
    last_inbound_at: datetime | None = _instant(default=None)
    # when the sweep must look at this case again (None = as soon as possible)
    next_check_at: datetime | None = _instant(default=None)
    # reminders paused until this instant (already_paid check, hardship pause…)
    paused_until: datetime | None = _instant(default=None)
    # the dialogue's state machine, persisted so it survives restarts
    dialogue_state: str = Field(default="idle", max_length=40)
    dialogue_data: dict[str, Any] = _json(default_factory=dict)
    # a human owns the conversation: the bot stays silent
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    flagged_at: datetime | None = _instant(default=None)
    notice_deadline: date | None = None
    opened_at: datetime = _instant(default_factory=utcnow)
    closed_at: datetime | None = _instant(default=None)
    updated_at: datetime = _instant(default_factory=utcnow)


class Debt(SQLModel, table=True):
    """One unpaid invoice."""

    __table_args__ = (sa.UniqueConstraint("creditor_id", "reference", name="uq_debt_creditor_reference"),)

    id: int | None = Field(default=None, primary_key=True)
    # creditor_id leads uq_debt_creditor_reference and ix_debt_creditor_totals: no index of its own (0007)
    creditor_id: int = Field(foreign_key="creditor.id")
    case_id: int = Field(foreign_key="cases.id", index=True)
    reference: str = Field(max_length=100, index=True)
    amount: Decimal = _money()
    balance: Decimal = _money()
    currency: str = Field(max_length=3)
    due_date: date
    status: str = Field(default=DebtStatus.OPEN, max_length=16)
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)


class Agent(SQLModel, table=True):
    """A human collector using the console."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=300)
    role: str = Field(default=AgentRole.AGENT, max_length=16)
    active: bool = True
    failed_logins: int = 0
    last_failed_at: datetime | None = _instant(default=None)
    created_at: datetime = _instant(default_factory=utcnow)


class Message(SQLModel, table=True):
    """A message in or out; outbound rows are the outbox."""

    __table_args__ = (
        sa.Index("ix_message_outbox", "status", "not_before"),
        # inbound rate limiting counts a sender's recent messages (`direction = 'in'`, written so in the
        # query): replies and the outbox, all from our own few numbers, have no entry (migration 0008)
        sa.Index(
            "ix_message_from_address",
            "from_address",
            sqlite_where=sa.text("direction = 'in'"),
            postgresql_where=sa.text("direction = 'in'"),
        ),
        # duplicate inbound messages and delivery receipts look a provider id up (`provider_id = ?` implies
        # NOT NULL): outbound rows not yet sent, every reply sent in TwiML, have none (migration 0008)
        sa.Index(
            "ix_message_provider_id",
            "provider_id",
            sqlite_where=sa.text("provider_id IS NOT NULL"),
            postgresql_where=sa.text("provider_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # case_id leads ix_message_case_created and status ix_message_outbox: no index of their own (0006)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    # no index: no query looks messages up by debtor, and no debtor is ever deleted (migration 0008)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id")
    direction: str = Field(max_length=3)
    channel: str = Field(max_length=16)
    author: str = Field(max_length=16)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    # reminder, installment_reminder, reply, confirmation, promise_followup, agent_reply, inbound…
    kind: str = Field(default="reply", max_length=40)
    step: int | None = None
    body: str = Field(sa_type=sa.Text)  # type: ignore[call-overload]
    # quick replies / choices offered with the message (chat keyboards)
    choices: list[Any] | None = _json(default=None)
    status: str = Field(max_length=16)
    to_address: str | None = Field(default=None, max_length=254)  # a phone, a chat id or an e-mail address
    from_address: str | None = Field(default=None, max_length=254)  # partial index above
    provider_id: str | None = Field(default=None, max_length=64)  # partial index above
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    # an outbound message is not sent before this instant (next allowed contact time)
    not_before: datetime | None = _instant(default=None)
    # an answer to the debtor's own message may go at any hour until this instant
    reply_deadline: datetime | None = _instant(default=None)
    attempts: int = 0
    next_attempt_at: datetime | None = _instant(default=None)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = _instant(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    error_code: str | None = Field(default=None, max_length=32)
    created_at: datetime = _instant(default_factory=utcnow)
    sent_at: datetime | None = _instant(default=None)
    delivered_at: datetime | None = _instant(default=None)


class Payment(SQLModel, table=True):
    """Money received, allocated to a debt."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    debt_id: int | None = Field(default=None, foreign_key="debt.id", index=True)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    paid_on: date
    source: str = Field(default="import", max_length=32)  # import, agent, provider…
    # makes re-imports idempotent: the same payment line is never recorded twice
    external_key: str | None = Field(default=None, max_length=200, unique=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = _instant(default_factory=utcnow)


class PromiseToPay(SQLModel, table=True):
    """The debtor committed to pay an amount by a date."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    due_on: date
    status: str = Field(default=PromiseStatus.PENDING, max_length=16, index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    followed_up_at: datetime | None = _instant(default=None)
    created_at: datetime = _instant(default_factory=utcnow)


class PaymentPlan(SQLModel, table=True):
    """An installment plan (échéancier)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    total: Decimal = _money()
    currency: str = Field(max_length=3)
    installment_count: int
    frequency: str = Field(max_length=16)
    status: str = Field(default=PlanStatus.PROPOSED, max_length=16, index=True)
    created_at: datetime = _instant(default_factory=utcnow)
    accepted_at: datetime | None = _instant(default=None)
    ended_at: datetime | None = _instant(default=None)


class Installment(SQLModel, table=True):
    """One payment of a plan."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "seq", name="uq_installment_plan_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="paymentplan.id", index=True)
    seq: int
    due_on: date
    amount: Decimal = _money()
    paid_amount: Decimal = _money(default=Decimal("0"))
    status: str = Field(default=InstallmentStatus.DUE, max_length=16, index=True)


class Dispute(SQLModel, table=True):
    """The debtor contests the debt."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    debt_id: int | None = Field(default=None, foreign_key="debt.id")
    reason_code: str = Field(default=DisputeReason.UNSPECIFIED, max_length=32)
    reason_text: str | None = Field(default=None, sa_type=sa.Text)  # type: ignore[call-overload]
    status: str = Field(default=DisputeStatus.OPEN, max_length=16, index=True)
    opened_at: datetime = _instant(default_factory=utcnow)
    resolved_at: datetime | None = _instant(default=None)
    resolved_by: int | None = Field(default=None, foreign_key="agent.id")


class Flag(SQLModel, table=True):
    """A case that needs a human, with why and what to do."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    # dispute, refused_offer, no_response, broken_plan, abuse, human_requested, unclear,
    # hardship, payment_check, wrong_person, court_procedure, delivery_failed…
    reason: str = Field(max_length=40, index=True)
    priority: int = Field(default=2)  # 1 low … 4 urgent
    recommended_action: str = Field(max_length=40)
    status: str = Field(default=FlagStatus.OPEN, max_length=16, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    note: str | None = Field(default=None, sa_type=sa.Text)  # type: ignore[call-overload]
    created_at: datetime = _instant(default_factory=utcnow)
    resolved_at: datetime | None = _instant(default=None)
    # an agent put the flag aside until this instant: it leaves the queue until then (migration 0003)
    snoozed_until: datetime | None = _instant(default=None)


class FormalNotice(SQLModel, table=True):
    """The mise en demeure: drafted by the system, sent by a human."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    status: str = Field(default=NoticeStatus.DRAFT, max_length=16)
    total: Decimal = _money()
    currency: str = Field(max_length=3)
    deadline: date
    pdf: bytes | None = Field(default=None, sa_type=sa.LargeBinary)  # type: ignore[call-overload]
    pdf_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = _instant(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="agent.id")
    sent_at: datetime | None = _instant(default=None)
    sent_by: int | None = Field(default=None, foreign_key="agent.id")
    method: str | None = Field(default=None, max_length=64)
    tracking_number: str | None = Field(default=None, max_length=100)


class OptOut(SQLModel, table=True):
    """The debtor asked not to be contacted on a channel (per sending number)."""

    __table_args__ = (sa.Index("ix_optout_lookup", "channel", "address", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=254)  # the debtor's phone, chat id or e-mail address
    sender: str | None = Field(default=None, max_length=64)  # our number (None = every sender)
    source: str = Field(max_length=40)  # keyword, provider_21610, telegram_stop, agent…
    active: bool = True
    created_at: datetime = _instant(default_factory=utcnow)
    resumed_at: datetime | None = _instant(default=None)


class ChatLink(SQLModel, table=True):
    """A single-use, expiring token that binds a Telegram chat to a debtor (deep link)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id")
    expires_at: datetime = _instant()
    used_at: datetime | None = _instant(default=None)
    created_at: datetime = _instant(default_factory=utcnow)


class Event(SQLModel, table=True):
    """The append-only audit trail: who did what to which case, when (hash-chained per case)."""

    __table_args__ = (
        # a second writer racing on the same chain head fails instead of forking the chain
        sa.UniqueConstraint("case_id", "prev_hash", name="uq_event_chain"),
        # the chain head (last event of a case) in one index probe; without it PostgreSQL walks the
        # primary key backwards through every event of other cases
        sa.Index("ix_event_case_chain", "case_id", "id"),
        # events without a case (sign-ins, accounts) form one chain of their own: NULL case_ids are
        # distinct to the constraint above, so this partial index keeps that chain from forking
        sa.Index(
            "uq_event_chain_no_case",
            "prev_hash",
            unique=True,
            sqlite_where=sa.text("case_id IS NULL"),
            postgresql_where=sa.text("case_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # case_id leads ix_event_case_chain and uq_event_chain: no index of its own (migration 0007)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    # `at` and `kind` have no index (migration 0008): no query looks events up by instant, and the few
    # filtered by kind (outbound webhooks, the console's live updates) read an id range after a cursor
    at: datetime = _instant(default_factory=utcnow)
    actor: str = Field(max_length=16)  # system, bot, agent, debtor, import, scheduler…
    actor_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=40)
    data: dict[str, Any] = _json(default_factory=dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AppState(SQLModel, table=True):
    """Small key/value facts the application keeps about itself (e.g. generated secrets)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=sa.Text)  # type: ignore[call-overload]
    updated_at: datetime = _instant(default_factory=utcnow)


# --------------------------------------------------------------------------- hardening (issue 15)


class AgentCreditor(SQLModel, table=True):
    """The creditors an agent works for (admins work for every creditor and need no row)."""

    __tablename__ = "agent_creditor"

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    creditor_id: int = Field(foreign_key="creditor.id", primary_key=True, index=True)


class SignInAttempt(SQLModel, table=True):
    """One console sign-in attempt: what the throttle counts (the audit trail has the event)."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        sa.Index("ix_sign_in_attempt_client", "client", "at"),
        sa.Index("ix_sign_in_attempt_email", "email_key", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _instant()
    client: str = Field(max_length=64)  # the client's address
    email_key: str = Field(max_length=64)  # SHA-256 of the normalised e-mail typed (known or not)
    succeeded: bool = False
    # an admin's unlock clears the attempts counted before it without deleting the record
    cleared: bool = False


# --------------------------------------------------------------------------- e-mail (issue 18)


class EmailRecord(SQLModel, table=True):
    """An e-mail in or out, as it went over the wire: its headers for threading, its raw source for the case file."""

    __tablename__ = "email_record"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    direction: str = Field(max_length=3)
    kind: str = Field(default="message", max_length=16)  # message, notice, bounce, complaint
    header_id: str = Field(max_length=998, index=True)  # the Message-ID header, with its angle brackets
    in_reply_to: str | None = Field(default=None, sa_type=sa.Text)  # type: ignore[call-overload]
    subject: str = Field(default="", sa_type=sa.Text)  # type: ignore[call-overload]
    address: str = Field(max_length=254)  # the debtor's address (To when out, From when in)
    raw: bytes = Field(sa_type=sa.LargeBinary)  # type: ignore[call-overload]
    sha256: str = Field(max_length=64)
    created_at: datetime = _instant(default_factory=utcnow)


# --------------------------------------------------------------------------- online payment and API (issue 19)


# --------------------------------------------------------------------------- online payment, API, outbound webhooks


class ApiKey(SQLModel, table=True):
    """A key of the REST API: shown once, stored as its SHA-256, scoped to one creditor (or all)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, index=True)  # the first characters, to tell keys apart in lists
    key_hash: str = Field(max_length=64, unique=True)
    creditor_id: int | None = Field(default=None, foreign_key="creditor.id", index=True)  # None: every creditor
    created_at: datetime = _instant(default_factory=utcnow)
    last_used_at: datetime | None = _instant(default=None)
    revoked_at: datetime | None = _instant(default=None)


class IdempotentRequest(SQLModel, table=True):
    """A POST of the API made with an `Idempotency-Key`: its answer, given again on a retry."""

    __table_args__ = (sa.UniqueConstraint("api_key_id", "key", name="uq_idempotent_request_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="apikey.id", index=True)
    key: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path and body
    status_code: int
    body: str = Field(sa_type=sa.Text)  # type: ignore[call-overload]
    created_at: datetime = _instant(default_factory=utcnow)


class ProviderEvent(SQLModel, table=True):
    """A payment provider's webhook event, kept by id so that a retry or a replay is handled once."""

    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_provider_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_id: str = Field(max_length=100)
    kind: str = Field(max_length=64)
    outcome: str = Field(max_length=32)  # recorded, duplicate, unmatched, reversed, ignored…
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    received_at: datetime = _instant(default_factory=utcnow)


class OnlinePayment(SQLModel, table=True):
    """Money paid through a provider (one Stripe PaymentIntent), matched to a debt or kept unmatched."""

    __table_args__ = (sa.UniqueConstraint("provider", "intent_id", name="uq_online_payment_intent"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    intent_id: str = Field(max_length=100)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    debt_id: int | None = Field(default=None, foreign_key="debt.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    reversed_amount: Decimal = _money(default=Decimal("0"))  # refunded or disputed
    # matched, unmatched (kept for a person), reversed
    status: str = Field(max_length=16, index=True)
    reference: str | None = Field(default=None, max_length=100)
    creditor_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = _instant(default_factory=utcnow)
    updated_at: datetime = _instant(default_factory=utcnow)


class CheckoutLink(SQLModel, table=True):
    """The provider checkout session behind a payment link (case balance, installment or promise)."""

    __table_args__ = (sa.UniqueConstraint("target", "target_id", name="uq_checkout_link_target"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=16)  # case, installment, promise
    target_id: int
    case_id: int = Field(foreign_key="cases.id", index=True)
    session_id: str = Field(max_length=100)
    url: str = Field(max_length=1000)
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    expires_at: datetime = _instant()
    created_at: datetime = _instant(default_factory=utcnow)


class WebhookEndpoint(SQLModel, table=True):
    """A URL of the creditor's systems that hears case events (signed with its own secret)."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=1000)
    creditor_id: int | None = Field(default=None, foreign_key="creditor.id", index=True)  # None: every creditor
    secret: str = Field(max_length=100)  # the HMAC key (both sides need it in clear)
    active: bool = True
    created_at: datetime = _instant(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """The outbound webhooks' outbox: one case event for one endpoint, retried until delivered."""

    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_event"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhookendpoint.id", index=True)
    event_id: int = Field(foreign_key="event.id")
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = _json(default_factory=dict)
    status: str = Field(default="pending", max_length=16)  # pending, delivered
    attempts: int = 0
    next_attempt_at: datetime = _instant(default_factory=utcnow)
    last_status: int | None = None  # the HTTP status of the last attempt
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _instant(default_factory=utcnow)
    delivered_at: datetime | None = _instant(default=None)


# --------------------------------------------------------------------------- console (issue 16)


class MessageDayStat(SQLModel, table=True):
    """Messages per day (UTC), creditor and channel, for days old enough not to change any more.

    The console's dashboard fills it from the `message` table the first time it shows a day (an
    aggregate query per run of missing days) and reads it afterwards, so a chart over months reads
    a few hundred rows instead of every message. A row with `creditor_id` 0 and channel "" marks a
    day as done (days without any message have no other row). Migration 0003.
    """

    __tablename__ = "message_day_stat"

    day: date = Field(primary_key=True)
    creditor_id: int = Field(primary_key=True)  # -1: messages of no case; 0: the day's "done" mark
    channel: str = Field(primary_key=True, max_length=16)
    messages: int = 0
    failed: int = 0
    computed_at: datetime = _instant(default_factory=utcnow)


# --------------------------------------------------------------------------- console read indexes (migration 0003)
# Declared here so that autogenerate sees them; they serve the console's cases list (sort and filters)
# and its dashboard (aggregates over messages, payments, installments and promises by date).
CONSOLE_INDEXES = (
    sa.Index("ix_cases_balance", Case.__table__.c.balance),  # type: ignore[attr-defined]
    sa.Index("ix_cases_due_date", Case.__table__.c.due_date),  # type: ignore[attr-defined]
    sa.Index("ix_cases_updated_at", Case.__table__.c.updated_at),  # type: ignore[attr-defined]
    # the dashboard's cases per step, for all creditors or some: the only index holding last_step, which
    # the sweep moves; `id` before `balance` keeps a group's entries in case order, the order a sweep
    # batch moves them in (migration 0006, which replaced the two 0003 indexes ordered by balance)
    sa.Index(
        "ix_cases_step_totals",
        Case.__table__.c.creditor_id,  # type: ignore[attr-defined]
        Case.__table__.c.last_step,  # type: ignore[attr-defined]
        Case.__table__.c.status,  # type: ignore[attr-defined]
        Case.__table__.c.currency,  # type: ignore[attr-defined]
        Case.__table__.c.id,  # type: ignore[attr-defined]
        Case.__table__.c.balance,  # type: ignore[attr-defined]
    ),
    sa.Index("ix_debtor_email", Debtor.__table__.c.email),  # type: ignore[attr-defined]
    sa.Index("ix_debtor_name_folded", Debtor.__table__.c.name_folded),  # type: ignore[attr-defined]
    sa.Index("ix_debtor_country", Debtor.__table__.c.country),  # type: ignore[attr-defined]
    sa.Index(
        "ix_message_day_channel",
        Message.__table__.c.created_at,  # type: ignore[attr-defined]
        Message.__table__.c.channel,  # type: ignore[attr-defined]
        Message.__table__.c.status,  # type: ignore[attr-defined]
        Message.__table__.c.case_id,  # type: ignore[attr-defined]
    ),
    sa.Index("ix_message_case_created", Message.__table__.c.case_id, Message.__table__.c.created_at),  # type: ignore[attr-defined]
    sa.Index(
        "ix_payment_paid_on",
        Payment.__table__.c.paid_on,  # type: ignore[attr-defined]
        Payment.__table__.c.currency,  # type: ignore[attr-defined]
        Payment.__table__.c.amount,  # type: ignore[attr-defined]
        Payment.__table__.c.case_id,  # type: ignore[attr-defined]
    ),
    sa.Index("ix_installment_due_on", Installment.__table__.c.due_on),  # type: ignore[attr-defined]
    sa.Index("ix_promisetopay_due_on", PromiseToPay.__table__.c.due_on),  # type: ignore[attr-defined]
    sa.Index("ix_debt_currency_totals", Debt.__table__.c.currency, Debt.__table__.c.amount),  # type: ignore[attr-defined]
    sa.Index(
        "ix_debt_creditor_totals",
        Debt.__table__.c.creditor_id,  # type: ignore[attr-defined]
        Debt.__table__.c.currency,  # type: ignore[attr-defined]
        Debt.__table__.c.created_at,  # type: ignore[attr-defined]
        Debt.__table__.c.amount,  # type: ignore[attr-defined]
    ),
)
