"""The cases list: every case, filtered, searched, sorted and paginated in SQL.

`case_page(session, filters, creditor_ids=…)` answers one page and the total count with two queries
(plus one for the page's open flags). The search box finds a case by debtor name (accent- and
case-insensitive, partial, words in any order), debt reference, debtor ref, e-mail, phone in any usual
format (national or E.164) or case id (`#42`). `creditor_ids` scopes every query (None = all creditors).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.models import (
    Agent,
    Case,
    Creditor,
    Debt,
    Debtor,
    Dispute,
    DisputeStatus,
    Flag,
    FlagStatus,
    Installment,
    InstallmentStatus,
    Message,
    MessageStatus,
    Payment,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
    fold,
)

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
SEARCH_COUNT_CAP = 10_000  # a search counts its matches up to this many ("10000+" beyond)
SORTS = {
    "balance": col(Case.balance),
    "overdue": col(Case.due_date),
    "activity": col(Case.updated_at),
    "status": col(Case.status),
    "id": col(Case.id),
}
# the natural direction of each sort: the biggest balance, the oldest due date, the latest activity first
DEFAULT_DESC = {"balance": True, "overdue": False, "activity": True, "status": False, "id": False}
PHONE_REGIONS = ("FR", "BE", "US", "GB", "DE", "ES", "IT", "CH", "NL", "LU", "CA", "PT", "IE")
FAILED = (MessageStatus.FAILED.value, MessageStatus.UNDELIVERED.value)


@dataclass(frozen=True)
class CaseFilter:
    """What the list shows: a search, filters (each optional) and the order."""

    q: str = ""
    status: str = ""
    creditor_id: int | None = None
    flag: str = ""  # "" any, "any" flagged, "none" not flagged, else a reason
    assignee: str = ""  # "" anyone, "none" the bot, or an agent id
    channel: str = ""  # sms, telegram: the debtor can be reached there
    country: str = ""
    has: str = ""  # plan, promise, dispute
    step: int | None = None  # last scenario step reached
    promise: str = ""  # a promise of this status
    plan: str = ""  # a plan of this status
    msg_day: date | None = None  # a message that day (with msg_channel, msg_failed)
    msg_channel: str = ""
    msg_failed: bool = False
    paid_from: date | None = None  # a payment in [paid_from, paid_to)
    paid_to: date | None = None
    due_from: date | None = None  # an installment of an active plan due in [due_from, due_to)
    due_to: date | None = None
    sort: str = "activity"
    desc: bool | None = None
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def descending(self) -> bool:
        return DEFAULT_DESC.get(self.sort, True) if self.desc is None else self.desc

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this filter (with `changes`), without empty values."""
        values = {**self.__dict__, **changes}
        out: dict[str, str] = {}
        for key, value in values.items():
            if value in (None, "", False) or (key, value) in (
                ("page", 1),
                ("sort", "activity"),
                ("per_page", PAGE_SIZE),
            ):
                continue
            out[key] = "1" if value is True else ("0" if key == "desc" and value is False else str(value))
        return out


@dataclass(frozen=True)
class CaseListRow:
    """One line of the cases list."""

    case_id: int
    debtor_name: str
    debtor_ref: str
    phone: str | None
    email: str | None
    country: str | None
    creditor: str
    status: str
    balance: Decimal
    currency: str
    due_date: date | None
    updated_at: datetime
    assignee: str | None
    flag_reason: str | None
    flag_priority: int | None

    def days_overdue(self, today: date) -> int | None:
        return None if self.due_date is None else (today - self.due_date).days


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseListRow]
    total: int
    filters: CaseFilter
    capped: bool = False  # more than `total` match (a search counts up to SEARCH_COUNT_CAP)
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", max(1, -(-self.total // self.filters.per_page)))


# --------------------------------------------------------------------------- search


def name_matches(word: str) -> Any:
    """The debtor's folded name contains `word` (already folded): a scan of the narrow name index, in SQL."""
    return col(Debtor.name_folded).like(_like(word), escape="\\")


def phone_candidates(text: str) -> list[str]:
    """The E.164 numbers `text` can be, read in each usual region (`06 20 34 56 18` → `+33620345618`)."""
    digits = sum(c.isdigit() for c in text)
    if digits < 6 or any(c.isalpha() for c in text):
        return []
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    found: dict[str, None] = {}
    for region in (None,) if raw.startswith("+") else PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            found[phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)] = None
    return list(found)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clause(text: str) -> Any:
    """The SQL condition on `Case` for a search box text: the union of what each reading of it finds.

    References, refs, e-mails and phones are equalities on indexed columns (as typed, upper and lower
    case); only a name (a text without digits) scans the index of the debtors' folded names.
    """
    text = text.strip()[:200]
    spellings = list(dict.fromkeys([text, text.upper(), text.lower()]))
    debtors = [sa.select(col(Debtor.id)).where(col(Debtor.ref).in_(spellings))]
    words = [w for w in fold(text).split() if w]
    if words and not any(c.isdigit() for c in text):
        debtors.append(sa.select(col(Debtor.id)).where(*(name_matches(w) for w in words)))
    if "@" in text:
        debtors.append(sa.select(col(Debtor.id)).where(col(Debtor.email).in_(spellings)))
    phones = phone_candidates(text)
    if phones:
        debtors.append(sa.select(col(Debtor.id)).where(col(Debtor.phone).in_(phones)))
    by_debt = col(Case.id).in_(sa.select(col(Debt.case_id)).where(col(Debt.reference).in_(spellings)))
    found: list[Any] = [col(Case.debtor_id).in_(sa.union(*debtors)), by_debt]
    number = text.lstrip("#")
    if number.isascii() and number.isdigit() and len(number) < 12:
        found.append(col(Case.id) == int(number))
    # an OR of indexed conditions: each finds its cases through its own index (no union of case ids to sort)
    return sa.or_(*found)


# --------------------------------------------------------------------------- filters


def _day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _exists(model: Any, *where: Any) -> Any:
    return sa.select(sa.literal(1)).where(model.case_id == Case.id, *where).exists()


def _scope(query: Any, creditor_ids: Collection[int] | None) -> Any:
    return query if creditor_ids is None else query.where(col(Case.creditor_id).in_(list(creditor_ids)))


def _flag_filter(value: str, now: datetime) -> Any:
    waiting = sa.and_(
        col(Flag.status) == FlagStatus.OPEN,
        sa.or_(col(Flag.snoozed_until).is_(None), col(Flag.snoozed_until) <= now),
    )
    if value == "none":
        return ~_exists(Flag, col(Flag.status) == FlagStatus.OPEN)
    if value == "any":
        return _exists(Flag, waiting)
    if value == "snoozed":
        return _exists(Flag, col(Flag.status) == FlagStatus.OPEN, col(Flag.snoozed_until) > now)
    return _exists(Flag, waiting, col(Flag.reason) == value)


def _has_filter(value: str) -> Any:
    if value == "plan":
        return _exists(PaymentPlan, col(PaymentPlan.status) == PlanStatus.ACTIVE)
    if value == "promise":
        return _exists(PromiseToPay, col(PromiseToPay.status) == PromiseStatus.PENDING)
    if value == "dispute":
        return _exists(Dispute, col(Dispute.status) == DisputeStatus.OPEN)
    return None


def _message_filter(f: CaseFilter) -> Any:
    start, end = _day_range(f.msg_day) if f.msg_day else (None, None)
    where: list[Any] = []
    if start is not None:
        where += [col(Message.created_at) >= start, col(Message.created_at) < end]
    if f.msg_channel:
        where.append(col(Message.channel) == f.msg_channel)
    if f.msg_failed:
        where.append(col(Message.status).in_(FAILED))
    return col(Case.id).in_(sa.select(col(Message.case_id)).where(*where)) if where else None


def _money_filters(f: CaseFilter) -> list[Any]:
    out = []
    if f.paid_from or f.paid_to:
        where = [col(Payment.paid_on) >= f.paid_from] if f.paid_from else []
        where += [col(Payment.paid_on) < f.paid_to] if f.paid_to else []
        out.append(col(Case.id).in_(sa.select(col(Payment.case_id)).where(*where)))
    if f.due_from or f.due_to:
        where = [col(Installment.status) == InstallmentStatus.DUE, col(PaymentPlan.status) == PlanStatus.ACTIVE]
        where += [col(Installment.due_on) >= f.due_from] if f.due_from else []
        where += [col(Installment.due_on) < f.due_to] if f.due_to else []
        plans = sa.select(col(PaymentPlan.case_id)).join(Installment, col(Installment.plan_id) == PaymentPlan.id)
        out.append(col(Case.id).in_(plans.where(*where)))
    return out


def conditions(f: CaseFilter, *, now: datetime) -> list[Any]:
    """The SQL conditions of a filter (all must hold)."""
    out: list[Any] = []
    if f.q.strip():
        out.append(search_clause(f.q))
    if f.status:
        out.append(col(Case.status) == f.status)
    if f.creditor_id is not None:
        out.append(col(Case.creditor_id) == f.creditor_id)
    if f.flag:
        out.append(_flag_filter(f.flag, now))
    if f.assignee == "none":
        out.append(col(Case.agent_id).is_(None))
    elif f.assignee.isdecimal():
        out.append(col(Case.agent_id) == int(f.assignee))
    if f.channel == "sms":
        out.append(col(Case.debtor_id).in_(sa.select(col(Debtor.id)).where(col(Debtor.phone).is_not(None))))
    elif f.channel == "telegram":
        out.append(col(Case.debtor_id).in_(sa.select(col(Debtor.id)).where(col(Debtor.telegram_chat_id).is_not(None))))
    if f.country:
        out.append(col(Case.debtor_id).in_(sa.select(col(Debtor.id)).where(col(Debtor.country) == f.country)))
    has = _has_filter(f.has)
    if has is not None:
        out.append(has)
    if f.step is not None:
        out.append(col(Case.last_step) == f.step)
    if f.promise:
        out.append(_exists(PromiseToPay, col(PromiseToPay.status) == f.promise))
    if f.plan:
        out.append(_exists(PaymentPlan, col(PaymentPlan.status) == f.plan))
    messages = _message_filter(f)
    if messages is not None:
        out.append(messages)
    return out + _money_filters(f)


# --------------------------------------------------------------------------- the page


def _top_flags(session: Session, case_ids: list[int], now: datetime) -> dict[int, tuple[str, int]]:
    if not case_ids:
        return {}
    query = (
        sa.select(col(Flag.case_id), col(Flag.reason), col(Flag.priority))
        .where(
            col(Flag.case_id).in_(case_ids),
            col(Flag.status) == FlagStatus.OPEN,
            sa.or_(col(Flag.snoozed_until).is_(None), col(Flag.snoozed_until) <= now),
        )
        .order_by(col(Flag.priority), col(Flag.created_at).desc())
    )
    # the last one written per case wins: the most urgent, then the oldest
    return {case_id: (reason, priority) for case_id, reason, priority in session.execute(query)}


def case_page(
    session: Session, filters: CaseFilter, *, now: datetime, creditor_ids: Collection[int] | None = None
) -> CasePage:
    """One page of the cases matching `filters`, and how many match in all.

    A search gathers at most SEARCH_COUNT_CAP + 1 matches, counts them and picks the page among them
    in one query (a window count); past the cap (a search as broad as "a") the total says "10000+" and
    the page follows the sort's index, which meets enough matches early. Without a search, the count is
    one pass over an index and the page follows the sort's index.
    """
    where = conditions(filters, now=now)
    size = min(max(1, filters.per_page), MAX_PAGE_SIZE)
    sort = filters.sort if filters.sort in SORTS else "activity"

    def order_on(columns: Any) -> list[Any]:
        key = columns[cast(Any, SORTS[sort]).key]
        order = [key.desc() if filters.descending else key.asc(), columns["id"].desc()]
        return [key.is_(None), *order] if sort == "overdue" else order  # no open debt: last

    def counted() -> int:
        query = _scope(sa.select(sa.func.count()).select_from(Case).where(*where), creditor_ids)
        return int(session.execute(query).scalar_one())

    def page_of(number: int, total: Any) -> list[Any]:
        query = sa.select(col(Case.id), total).where(*where).order_by(*order_on(Case.__table__.c))  # type: ignore[attr-defined]
        return list(session.execute(_scope(query, creditor_ids).limit(size).offset((number - 1) * size)))

    def searched(number: int) -> list[Any]:
        keys = [col(Case.id)] if sort == "id" else [col(Case.id), SORTS[sort]]
        matches = _scope(sa.select(*keys).where(*where), creditor_ids).limit(SEARCH_COUNT_CAP + 1).subquery()
        query = sa.select(matches.c.id, sa.func.count().over()).order_by(*order_on(matches.c))
        return list(session.execute(query.limit(size).offset((number - 1) * size)))

    number = max(1, filters.page)
    capped = False
    if filters.q.strip():
        found = searched(number)
        count = int(found[0][1]) if found else (counted() if number > 1 else 0)
        if count > SEARCH_COUNT_CAP:
            capped, count = True, SEARCH_COUNT_CAP
            found = page_of(number, sa.literal(count))
    else:
        count = counted()
        number = min(number, max(1, -(-count // size)))
        found = page_of(number, sa.literal(count))
    if not found and number > 1:  # past the end (the list shrank): the last page instead
        number = max(1, -(-count // size))
        found = page_of(number, sa.literal(count))
    ids = [row[0] for row in found]
    return CasePage(_rows(session, ids, now), count, replace(filters, page=number, per_page=size), capped)


def _rows(session: Session, ids: list[int], now: datetime) -> list[CaseListRow]:
    if not ids:
        return []
    query = (
        sa.select(Case, Debtor, col(Creditor.name), col(Agent.name))
        .join(Debtor, col(Debtor.id) == Case.debtor_id)
        .join(Creditor, col(Creditor.id) == Case.creditor_id)
        .outerjoin(Agent, col(Agent.id) == Case.agent_id)
        .where(col(Case.id).in_(ids))
    )
    found = {case.id: (case, debtor, creditor, agent) for case, debtor, creditor, agent in session.execute(query)}
    flags = _top_flags(session, ids, now)
    rows = []
    for case_id in ids:
        case, debtor, creditor, agent = found[case_id]
        reason, priority = flags.get(case_id, (None, None))
        rows.append(
            CaseListRow(
                case_id=case_id,
                debtor_name=debtor.name,
                debtor_ref=debtor.ref,
                phone=debtor.phone,
                email=debtor.email,
                country=debtor.country,
                creditor=creditor,
                status=case.status,
                balance=case.balance,
                currency=case.currency,
                due_date=case.due_date,
                updated_at=case.updated_at,
                assignee=agent,
                flag_reason=reason,
                flag_priority=priority,
            )
        )
    return rows


def filter_options(session: Session, creditor_ids: Collection[int] | None = None) -> dict[str, list[Any]]:
    """The choices of the filter form: creditors, agents, countries, flag reasons, statuses present."""
    creditors = sa.select(col(Creditor.id), col(Creditor.name)).order_by(col(Creditor.name))
    if creditor_ids is not None:
        creditors = creditors.where(col(Creditor.id).in_(list(creditor_ids)))
    agents = sa.select(col(Agent.id), col(Agent.name)).where(col(Agent.active).is_(True)).order_by(col(Agent.name))
    reasons = sa.select(col(Flag.reason)).where(col(Flag.status) == FlagStatus.OPEN).distinct()
    countries = sa.select(col(Debtor.country)).where(col(Debtor.country).is_not(None)).distinct()
    return {
        "creditors": list(session.execute(creditors).all()),
        "agents": list(session.execute(agents).all()),
        "reasons": sorted(session.execute(reasons).scalars()),
        "countries": sorted(session.execute(countries).scalars()),
    }
