"""Console accounts: argon2 password hashes, sign-in that reveals nothing and is throttled fairly.

Passwords are hashed with argon2id through pwdlib. Every sign-in attempt costs one argon2
verification (against a throwaway hash for an unknown or disabled e-mail), gets the same answer
whether the e-mail exists or not, is counted in `sign_in_attempt` and written to the audit trail.

Throttling never locks an account, since a stranger could then keep a real agent out:
- per client address: after `address_budget` failures in the window, that address is refused
  (429) until the window passes or an admin unlocks it — whatever e-mail it tries;
- per e-mail typed (known or not, so the answer says nothing): after `free_attempts` failures in
  the window each further answer is delayed, doubling up to `max_delay`; the right password still
  signs in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pwdlib import PasswordHash
from sqlmodel import Session, col

from relance.core.config import Settings
from relance.core.errors import RelanceError
from relance.core.events import record_event
from relance.core.models import Agent, AgentCreditor, AgentRole, Creditor, SignInAttempt

PASSWORD_HASH = PasswordHash.recommended()  # argon2id with pwdlib's recommended parameters
MIN_PASSWORD_LENGTH = 10
FIRST_DELAY = 0.25  # seconds, doubled with each failure beyond the free ones
MAX_CLIENT_LENGTH = 64


class AccountError(RelanceError):
    """An agent account cannot be created or changed as asked."""


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # computed on first use, not at import: hashing costs about 0.1 s
    return PASSWORD_HASH.hash("relance: not a real password")


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively, without surrounding spaces."""
    return email.strip().lower()


def email_key(email: str) -> str:
    """What the throttle and the audit trail keep of a typed e-mail (never the text itself)."""
    return hashlib.sha256(normalise_email(email).encode("utf-8", "surrogatepass")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, refusing passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return PASSWORD_HASH.hash(password)


@dataclass(frozen=True)
class Throttle:
    """Sign-in throttling rules (from `Settings`)."""

    address_budget: int = 30
    window: timedelta = timedelta(minutes=15)
    free_attempts: int = 3
    max_delay: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        return cls(
            address_budget=settings.sign_in_address_budget,
            window=timedelta(minutes=settings.sign_in_window_minutes),
            free_attempts=settings.sign_in_free_attempts,
            max_delay=settings.sign_in_max_delay_seconds,
        )

    def delay(self, failures: int) -> float:
        """Seconds to wait before answering after `failures` recent failures for one e-mail."""
        if failures < self.free_attempts:
            return 0.0
        return min(FIRST_DELAY * 2 ** min(failures - self.free_attempts, 16), self.max_delay)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the agent, or not; `throttled` when the address is over budget.

    `delay` is how long to wait before answering (the same for every e-mail with as many failures).
    """

    agent: Agent | None
    throttled: bool = False
    delay: float = 0.0
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.agent is not None


def find_agent(session: Session, email: str) -> Agent | None:
    """The account with this email (any case), or None."""
    return session.execute(sa.select(Agent).where(col(Agent.email) == normalise_email(email))).scalar_one_or_none()


def _failures(session: Session, column: Any, value: str, since: datetime) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                column == value,
                col(SignInAttempt.at) > since,
                col(SignInAttempt.succeeded).is_(False),
                col(SignInAttempt.cleared).is_(False),
            )
        ).scalar_one()
    )


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    now: datetime,
    client: str = "unknown",
    throttle: Throttle = Throttle(),
) -> SignIn:
    """Check a password, count the attempt and audit it; the caller commits, then waits `delay`."""
    client = client[:MAX_CLIENT_LENGTH] or "unknown"
    key = email_key(email)
    since = now - throttle.window
    if _failures(session, col(SignInAttempt.client), client, since) >= throttle.address_budget:
        _audit(session, now=now, client=client, key=key, agent=None, outcome="throttled")
        return SignIn(None, throttled=True, retry_after=throttle.window)
    agent = find_agent(session, email)
    if agent is None or not agent.active:
        PASSWORD_HASH.verify(password, _dummy_hash())
        valid, rehashed = False, None
    else:
        valid, rehashed = PASSWORD_HASH.verify_and_update(password, agent.password_hash)
    failures = _failures(session, col(SignInAttempt.email_key), key, since)
    session.add(SignInAttempt(at=now, client=client, email_key=key, succeeded=valid))
    if not valid:
        _audit(session, now=now, client=client, key=key, agent=agent, outcome="failed")
        return SignIn(None, delay=throttle.delay(failures + 1))
    assert agent is not None
    if rehashed is not None:
        agent.password_hash = rehashed
        session.add(agent)
    _audit(session, now=now, client=client, key=key, agent=agent, outcome="signed_in")
    return SignIn(agent, delay=throttle.delay(failures))


_AUDIT_KIND = {"signed_in": "agent_signed_in", "failed": "agent_sign_in_failed", "throttled": "sign_in_throttled"}


def _audit(session: Session, *, now: datetime, client: str, key: str, agent: Agent | None, outcome: str) -> None:
    record_event(
        session,
        case_id=None,
        kind=_AUDIT_KIND[outcome],
        actor="agent" if agent is not None else "anonymous",
        actor_id=agent.id if agent is not None else None,
        at=now,
        data={"client": client, "email_sha256": key, "known_account": agent is not None},
    )


def unlock_sign_in(
    session: Session, *, at: datetime, by: int | None, email: str | None = None, client: str | None = None
) -> int:
    """An admin clears the failures counted for an e-mail and/or a client address; returns how many."""
    if not email and not client:
        raise AccountError("say which e-mail or which address to unlock")
    conditions = []
    if email:
        conditions.append(col(SignInAttempt.email_key) == email_key(email))
    if client:
        conditions.append(col(SignInAttempt.client) == client.strip()[:MAX_CLIENT_LENGTH])
    cleared = session.execute(
        sa.update(SignInAttempt)
        .where(sa.or_(*conditions), col(SignInAttempt.cleared).is_(False), col(SignInAttempt.succeeded).is_(False))
        .values(cleared=True)
    ).rowcount  # type: ignore[attr-defined]
    data = {"email_sha256": email_key(email) if email else None, "client": client, "cleared": cleared}
    actor = "agent" if by is not None else "cli"
    record_event(session, case_id=None, kind="sign_in_unlocked", actor=actor, actor_id=by, at=at, data=data)
    return int(cleared)


# --------------------------------------------------------------------------- creditor scopes


def creditor_scope(session: Session, agent: Agent) -> frozenset[int] | None:
    """The ids of the creditors the agent works for; None for an admin (every creditor)."""
    if agent.role == AgentRole.ADMIN:
        return None
    rows = session.execute(sa.select(col(AgentCreditor.creditor_id)).where(col(AgentCreditor.agent_id) == agent.id))
    return frozenset(rows.scalars())


def creditor_ids_for_keys(session: Session, keys: Iterable[str]) -> list[int]:
    """The ids of creditors given by key; an unknown key is an error naming it."""
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if not wanted:
        return []
    rows = session.execute(sa.select(col(Creditor.key), col(Creditor.id)).where(col(Creditor.key).in_(wanted))).all()
    found = {key: cid for key, cid in rows}
    missing = [k for k in wanted if k not in found]
    if missing:
        raise AccountError(f"unknown creditor(s): {', '.join(missing)}")
    return [found[k] for k in wanted]


def set_creditors(session: Session, *, agent: Agent, creditor_ids: Iterable[int], at: datetime, by: int | None) -> None:
    """Replace the creditors an agent works for (flushed, not committed)."""
    ids = sorted(set(creditor_ids))
    known = set(session.execute(sa.select(col(Creditor.id)).where(col(Creditor.id).in_(ids))).scalars())
    if set(ids) - known:
        raise AccountError("unknown creditor id(s): " + ", ".join(str(i) for i in sorted(set(ids) - known)))
    session.execute(sa.delete(AgentCreditor).where(col(AgentCreditor.agent_id) == agent.id))
    session.add_all(AgentCreditor(agent_id=agent.id, creditor_id=cid) for cid in ids)  # type: ignore[arg-type]
    session.flush()
    record_event(
        session, case_id=None, kind="agent_creditors_set", actor="agent" if by else "cli", actor_id=by, at=at,
        data={"agent_id": agent.id, "creditor_ids": ids},
    )  # fmt: skip


def create_agent(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    at: datetime,
    admin: bool = False,
    created_by: int | None = None,
    creditor_ids: Iterable[int] = (),
) -> Agent:
    """Create an account (flushed, not committed); an agent works for `creditor_ids`, an admin for all."""
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
    ids = list(creditor_ids)
    if ids and not admin:
        set_creditors(session, agent=agent, creditor_ids=ids, at=at, by=created_by)
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
