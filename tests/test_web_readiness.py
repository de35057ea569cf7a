"""/healthz and /readyz (database writable, schema current, scheduler role, channels), and security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from bot.channels.console import ConsoleChannel
from relance.core.config import RelanceConfig, Settings
from relance.core.db import make_engine
from relance.core.runtime import Runtime, open_runtime
from relance.web.app import create_app
from relance.web.headers import CSP
from scheduler.runner import start_background
from tests.conftest_console import add_agent, sign_in


def _channels() -> dict[str, ConsoleChannel]:
    return {"console": ConsoleChannel()}


def test_ready_when_everything_is(runtime: Runtime) -> None:
    with TestClient(create_app(runtime, channels=_channels(), console=False)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready" and body["reasons"] == []
    assert body["checks"]["database"] == {"ok": True, "detail": "writable"}
    assert body["checks"]["scheduler"]["detail"] == "no scheduler in this process"
    assert response.headers["cache-control"] == "no-store"


def _read_only_engine(db_url: str) -> Engine:
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        return make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    url = sa.engine.make_url(db_url)
    options = url.query.get("options", "")
    return make_engine(
        url.update_query_dict({"options": f"{options} -cdefault_transaction_read_only=on"}).render_as_string(False)
    )


def test_a_read_only_database_is_healthy_but_not_ready(db_url: str, runtime: Runtime) -> None:
    engine = _read_only_engine(db_url)
    try:
        settings = Settings(database_url=db_url, config=Path("/nonexistent/relance.toml"))
        read_only = open_runtime(settings, config=RelanceConfig(), clock=runtime.clock, engine=engine, upgrade=False)
        with TestClient(create_app(read_only, channels=_channels(), console=False)) as client:
            assert client.get("/healthz").status_code == 200  # the process is up…
            response = client.get("/readyz")  # … but cannot work
    finally:
        engine.dispose()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and not body["checks"]["database"]["ok"]
    assert body["reasons"][0].startswith("database: the database refuses writes")
    assert body["checks"]["migrations"]["ok"]  # reading still works


def test_an_old_schema_or_no_channel_is_not_ready(runtime: Runtime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    with TestClient(create_app(runtime, channels={}, console=False)) as client:
        body = client.get("/readyz").json()
    assert body["status"] == "not ready"
    assert any(r.startswith("migrations: the schema is at revision 0001") for r in body["reasons"])
    assert "channels: no channel is configured" in body["reasons"]


async def test_the_scheduler_role_is_reported(runtime: Runtime) -> None:
    from relance.web.readiness import scheduler_state

    background = start_background(runtime, channels=_channels(), sweep_every=3600, dispatch_every=3600)
    try:
        await background.run_sweep()
        assert scheduler_state(background).detail == "leader"
        other = start_background(runtime, channels=_channels(), sweep_every=3600, dispatch_every=3600)
        try:
            await other.run_sweep()
            check = scheduler_state(other)
            assert check.ok and check.detail.startswith("stand-by")
        finally:
            await other.stop()
    finally:
        await background.stop()
    assert not scheduler_state(background).ok  # stopped


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_response_carries_the_security_headers(runtime: Runtime) -> None:
    add_agent(runtime)
    with TestClient(create_app(runtime, channels=_channels())) as client:
        pages = [client.get("/healthz"), client.get("/console/login"), client.get("/console/nope")]
        sign_in(client, "agent@example.com")
        pages += [client.get("/console/"), client.post("/webhooks/twilio/sms", data={})]
    for response in pages:
        headers = response.headers
        assert headers["content-security-policy"] == CSP and "frame-ancestors 'none'" in CSP
        # the console's one same-origin script (live updates), nothing inline, nothing evaluated
        assert "script-src 'self';" in CSP and "default-src 'none'" in CSP and "unsafe" not in CSP
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # plain HTTP here
