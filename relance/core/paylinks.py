"""Short signed payment links: `{public_url}/pay/<token>` for a case's balance, an installment or a promise.

The token names what is paid (`c12`, `i7`, `p3`) and carries a truncated HMAC-SHA256 of it, so a
link cannot be forged or pointed at another case; it never expires, because the redirect behind
it creates (or re-creates, once Stripe's session expired) the checkout session on each click.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from relance.core.config import Settings
from relance.core.db import session_scope
from relance.core.models import AppState

PAY_PATH = "/pay"
TARGETS = {"c": "case", "i": "installment", "p": "promise"}
_LETTERS = {name: letter for letter, name in TARGETS.items()}
SECRET_STATE = "paylink_secret_key"
MAC_CHARS = 20


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode("utf-8"), f"paylink:{body}".encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]


def make_token(secret: str, target: str, target_id: int) -> str:
    """`c12.<mac>` for case 12."""
    body = f"{_LETTERS[target]}{target_id}"
    return f"{body}.{_mac(secret, body)}"


def read_token(secret: str, token: str) -> tuple[str, int] | None:
    """(target, id) of a genuine token, else None."""
    body, _, mac = token.partition(".")
    if len(token) > 64 or len(body) < 2 or body[0] not in TARGETS or not body[1:].isdecimal():
        return None
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    return TARGETS[body[0]], int(body[1:])


def link_secret(settings: Settings, engine: Engine, now: datetime) -> str:
    """`RELANCE_SECRET_KEY`, else a random key generated once and kept in the database."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    with session_scope(engine) as session:
        row = session.get(AppState, SECRET_STATE)
        if row is None:
            row = AppState(key=SECRET_STATE, value=secrets.token_urlsafe(32), updated_at=now)
            session.add(row)
        return row.value


@dataclass(frozen=True, slots=True)
class PayLinks:
    """Builds the links messages carry (when online payment is on)."""

    base_url: str
    secret: str

    def url(self, target: str, target_id: int) -> str:
        return f"{self.base_url.rstrip('/')}{PAY_PATH}/{make_token(self.secret, target, target_id)}"


def pay_links(settings: Settings, engine: Engine, now: datetime) -> PayLinks | None:
    """The link builder when Stripe and a public URL are configured, else None (the creditor's own link stays)."""
    if not settings.stripe_enabled or not settings.public_url:
        return None
    return PayLinks(settings.public_url, link_secret(settings, engine, now))
