"""Helpers for the console tests (HTTP and browser): app, accounts, sign-in, flagged cases."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from relance.core.agents import create_agent
from relance.core.flags import raise_flag
from relance.core.models import Agent, Case
from relance.core.runtime import Runtime
from relance.web.console import mount_console
from tests import factories

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def console_app(runtime: Runtime) -> FastAPI:
    """A bare FastAPI application serving only the console."""
    app = FastAPI()
    mount_console(app, runtime)
    return app


def add_agent(
    runtime: Runtime,
    email: str = "agent@example.com",
    *,
    admin: bool = False,
    name: str = "Alex Agent",
    creditors: tuple[str, ...] = ("default",),
) -> Agent:
    """An account; an agent works for `creditors` (keys, created when missing), an admin for all."""
    with runtime.session() as session:
        ids = [factories.creditor(session, key).id for key in creditors]
        agent = create_agent(
            session, email=email, name=name, password=PASSWORD, admin=admin, at=runtime.now(),
            creditor_ids=[i for i in ids if i is not None],
        )  # fmt: skip
        session.commit()
    return agent


def csrf_token(client: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    found = CSRF_FIELD.search(response.text)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> object:
    """Fill the login form like a browser (token from the page, cookie kept by the client)."""
    token = csrf_token(client, "/console/login")
    return client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )


def flagged_case(
    runtime: Runtime,
    *,
    reason: str = "human_requested",
    at: datetime | None = None,
    amount: str = "600.00",
    **kw: object,
) -> Case:
    """A case of one debt, flagged for a human."""
    with runtime.session() as session:
        case = factories.case_with_debt(session, amount=Decimal(amount), **kw)  # type: ignore[arg-type]
        raise_flag(session, case=case, reason=reason, at=at or runtime.now())
        session.commit()
    return case
