"""Binding a Telegram chat to a debtor: deep-link tokens and shared phone contacts.

A bot cannot write first to someone who never started it, so the first SMS carries
`https://t.me/<bot>?start=<token>`. The token is unguessable (`secrets.token_urlsafe`), stored only
as its SHA-256, bound to one case, single-use and expiring. `/start <token>` redeems it; sharing
one's *own* phone contact binds the chat when the number is the debtor's. Until a chat is bound,
nothing about any debt is shown in it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.events import record_event
from relance.core.models import Case, CaseStatus, ChatLink, Debtor

LINK_TTL = timedelta(days=30)
TOKEN_BYTES = 24  # 32 URL-safe characters; Telegram allows 64 in a start parameter


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    """The t.me link that opens the bot and sends `/start <token>`."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def issue_chat_link(session: Session, *, case: Case, now: datetime, ttl: timedelta = LINK_TTL) -> str:
    """A new single-use token for the case's debtor (only its hash is stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ChatLink(
        token_hash=token_hash(token),
        case_id=case.id,  # type: ignore[arg-type]
        debtor_id=case.debtor_id,
        expires_at=now + ttl,
        created_at=now,
    )
    session.add(link)
    session.flush()
    return token


def telegram_link(
    session: Session, *, case: Case, bot_username: str | None, now: datetime, ttl: timedelta = LINK_TTL
) -> str | None:
    """The deep link to put in an SMS for this case, or None (no bot configured, or the chat is bound)."""
    if not bot_username:
        return None
    debtor = session.get(Debtor, case.debtor_id)
    if debtor is None or debtor.telegram_chat_id is not None:
        return None
    return deep_link(bot_username, issue_chat_link(session, case=case, now=now, ttl=ttl))


def redeem_chat_link(session: Session, *, token: str, chat_id: int, now: datetime) -> Debtor | None:
    """Bind `chat_id` to the token's debtor; None when the token is unknown, used or expired."""
    if not token or len(token) > 64:
        return None
    digest = token_hash(token)
    claimed = session.execute(
        sa.update(ChatLink)
        .where(col(ChatLink.token_hash) == digest, col(ChatLink.used_at).is_(None), col(ChatLink.expires_at) > now)
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    link = session.execute(sa.select(ChatLink).where(col(ChatLink.token_hash) == digest)).scalar_one()
    debtor = session.get(Debtor, link.debtor_id)
    assert debtor is not None
    _bind(session, debtor, chat_id, now, how="deep_link", case_id=link.case_id)
    return debtor


def normalise_shared_phone(phone: str, region: str | None = None) -> str | None:
    """E.164 form of a number shared through Telegram (which often omits the '+')."""
    raw = phone.strip()
    if raw and raw[0].isdigit():
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def bind_by_contact(session: Session, *, chat_id: int, phone: str, now: datetime) -> list[Debtor]:
    """Bind the chat to every debtor with this phone number (the caller checked it is the user's own)."""
    e164 = normalise_shared_phone(phone)
    if e164 is None:
        return []
    debtors = list(session.execute(sa.select(Debtor).where(col(Debtor.phone) == e164)).scalars())
    for debtor in debtors:
        _bind(session, debtor, chat_id, now, how="contact")
    return debtors


def debtors_for_chat(session: Session, chat_id: int) -> list[Debtor]:
    """The debtors bound to a chat (one person may owe several creditors)."""
    return list(session.execute(sa.select(Debtor).where(col(Debtor.telegram_chat_id) == chat_id)).scalars())


def _bind(
    session: Session, debtor: Debtor, chat_id: int, now: datetime, *, how: str, case_id: int | None = None
) -> None:
    if debtor.telegram_chat_id == chat_id:
        return
    debtor.telegram_chat_id = chat_id
    debtor.updated_at = now
    session.add(debtor)
    session.flush()
    assert debtor.id is not None
    cases = [case_id] if case_id is not None else _open_case_ids(session, debtor.id)
    for cid in cases:
        record_event(session, case_id=cid, kind="telegram_bound", actor="debtor", at=now, data={"how": how})


def _open_case_ids(session: Session, debtor_id: int) -> list[int]:
    closed = (CaseStatus.PAID, CaseStatus.CLOSED)
    return list(
        session.execute(
            sa.select(col(Case.id))
            .where(col(Case.debtor_id) == debtor_id, col(Case.status).not_in(closed))
            .order_by(col(Case.id))
        ).scalars()
    )
