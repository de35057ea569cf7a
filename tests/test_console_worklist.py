"""The console for a working day, over HTTP on SQLite and PostgreSQL: the cases list and its search,
the conversation thread, working together (assign, note, call log, snooze), live updates, the dashboard."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from relance.core.clock import SimulatedClock
from relance.core.events import case_events, record_event
from relance.core.flags import raise_flag
from relance.core.models import (
    Agent,
    Case,
    Creditor,
    Debt,
    Debtor,
    Event,
    Flag,
    Installment,
    Message,
    MessageDayStat,
    Payment,
    PaymentPlan,
    PromiseToPay,
)
from relance.core.runtime import Runtime
from relance.web.console.caselist import CaseFilter, case_page, fold, phone_candidates
from relance.web.console.live import last_event_id, poll_updates, stream
from tests import factories
from tests.conftest_console import add_agent, console_app, csrf_token, flagged_case, sign_in

# SQL that differs between the backends (search, aggregates) runs on both; the rest on SQLite only
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def agent(runtime: Runtime) -> Agent:
    # works for every creditor these tests use (scopes have their own tests)
    return add_agent(runtime, "alex@example.com", name="Alex Agent", creditors=("default", "acme", "globex"))


@pytest.fixture
def client(runtime: Runtime, agent: Agent) -> Iterator[TestClient]:
    with TestClient(console_app(runtime)) as client:
        assert sign_in(client, agent.email).status_code == 303
        yield client


def case_ids_in(page: str) -> list[int]:
    """The case ids listed in the cases table, in order."""
    table = page.split('id="case-list"')[1]
    return [int(i) for i in re.findall(r'<td><a href="/console/cases/(\d+)">#', table)]


def flash(page: str) -> str:
    found = re.search(r'<p class="flash flash-(\w+)" role="status">([^<]*)</p>', page)
    assert found, "no notice on the page"
    return f"{found.group(1)}: {html.unescape(found.group(2))}"


def post(client: TestClient, case_id: int, action: str, **data: str) -> str:
    token = csrf_token(client, f"/console/cases/{case_id}")
    response = client.post(f"/console/cases/{case_id}/{action}", data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text
    return response.text


def add_case(runtime: Runtime, **kw: object) -> Case:
    with runtime.session() as session:
        case = factories.case_with_debt(session, **kw)  # type: ignore[arg-type]
        session.commit()
    return case


# --------------------------------------------------------------------------- the list and its search


def test_search_helpers_fold_accents_and_read_national_phones() -> None:
    assert fold("Hélène DUPRÉ-Łoś") == "helene dupre-łos"
    assert "+33620345618" in phone_candidates("06 20 34 56 18")
    assert phone_candidates("+44 20 7946 0958") == ["+442079460958"]
    assert phone_candidates("INV-2026-0042") == [] and phone_candidates("12") == []


@SQLITE_ONLY
def test_every_case_is_listed_paginated_and_sorted(runtime: Runtime, client: TestClient) -> None:
    ids = [add_case(runtime, amount=f"{100 + i}.00").id for i in range(55)]
    everything = client.get("/console/cases")  # 100 a page: an import of 55 is on one page
    assert everything.status_code == 200 and "55 cases" in everything.text and "Page 1 of 1" in everything.text
    assert sorted(case_ids_in(everything.text)) == sorted(ids)
    first = client.get("/console/cases", params={"per_page": 50})
    assert "Page 1 of 2" in first.text and len(case_ids_in(first.text)) == 50
    next_link = re.search(r'href="(\?[^"]*)" id="next-page"', first.text)
    assert next_link is not None
    second = client.get("/console/cases" + html.unescape(next_link.group(1)))
    assert sorted(case_ids_in(first.text) + case_ids_in(second.text)) == sorted(ids)
    by_balance = case_ids_in(client.get("/console/cases", params={"sort": "balance"}).text)
    assert by_balance[:2] == [ids[-1], ids[-2]]  # the biggest balances first
    ascending = case_ids_in(client.get("/console/cases", params={"sort": "balance", "desc": "0"}).text)
    assert ascending[:2] == [ids[0], ids[1]]


def test_search_by_name_reference_ref_email_phone_and_id(runtime: Runtime, client: TestClient) -> None:
    helene = add_case(runtime, name="Hélène Dupré", phone="+33620345618", reference="INV-2026-0042", ref="CUST-77")
    other = add_case(runtime, name="Camille Martin", phone="+33611111111")
    with runtime.session() as session:
        session.execute(sa.update(Debtor).where(Debtor.id == other.debtor_id).values(email="camille@example.fr"))
        session.commit()

    def found(q: str) -> list[int]:
        response = client.get("/console/cases", params={"q": q})
        assert response.status_code == 200, response.text
        return case_ids_in(response.text)

    for q in (
        "helene",
        "HÉLÈNE",
        "dupre hel",
        "Dupré",
        "06 20 34 56 18",
        "0620345618",
        "+33 6 20 34 56 18",
        "+33620345618",
        "INV-2026-0042",
        "inv-2026-0042",
        "CUST-77",
        f"#{helene.id}",
    ):
        assert found(q) == [helene.id], q
    assert found("camille@example.fr") == [other.id] and found("CAMILLE@example.fr") == [other.id]
    assert found("nobody here") == []
    # the header search and /find lead to the same list
    response = client.get("/console/find", params={"ref": "hélène"})
    assert response.url.path == "/console/cases" and case_ids_in(response.text) == [helene.id]


def test_the_folded_name_follows_the_name_through_every_write(runtime: Runtime, client: TestClient) -> None:
    case = add_case(runtime, name="Hélène Dupré")
    with runtime.session() as session:  # an ORM insert (above), an ORM rename, a bulk insert (the importer's)
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None and debtor.name_folded == "helene dupre"
        debtor.name = "Noémie Lefèvre"
        session.commit()
        row = {"ref": "BULK-1", "name": "Émile Noël", "locale": "fr", "timezones": "Europe/Paris"}
        session.execute(sa.insert(Debtor), [row])
        session.commit()
        folded = session.execute(sa.select(Debtor.ref, Debtor.name_folded).order_by(Debtor.ref)).all()
    assert sorted(folded) == sorted([(debtor.ref, "noemie lefevre"), ("BULK-1", "emile noel")])
    response = client.get("/console/cases", params={"q": "lefevre noem"})
    assert case_ids_in(response.text) == [case.id]
    assert case_ids_in(client.get("/console/cases", params={"q": "helene"}).text) == []


def test_a_broad_search_counts_up_to_the_cap(
    runtime: Runtime, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [add_case(runtime, name=f"Léa Martin {i}", amount=f"{100 + i}.00").id for i in range(5)]
    monkeypatch.setattr("relance.web.console.caselist.SEARCH_COUNT_CAP", 3)
    broad = client.get("/console/cases", params={"q": "lea", "sort": "balance", "per_page": 2})
    assert "3+ cases" in broad.text and "Page 1 of 2" in broad.text
    assert case_ids_in(broad.text) == [ids[4], ids[3]]  # still the biggest balances of all five
    monkeypatch.setattr("relance.web.console.caselist.SEARCH_COUNT_CAP", 5)
    exact = client.get("/console/cases", params={"q": "lea", "sort": "balance", "per_page": 2, "page": 3})
    assert "5 cases" in exact.text and "5+" not in exact.text and case_ids_in(exact.text) == [ids[0]]


@SQLITE_ONLY
def test_filters_and_bad_values(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    flagged = flagged_case(runtime, reason="hardship", country="BE", timezones="Europe/Brussels")
    plain = add_case(runtime)
    with runtime.session() as session:
        session.execute(sa.update(Case).where(Case.id == plain.id).values(agent_id=agent.id))
        plan = PaymentPlan(
            case_id=plain.id,
            total=Decimal("600"),
            currency="EUR",
            installment_count=3,
            frequency="monthly",
            status="active",
            created_at=runtime.now(),
        )
        session.add(plan)
        session.commit()
    assert case_ids_in(client.get("/console/cases", params={"flag": "hardship"}).text) == [flagged.id]
    assert case_ids_in(client.get("/console/cases", params={"flag": "none"}).text) == [plain.id]
    assert case_ids_in(client.get("/console/cases", params={"assignee": "me"}).text) == [plain.id]
    assert case_ids_in(client.get("/console/cases", params={"has": "plan"}).text) == [plain.id]
    assert case_ids_in(client.get("/console/cases", params={"country": "be"}).text) == [flagged.id]
    assert case_ids_in(client.get("/console/cases", params={"status": "paid"}).text) == []
    for params, field in (
        ({"status": "nope"}, "status"),
        ({"page": "x"}, "page"),
        ({"paid_from": "2026-13-01"}, "paid_from"),
        ({"sort": "drop table"}, "sort"),
        ({"assignee": "bob"}, "assignee"),
    ):
        response = client.get("/console/cases", params=params)
        assert response.status_code == 400 and f"{field}:" in response.text, params


@SQLITE_ONLY
def test_queries_take_the_agents_creditor_scope(runtime: Runtime) -> None:
    mine = add_case(runtime, creditor_key="acme", name="Scoped Debtor")
    add_case(runtime, creditor_key="globex", name="Scoped Debtor")
    with runtime.session() as session:
        acme = session.execute(sa.select(Creditor.id).where(Creditor.key == "acme")).scalar_one()
        page = case_page(session, CaseFilter(q="scoped"), now=runtime.now(), creditor_ids=[acme])
        everyone = case_page(session, CaseFilter(q="scoped"), now=runtime.now(), creditor_ids=None)
    assert [r.case_id for r in page.rows] == [mine.id] and page.total == 1 and everyone.total == 2


@SQLITE_ONLY
def test_the_root_and_the_console_lead_to_the_queue(runtime: Runtime, client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
    page = client.get("/").text
    assert "Flagged cases" in page and "Nothing in the queue" in page
    add_case(runtime)
    assert 'id="all-cases-link"' in client.get("/console/").text


# --------------------------------------------------------------------------- the conversation


@SQLITE_ONLY
def test_the_thread_is_in_order_with_sentences_and_raw_data_behind_a_toggle(
    runtime: Runtime, client: TestClient
) -> None:
    case = add_case(runtime)
    at = runtime.now()
    with runtime.session() as session:
        inbound = Message(
            case_id=case.id,
            debtor_id=case.debtor_id,
            direction="in",
            channel="sms",
            author="debtor",
            kind="inbound",
            body="Je paie 480 euros le 27",
            status="received",
            created_at=at,
        )
        session.add(inbound)
        session.flush()
        record_event(
            session,
            case_id=case.id,
            kind="message_received",
            actor="debtor",
            at=at,
            data={"message_id": inbound.id, "channel": "sms"},
        )
        record_event(
            session,
            case_id=case.id,
            kind="dialogue_turn",
            actor="bot",
            at=at,
            data={"understood": {"intent": "promise_to_pay", "amount": 480.0, "date": "2026-11-27"}},
        )
        record_event(
            session,
            case_id=case.id,
            kind="promise_recorded",
            actor="bot",
            at=at,
            data={"promise_id": 1, "amount": "480.00", "due_on": "2026-11-27"},
        )
        # the answer is written at the same instant (simulated time), then sent and its delivery fails
        reply = Message(
            case_id=case.id,
            debtor_id=case.debtor_id,
            direction="out",
            channel="sms",
            author="bot",
            kind="reply",
            body="Merci, nous notons votre promesse.",
            status="failed",
            error_code="30003",
            created_at=at,
        )
        session.add(reply)
        session.flush()
        record_event(
            session,
            case_id=case.id,
            kind="message_sent",
            actor="dispatcher",
            at=at,
            data={"message_id": reply.id, "body_sha256": "ab" * 32},
        )
        session.commit()
    client.cookies.set("console_tz", "America/New_York")  # what console.js reports from the browser
    page = client.get(f"/console/cases/{case.id}").text
    thread = page.split('id="transcript"')[1].split("</ol>")[0]
    order = [thread.index(s) for s in ("Je paie 480", "Promise to pay 480.00 EUR by 27 Nov 2026", "Merci, nous notons")]
    assert order == sorted(order)
    assert "Bot read: promise to pay" in thread
    # raw data only inside <details>, never in the visible text
    visible = re.sub(r"<details.*?</details>", "", thread, flags=re.S)
    assert "body_sha256" not in visible and '"intent"' not in visible and "body_sha256" in thread
    # delivery in words with the provider's error; times in the agent's zone, the debtor's on hover
    assert "the phone is unreachable (off or out of coverage) (error 30003)" in thread
    assert "05:00 EST" in thread and 'title="Debtor\'s time: Mon 23 Nov 11:00 (Europe/Paris)"' in thread
    assert "sent sent" not in page and 'id="hand-back"' not in page  # with the bot, nothing to hand back


# --------------------------------------------------------------------------- working together


@SQLITE_ONLY
def test_assign_to_a_colleague_who_sees_it_in_mine(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    sam = add_agent(runtime, "sam@example.com", name="Sam Colleague", creditors=("default", "acme", "globex"))
    case = flagged_case(runtime, reason="human_requested")
    page = post(client, case.id, "assign", agent_id=str(sam.id))  # type: ignore[arg-type]
    assert flash(page) == "ok: Assigned to Sam Colleague." and "held by Sam Colleague" in page
    assert "Assigned to Sam Colleague" in page.split('id="transcript"')[1]
    with runtime.session() as session:
        assert session.get(Case, case.id).agent_id == sam.id  # type: ignore[union-attr]
        assert session.execute(sa.select(Flag.assignee_id).where(Flag.case_id == case.id)).scalar_one() == sam.id
        kinds = [e.kind for e in case_events(session, case.id)]  # type: ignore[arg-type]
    assert kinds[-1] == "case_assigned"
    assert "Sam Colleague already holds" in flash(post(client, case.id, "assign", agent_id=str(sam.id)))  # type: ignore[arg-type]
    token = csrf_token(client, f"/console/cases/{case.id}")
    bad = client.post(f"/console/cases/{case.id}/assign", data={"csrf_token": token, "agent_id": "999"})
    assert bad.status_code == 400 and "agent_id" in bad.text
    with TestClient(console_app(runtime)) as other:
        assert sign_in(other, "sam@example.com").status_code == 303
        assert case_ids_in(other.get("/console/cases", params={"assignee": "me"}).text) == [case.id]
        assert "My cases" in other.get("/console/cases?assignee=me").text
    assert case_ids_in(client.get("/console/cases", params={"assignee": "me"}).text) == []


@SQLITE_ONLY
def test_note_and_call_log_are_events_never_messages(runtime: Runtime, client: TestClient) -> None:
    case = flagged_case(runtime)
    page = post(client, case.id, "notes", text="Called his accountant, <b>pays Friday</b>")  # type: ignore[arg-type]
    assert flash(page) == "ok: Note added (colleagues only, never sent)."
    assert "Called his accountant, &lt;b&gt;pays Friday&lt;/b&gt;" in page.split('id="transcript"')[1]
    page = post(client, case.id, "calls", outcome="no_answer", note="voicemail full")  # type: ignore[arg-type]
    assert flash(page) == "ok: Call logged." and "Call: no answer — voicemail full" in page
    assert "unknown call outcome" in flash(post(client, case.id, "calls", outcome="shouted"))  # type: ignore[arg-type]
    assert "the note is empty" in flash(post(client, case.id, "notes", text="   "))  # type: ignore[arg-type]
    with runtime.session() as session:
        kinds = [e.kind for e in case_events(session, case.id)]  # type: ignore[arg-type]
        sent = session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one()
    assert kinds[-2:] == ["note_added", "call_logged"] and sent == 0


@SQLITE_ONLY
def test_a_snoozed_flag_leaves_the_queue_until_its_day(runtime: Runtime, client: TestClient) -> None:
    case = flagged_case(runtime, reason="payment_check", name="Snoozy Debtor")
    with runtime.session() as session:
        flag_id = session.execute(sa.select(Flag.id).where(Flag.case_id == case.id)).scalar_one()
    assert "Snoozy Debtor" in client.get("/console/").text
    today = runtime.now().date()
    page = post(client, case.id, f"flags/{flag_id}/snooze", until=str(today + timedelta(days=3)), note="wait for bank")  # type: ignore[arg-type]
    assert flash(page) == f"ok: Flag snoozed until {today + timedelta(days=3)}: it leaves the queue until then."
    assert "Snoozy Debtor" not in client.get("/console/").text
    assert case_ids_in(client.get("/console/cases", params={"flag": "snoozed"}).text) == [case.id]
    assert "later day" in flash(post(client, case.id, f"flags/{flag_id}/snooze", until=str(today)))  # type: ignore[arg-type]
    clock = runtime.clock
    assert isinstance(clock, SimulatedClock)
    clock.advance(timedelta(days=3))
    assert sign_in(client, "alex@example.com").status_code == 303  # three days later: a new session
    assert "Snoozy Debtor" in client.get("/console/").text


# --------------------------------------------------------------------------- live updates


@SQLITE_ONLY
def test_live_updates_come_from_the_trail_after_the_page_was_built(runtime: Runtime) -> None:
    case = flagged_case(runtime)
    other = flagged_case(runtime)
    with runtime.session() as session:
        start = last_event_id(session)
        raise_flag(session, case=session.get(Case, other.id), reason="abuse", at=runtime.now())  # type: ignore[arg-type]
        record_event(session, case_id=case.id, kind="message_received", actor="debtor", at=runtime.now(), data={})
        record_event(session, case_id=case.id, kind="case_file_exported", actor="agent", at=runtime.now(), data={})
        session.commit()
        for_case = poll_updates(session, after=start, case_id=case.id)
        for_queue = poll_updates(session, after=start)
        scoped_out = poll_updates(session, after=start, creditor_ids=[])
    assert [u.kind for u in for_case] == ["message_received"]
    assert [u.kind for u in for_queue] == ["flag_raised", "message_received"] and scoped_out == []

    async def first_update() -> str:
        calls = iter([False, False, True])

        async def disconnected() -> bool:
            return next(calls)

        body = [
            chunk
            async for chunk in stream(
                lambda after: for_case if after < for_case[0].id else [], start, disconnected, poll=0.01
            )
        ]
        return "".join(body)

    text = asyncio.run(first_update())
    assert text.startswith("retry: 1000") and f"id: {for_case[0].id}\nevent: update\n" in text
    assert '"kind": "message_received"' in text


# --------------------------------------------------------------------------- the dashboard


def _portfolio(runtime: Runtime) -> tuple[Case, Case]:
    paid = add_case(runtime, amount="300.00", creditor_key="acme")
    open_case = flagged_case(runtime, reason="dispute", amount="1200.50")
    now = runtime.now()
    with runtime.session() as session:
        session.execute(sa.update(Case).where(Case.id == paid.id).values(status="paid", balance=0, last_step=2))
        session.execute(sa.update(Case).where(Case.id == open_case.id).values(last_step=2))
        session.add(Payment(case_id=paid.id, amount=Decimal("300.00"), currency="EUR", paid_on=now.date()))
        session.add(
            PromiseToPay(
                case_id=open_case.id,
                amount=Decimal("100"),
                currency="EUR",
                due_on=now.date() - timedelta(days=2),
                status="broken",
            )
        )
        plan = PaymentPlan(
            case_id=open_case.id,
            total=Decimal("1200.50"),
            currency="EUR",
            installment_count=2,
            frequency="monthly",
            status="active",
            created_at=now,
        )
        session.add(plan)
        session.flush()
        session.add(
            Installment(plan_id=plan.id, seq=1, due_on=now.date() + timedelta(days=9), amount=Decimal("600.25"))
        )  # type: ignore[arg-type]
        for status in ("delivered", "failed"):
            session.add(
                Message(
                    case_id=open_case.id,
                    debtor_id=open_case.debtor_id,
                    direction="out",
                    channel="sms",
                    author="bot",
                    body="Rappel",
                    status=status,
                    created_at=now - timedelta(days=1),
                )
            )
        session.commit()
    return paid, open_case


def test_the_dashboard_draws_its_charts_with_the_database_totals(runtime: Runtime, client: TestClient) -> None:
    paid, open_case = _portfolio(runtime)
    # an admin sees every creditor, and the all-time totals that only an unfiltered view shows
    add_agent(runtime, "ada@example.com", name="Ada Admin", admin=True)
    with TestClient(console_app(runtime)) as admin:
        assert sign_in(admin, "ada@example.com").status_code == 303
        response = admin.get("/console/dashboard")
    assert response.status_code == 200
    page = response.text
    assert page.count("<svg") == 7 and "cdn" not in page.lower()
    with runtime.session() as session:
        cases = session.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one()
        outstanding = session.execute(sa.select(sa.func.sum(Case.balance))).scalar_one()
        n_messages = session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one()
    assert f'<data value="{cases}">' in page and f'<data value="{Decimal(outstanding):.2f}">' in page
    assert (
        "1,200.50 EUR" in page
        and f'<data value="{n_messages}">{n_messages}</data></span><span class="caption">messages</span>' in page
    )
    with runtime.session() as session:
        owed = session.execute(sa.select(sa.func.sum(Debt.amount))).scalar_one()
        paid_in = session.execute(sa.select(sa.func.sum(Payment.amount))).scalar_one()
    assert f'<data value="{Decimal(owed):.2f}">' in page and f'<data value="{Decimal(paid_in):.2f}">' in page
    assert "step 2: 1 of 2 cases paid (50%)" in page  # the recovery rate by step
    assert "broken: 1" in page and "on track: 1" in page and "1 failed" in page
    assert "600.25 EUR expected" in page  # the plan's next installment, in the cash-in weeks
    # every bar links to its cases
    step_link = html.unescape(re.search(r'href="(/console/cases\?step=2[^"]*)"', page).group(1))  # type: ignore[union-attr]
    assert case_ids_in(client.get(step_link).text) == [paid.id]
    flag_link = html.unescape(re.search(r'href="(/console/cases\?flag=dispute[^"]*)"', page).group(1))  # type: ignore[union-attr]
    assert case_ids_in(client.get(flag_link).text) == [open_case.id]
    failed_day = (runtime.now() - timedelta(days=1)).date()
    day_link = client.get("/console/cases", params={"msg_day": str(failed_day), "msg_channel": "sms"})
    assert case_ids_in(day_link.text) == [open_case.id]
    due = client.get("/console/cases", params={"due_from": str(runtime.now().date()), "due_to": "2027-01-01"})
    assert case_ids_in(due.text) == [open_case.id]


@SQLITE_ONLY
def test_the_dashboard_filters_by_creditor_and_period(runtime: Runtime, client: TestClient) -> None:
    _portfolio(runtime)
    with runtime.session() as session:
        acme = session.execute(sa.select(Creditor.id).where(Creditor.key == "acme")).scalar_one()
        n_events = session.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one()
    page = client.get("/console/dashboard", params={"creditor_id": acme}).text
    assert '<data value="1">1</data></span><span class="caption">cases' in page
    early = client.get("/console/dashboard", params={"from": "2025-01-01", "to": "2025-02-01"}).text
    assert "<svg" in early and '<data value="0">0</data></span><span class="caption">messages' in early
    for params, field in (
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-12-01", "to": "2026-01-01"}, "from"),
        ({"currency": "XXX"}, "currency"),
        ({"creditor_id": "abc"}, "creditor_id"),
    ):
        response = client.get("/console/dashboard", params=params)
        assert response.status_code == 400 and f"{field}:" in response.text, params
    with runtime.session() as session:  # reading changes nothing
        assert session.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one() == n_events


@SQLITE_ONLY
def test_today_is_the_default_period_end(runtime: Runtime, client: TestClient) -> None:
    page = client.get("/console/dashboard").text
    today = runtime.now().date()
    assert (
        f'name="to" value="{today}"' in page
        and f'name="from" value="{today - timedelta(weeks=12) + timedelta(days=1)}"' in page
    )
    assert date.fromisoformat(str(today))


def test_an_immediate_answer_sits_between_what_it_answers_and_the_next_message() -> None:
    """Frozen (simulated) time: every row has the same instant; the trail's order decides."""
    at = factories.DEFAULT_AT

    def message(mid: int, author: str, body: str) -> Message:
        direction = "in" if author == "debtor" else "out"
        status = "received" if author == "debtor" else "sent"
        return Message(
            id=mid,
            case_id=1,
            direction=direction,
            channel="sms",
            author=author,
            body=body,
            status=status,
            created_at=at,
        )

    def event(eid: int, kind: str, **data: object) -> Event:
        return Event(id=eid, case_id=1, at=at, actor="bot", kind=kind, data=data, prev_hash="", hash="")

    messages = [
        message(1, "debtor", "first"),
        message(2, "bot", "answer one"),
        message(3, "debtor", "second"),
        message(4, "bot", "answer two"),
    ]
    events = [
        event(10, "message_received", message_id=1),
        event(11, "plan_proposed"),
        event(12, "message_received", message_id=3),
        event(13, "promise_recorded", amount="5", due_on="2026-12-01"),
    ]
    from relance.web.console.thread import build_thread

    thread = build_thread(messages, events, currency="EUR", agent_names={})
    texts = [t.message.body if t.is_message else t.text for t in thread]  # type: ignore[union-attr]
    assert texts == [
        "first",
        "Plan proposed",
        "answer one",
        "second",
        "Promise to pay 5.00 EUR by 1 Dec 2026",
        "answer two",
    ]


def test_settled_days_are_counted_once_then_read_from_message_day_stat(runtime: Runtime, client: TestClient) -> None:
    _, open_case = _portfolio(runtime)
    old = runtime.now() - timedelta(days=10)
    with runtime.session() as session:
        for status in ("delivered", "undelivered", "received"):
            session.add(
                Message(
                    case_id=open_case.id,
                    debtor_id=open_case.debtor_id,
                    direction="out",
                    channel="telegram",
                    author="bot",
                    body="x",
                    status=status,
                    created_at=old,
                )
            )
        session.commit()
    first = client.get("/console/dashboard").text
    assert '<data value="5">5</data></span><span class="caption">messages' in first  # 3 settled + 2 from yesterday
    assert f"{old.date()}: 1 failed" in first
    with runtime.session() as session:
        stored = session.execute(
            sa.select(MessageDayStat.channel, MessageDayStat.messages, MessageDayStat.failed).where(
                MessageDayStat.day == old.date(), MessageDayStat.creditor_id != 0
            )
        ).all()
        marks = session.execute(
            sa.select(sa.func.count()).select_from(MessageDayStat).where(MessageDayStat.creditor_id == 0)
        ).scalar_one()
        # yesterday is not settled yet: still counted from the messages themselves
        assert (
            session.execute(
                sa.select(sa.func.count())
                .select_from(MessageDayStat)
                .where(MessageDayStat.day >= old.date() + timedelta(days=9))
            ).scalar_one()
            == 0
        )
        session.execute(sa.delete(Message).where(Message.channel == "telegram"))
        session.commit()
    assert stored == [("telegram", 3, 1)] and marks == 82  # the 12 weeks' settled days, each marked done
    second = client.get("/console/dashboard").text  # read back from the stored counts: the days are settled
    assert '<data value="5">5</data></span><span class="caption">messages' in second
