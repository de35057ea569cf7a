"""The signed one-click unsubscribe link of every e-mail (RFC 8058), and the key that signs it.

The token carries the debtor's address, signed with itsdangerous; it does not expire, because an
old e-mail's link must keep working. The key is `RELANCE_SECRET_KEY`, else a random key made once
and kept in `AppState`, so that links stay valid across restarts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.engine import Engine

from relance.core import paths
from relance.core.config import Settings
from relance.core.db import session_scope
from relance.core.models import AppState

LINK_KEY_STATE = "email_link_key"
_SALT = "relance-email-unsubscribe"


def link_key(settings: Settings, engine: Engine) -> str:
    """The key that signs unsubscribe links: the configured secret, else one generated and kept."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    with session_scope(engine) as session:
        row = session.get(AppState, LINK_KEY_STATE)
        if row is None:
            row = AppState(key=LINK_KEY_STATE, value=secrets.token_urlsafe(48), updated_at=datetime.now(UTC))
            session.add(row)
        return row.value


def normalise_address(address: str) -> str:
    """An e-mail address as we compare and store it: trimmed, lower case."""
    return address.strip().lower()


@dataclass(frozen=True)
class UnsubscribeLinks:
    """Signs and reads the tokens of `GET|POST {public_url}/email/unsubscribe?t=…`."""

    key: str
    public_url: str | None

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.key, salt=_SALT)

    def token(self, address: str) -> str:
        return str(self._serializer().dumps({"a": normalise_address(address)}))

    def url(self, address: str) -> str | None:
        """The one-click link for `address`, or None without a public URL (nobody could reach it)."""
        if not self.public_url:
            return None
        return paths.public(self.public_url, paths.EMAIL_UNSUBSCRIBE) + "?t=" + quote(self.token(address))

    def address(self, token: str) -> str | None:
        """The address a token was made for, or None when it is not one of ours."""
        try:
            data = self._serializer().loads(token)
        except BadSignature:
            return None
        value = data.get("a") if isinstance(data, dict) else None
        return value if isinstance(value, str) and "@" in value else None
