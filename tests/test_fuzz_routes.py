"""Every form and JSON route of the app, fuzzed: never a 5xx.

The console is fuzzed signed in (an agent scoped to one creditor, and an admin), with the session's
CSRF token so that handlers really run; every route is enumerated from the application itself, so a
new route is fuzzed without editing this file. Telegram updates are fuzzed by mutating a valid
update (a field replaced by any JSON value), with the right secret. SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route as StarletteRoute

from bot.channels.console import ConsoleChannel
from relance.core import paths
from relance.core.runtime import Runtime
from relance.web.app import create_app
from tests.conftest_console import add_agent, csrf_token, flagged_case, sign_in
from tests.conftest_web import WEBHOOK_SECRET
from tests.test_webhooks_fuzz import App, app, json_values

__all__ = ["app"]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SKIP = {
    ("POST", "/console/logout"),  # it would end the session the fuzzer works with
    ("GET", "/console/live"),  # an event stream stays open for minutes by design (tests/test_console_worklist.py)
}
NASTY = [
    "", "0", "1", "-1", "2", "9223372036854775807", "9223372036854775808", str(2**70), "1e400", "1e5", "0.00001",
    "9" * 39, "²", "٣", "NaN", "-0", "12,50", "2026-11-20", "0001-01-01", "9999-12-31", "2026-02-30", "true",
    "false", "admin", "agent", "upheld", "rejected", "none", "me", "\x00", "%00", "../../etc", "<script>x</script>",
    "{{7*7}}", "'; DROP TABLE cases; --", "é" * 300, "x" * 5000,
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NASTY),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "replace").decode("utf-8")),
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    params: tuple[str, ...]  # query and form field names


PLAIN_ROUTE_FIELDS = {paths.TWILIO_SMS: ("MessageSid", "From", "To", "Body")}


def _api_routes(routes: list[Any]) -> Iterator[APIRoute | StarletteRoute]:
    for route in routes:
        if isinstance(route, APIRoute | StarletteRoute):  # plain Starlette: the Twilio SMS route
            yield route
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x wraps included routers (no prefix here)
            yield from _api_routes(route.original_router.routes)


def routes_of(application: Any) -> list[Route]:
    out = []
    for route in _api_routes(application.routes):
        names = PLAIN_ROUTE_FIELDS.get(route.path, ())  # a plain Starlette route reads its form itself
        if isinstance(route, APIRoute):
            dep = route.dependant
            names = tuple(p.alias for p in [*dep.query_params, *dep.body_params])
            for sub in dep.dependencies:
                names += tuple(p.alias for p in [*sub.query_params, *sub.body_params])
        for method in sorted(route.methods):
            if (method, route.path) not in SKIP:
                out.append(Route(method, route.path, tuple(dict.fromkeys(names))))
    return out


@dataclass
class Console:
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    routes: list[Route]
    case_id: int


@pytest.fixture
def console(runtime: Runtime) -> Iterator[Console]:
    runtime.settings = runtime.settings.model_copy(
        update={"sign_in_max_delay_seconds": 0.0, "sign_in_address_budget": 10_000}
    )
    add_agent(runtime, "agent@example.com")
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    case = flagged_case(runtime, reference="INV-FUZZ-1")
    application = create_app(runtime, channels={"console": ConsoleChannel()})
    clients, tokens = {}, {}
    for who in ("agent", "admin"):
        client = TestClient(application, raise_server_exceptions=False)
        client.__enter__()
        assert sign_in(client, f"{who}@example.com").status_code == 303
        clients[who] = client
        tokens[who] = csrf_token(client, f"/console/cases/{case.id}")
    try:
        yield Console(clients, tokens, routes_of(application), case.id)  # type: ignore[arg-type]
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)


@st.composite
def requests(draw: st.DrawFn, console: Console) -> tuple[str, Route, str, dict[str, str]]:
    route = draw(st.sampled_from(console.routes))
    who = draw(st.sampled_from(["agent", "admin"]))

    def fill(match: re.Match[str]) -> str:
        real = draw(st.integers(0, 9)) < 7  # mostly the real case (and notice ids that may exist)
        value = str(console.case_id) if real else draw(values)
        return quote(value, safe="") or "0"

    path = re.sub(r"\{[a-z_]+\}", fill, route.path)
    fields = {name: draw(values) for name in route.params if draw(st.booleans())}
    posting = route.method == "POST" and route.path.startswith("/console/") and route.path != "/console/login"
    if posting and draw(st.integers(0, 9)) > 0:  # the console's forms carry the session's token
        fields["csrf_token"] = console.tokens[who]
    return who, route, path, fields


def test_every_route_is_enumerated(runtime: Runtime) -> None:
    found = {(r.method, r.path) for r in routes_of(create_app(runtime, channels={"console": ConsoleChannel()}))}
    for needed in [
        ("POST", "/console/login"),
        ("GET", "/console/find"),
        ("POST", "/console/cases/{case_id}/payment"),
        ("POST", "/console/cases/{case_id}/casefile.zip"),
        ("POST", "/console/admin/agents"),
        ("POST", "/webhooks/telegram"),
        ("POST", "/webhooks/twilio/sms"),
        ("GET", "/readyz"),
    ]:
        assert needed in found, needed


@FUZZ
@given(data=st.data())
def test_no_console_or_webhook_route_answers_5xx_signed_in(console: Console, data: st.DataObject) -> None:
    who, route, path, fields = data.draw(requests(console))
    client = console.clients[who]
    if route.method == "GET":
        response = client.get(path, params=fields, follow_redirects=False)
    else:
        response = client.request(route.method, path, data=fields, follow_redirects=False)
    assert response.status_code < 500, (who, route.method, path, fields, response.status_code, response.text[:300])


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/console/cases/{case}/assign", {"agent_id": str(2**63 - 1)}),  # found by the fuzzer on PostgreSQL
        ("/console/cases/{case}/assign", {"agent_id": str(2**31)}),
        ("/console/cases/{case}/flags/{big}/snooze", {"until": "2030-01-01"}),
    ],
)
def test_ids_past_the_integer_keys_are_refused_not_500(console: Console, path: str, fields: dict[str, str]) -> None:
    client = console.clients["admin"]
    url = path.format(case=console.case_id, big=2**63 - 1)
    response = client.post(url, data={**fields, "csrf_token": console.tokens["admin"]}, follow_redirects=False)
    assert 400 <= response.status_code < 500 or response.status_code == 303, (response.status_code, response.text[:200])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/console/dashboard", {"to": "0001-01-01"}),  # found by the fuzzer: twelve weeks before year 1
        ("/console/dashboard", {"from": "9999-12-31", "to": "9999-12-31"}),
        ("/console/dashboard", {"creditor_id": "²"}),  # found by the fuzzer: "²".isdigit() is true
        ("/console/cases", {"paid_from": "0001-01-01"}),
        ("/console/cases", {"msg_day": "9999-12-31"}),
    ],
)
def test_dates_and_numbers_out_of_range_are_refused_not_500(
    console: Console, path: str, params: dict[str, str]
) -> None:
    response = console.clients["agent"].get(path, params=params, follow_redirects=False)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])


@st.composite
def mutated_updates(draw: st.DrawFn, application: App) -> dict[str, Any]:
    kind = draw(st.sampled_from(["text", "contact", "callback"]))
    chat = draw(st.integers(1, 2**40))
    if kind == "text":
        update = application.telegram.text_update(chat, draw(st.sampled_from(["/start", "bonjour", "/stop", "AIDE"])))
    elif kind == "contact":
        update = application.telegram.contact_update(chat, "+33611223344")
    else:
        update = application.telegram.callback_update(chat, "human")
    update = copy.deepcopy(update)
    for _ in range(draw(st.integers(1, 3))):
        _mutate(update, draw)
    return update


def _mutate(update: dict[str, Any], draw: st.DrawFn) -> None:
    holder: Any = update
    while True:
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        if not keys:
            return
        key = draw(st.sampled_from(keys))
        child = holder[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            holder = child
            continue
        holder[key] = draw(json_values)
        return


@FUZZ
@given(data=st.data())
def test_mutated_telegram_updates_with_the_right_secret_are_200_or_400(app: App, data: st.DataObject) -> None:
    update = data.draw(mutated_updates(app))
    app.tick()
    response = app.client.post(
        paths.TELEGRAM, content=json.dumps(update), headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    )
    assert response.status_code in {200, 400}, (update, response.text)
