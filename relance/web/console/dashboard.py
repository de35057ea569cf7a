"""The dashboard's figures: aggregate SQL over the portfolio, for a period, a creditor and a currency.

Every query groups in the database (by day at most, so a handful of rows come back) over a covering
index of migration 0003; Python only folds days into weeks and the case groups into totals. A
creditor filter joins each row to its case through the creditor index (debts carry their creditor).
Messages per day come from `message_day_stat` for settled days (filled from `message` by one aggregate
query the first time a day is shown) and from `message` for the last two. `creditor_ids` scopes every
query to the creditors an agent works for (None = all), `creditor_id` is the dashboard's own filter.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from relance.core.models import (
    Case,
    CaseStatus,
    Debt,
    Flag,
    FlagStatus,
    Installment,
    InstallmentStatus,
    Message,
    MessageDayStat,
    MessageStatus,
    Payment,
    PaymentPlan,
    PlanStatus,
    PromiseToPay,
)

FAILED = (MessageStatus.FAILED.value, MessageStatus.UNDELIVERED.value)
ENDED = (CaseStatus.PAID.value, CaseStatus.CLOSED.value)
AGE_BUCKETS = ((1, "under 1 day"), (3, "1–3 days"), (7, "3–7 days"), (None, "over 7 days"))
CASH_IN_WEEKS = 8


@dataclass(frozen=True)
class Scope:
    """Which cases the dashboard looks at, and over which days."""

    start: date
    end: date  # inclusive
    currency: str  # "" = the one with the most outstanding
    creditor_id: int | None = None
    creditor_ids: Collection[int] | None = None

    def creditors(self) -> list[int] | None:
        """The creditor ids to keep (None = all): the filter inside the agent's scope."""
        if self.creditor_id is not None:
            allowed = self.creditor_ids is None or self.creditor_id in self.creditor_ids
            return [self.creditor_id] if allowed else []
        return None if self.creditor_ids is None else list(self.creditor_ids)

    def cases(self, query: Any, case_id: Any) -> Any:
        """`query` restricted to cases of the scope's creditors, through the `case_id` column.

        A join: each row looks its case up in the creditor index (the tables filtered are smaller
        than a creditor's cases, which an `IN (subquery)` would first gather).
        """
        ids = self.creditors()
        if ids is None:
            return query
        return query.join(Case, col(Case.id) == case_id).where(col(Case.creditor_id).in_(ids))

    def debts(self, query: Any) -> Any:
        """`query` on `debt` restricted to the scope's creditors (a debt carries its case's creditor)."""
        ids = self.creditors()
        return query if ids is None else query.where(col(Debt.creditor_id).in_(ids))


@dataclass
class Dashboard:
    """Everything the dashboard page draws."""

    scope: Scope
    totals: dict[str, Any] = field(default_factory=dict)
    outstanding: list[tuple[str, Decimal, int]] = field(default_factory=list)  # currency, balance, open cases
    weeks: list[date] = field(default_factory=list)
    collected: list[Decimal] = field(default_factory=list)
    outstanding_line: list[Decimal] = field(default_factory=list)
    steps: list[tuple[int, int, int]] = field(default_factory=list)  # step, cases, paid
    promises: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    flags: dict[str, list[int]] = field(default_factory=dict)  # reason -> count per age bucket
    days: list[date] = field(default_factory=list)
    messages: dict[str, list[int]] = field(default_factory=dict)  # channel -> count per day
    failures: list[int] = field(default_factory=list)
    cash_in_weeks: list[date] = field(default_factory=list)
    cash_in: list[Decimal] = field(default_factory=list)
    # all time, whatever the period: messages, and per currency the debts' amounts and what was paid
    all_messages: int | None = None  # without a creditor filter only
    debts: list[tuple[str, int, Decimal]] = field(default_factory=list)  # currency, count, amount
    paid: list[tuple[str, int, Decimal]] = field(default_factory=list)  # currency, count, amount


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _day_expr(column: Any, dialect: str) -> Any:
    """The calendar day (UTC) of an instant column, as an ISO string or a date."""
    if dialect == "sqlite":
        return sa.func.substr(column, 1, 10)  # stored as 'YYYY-MM-DD HH:MM:SS…' in UTC
    return sa.cast(sa.func.timezone(sa.literal_column("'UTC'"), column), sa.Date)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


# --------------------------------------------------------------------------- queries


def _case_groups(session: Session, scope: Scope, d: Dashboard) -> None:
    """Cases per currency (with the open ones and the balance) and per scenario step (with the paid ones).

    One pass over the covering index `ix_cases_step_totals`, grouped in its order (creditor, step,
    status, currency) whether one creditor, some or all are shown: a few dozen rows to fold. (One
    index holding `last_step` serves both: each such index is entries the sweep moves per reminder
    queued; see migration 0006.)
    """
    grouping = (col(Case.creditor_id), col(Case.last_step), col(Case.status), col(Case.currency))
    query = sa.select(*grouping, sa.func.count(), sa.func.sum(col(Case.balance))).group_by(*grouping)
    ids = scope.creditors()
    if ids is not None:
        query = query.where(col(Case.creditor_id).in_(ids))
    currencies: dict[str, list[Any]] = {}  # currency -> [cases, open cases, balance]
    steps: dict[int, list[int]] = {}  # step -> [cases, paid cases]
    for _creditor, step, status, currency, n, balance in session.execute(query):
        per_currency = currencies.setdefault(currency, [0, 0, Decimal(0)])
        per_currency[0] += n
        per_currency[1] += 0 if status in ENDED else n
        per_currency[2] += _dec(balance)
        per_step = steps.setdefault(step, [0, 0])
        per_step[0] += n
        per_step[1] += n if status == CaseStatus.PAID else 0
    d.outstanding = [(cur, balance, still_open) for cur, (_, still_open, balance) in sorted(currencies.items())]
    d.steps = [(step, n, paid) for step, (n, paid) in sorted(steps.items())]
    flags = scope.cases(
        sa.select(sa.func.count(sa.distinct(col(Flag.case_id)))).where(col(Flag.status) == FlagStatus.OPEN),
        col(Flag.case_id),
    )
    d.totals = {
        "cases": sum(row[0] for row in currencies.values()),
        "open_cases": sum(row[1] for row in currencies.values()),
        "flagged": session.execute(flags).scalar_one(),
        "messages": 0,
    }


def _all_time(session: Session, scope: Scope, d: Dashboard) -> None:
    if scope.creditors() is None:  # counting one creditor's messages would read all of them: the period says it
        d.all_messages = int(session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one())
    debts = scope.debts(
        sa.select(col(Debt.currency), sa.func.count(), sa.func.sum(col(Debt.amount))).group_by(col(Debt.currency))
    )
    payments = scope.cases(
        sa.select(col(Payment.currency), sa.func.count(), sa.func.sum(col(Payment.amount))).group_by(
            col(Payment.currency)
        ),
        col(Payment.case_id),
    )
    for query, out, currency in ((debts, d.debts, Debt.currency), (payments, d.paid, Payment.currency)):
        out.extend((cur, n, _dec(total)) for cur, n, total in session.execute(query.order_by(col(currency))))


def _collected(session: Session, scope: Scope, d: Dashboard, dialect: str) -> None:
    first = monday(scope.start)
    d.weeks = [first + timedelta(weeks=i) for i in range((scope.end - first).days // 7 + 1)]
    paid = scope.cases(
        sa.select(col(Payment.paid_on), sa.func.sum(col(Payment.amount)))
        .where(col(Payment.currency) == scope.currency, col(Payment.paid_on) >= first)
        .group_by(col(Payment.paid_on)),
        col(Payment.case_id),
    )
    by_week = dict.fromkeys(d.weeks, Decimal(0))
    after: dict[date, Decimal] = {}  # paid after each week's end
    for day, amount in session.execute(paid):
        day = _as_date(day)
        if monday(day) in by_week:
            by_week[monday(day)] += _dec(amount)
        after[day] = after.get(day, Decimal(0)) + _dec(amount)
    created = scope.debts(
        sa.select(_day_expr(col(Debt.created_at), dialect), sa.func.sum(col(Debt.amount)))
        .where(col(Debt.currency) == scope.currency, col(Debt.created_at) >= datetime.combine(first, time(0), UTC))
        .group_by(_day_expr(col(Debt.created_at), dialect))
    )
    imported = {_as_date(day): _dec(amount) for day, amount in session.execute(created)}
    now_balance = next((b for c, b, _ in d.outstanding if c == scope.currency), Decimal(0))
    d.collected = [by_week[w] for w in d.weeks]
    # the balance at each week's end: today's, plus what was paid since, minus what was imported since
    d.outstanding_line = [
        max(
            Decimal(0),
            now_balance
            + sum((a for day, a in after.items() if day >= w + timedelta(days=7)), Decimal(0))
            - sum((a for day, a in imported.items() if day >= w + timedelta(days=7)), Decimal(0)),
        )
        for w in d.weeks
    ]


def _statuses(session: Session, scope: Scope, d: Dashboard) -> None:
    promises = scope.cases(
        sa.select(col(PromiseToPay.status), sa.func.count())
        .where(col(PromiseToPay.due_on) >= scope.start, col(PromiseToPay.due_on) <= scope.end)
        .group_by(col(PromiseToPay.status)),
        col(PromiseToPay.case_id),
    )
    d.promises = {status: n for status, n in session.execute(promises)}
    plans = scope.cases(
        sa.select(col(PaymentPlan.status), sa.func.count())
        .where(col(PaymentPlan.status) != PlanStatus.PROPOSED)
        .group_by(col(PaymentPlan.status)),
        col(PaymentPlan.case_id),
    )
    d.plans = {status: n for status, n in session.execute(plans)}


def _flags(session: Session, scope: Scope, d: Dashboard, now: datetime) -> None:
    whens = [(col(Flag.created_at) > now - timedelta(days=days), i) for i, (days, _) in enumerate(AGE_BUCKETS) if days]
    bucket = sa.case(*whens, else_=len(AGE_BUCKETS) - 1)
    query = scope.cases(
        sa.select(col(Flag.reason), bucket, sa.func.count())
        .where(col(Flag.status) == FlagStatus.OPEN)
        .group_by(col(Flag.reason), bucket),
        col(Flag.case_id),
    )
    for reason, index, n in session.execute(query):
        d.flags.setdefault(reason, [0] * len(AGE_BUCKETS))[int(index)] += n
    d.flags = dict(sorted(d.flags.items(), key=lambda kv: -sum(kv[1])))


SETTLED_DAYS = 1  # a day is settled (its delivery receipts are in) once a whole day has passed after it


def _live_message_counts(session: Session, first: date, last: date, dialect: str) -> Any:
    """Messages per day, creditor and channel between two days (inclusive), straight from `message`."""
    day = _day_expr(col(Message.created_at), dialect)
    creditor = sa.func.coalesce(col(Case.creditor_id), -1)
    failed = sa.func.sum(sa.case((col(Message.status).in_(FAILED), 1), else_=0))
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), UTC)
    return session.execute(
        sa.select(day, creditor, col(Message.channel), sa.func.count(), failed)
        .select_from(Message)
        .outerjoin(Case, col(Case.id) == Message.case_id)
        .where(col(Message.created_at) >= start, col(Message.created_at) < end)
        .group_by(day, creditor, col(Message.channel))
    ).all()


def _scoped_live_counts(session: Session, scope: Scope, first: date, last: date, dialect: str) -> Any:
    """Messages per day and channel of the scope's cases between two days (inclusive), from `message`.

    Without a creditor filter no case is looked up; with one, each message of those days looks its
    case up (`EXISTS`, so that the days' messages drive the query, not the creditor's cases).
    """
    day = _day_expr(col(Message.created_at), dialect)
    failed = sa.func.sum(sa.case((col(Message.status).in_(FAILED), 1), else_=0))
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), UTC)
    query = (
        sa.select(day, col(Message.channel), sa.func.count(), failed)
        .where(col(Message.created_at) >= start, col(Message.created_at) < end)
        .group_by(day, col(Message.channel))
    )
    ids = scope.creditors()
    if ids is not None:
        mine = sa.select(sa.literal(1)).where(col(Case.id) == Message.case_id, col(Case.creditor_id).in_(ids))
        query = query.where(mine.exists())
    return session.execute(query).all()


def _settled_counts(session: Session, first: date, last: date, dialect: str, now: datetime) -> list[Any]:
    """Per-day counts of settled days in [first, last]: stored ones, and the missing days computed then stored."""
    stat = MessageDayStat
    stored = session.execute(
        sa.select(col(stat.day), col(stat.creditor_id), col(stat.channel), col(stat.messages), col(stat.failed)).where(
            col(stat.day) >= first, col(stat.day) <= last
        )
    ).all()
    done = {_as_date(row[0]) for row in stored if row[1] == 0}
    rows: list[Any] = [row for row in stored if row[1] != 0]
    missing = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    for run_first, run_last in _runs([d for d in missing if d not in done]):
        fresh = _live_message_counts(session, run_first, run_last, dialect)
        rows += fresh
        new = [
            {"day": _as_date(day), "creditor_id": int(creditor), "channel": channel, "messages": n,
             "failed": int(n_failed or 0), "computed_at": now}
            for day, creditor, channel, n, n_failed in fresh
        ]  # fmt: skip
        days = [run_first + timedelta(days=i) for i in range((run_last - run_first).days + 1)]
        new += [
            {"day": d, "creditor_id": 0, "channel": "", "messages": 0, "failed": 0, "computed_at": now} for d in days
        ]
        _insert_new(session, new, dialect)
    return rows


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _insert_new(session: Session, rows: list[dict[str, Any]], dialect: str) -> None:
    """Insert rows, leaving those another request stored meanwhile (its own short transaction)."""
    table = MessageDayStat.__table__  # type: ignore[attr-defined]
    insert = sqlite_insert(table) if dialect == "sqlite" else pg_insert(table)
    with session.get_bind().begin() as conn:  # type: ignore[union-attr]
        conn.execute(insert.on_conflict_do_nothing(), rows)


def _messages(session: Session, scope: Scope, d: Dashboard, dialect: str, now: datetime) -> None:
    d.days = [scope.start + timedelta(days=i) for i in range((scope.end - scope.start).days + 1)]
    index = {day: i for i, day in enumerate(d.days)}
    d.failures = [0] * len(d.days)
    settled = now.date() - timedelta(days=SETTLED_DAYS)
    ids = scope.creditors()
    rows: list[Any] = []
    if scope.start < settled:
        stored = _settled_counts(session, scope.start, min(scope.end, settled - timedelta(days=1)), dialect, now)
        rows += [(when, ch, n, failed) for when, creditor, ch, n, failed in stored if ids is None or creditor in ids]
    if scope.end >= settled:
        rows += _scoped_live_counts(session, scope, max(scope.start, settled), scope.end, dialect)
    total = 0
    for when, channel, n, n_failed in rows:
        i = index.get(_as_date(when))
        if i is None:
            continue
        d.messages.setdefault(channel, [0] * len(d.days))[i] += n
        d.failures[i] += int(n_failed or 0)
        total += n
    d.totals["messages"] = total


def _cash_in(session: Session, scope: Scope, d: Dashboard, today: date) -> None:
    first = monday(today)
    d.cash_in_weeks = [first + timedelta(weeks=i) for i in range(CASH_IN_WEEKS)]
    end = first + timedelta(weeks=CASH_IN_WEEKS)
    query = scope.cases(
        sa.select(col(Installment.due_on), sa.func.sum(col(Installment.amount) - col(Installment.paid_amount)))
        .join(PaymentPlan, col(PaymentPlan.id) == Installment.plan_id)
        .where(
            col(PaymentPlan.status) == PlanStatus.ACTIVE,
            col(PaymentPlan.currency) == scope.currency,
            col(Installment.status) == InstallmentStatus.DUE,
            col(Installment.due_on) >= first,
            col(Installment.due_on) < end,
        )
        .group_by(col(Installment.due_on)),
        col(PaymentPlan.case_id),
    )
    by_week = dict.fromkeys(d.cash_in_weeks, Decimal(0))
    for day, amount in session.execute(query):
        by_week[monday(_as_date(day))] += _dec(amount)
    d.cash_in = [by_week[w] for w in d.cash_in_weeks]


def dashboard(session: Session, scope: Scope, *, now: datetime) -> Dashboard:
    """All the dashboard's figures for `scope`."""
    dialect = session.get_bind().dialect.name
    d = Dashboard(scope)
    _case_groups(session, scope, d)
    if not scope.currency:  # the currency with the most outstanding
        top = max(d.outstanding, key=lambda row: row[1], default=("EUR", Decimal(0), 0))
        scope = d.scope = replace(scope, currency=top[0])
    _collected(session, scope, d, dialect)
    _statuses(session, scope, d)
    _flags(session, scope, d, now)
    _messages(session, scope, d, dialect, now)
    _cash_in(session, scope, d, now.date())
    _all_time(session, scope, d)
    return d
