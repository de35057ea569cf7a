"""Console sessions and CSRF tokens: signed cookies, with only a per-agent epoch kept server-side.

The session cookie carries the agent's id, a per-session CSRF token, the instant it was issued (on
the runtime's clock, so simulated time expires it too), a fingerprint of the password hash (a
password change ends every other session) and the agent's session epoch: signing out bumps the epoch
kept in `AppState`, which ends every session of that agent, a copied cookie included.

Cookies are signed with itsdangerous using `Settings.secret_key`, or a random key generated once and
kept in the `AppState` table so that a restart keeps agents signed in. The login form has its own
CSRF token, double-submitted in a signed cookie, because there is no session yet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from relance.core.clock import ensure_utc
from relance.core.config import Settings
from relance.core.models import Agent, AppState

SECRET_KEY_STATE = "console_secret_key"
EPOCH_STATE = "console_session_epoch:{agent_id}"
SESSION_COOKIE = "relance_session"
LOGIN_COOKIE = "relance_login"
FLASH_COOKIE = "relance_flash"
SESSION_LIFETIME = timedelta(hours=12)
LOGIN_FORM_LIFETIME = timedelta(hours=2)


def secret_key(settings: Settings, engine: Engine, now: datetime) -> str:
    """The signing key: RELANCE_SECRET_KEY, else one generated once and kept in the database."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    with Session(engine) as session:
        row = session.get(AppState, SECRET_KEY_STATE)
        if row is not None:
            return row.value
        session.add(AppState(key=SECRET_KEY_STATE, value=secrets.token_urlsafe(48), updated_at=now))
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()  # another process stored its key first: use that one
    with Session(engine) as session:
        row = session.get(AppState, SECRET_KEY_STATE)
        assert row is not None
        return row.value


def session_epoch(session: Session, agent_id: int) -> int:
    """The agent's current session epoch (0 until they first sign out)."""
    row = session.get(AppState, EPOCH_STATE.format(agent_id=agent_id))
    return int(row.value) if row is not None else 0


def end_sessions(session: Session, agent_id: int, now: datetime) -> None:
    """Invalidate every session of the agent (flushed, not committed)."""
    key = EPOCH_STATE.format(agent_id=agent_id)
    row = session.get(AppState, key) or AppState(key=key, value="0")
    row.value = str(int(row.value) + 1)
    row.updated_at = now
    session.add(row)
    session.flush()


def password_fingerprint(agent: Agent) -> str:
    """A short digest of the password hash: sessions issued before a password change stop working."""
    return hashlib.sha256(agent.password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SessionData:
    """What a valid session cookie says."""

    agent_id: int
    csrf: str
    issued_at: datetime
    fingerprint: str
    epoch: int


class Signer:
    """Signs and reads the console's cookies."""

    def __init__(self, key: str) -> None:
        self._session = URLSafeSerializer(key, salt="relance.console.session")
        self._login = URLSafeSerializer(key, salt="relance.console.login")
        self._flash = URLSafeSerializer(key, salt="relance.console.flash")

    def session_cookie(self, agent: Agent, now: datetime, epoch: int) -> tuple[str, SessionData]:
        """A new session for `agent` in its current `epoch`, with a fresh CSRF token."""
        assert agent.id is not None
        data = SessionData(agent.id, secrets.token_urlsafe(32), ensure_utc(now), password_fingerprint(agent), epoch)
        payload = {"a": agent.id, "c": data.csrf, "t": now.timestamp(), "f": data.fingerprint, "e": epoch}
        return self._session.dumps(payload), data

    def read_session(self, cookie: str | None, now: datetime) -> SessionData | None:
        """The session in `cookie`, or None when missing, forged or expired."""
        payload = _loads(self._session, cookie)
        if not isinstance(payload, dict):
            return None
        try:
            issued = datetime.fromtimestamp(float(payload["t"]), tz=now.tzinfo)
            data = SessionData(int(payload["a"]), str(payload["c"]), issued, str(payload["f"]), int(payload["e"]))
        except (KeyError, TypeError, ValueError):
            return None
        if not (issued - timedelta(minutes=5) <= now < issued + SESSION_LIFETIME):
            return None
        return data

    def login_token(self, now: datetime) -> tuple[str, str]:
        """(cookie value, form token) for the login form."""
        token = secrets.token_urlsafe(32)
        return self._login.dumps({"c": token, "t": ensure_utc(now).timestamp()}), token

    def login_form_token(self, cookie: str | None, now: datetime) -> str | None:
        """The token of a login form cookie that is still valid, else None."""
        payload = _loads(self._login, cookie)
        if not isinstance(payload, dict):
            return None
        try:
            fresh = ensure_utc(now).timestamp() - float(payload["t"]) < LOGIN_FORM_LIFETIME.total_seconds() / 2
            token = payload["c"]
        except (KeyError, TypeError, ValueError):
            return None
        return token if fresh and isinstance(token, str) and token else None

    def check_login_token(self, cookie: str | None, form_token: str | None, now: datetime) -> bool:
        """Whether the login form's token matches its signed cookie and is recent."""
        payload = _loads(self._login, cookie)
        if not isinstance(payload, dict) or not form_token:
            return False
        try:
            fresh = ensure_utc(now).timestamp() - float(payload["t"]) < LOGIN_FORM_LIFETIME.total_seconds()
        except (KeyError, TypeError, ValueError):
            return False
        return fresh and tokens_match(str(payload.get("c", "")), form_token)

    def flash(self, level: str, text: str) -> str:
        return self._flash.dumps([level, text])

    def read_flash(self, cookie: str | None) -> tuple[str, str] | None:
        payload = _loads(self._flash, cookie)
        if isinstance(payload, list) and len(payload) == 2:
            return str(payload[0]), str(payload[1])
        return None


def _loads(serializer: URLSafeSerializer, cookie: str | None) -> Any:
    if not cookie:
        return None
    try:
        return serializer.loads(cookie)
    except BadSignature:
        return None


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two tokens."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
