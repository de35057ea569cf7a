"""Rendering the bot's own replies (help, opt-out confirmations, generic answers) for a case."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.case_state import CaseState, Sql, debt_lines
from messages.context import case_context, debt_line
from messages.render import Rendered, Renderer
from relance.core.config import RelanceConfig
from relance.core.models import Case, Creditor, Debt, Debtor, DebtStatus


def case_template_context(session: Session, case: Case, config: RelanceConfig) -> dict[str, Any]:
    """The common context of a case's messages (creditor identity, open debts, balance)."""
    debtor = session.get(Debtor, case.debtor_id)
    creditor_row = session.get(Creditor, case.creditor_id)
    assert debtor is not None and creditor_row is not None
    debts = list(
        session.execute(
            sa.select(Debt).where(Debt.case_id == case.id).order_by(Debt.due_date, Debt.id)  # type: ignore[arg-type]
        ).scalars()
    )
    open_debts = [d for d in debts if d.status == DebtStatus.OPEN] or debts[-1:]
    return case_context(
        config.creditor(creditor_row.key),
        debtor_name=debtor.name,
        debts=[debt_line(d) for d in open_debts],
        balance=case.balance,
    )


def render_for_case(
    session: Session,
    renderer: Renderer,
    config: RelanceConfig,
    *,
    case: Case,
    name: str,
    channel: str,
    **extra: Any,
) -> Rendered:
    """Render message `name` for the case's debtor, in their locale, for `channel`."""
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    context = case_template_context(session, case, config)
    context.update(extra)
    return renderer.render(name, locale=debtor.locale, channel=channel, **context)


def render_for_state(
    sql: Sql, renderer: Renderer, config: RelanceConfig, *, case: CaseState, name: str, channel: str, **extra: Any
) -> Rendered:
    """`render_for_case` from a `CaseState`: one query (the debts) instead of three."""
    context = case_context(
        config.creditor(case.creditor_key), debtor_name=case.debtor_name, debts=debt_lines(sql, case.id),
        balance=case.balance,
    )  # fmt: skip
    context.update(extra)
    return renderer.render(name, locale=case.locale, channel=channel, **context)


def render_generic(renderer: Renderer, *, name: str, channel: str, locale: str = "fr") -> Rendered:
    """A message that says nothing about any debt (unknown senders, unbound chats)."""
    return renderer.render(name, locale=locale, channel=channel)
