"""REST API keys: created once and shown once, stored as SHA-256, scoped to one creditor or all, revocable.

A key reads `rl_<prefix>_<secret>`; the prefix is stored in clear to tell keys apart in lists. A
key is a long random secret (256 bits), so a plain SHA-256 is the right hash: there is nothing to
guess that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from relance.core.errors import NotFoundError
from relance.core.models import ApiKey, Creditor

ALL_CREDITORS = "*"


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Who a valid key speaks for: one creditor (its id) or every creditor (None)."""

    key_id: int
    name: str
    creditor_id: int | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_key(session: Session, *, name: str, creditor: str, at: datetime) -> tuple[ApiKey, str]:
    """A new key for `creditor` (a creditor key, or `*` for all); returns the row and the clear key, once."""
    creditor_id = None
    if creditor != ALL_CREDITORS:
        creditor_id = session.execute(sa.select(col(Creditor.id)).where(col(Creditor.key) == creditor)).scalar()
        if creditor_id is None:
            raise NotFoundError(f"no creditor with key {creditor!r} (see relance.toml), or use '*' for all")
    prefix = secrets.token_hex(4)
    token = f"rl_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=name.strip()[:100] or "api", prefix=prefix, key_hash=digest(token), creditor_id=creditor_id, created_at=at
    )
    session.add(row)
    session.flush()
    return row, token


def authenticate(session: Session, token: str, *, at: datetime) -> KeyOwner | None:
    """The owner of a valid, unrevoked key, else None."""
    if not token.startswith("rl_") or len(token) > 200:
        return None
    wanted = digest(token)
    row = session.execute(sa.select(ApiKey).where(col(ApiKey.key_hash) == wanted)).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, wanted):
        return None
    row.last_used_at = at
    session.add(row)
    assert row.id is not None
    return KeyOwner(row.id, row.name, row.creditor_id)


def revoke_api_key(session: Session, *, key_id: int, at: datetime) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError(f"no API key #{key_id}")
    if row.revoked_at is None:
        row.revoked_at = at
        session.add(row)
    return row


def list_api_keys(session: Session) -> list[tuple[ApiKey, str]]:
    """Every key with its creditor key (`*` for all)."""
    rows = session.execute(
        sa.select(ApiKey, col(Creditor.key))
        .outerjoin(Creditor, col(Creditor.id) == col(ApiKey.creditor_id))
        .order_by(col(ApiKey.id))
    ).all()
    return [(key, creditor or ALL_CREDITORS) for key, creditor in rows]
