"""Console security over HTTP: sessions, CSRF, roles, sign-in throttling, masked configuration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr

from relance.core.clock import SimulatedClock
from relance.core.models import AppState
from relance.core.runtime import Runtime
from relance.web.console import console_router
from relance.web.console.security import SECRET_KEY_STATE, SESSION_COOKIE
from tests.conftest_console import PASSWORD, add_agent, console_app, csrf_token, flagged_case, sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PUBLIC = {"/console/login", "/console/static/console.css", "/console/static/console.js", "/console"}


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(console_app(runtime)) as client:
        yield client


def console_routes(runtime: Runtime) -> list[tuple[str, str]]:
    """(method, path with ids filled in) of every console route that needs a session."""
    out = []
    for route in console_router(runtime).routes:
        if isinstance(route, APIRoute) and route.path.startswith("/console") and route.path not in PUBLIC:
            path = re.sub(r"\{[a-z_]+\}", "1", route.path)
            out.extend((method, path) for method in sorted(route.methods))
    return out


def test_every_console_route_without_a_session_redirects_to_the_login_page(
    client: TestClient, runtime: Runtime
) -> None:
    flagged_case(runtime)
    routes = console_routes(runtime)
    assert len(routes) >= 15 and ("POST", "/console/cases/1/reply") in routes
    for method, path in routes:
        response = client.request(method, path, data={"csrf_token": "x"}, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/console/login?next="), (method, path)
    assert client.get("/console/", follow_redirects=True).url.path == "/console/login"


def test_sign_in_sets_a_signed_httponly_samesite_cookie(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    response = sign_in(client, "agent@example.com")
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie and "Max-Age=43200" in cookie
    page = client.get("/console/")
    assert page.status_code == 200 and "Alex Agent" in page.text and 'id="logout"' in page.text


def test_a_wrong_password_is_refused(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    response = sign_in(client, "agent@example.com", "not the password")
    assert response.status_code == 401 and "Wrong email or password" in response.text
    assert SESSION_COOKIE not in client.cookies
    unknown = sign_in(client, "nobody@example.com")
    assert unknown.status_code == 401 and "Wrong email or password" in unknown.text


def _fast_throttle(runtime: Runtime, **update: object) -> None:
    runtime.settings = runtime.settings.model_copy(update={"sign_in_max_delay_seconds": 0.01, **update})


def test_wrong_passwords_and_unknown_e_mails_get_the_same_status_and_body(runtime: Runtime) -> None:
    _fast_throttle(runtime)
    add_agent(runtime)
    with TestClient(console_app(runtime)) as client:
        csrf_token(client, "/console/login")

        def attempt(email: str) -> tuple[int, str]:
            token = re.search(r'name="csrf_token" value="([^"]*)"', client.get("/console/login").text)
            assert token is not None
            response = client.post(
                "/console/login", data={"email": email, "password": "not the password", "csrf_token": token.group(1)}
            )
            return response.status_code, response.text

        real = [attempt("agent@example.com") for _ in range(10)]
        unknown = [attempt(f"ghost{n}@example.com") for n in range(10)]
    assert {status for status, _ in real + unknown} == {401}
    assert len({body for _, body in real + unknown}) == 1  # byte for byte, the form's token included
    assert "Wrong email or password" in real[0][1]


def test_failures_never_lock_the_agent_out_and_an_address_over_budget_is_unlocked_by_an_admin(
    runtime: Runtime,
) -> None:
    _fast_throttle(runtime, sign_in_address_budget=5)
    add_agent(runtime)
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    with TestClient(console_app(runtime)) as client:
        statuses = [sign_in(client, "agent@example.com", "not the password").status_code for _ in range(5)]
        assert statuses == [401] * 5  # no lock: the right password still works…
        blocked = sign_in(client, "agent@example.com")  # … except from an address over its budget
        assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
        assert blocked.headers["retry-after"] == str(15 * 60)
        assert sign_in(client, "ghost@example.com").status_code == 429  # whatever it tries
    with TestClient(console_app(runtime), client=("10.1.2.3", 5000)) as other:
        assert sign_in(other, "admin@example.com").status_code == 303  # another address is not affected
        token = csrf_token(other, "/console/admin/agents")
        unlocked = other.post(
            "/console/admin/sign-in/unlock", data={"csrf_token": token, "client": "testclient"}, follow_redirects=False
        )
        assert unlocked.status_code == 303
    with TestClient(console_app(runtime)) as client:
        assert sign_in(client, "agent@example.com").status_code == 303
    assert isinstance(runtime.clock, SimulatedClock)


def test_login_without_its_csrf_token_is_forbidden(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    csrf_token(client, "/console/login")  # the login cookie is set, but the form field is missing or wrong
    for token in ("", "forged"):
        response = client.post(
            "/console/login", data={"email": "agent@example.com", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 403
    client.cookies.clear()
    response = client.post("/console/login", data={"email": "agent@example.com", "password": PASSWORD})
    assert response.status_code == 403


def test_every_post_without_a_valid_csrf_token_gets_403(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime, admin=True)
    case = flagged_case(runtime)
    assert case.id == 1
    assert sign_in(client, "agent@example.com").status_code == 303
    posts = [path for method, path in console_routes(runtime) if method == "POST"]
    assert len(posts) >= 10
    for path in posts:
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data, response.status_code)
            assert response.headers["content-type"].startswith("text/html") and "security token" in response.text
    page = client.get("/console/cases/1")
    assert "held by" not in page.text  # nothing happened


def test_an_agent_cannot_reach_admin_pages(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    sign_in(client, "agent@example.com")
    token = csrf_token(client, "/console/")
    forbidden = client.get("/console/admin/agents")
    assert forbidden.status_code == 403 and "This page is for admins." in forbidden.text
    assert 'id="logout"' in forbidden.text  # even error pages have the logout button
    assert client.get("/console/admin/config").status_code == 403
    created = client.post(
        "/console/admin/agents",
        data={"csrf_token": token, "email": "new@example.com", "name": "New", "password": PASSWORD},
    )
    assert created.status_code == 403
    assert "Agents</a>" not in client.get("/console/").text


def test_admins_manage_agents(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    sign_in(client, "admin@example.com")
    token = csrf_token(client, "/console/admin/agents")
    response = client.post(
        "/console/admin/agents",
        data={"csrf_token": token, "email": "bo@example.com", "name": "Bo", "password": PASSWORD, "role": "agent"},
    )
    assert response.status_code == 200 and "Account bo@example.com created." in response.text
    other = TestClient(client.app)
    assert sign_in(other, "bo@example.com").status_code == 303
    assert other.get("/console/").status_code == 200
    bo_id = re.search(r"/console/admin/agents/(\d+)/active", response.text).group(1)  # type: ignore[union-attr]
    client.post(f"/console/admin/agents/{bo_id}/active", data={"csrf_token": token, "active": "false"})
    # a disabled account's session ends at once
    assert other.get("/console/", follow_redirects=False).status_code == 303


def test_admin_configuration_view_masks_secrets(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={
            "twilio_auth_token": SecretStr("tw-very-secret-token"),
            "telegram_token": SecretStr("123456:telegram-secret"),
            "database_url": "postgresql+psycopg://relance:hunter2@db/relance",
        }
    )
    add_agent(runtime, "admin@example.com", admin=True)
    with TestClient(console_app(runtime)) as client:
        sign_in(client, "admin@example.com")
        page = client.get("/console/admin/config")
    assert page.status_code == 200
    for secret in ("tw-very-secret-token", "telegram-secret", "hunter2"):
        assert secret not in page.text
    assert "********" in page.text and "Example Creditor" in page.text


def test_logout_ends_the_session_and_copies_of_its_cookie(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    sign_in(client, "agent@example.com")
    stolen = client.cookies.get(SESSION_COOKIE)
    token = csrf_token(client, "/console/")
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.url.path == "/console/login" and "You are signed out." in response.text
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert stolen is not None
    client.cookies.set(SESSION_COOKIE, stolen, path="/console")  # a copy kept from before signing out
    assert client.get("/console/", follow_redirects=False).status_code == 303
    assert sign_in(client, "agent@example.com").status_code == 303  # signing in again works
    assert client.get("/console/").status_code == 200


def test_sessions_expire_and_forged_cookies_are_ignored(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    sign_in(client, "agent@example.com")
    good = client.cookies.get(SESSION_COOKIE)
    assert good is not None
    client.cookies.set(SESSION_COOKIE, good[:-2] + ("AA" if not good.endswith("AA") else "BB"), path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, good, path="/console")
    assert client.get("/console/").status_code == 200
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.advance(timedelta(hours=12, seconds=1))
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_the_generated_signing_key_survives_a_restart(runtime: Runtime) -> None:
    assert runtime.settings.secret_key is None
    add_agent(runtime)
    with TestClient(console_app(runtime)) as first:
        sign_in(first, "agent@example.com")
        cookie = first.cookies.get(SESSION_COOKIE)
    with runtime.session() as session:
        assert session.get(AppState, SECRET_KEY_STATE) is not None
    with TestClient(console_app(runtime)) as restarted:  # a new app, as after a restart
        restarted.cookies.set(SESSION_COOKIE, cookie, path="/console")  # type: ignore[arg-type]
        assert restarted.get("/console/").status_code == 200


def test_login_only_redirects_inside_the_console(client: TestClient, runtime: Runtime) -> None:
    add_agent(runtime)
    token = csrf_token(client, "/console/login?next=//evil.example/")
    response = client.post(
        "/console/login",
        data={"email": "agent@example.com", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/"


def test_the_web_app_serves_the_console(runtime: Runtime) -> None:
    from relance.web.app import create_app

    add_agent(runtime)
    client = TestClient(create_app(runtime, channels={}))
    assert client.get("/console/", follow_redirects=False).headers["location"] == "/console/login?next=/console/"
    assert sign_in(client, "agent@example.com").status_code == 303
    assert client.get("/console/").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
