"""Context builders: the variables templates expect, from configuration and plain values.

Callers never assemble template contexts by hand: `case_context` gives what every debtor-facing
template needs (creditor identity, debts, balance, how to pay, how to contest), and the small
builders below add what a given message needs on top (see `messages.catalog.TEMPLATES`).
Everything here is pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

from relance.core.config import Creditor

MAX_PAUSE_DAYS = 30


@dataclass(frozen=True, slots=True)
class DebtLine:
    """One open debt as the debtor reads it: what is still due on it."""

    reference: str
    amount: Decimal
    currency: str
    due_date: date


@dataclass(frozen=True, slots=True)
class InstallmentLine:
    """One payment of a plan."""

    seq: int
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ScheduleGroup:
    """Consecutive installments of the same amount: a plan's schedule told in few words."""

    amount: Decimal
    dates: tuple[date, ...]


def schedule_groups(installments: Sequence[InstallmentLine]) -> list[ScheduleGroup]:
    """`[(166.67, 5 dates), (166.65, 1 date)]`: every date and amount, grouped for short SMS."""
    groups: list[ScheduleGroup] = []
    for line in installments:
        if groups and groups[-1].amount == line.amount:
            groups[-1] = ScheduleGroup(line.amount, (*groups[-1].dates, line.due_on))
        else:
            groups.append(ScheduleGroup(line.amount, (line.due_on,)))
    return groups


class DebtLike(Protocol):
    """Anything shaped like `relance.core.models.Debt`."""

    reference: str
    balance: Decimal
    currency: str
    due_date: date


def debt_line(debt: DebtLike) -> DebtLine:
    """A `DebtLine` from a debt row (its balance is what is due)."""
    return DebtLine(debt.reference, Decimal(debt.balance), debt.currency, debt.due_date)


def payment_link(creditor: Creditor, reference: str) -> str | None:
    """The creditor's payment URL with `{reference}` filled in (URL-encoded), or None."""
    if not creditor.payment_url:
        return None
    return creditor.payment_url.replace("{reference}", quote(reference, safe=""))


def format_iban(iban: str | None) -> str | None:
    """An IBAN in groups of four characters, as printed on invoices."""
    if not iban:
        return None
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _currency_of(debts: Sequence[DebtLine]) -> str:
    currencies = {d.currency for d in debts}
    if len(currencies) != 1:
        raise ValueError(f"a case's debts share one currency; got {', '.join(sorted(currencies))}")
    return currencies.pop()


def case_context(
    creditor: Creditor,
    *,
    debtor_name: str,
    debts: Sequence[DebtLine],
    balance: Decimal | None = None,
    telegram_link: str | None = None,
    pay_link: str | None = None,
) -> dict[str, Any]:
    """What every debtor-facing template needs; `balance` defaults to the sum of the debts.

    `pay_link`: Relance's own payment link (online payment), instead of the creditor's `payment_url`.
    """
    if not debts:
        raise ValueError("a case context needs at least one open debt")
    references = [d.reference for d in debts]
    identity = _creditor_identity(creditor)
    return {
        "creditor_name": identity[0],
        "creditor_legal_name": identity[1],
        "creditor_phone": identity[2],
        "creditor_email": identity[3],
        "creditor_website": identity[4],
        "contest_contact": identity[5],
        "pay_link": pay_link or payment_link(creditor, references[0]),
        "iban": identity[6],
        "bic": identity[7],
        "debtor_name": debtor_name,
        "debts": list(debts),
        "debt_count": len(debts),
        "reference": references[0],
        "references": references,
        "balance": sum((d.amount for d in debts), Decimal(0)) if balance is None else balance,
        "currency": _currency_of(debts) if len(debts) > 1 else debts[0].currency,
        "due_date": min(d.due_date for d in debts) if len(debts) > 1 else debts[0].due_date,
        "telegram_link": telegram_link,
    }


# creditor (frozen configuration) -> its identity as every case context shows it, built once per creditor
_IDENTITIES: dict[int, tuple[Creditor, tuple[Any, ...]]] = {}


def _creditor_identity(creditor: Creditor) -> tuple[Any, ...]:
    """(name, legal name, phone, e-mail, website, how to contest, formatted IBAN, BIC) of a creditor."""
    known = _IDENTITIES.get(id(creditor))
    if known is not None and known[0] is creditor:  # the same object: its id was not reused
        return known[1]
    identity = (
        creditor.name, creditor.legal_name or creditor.name, creditor.phone, creditor.email, creditor.website,
        creditor.contest_instructions, format_iban(creditor.iban), creditor.bic,
    )  # fmt: skip
    if len(_IDENTITIES) >= 256:
        _IDENTITIES.clear()
    _IDENTITIES[id(creditor)] = (creditor, identity)
    return identity


def reminder_context(
    creditor: Creditor,
    *,
    debtor_name: str,
    debts: Sequence[DebtLine],
    step_index: int,
    step_count: int,
    today: date,
    balance: Decimal | None = None,
    telegram_link: str | None = None,
    pay_link: str | None = None,
) -> dict[str, Any]:
    """Context of a scenario step; `pay_by` is when escalation to the formal notice begins."""
    context = case_context(
        creditor, debtor_name=debtor_name, debts=debts, balance=balance, telegram_link=telegram_link, pay_link=pay_link
    )
    context.update(
        step_index=step_index,
        step_count=step_count,
        pay_by=today + timedelta(days=creditor.scenario.escalate_after_days),
    )
    return context


def promise_context(amount: Decimal, due_on: date) -> dict[str, Any]:
    """Variables of `promise_confirmation` and `promise_followup`."""
    return {"promise_amount": amount, "promise_date": due_on}


def plan_context(installments: Sequence[InstallmentLine], frequency: str) -> dict[str, Any]:
    """Variables of the plan messages: the full schedule, its frequency and total."""
    if not installments:
        raise ValueError("a plan has at least one installment")
    return {
        "installments": list(installments),
        "schedule_groups": schedule_groups(installments),
        "installment_count": len(installments),
        "frequency": frequency,
        "plan_total": sum((i.amount for i in installments), Decimal(0)),
    }


def installment_context(installment: InstallmentLine, installment_count: int) -> dict[str, Any]:
    """Variables of `installment_reminder` and `installment_missed`."""
    return {"installment": installment, "installment_count": installment_count}


def hardship_context(pause_days: int = MAX_PAUSE_DAYS) -> dict[str, Any]:
    """Variables of `hardship`: the pause offered, at most 30 days."""
    return {"pause_days": max(1, min(pause_days, MAX_PAUSE_DAYS))}


def thanks_context(paid_amount: Decimal) -> dict[str, Any]:
    """Variables of `payment_thanks`: the amount just received (the case context says what is left)."""
    return {"paid_amount": paid_amount}


def handover_context(answer_by: date) -> dict[str, Any]:
    """Variables of `handover`: the day by which a person will answer."""
    return {"answer_by": answer_by}
