"""Console accounts: argon2 password hashes, sign-in with a per-account lock window.

Passwords are hashed with argon2id through pwdlib. Repeated wrong passwords lock the account for a
window that doubles with each failure after the first few (`lock_window`); while it is locked the
password is not even checked. An unknown or disabled email costs one verification against a
throwaway hash, so the response time does not tell which emails have an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from pwdlib import PasswordHash
from sqlmodel import Session, col

from relance.core.clock import ensure_utc
from relance.core.errors import RelanceError
from relance.core.events import record_event
from relance.core.models import Agent, AgentRole

PASSWORD_HASH = PasswordHash.recommended()  # argon2id with pwdlib's recommended parameters
MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3
FIRST_LOCK = timedelta(seconds=5)
MAX_LOCK = timedelta(minutes=15)


class AccountError(RelanceError):
    """An agent account cannot be created or changed as asked."""


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # computed on first use, not at import: hashing costs about 0.1 s
    return PASSWORD_HASH.hash("relance: not a real password")


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, refusing passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return PASSWORD_HASH.hash(password)


def lock_window(failed_logins: int) -> timedelta:
    """How long sign-in stays refused after `failed_logins` consecutive failures."""
    if failed_logins < FREE_ATTEMPTS:
        return timedelta(0)
    doublings = min(failed_logins - FREE_ATTEMPTS, 20)  # bounded: timedelta overflows past ~2**47 days
    return min(FIRST_LOCK * 2**doublings, MAX_LOCK)


def locked_until(agent: Agent) -> datetime | None:
    """The instant until which the account refuses sign-in, or None."""
    window = lock_window(agent.failed_logins)
    if not window or agent.last_failed_at is None:
        return None
    return ensure_utc(agent.last_failed_at) + window


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the agent, or why not (`retry_after` when locked)."""

    agent: Agent | None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.agent is not None


def find_agent(session: Session, email: str) -> Agent | None:
    """The account with this email (any case), or None."""
    return session.execute(sa.select(Agent).where(col(Agent.email) == normalise_email(email))).scalar_one_or_none()


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> SignIn:
    """Check a password, counting failures; the caller commits."""
    agent = find_agent(session, email)
    if agent is None or not agent.active:
        PASSWORD_HASH.verify(password, _dummy_hash())
        return SignIn(None)
    until = locked_until(agent)
    if until is not None and now < until:
        return SignIn(None, retry_after=until - now)
    valid, rehashed = PASSWORD_HASH.verify_and_update(password, agent.password_hash)
    if not valid:
        return SignIn(None, retry_after=_count_failure(session, agent, now))
    agent.failed_logins = 0
    agent.last_failed_at = None
    if rehashed is not None:
        agent.password_hash = rehashed
    session.add(agent)
    record_event(session, case_id=None, kind="agent_signed_in", actor="agent", actor_id=agent.id, at=now)
    return SignIn(agent)


def _count_failure(session: Session, agent: Agent, now: datetime) -> timedelta | None:
    agent.failed_logins += 1
    agent.last_failed_at = now
    session.add(agent)
    record_event(
        session,
        case_id=None,
        kind="agent_sign_in_failed",
        actor="agent",
        actor_id=agent.id,
        at=now,
        data={"failed_logins": agent.failed_logins},
    )
    return lock_window(agent.failed_logins) or None


def create_agent(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    at: datetime,
    admin: bool = False,
    created_by: int | None = None,
) -> Agent:
    """Create an account (flushed, not committed)."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if not name.strip():
        raise AccountError("an agent needs a name")
    if find_agent(session, email) is not None:
        raise AccountError(f"an account with email {email} already exists")
    role = AgentRole.ADMIN if admin else AgentRole.AGENT
    agent = Agent(email=email, name=name.strip(), password_hash=hash_password(password), role=role, created_at=at)
    session.add(agent)
    session.flush()
    record_event(
        session,
        case_id=None,
        kind="agent_created",
        actor="agent" if created_by else "cli",
        actor_id=created_by,
        at=at,
        data={"agent_id": agent.id, "email": email, "role": role},
    )
    return agent


def set_active(session: Session, *, agent: Agent, active: bool, at: datetime, by: int) -> None:
    """Enable or disable an account (a disabled account's sessions stop working at once)."""
    if agent.id == by and not active:
        raise AccountError("you cannot disable your own account")
    agent.active = active
    agent.failed_logins = 0
    agent.last_failed_at = None
    session.add(agent)
    kind = "agent_enabled" if active else "agent_disabled"
    record_event(session, case_id=None, kind=kind, actor="agent", actor_id=by, at=at, data={"agent_id": agent.id})


def list_agents(session: Session) -> list[Agent]:
    """Every account, admins first, then by name."""
    return list(session.execute(sa.select(Agent).order_by(col(Agent.role), col(Agent.name))).scalars())
