"""The debtor's thanks for a payment: written at once, sent by the dispatcher inside the contact rules.

The message goes to the outbox as a conversation message (kind `payment_thanks`, author `bot`):
the dispatcher checks the contact window, the opt-outs and an agent holding the case before it
leaves (`scheduler.send_policy`), so a payment at 22:00 is thanked the next morning. One thanks
per payment: the idempotency key is the provider's payment id.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from messages.context import DebtLine, case_context, thanks_context
from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import Author, Case, Creditor, Debt, Debtor, Direction, Message, MessageStatus

KIND = "payment_thanks"


def queue_thanks(
    session: Session,
    *,
    config: RelanceConfig,
    renderer: Renderer,
    case_id: int,
    amount: Decimal,
    reference: str | None,
    key: str,
    at: datetime,
) -> Message | None:
    """Queue the thanks for a payment on the debtor's preferred reachable channel; None when unreachable or done."""
    key = f"thanks:{key}"[:200]
    if session.execute(sa.select(col(Message.id)).where(col(Message.idempotency_key) == key)).first():
        return None
    case = session.get(Case, case_id)
    assert case is not None
    debtor = session.get(Debtor, case.debtor_id)
    creditor_key = session.execute(sa.select(col(Creditor.key)).where(col(Creditor.id) == case.creditor_id)).scalar()
    if debtor is None or debtor.wrong_person:
        return None
    addresses = {"telegram": str(debtor.telegram_chat_id) if debtor.telegram_chat_id else None, "sms": debtor.phone}
    channel = next((c for c in config.channels.preferred if addresses.get(c)), None)
    if channel is None:
        return None
    rules = config.creditor(creditor_key)
    debts = _debt_lines(session, case, reference)
    context = case_context(rules, debtor_name=debtor.name, debts=debts, balance=case.balance)
    context.update(thanks_context(amount), reference=reference or debts[0].reference)
    text = renderer.render(KIND, locale=debtor.locale, channel=channel, **context).text
    message = Message(
        case_id=case.id,
        debtor_id=debtor.id,
        direction=Direction.OUT,
        channel=channel,
        author=Author.BOT,
        kind=KIND,
        body=text,
        status=MessageStatus.QUEUED,
        to_address=addresses[channel],
        idempotency_key=key,
        not_before=at,
        created_at=at,
    )
    session.add(message)
    session.flush()
    return message


def _debt_lines(session: Session, case: Case, reference: str | None) -> list[DebtLine]:
    """The case's open debts; when everything is paid, the paid one (the thanks names it)."""
    debts = list(
        session.execute(
            sa.select(Debt).where(col(Debt.case_id) == case.id).order_by(col(Debt.due_date), col(Debt.id))
        ).scalars()
    )
    open_ = [d for d in debts if d.balance > 0]
    chosen = open_ or [d for d in debts if d.reference == reference] or debts[:1]
    return [DebtLine(d.reference, Decimal(d.balance), d.currency, d.due_date) for d in chosen]
