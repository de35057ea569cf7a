"""The REST API under /api/v1: keys and scopes, the importer's rules, idempotency, rate limit, and a
schemathesis run over its own OpenAPI document."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from relance.core.apikeys import create_api_key, revoke_api_key
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.models import Debt, Event, Payment
from relance.core.runtime import Runtime, open_runtime
from relance.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CONFIG = RelanceConfig.model_validate(
    {
        "default_creditor": "a",
        "creditors": [
            {"key": "a", "name": "A SARL", "payment_url": "https://pay.a.example/{reference}"},
            {"key": "b", "name": "B Ltd", "payment_url": "https://pay.b.example/{reference}", "currency": "GBP"},
        ],
    }
)


def debt(reference: str, phone: str = "+33612345678", **kw: Any) -> dict[str, Any]:
    item = {
        "reference": reference,
        "debtor_name": "Camille Martin",
        "phone": phone,
        "amount": "120,50",
        "currency": "EUR",
        "due_date": "2026-10-15",
        "country": "FR",
    }
    item.update(kw)
    return item


@dataclass
class Api:
    runtime: Runtime
    client: TestClient
    keys: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def post(self, path: str, who: str = "all", **kw: Any) -> Any:
        headers = {**self.auth(who), **kw.pop("headers", {})}
        return self.client.post("/api/v1" + path, headers=headers, **kw)

    def get(self, path: str, who: str = "all", **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.auth(who), **kw)

    def count(self, model: type, *where: Any) -> int:
        with self.runtime.session() as session:
            return int(session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one())

    def case_of(self, reference: str) -> int:
        with self.runtime.session() as session:
            return int(session.execute(sa.select(Debt.case_id).where(Debt.reference == reference)).scalar_one())


def make_api(engine: Engine, db_url: str, clock: SimulatedClock, **settings: Any) -> Api:
    values: dict[str, Any] = {"database_url": db_url, "config": Path("/nonexistent/relance.toml"), **settings}
    runtime = open_runtime(Settings(**values), config=CONFIG, clock=clock, engine=engine)
    keys = {}
    with runtime.session() as session:
        for who, creditor in (("all", "*"), ("a", "a"), ("b", "b")):
            keys[who] = create_api_key(session, name=who, creditor=creditor, at=clock.now())[1]
        session.commit()
    return Api(runtime, TestClient(create_app(runtime, console=False, channels={})), keys)


@pytest.fixture
def api(engine: Engine, db_url: str, clock: SimulatedClock) -> Iterator[Api]:
    built = make_api(engine, db_url, clock)
    yield built
    built.client.close()


def test_without_a_valid_key_every_operation_is_refused_with_401(api: Api) -> None:
    response = api.client.post("/api/v1/debts", json=debt("INV-1"))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"].startswith("missing API key")
    assert api.client.post("/api/v1/debts", json={"nonsense": 1}).status_code == 401  # before the body is read
    bogus = {"Authorization": "Bearer rl_00000000_not-a-key"}
    assert api.client.get("/api/v1/cases", headers=bogus).status_code == 401
    with api.runtime.session() as session:
        revoke_api_key(session, key_id=2, at=api.runtime.now())  # key "a"
        session.commit()
    assert api.get("/cases", who="a").status_code == 401
    assert api.count(Debt) == 0


def test_a_key_of_creditor_a_never_sees_creditor_b(api: Api) -> None:
    assert api.post("/debts", who="a", json=debt("A-1")).status_code == 200
    assert (
        api.post("/debts", who="b", json=debt("B-1", phone="+447911123456", currency="GBP", country="GB")).status_code
        == 200
    )
    case_a, case_b = api.case_of("A-1"), api.case_of("B-1")
    assert api.get(f"/cases/{case_a}", who="a").json()["creditor"] == "a"
    for path in (f"/cases/{case_b}", f"/cases/{case_b}/pause", f"/cases/{case_b}/close"):
        call = api.get if path.count("/") == 2 else api.post
        response = call(path, who="a")
        assert response.status_code == 404, path
        assert response.json() == {"detail": f"no case {case_b}", "errors": []}
    assert [c["id"] for c in api.get("/cases", who="a").json()["items"]] == [case_a]
    assert {c["id"] for c in api.get("/cases", who="all").json()["items"]} == {case_a, case_b}
    # a payment on B's reference is not found with A's key; a debt for creditor b refused with A's key
    refused = api.post("/payments", who="a", json={"reference": "B-1", "amount": "1", "paid_on": "2026-11-20"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reference"
    wrong = api.post("/debts", who="a", json=debt("X-1", creditor="b"))
    assert wrong.status_code == 422 and wrong.json()["errors"] == [
        {"index": 0, "field": "creditor", "reason": "this API key writes only debts of 'a'"}
    ]
    assert api.get(f"/cases/{case_b}", who="b").status_code == 200


def test_a_batch_follows_the_csv_rules_all_or_nothing_or_skip_invalid(api: Api) -> None:
    items = [debt("INV-1"), debt("INV-2", phone="12"), debt("INV-3", amount="-5", due_date="2026-13-01")]
    refused = api.post("/debts/batch", json={"items": items})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "phone"), (2, "amount"), (2, "due_date")}
    assert api.count(Debt) == 0  # nothing half-stored

    skipped = api.post("/debts/batch", json={"items": items, "skip_invalid": True})
    assert skipped.status_code == 200
    body = skipped.json()
    assert (body["items"], body["imported"], body["debts_created"]) == (3, 1, 1)
    assert {(e["index"], e["field"]) for e in body["skipped"]} == {(1, "phone"), (2, "amount"), (2, "due_date")}

    changed = api.post("/debts/batch", json={"items": [debt("INV-1", amount="150"), debt("INV-4")]}).json()
    assert (changed["debts_updated"], changed["debts_created"]) == (1, 1)
    too_many = api.post("/debts/batch", json={"items": [debt(f"R-{i}") for i in range(10_001)]})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "items"


def test_payments_close_what_is_paid_and_idempotency_keys_replay(api: Api) -> None:
    api.post("/debts", json=debt("INV-9", amount="100"))
    case_id = api.case_of("INV-9")
    pay = {"reference": "INV-9", "amount": "40", "paid_on": "2026-11-20"}
    first = api.post("/payments", json=pay, headers={"Idempotency-Key": "pay-1"})
    again = api.post("/payments", json=pay, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert first.json()["case_balance"] == "60.00"
    assert api.count(Payment) == 1
    other = api.post("/payments", json={**pay, "amount": "41"}, headers={"Idempotency-Key": "pay-1"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"

    rest = {**pay, "amount": "60", "payment_id": "bank-77"}
    assert api.post("/payments", json=rest).json()["case_status"] == "paid"
    assert api.post("/payments", json=rest).json()["recorded"] is False  # the same payment_id: once
    case = api.get(f"/cases/{case_id}").json()
    assert (case["status"], case["balance"], case["debts"][0]["status"]) == ("paid", "0.00", "paid")


def test_cases_changed_since_a_cursor_and_pause_resume_close(api: Api, clock: SimulatedClock) -> None:
    for n in range(3):
        api.post("/debts", json=debt(f"C-{n}", phone=f"+3361234560{n}"))
    page = api.get("/cases", params={"limit": 2}).json()
    assert len(page["items"]) == 2
    rest = api.get("/cases", params={"since": page["next_cursor"]}).json()
    assert len(rest["items"]) == 1
    cursor = rest["next_cursor"]
    assert api.get("/cases", params={"since": cursor}).json()["items"] == []

    clock.advance(timedelta(minutes=5))
    target = api.case_of("C-1")
    paused = api.post(f"/cases/{target}/pause", json={"days": 10})
    assert paused.status_code == 200 and paused.json()["paused_until"].startswith("2026-12-03")
    assert [c["id"] for c in api.get("/cases", params={"since": cursor}).json()["items"]] == [target]
    assert api.post(f"/cases/{target}/resume").json()["paused_until"] is None
    assert api.post(f"/cases/{target}/resume").status_code == 409
    closed = api.post(f"/cases/{target}/close", json={"reason": "settled by phone"})
    assert closed.json()["status"] == "closed"
    assert api.post(f"/cases/{target}/close").status_code == 409
    with api.runtime.session() as session:
        kinds = list(session.execute(sa.select(Event.kind).where(col(Event.case_id) == target)).scalars())
    assert kinds[-3:] == ["case_paused", "case_resumed", "case_closed"]


def test_each_key_is_rate_limited_with_retry_after(engine: Engine, db_url: str, clock: SimulatedClock) -> None:
    api = make_api(engine, db_url, clock, api_rate_limit=3)
    for _ in range(3):
        assert api.get("/cases", who="a").status_code == 200
    limited = api.get("/cases", who="a")
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert api.get("/cases", who="b").status_code == 200  # another key has its own allowance


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    engine: Engine, db_url: str, clock: SimulatedClock
) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    if engine.dialect.name != "postgresql":
        pytest.skip("run once, on PostgreSQL: its column types and integer ranges catch more than SQLite's")
    api = make_api(engine, db_url, clock, api_rate_limit=1_000_000)
    api.post("/debts", json=debt("SEED-1"))
    api.post("/debts", json=debt("SEED-2", phone="+33612345679"))
    app = api.client.app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
    headers = api.auth("all")
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in ((GenerationMode.POSITIVE, 20), (GenerationMode.NEGATIVE, 6)):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                nonlocal calls
                calls += 1
                response = case.call(headers=headers)
                case.validate_response(response, checks=checks, headers=headers)

            run()
    assert calls >= 200
