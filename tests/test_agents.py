"""Agent accounts: argon2 hashes, sign-in, throttling that never locks an account, `relance agent`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core.agents import (
    FIRST_DELAY,
    AccountError,
    Throttle,
    authenticate,
    create_agent,
    creditor_scope,
    email_key,
    find_agent,
    set_active,
    unlock_sign_in,
)
from relance.core.db import make_engine
from relance.core.models import AgentRole, Event

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def test_the_delay_doubles_after_the_free_attempts_and_is_capped() -> None:
    throttle = Throttle(free_attempts=3, max_delay=2.0)
    assert [throttle.delay(n) for n in range(3)] == [0.0] * 3
    assert [throttle.delay(n) for n in (3, 4, 5)] == [FIRST_DELAY, FIRST_DELAY * 2, FIRST_DELAY * 4]
    assert throttle.delay(10_000) == 2.0
    assert all(throttle.delay(n) <= throttle.delay(n + 1) for n in range(200))


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


def test_failures_slow_answers_but_never_lock_the_account(session: Session) -> None:
    create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    throttle = Throttle(free_attempts=2, max_delay=1.0)
    now = AT
    outcomes = []
    for _ in range(6):
        now += timedelta(seconds=1)
        outcomes.append(
            authenticate(session, email="a@example.com", password="wrong password!", now=now, throttle=throttle)
        )
    assert [o.ok for o in outcomes] == [False] * 6 and not any(o.throttled for o in outcomes)
    assert [o.delay for o in outcomes] == [0.0, FIRST_DELAY, FIRST_DELAY * 2, 1.0, 1.0, 1.0]
    right = authenticate(session, email="a@example.com", password=PASSWORD, now=now, throttle=throttle)
    assert right.ok  # a stranger's guesses never keep the agent out
    kinds = session.execute(sa.select(Event.kind).where(Event.case_id.is_(None)).order_by(Event.id)).scalars()
    assert list(kinds)[-7:] == ["agent_sign_in_failed"] * 6 + ["agent_signed_in"]


def test_unknown_e_mails_are_counted_and_delayed_exactly_like_known_ones(session: Session) -> None:
    create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    throttle = Throttle(free_attempts=1, max_delay=1.0)
    known = [authenticate(session, email="a@example.com", password="nope nope!", now=AT, throttle=throttle)
             for _ in range(4)]  # fmt: skip
    unknown = [authenticate(session, email="ghost@example.com", password="nope nope!", now=AT, throttle=throttle)
               for _ in range(4)]  # fmt: skip
    assert [(o.ok, o.throttled, o.delay) for o in known] == [(o.ok, o.throttled, o.delay) for o in unknown]
    events = session.execute(sa.select(Event).where(Event.kind == "agent_sign_in_failed")).scalars().all()
    assert len(events) == 8 and {e.data["email_sha256"] for e in events} == {
        email_key("a@example.com"),
        email_key("ghost@example.com"),
    }
    assert all("ghost" not in str(e.data) for e in events)  # the typed text itself is not kept


def test_an_address_over_budget_is_refused_whatever_it_tries_until_an_admin_unlocks_it(session: Session) -> None:
    admin = create_agent(session, email="admin@example.com", name="Ad", password=PASSWORD, admin=True, at=AT)
    throttle = Throttle(address_budget=3, free_attempts=100)
    for n in range(3):
        authenticate(session, email=f"x{n}@example.com", password="guess guess", now=AT, client="10.0.0.9",
                     throttle=throttle)  # fmt: skip
    blocked = authenticate(session, email="admin@example.com", password=PASSWORD, now=AT, client="10.0.0.9",
                           throttle=throttle)  # fmt: skip
    assert not blocked.ok and blocked.throttled and blocked.retry_after == throttle.window
    elsewhere = authenticate(session, email="admin@example.com", password=PASSWORD, now=AT, client="10.0.0.1",
                             throttle=throttle)  # fmt: skip
    assert elsewhere.ok  # the agent signs in from their own address meanwhile
    later = authenticate(session, email="admin@example.com", password=PASSWORD, now=AT + throttle.window,
                         client="10.0.0.9", throttle=throttle)  # fmt: skip
    assert later.ok  # the window passed
    for n in range(3):
        authenticate(session, email=f"y{n}@example.com", password="guess guess", now=AT + throttle.window,
                     client="10.0.0.9", throttle=throttle)  # fmt: skip
    cleared = unlock_sign_in(session, at=AT, by=admin.id, client="10.0.0.9")  # type: ignore[arg-type]
    assert cleared == 6  # every failure still counted from that address, old ones included
    again = authenticate(session, email="admin@example.com", password=PASSWORD, now=AT + throttle.window,
                         client="10.0.0.9", throttle=throttle)  # fmt: skip
    assert again.ok
    assert session.execute(sa.select(Event).where(Event.kind == "sign_in_throttled")).scalars().first() is not None
    assert session.execute(sa.select(Event).where(Event.kind == "sign_in_unlocked")).scalars().first() is not None
    with pytest.raises(AccountError, match="which e-mail or which address"):
        unlock_sign_in(session, at=AT, by=admin.id)  # type: ignore[arg-type]


def test_unknown_and_disabled_accounts_are_refused_like_wrong_passwords(session: Session) -> None:
    admin = create_agent(session, email="admin@example.com", name="Ad", password=PASSWORD, admin=True, at=AT)
    agent = create_agent(session, email="a@example.com", name="A", password=PASSWORD, at=AT)
    unknown = authenticate(session, email="ghost@example.com", password=PASSWORD, now=AT)
    assert not unknown.ok and not unknown.throttled
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
    ok = CliRunner().invoke(
        app,
        ["agent", "add", "b@example.com", "--name", "Bo", "--creditor", "default"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert ok.exit_code == 0, ok.output
    short = CliRunner().invoke(
        app,
        ["agent", "add", "c@example.com", "--name", "Cy", "--password-stdin", "--creditor", "default"],
        input="short\n",
    )
    assert short.exit_code != 0
    assert isinstance(short.exception, AccountError) and "at least 10" in str(short.exception)


def test_cli_agent_add_scopes_an_agent_to_its_creditors(cli_env: str) -> None:
    runner = CliRunner()
    unscoped = runner.invoke(app, ["agent", "add", "d@example.com", "--name", "Di", "--password-stdin"], input="x\n")
    assert unscoped.exit_code != 0 and "--creditor" in unscoped.output
    unknown = runner.invoke(
        app, ["agent", "add", "d@example.com", "--name", "Di", "--password-stdin", "--creditor", "nope"],
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert unknown.exit_code != 0 and "unknown creditor(s): nope" in str(unknown.exception)
    ok = runner.invoke(
        app, ["agent", "add", "d@example.com", "--name", "Di", "--password-stdin", "--creditor", "default"],
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    engine = make_engine(cli_env)
    with Session(engine) as session:
        agent = find_agent(session, "d@example.com")
        assert agent is not None
        scope = creditor_scope(session, agent)
        assert scope is not None and len(scope) == 1
    engine.dispose()
    unlock = runner.invoke(app, ["agent", "unlock", "--email", "d@example.com"])
    assert unlock.exit_code == 0 and "cleared" in unlock.output
