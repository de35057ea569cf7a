"""Agent accounts: argon2 hashes, sign-in, the lock window after repeated failures, `relance agent`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core.agents import (
    FIRST_LOCK,
    MAX_LOCK,
    AccountError,
    authenticate,
    create_agent,
    find_agent,
    lock_window,
    set_active,
)
from relance.core.db import make_engine
from relance.core.models import AgentRole, Event

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def test_lock_window_doubles_after_the_free_attempts_and_is_capped() -> None:
    assert [lock_window(n) for n in range(3)] == [timedelta(0)] * 3
    assert [lock_window(n) for n in (3, 4, 5)] == [FIRST_LOCK, FIRST_LOCK * 2, FIRST_LOCK * 4]
    assert lock_window(40) == MAX_LOCK
    assert all(lock_window(n) <= lock_window(n + 1) for n in range(200))


def test_passwords_are_stored_as_argon2id_and_checked(session: Session) -> None:
    agent = create_agent(session, email=" Alex@Example.COM ", name="Alex", password=PASSWORD, at=AT)
    session.commit()
    assert agent.email == "alex@example.com"
    assert agent.password_hash.startswith("$argon2id$") and PASSWORD not in agent.password_hash
    assert agent.role == AgentRole.AGENT
    ok = authenticate(session, email="ALEX@example.com", password=PASSWORD, now=AT)
    assert ok.ok and ok.agent is not None and ok.agent.id == agent.id
    created = session.execute(sa.select(Event).where(Event.kind == "agent_created")).scalar_one()
    assert created.case_id is None and created.data["agent_id"] == agent.id


def test_accounts_refuse_bad_input(session: Session) -> None:
    create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    with pytest.raises(AccountError, match="already exists"):
        create_agent(session, email="A@EXAMPLE.com", name="B", password=PASSWORD, at=AT)
    with pytest.raises(AccountError, match="at least 10"):
        create_agent(session, email="b@example.com", name="B", password="short", at=AT)
    with pytest.raises(AccountError, match="not an email"):
        create_agent(session, email="nobody", name="B", password=PASSWORD, at=AT)


def test_repeated_failures_lock_the_account_even_for_the_right_password(session: Session) -> None:
    create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    now = AT
    outcomes = []
    for _ in range(3):
        now += timedelta(seconds=1)
        outcomes.append(authenticate(session, email="a@example.com", password="wrong password!", now=now))
    assert [o.ok for o in outcomes] == [False, False, False]
    assert [o.retry_after for o in outcomes] == [None, None, FIRST_LOCK]
    locked = authenticate(session, email="a@example.com", password=PASSWORD, now=now + timedelta(seconds=2))
    assert not locked.ok and locked.retry_after == timedelta(seconds=3)
    later = authenticate(session, email="a@example.com", password=PASSWORD, now=now + FIRST_LOCK)
    assert later.ok
    agent = find_agent(session, "a@example.com")
    assert agent is not None and agent.failed_logins == 0 and agent.last_failed_at is None
    kinds = session.execute(sa.select(Event.kind).where(Event.actor_id == str(agent.id)).order_by(Event.id)).scalars()
    assert list(kinds) == ["agent_sign_in_failed"] * 3 + ["agent_signed_in"]


def test_the_lock_grows_with_each_failure_after_it(session: Session) -> None:
    create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    now = AT
    windows = []
    for _ in range(6):
        attempt = authenticate(session, email="a@example.com", password="wrong password!", now=now)
        windows.append(attempt.retry_after)
        now += attempt.retry_after or timedelta(seconds=1)  # wait out each lock, then fail again
    assert windows == [None, None, FIRST_LOCK, FIRST_LOCK * 2, FIRST_LOCK * 4, FIRST_LOCK * 8]


def test_unknown_and_disabled_accounts_are_refused_like_wrong_passwords(session: Session) -> None:
    admin = create_agent(session, email="admin@example.com", name="Ad", password=PASSWORD, admin=True, at=AT)
    agent = create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    unknown = authenticate(session, email="ghost@example.com", password=PASSWORD, now=AT)
    assert not unknown.ok and unknown.retry_after is None
    set_active(session, agent=agent, active=False, at=AT, by=admin.id)  # type: ignore[arg-type]
    assert not authenticate(session, email="a@example.com", password=PASSWORD, now=AT).ok
    with pytest.raises(AccountError, match="your own account"):
        set_active(session, agent=admin, active=False, at=AT, by=admin.id)  # type: ignore[arg-type]


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    return sqlite_url


def test_cli_agent_add_reads_the_password_from_stdin(cli_env: str) -> None:
    result = CliRunner().invoke(
        app, ["agent", "add", "Admin@Example.com", "--name", "Ada Admin", "--admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    engine = make_engine(cli_env)
    with Session(engine) as session:
        signed = authenticate(session, email="admin@example.com", password=PASSWORD, now=AT)
        assert signed.agent is not None and signed.agent.role == AgentRole.ADMIN and signed.agent.name == "Ada Admin"
    engine.dispose()
    listed = CliRunner().invoke(app, ["agent", "list"])
    assert listed.exit_code == 0 and "admin@example.com" in listed.output


def test_cli_agent_add_prompts_twice_and_refuses_a_short_password(cli_env: str) -> None:
    ok = CliRunner().invoke(app, ["agent", "add", "b@example.com", "--name", "Bo"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    short = CliRunner().invoke(
        app, ["agent", "add", "c@example.com", "--name", "Cy", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0
    assert isinstance(short.exception, AccountError) and "at least 10" in str(short.exception)
