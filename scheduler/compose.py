"""The text of the scheduler's messages, through `messages` (templates, contexts, SMS hygiene)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from messages.catalog import reminder_template_name
from messages.context import (
    DebtLine,
    InstallmentLine,
    case_context,
    installment_context,
    promise_context,
    reminder_context,
)
from messages.email import email_subject
from messages.render import Rendered, Renderer
from relance.core.config import Creditor as CreditorRules

PLAN_BROKEN = "plan_broken"


@dataclass(frozen=True, slots=True)
class Content:
    """What a case's messages talk about."""

    debtor_name: str
    locale: str
    debts: tuple[DebtLine, ...]
    balance: Decimal
    # the Telegram deep link an SMS may carry (first reminder, debtor not bound yet)
    telegram_link: str | None = None
    # Relance's signed payment link (online payment on), else the creditor's own `payment_url`
    pay_link: str | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """What a follow-up is about: a promise (amount, date) or an installment (seq, date, amount due)."""

    due_on: date
    amount: Decimal
    seq: int = 0
    count: int = 0


def content(
    debtor_name: str,
    locale: str,
    debts: Sequence[tuple[str, Decimal, str, date]],
    balance: Decimal,
    telegram_link: str | None = None,
    pay_link: str | None = None,
) -> Content:
    """A `Content` from the rows of `scheduler.snapshot.open_debts`."""
    lines = tuple(DebtLine(ref, Decimal(amount), currency, due) for ref, amount, currency, due in debts)
    return Content(debtor_name, locale, lines, Decimal(balance), telegram_link, pay_link)


def compose(
    renderer: Renderer,
    creditor: CreditorRules,
    *,
    kind: str,
    channel: str,
    about: Content,
    today: date,
    step: int | None = None,
    first_contact: bool = False,
    subject: Subject | None = None,
) -> Rendered:
    """Render the message of `kind` for one case on `channel`.

    `first_contact`: no scenario reminder went out before this one (a case caught up on a later
    step); a middle step then uses the first step's wording, which does not refer to an earlier
    reminder the debtor never got.
    """
    name, context = _template(creditor, kind, about, today, step, subject)
    if first_contact and name == "reminder_middle":
        name = "reminder_first"
    return renderer.render(name, locale=about.locale, channel=channel, **context)


def compose_subject(
    renderer: Renderer,
    creditor: CreditorRules,
    *,
    kind: str,
    about: Content,
    today: date,
    step: int | None = None,
    first_contact: bool = False,
    subject: Subject | None = None,
) -> str:
    """The e-mail subject of the message `compose` writes (same template name, same context)."""
    name, context = _template(creditor, kind, about, today, step, subject)
    if first_contact and name == "reminder_middle":
        name = "reminder_first"
    return email_subject(renderer, name, locale=about.locale, **context)


def _template(
    creditor: CreditorRules, kind: str, about: Content, today: date, step: int | None, subject: Subject | None
) -> tuple[str, dict[str, Any]]:
    base = {
        "debtor_name": about.debtor_name,
        "debts": about.debts,
        "balance": about.balance,
        "telegram_link": about.telegram_link,
        "pay_link": about.pay_link,
    }
    if kind == "reminder":
        assert step is not None
        count = len(creditor.scenario.steps)
        ctx = reminder_context(creditor, step_index=step, step_count=count, today=today, **base)  # type: ignore[arg-type]
        return reminder_template_name(step, count), ctx
    ctx = case_context(creditor, **base)  # type: ignore[arg-type]
    if kind == "promise_followup":
        assert subject is not None
        ctx.update(promise_context(subject.amount, subject.due_on))
    elif kind in ("installment_reminder", "installment_missed"):
        assert subject is not None
        ctx.update(installment_context(InstallmentLine(subject.seq, subject.due_on, subject.amount), subject.count))
    elif kind != PLAN_BROKEN:
        raise ValueError(f"the scheduler writes no message of kind {kind!r}")
    return kind, ctx
