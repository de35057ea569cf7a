"""Agents see and act only on their creditors' cases (404 elsewhere); held cases stay with their holder."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from relance.core.agents import creditor_scope
from relance.core.config import RelanceConfig
from relance.core.events import case_events
from relance.core.models import Agent, Case, Creditor, Debt, FormalNotice
from relance.core.runtime import Runtime
from relance.web.console import console_router
from relance.web.console.context import Viewer
from tests.conftest_console import add_agent, console_app, csrf_token, flagged_case, sign_in

# a value for every form field of a case route, valid enough to reach the scope check
FORM = {
    "text": "Bonjour", "note": "n", "debt_id": "1", "amount": "10", "paid_on": "2026-11-20", "outcome": "rejected",
    "sent_on": "2026-11-23", "method": "registered letter", "tracking_number": "", "reply_key": "k",
    "agent_id": "1", "until": "2027-01-15",
}  # fmt: skip


@pytest.fixture
def config() -> RelanceConfig:
    """Two creditors, as an agency working for several would have."""
    base = RelanceConfig().creditors[0]
    acme = base.model_copy(update={"key": "acme", "name": "ACME"})
    return RelanceConfig(creditors=(acme, base.model_copy(update={"key": "globex", "name": "Globex"})))


@pytest.fixture
def cases(runtime: Runtime) -> dict[str, Case]:
    """One flagged case of creditor `acme` (with a drafted notice) and one of `globex`."""
    acme = flagged_case(runtime, creditor_key="acme", reference="INV-ACME-1")
    globex = flagged_case(runtime, creditor_key="globex", reference="INV-GLOBEX-1")
    with runtime.session() as session:
        pdf = b"%PDF-1.4 notice"
        session.add(
            FormalNotice(
                case_id=acme.id, total=Decimal("600"), currency="EUR", deadline=date(2026, 12, 10), pdf=pdf,
                pdf_sha256=hashlib.sha256(pdf).hexdigest(), created_at=runtime.now(),
            )
        )  # fmt: skip
        session.commit()
    return {"acme": acme, "globex": globex}


@pytest.fixture
def outsider(runtime: Runtime, cases: dict[str, Case]) -> Iterator[TestClient]:
    """An agent who works for globex only."""
    add_agent(runtime, "globex@example.com", creditors=("globex",), name="Gil Globex")
    with TestClient(console_app(runtime)) as client:
        assert sign_in(client, "globex@example.com").status_code == 303
        yield client


def _case_routes(runtime: Runtime) -> list[tuple[str, str]]:
    out = []
    for route in console_router(runtime).routes:
        if isinstance(route, APIRoute) and "{case_id}" in route.path:
            out.extend((method, route.path) for method in sorted(route.methods))
    return out


def _path(template: str, case: Case, notice_id: int) -> str:
    return template.replace("{case_id}", str(case.id)).replace("{notice_id}", str(notice_id))


def test_every_case_route_answers_404_for_a_case_of_another_creditor(
    runtime: Runtime, cases: dict[str, Case], outsider: TestClient
) -> None:
    acme = cases["acme"]
    with runtime.session() as session:
        notice_id = session.execute(sa.select(FormalNotice.id)).scalar_one()
        debt_id = session.execute(sa.select(Debt.id).where(Debt.case_id == acme.id)).scalar_one()
        before = len(case_events(session, acme.id))  # type: ignore[arg-type]
    routes = _case_routes(runtime)
    assert len(routes) >= 12 and ("POST", "/console/cases/{case_id}/casefile.zip") in routes
    token = csrf_token(outsider, f"/console/cases/{cases['globex'].id}")
    for method, template in routes:
        data = {**FORM, "debt_id": str(debt_id), "csrf_token": token} if method == "POST" else None
        response = outsider.request(method, _path(template, acme, notice_id), data=data)
        assert response.status_code == 404, (method, template, response.status_code)
        assert f"There is no case #{acme.id}" in response.text or "no such" in response.text.lower()
    with runtime.session() as session:
        row = session.get(Case, acme.id)
        assert row is not None and row.agent_id is None and row.balance == Decimal("600.00")
        assert len(case_events(session, acme.id)) == before  # type: ignore[arg-type]  # nothing written
    # the same routes work on the agent's own creditor's case
    assert outsider.get(f"/console/cases/{cases['globex'].id}").status_code == 200


def test_the_queue_and_find_show_only_the_agents_creditors(
    runtime: Runtime, cases: dict[str, Case], outsider: TestClient
) -> None:
    queue = outsider.get("/console/")
    assert queue.status_code == 200
    assert (
        f"/console/cases/{cases['globex'].id}" in queue.text and f"/console/cases/{cases['acme'].id}" not in queue.text
    )
    for ref in ("INV-ACME-1", f"#{cases['acme'].id}"):
        hidden = outsider.get("/console/find", params={"ref": ref})
        # not found within the agent's creditors: the cases list searches it, within them too
        assert hidden.url.path == "/console/cases" and "no case matches" in hidden.text.lower(), ref
        assert f"/console/cases/{cases['acme'].id}" not in hidden.text, ref
    assert (
        outsider.get("/console/find", params={"ref": "INV-GLOBEX-1"}).url.path == f"/console/cases/{cases['globex'].id}"
    )


def test_an_admin_sees_every_creditor(runtime: Runtime, cases: dict[str, Case]) -> None:
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    with TestClient(console_app(runtime)) as admin:
        assert sign_in(admin, "admin@example.com").status_code == 303
        queue = admin.get("/console/").text
        assert all(f"/console/cases/{c.id}" in queue for c in cases.values())
        assert admin.get(f"/console/cases/{cases['acme'].id}").status_code == 200


def test_viewer_creditor_ids_is_none_for_admins_and_the_scope_for_agents(runtime: Runtime) -> None:
    admin = add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    agent = add_agent(runtime, "a@example.com", creditors=("acme", "globex"))
    assert Viewer(admin, "t", frozenset({1})).creditor_ids is None
    assert Viewer(agent, "t").creditor_ids == frozenset()  # no creditor: sees nothing, never everything
    assert Viewer(agent, "t", frozenset({1, 2})).creditor_ids == frozenset({1, 2})


def _take(client: TestClient, case: Case, action: str) -> str:
    token = csrf_token(client, f"/console/cases/{case.id}")
    page = client.post(f"/console/cases/{case.id}/{action}", data={"csrf_token": token})
    assert page.status_code == 200
    found = re.search(r'<p class="flash flash-(\w+)" role="status">([^<]*)</p>', page.text)
    assert found
    return f"{found.group(1)}: {found.group(2)}"


def test_a_held_case_is_taken_or_handed_back_by_others_only_if_admin_or_released(
    runtime: Runtime, cases: dict[str, Case]
) -> None:
    acme = cases["acme"]
    add_agent(runtime, "one@example.com", creditors=("acme",), name="One")
    add_agent(runtime, "two@example.com", creditors=("acme",), name="Two")
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    with TestClient(console_app(runtime)) as one, TestClient(console_app(runtime)) as two:
        sign_in(one, "one@example.com")
        sign_in(two, "two@example.com")
        assert _take(one, acme, "take-over").startswith("ok:")
        assert "another agent holds this case" in _take(two, acme, "take-over")
        assert "another agent holds this case" in _take(two, acme, "hand-back")
        with runtime.session() as session:
            holder = session.get(Agent, session.get(Case, acme.id).agent_id)  # type: ignore[union-attr]
            assert holder is not None and holder.email == "one@example.com"
        assert _take(one, acme, "hand-back").startswith("ok:")  # released…
        assert _take(two, acme, "take-over").startswith("ok:")  # … then anyone in scope may take it
    with TestClient(console_app(runtime)) as admin:
        sign_in(admin, "admin@example.com")
        assert _take(admin, acme, "take-over").startswith("ok:")  # an admin may step in


def test_an_admin_sets_an_agents_creditors_on_the_agents_page(runtime: Runtime, cases: dict[str, Case]) -> None:
    add_agent(runtime, "admin@example.com", admin=True, name="Ada Admin")
    with runtime.session() as session:
        ids = {c.key: c.id for c in session.execute(sa.select(Creditor)).scalars()}
    with TestClient(console_app(runtime)) as admin:
        sign_in(admin, "admin@example.com")
        token = csrf_token(admin, "/console/admin/agents")
        created = admin.post(
            "/console/admin/agents",
            data={
                "csrf_token": token,
                "email": "new@example.com",
                "name": "New",
                "password": "long enough pass",
                "role": "agent",
                "creditors": [str(ids["globex"])],
            },
        )
        assert created.status_code == 200 and "Account new@example.com created." in created.text
        page = admin.get("/console/admin/agents").text
        assert 'name="creditors"' in page and "Clear failed sign-ins" in page
        with runtime.session() as session:
            new = session.execute(sa.select(Agent).where(Agent.email == "new@example.com")).scalar_one()
            assert creditor_scope(session, new) == {ids["globex"]}
        with TestClient(console_app(runtime)) as agent:
            sign_in(agent, "new@example.com", "long enough pass")
            assert agent.get(f"/console/cases/{cases['acme'].id}").status_code == 404
            moved = admin.post(
                f"/console/admin/agents/{new.id}/creditors", data={"csrf_token": token, "creditors": [str(ids["acme"])]}
            )
            assert moved.status_code == 200 and "Creditors of new@example.com saved." in moved.text
            assert agent.get(f"/console/cases/{cases['acme'].id}").status_code == 200  # at once, same session
            assert agent.get(f"/console/cases/{cases['globex'].id}").status_code == 404
        unknown = admin.post(
            f"/console/admin/agents/{new.id}/creditors", data={"csrf_token": token, "creditors": "999"}
        )
        assert "unknown creditor id(s): 999" in unknown.text
    with TestClient(console_app(runtime)) as agent:
        sign_in(agent, "new@example.com", "long enough pass")
        forbidden = agent.post(
            f"/console/admin/agents/{new.id}/creditors", data={"csrf_token": csrf_token(agent, "/console/")}
        )
        assert forbidden.status_code == 403  # only admins set scopes
