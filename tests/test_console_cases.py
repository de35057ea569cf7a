"""The console's queue and case actions over HTTP, on SQLite and PostgreSQL: each action's rows and events."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pypdf import PdfReader

from relance.core.casefile import verify_casefile
from relance.core.clock import SimulatedClock
from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.flags import raise_flag
from relance.core.models import (
    Agent,
    Case,
    CaseStatus,
    Debt,
    Debtor,
    DebtStatus,
    Dispute,
    Event,
    Flag,
    FlagStatus,
    FormalNotice,
    Installment,
    Message,
    OptOut,
    PaymentPlan,
    PromiseToPay,
)
from relance.core.runtime import Runtime
from tests.conftest_console import add_agent, console_app, csrf_token, flagged_case, sign_in


@pytest.fixture
def agent(runtime: Runtime) -> Agent:
    return add_agent(runtime)


@pytest.fixture
def client(runtime: Runtime, agent: Agent) -> Iterator[TestClient]:
    with TestClient(console_app(runtime)) as client:
        assert sign_in(client, agent.email).status_code == 303
        yield client


def post(client: TestClient, case_id: int, action: str, **data: str) -> str:
    """Submit a form of the case page like a browser; returns the page shown afterwards."""
    token = csrf_token(client, f"/console/cases/{case_id}")
    response = client.post(f"/console/cases/{case_id}/{action}", data={"csrf_token": token, **data})
    assert response.status_code == 200, response.text
    return response.text


def flash(page: str) -> str:
    found = re.search(r'<p class="flash flash-(\w+)" role="status">([^<]*)</p>', page)
    assert found, "no notice on the page"
    return f"{found.group(1)}: {html.unescape(found.group(2))}"


def reload(runtime: Runtime, model: type, ident: int):  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        return session.get(model, ident)


def events(runtime: Runtime, case_id: int) -> list[Event]:
    with runtime.session() as session:
        return case_events(session, case_id)


def messages(runtime: Runtime, case_id: int) -> list[Message]:
    with runtime.session() as session:
        return list(
            session.execute(sa.select(Message).where(Message.case_id == case_id).order_by(Message.id)).scalars()
        )


# --------------------------------------------------------------------------- queue


def test_queue_orders_by_priority_then_age_with_counts_and_filters(
    runtime: Runtime, client: TestClient, agent: Agent
) -> None:
    now = runtime.now()
    old_unclear = flagged_case(runtime, reason="unclear", at=now - timedelta(days=5), name="Uma Unclear")
    dispute = flagged_case(runtime, reason="dispute", at=now - timedelta(hours=2), name="Dina Dispute")
    old_dispute = flagged_case(runtime, reason="dispute", at=now - timedelta(days=1), name="Olga Older")
    court = flagged_case(runtime, reason="court_procedure", at=now - timedelta(minutes=5), name="Cora Court")
    with runtime.session() as session:
        case = session.get(Case, old_unclear.id)
        raise_flag(session, case=case, reason="payment_check", at=now - timedelta(days=4))  # type: ignore[arg-type]
        session.commit()
    page = client.get("/console/").text
    order = [int(i) for i in re.findall(r'<a href="/console/cases/(\d+)">', page)]
    assert order == [court.id, old_dispute.id, dispute.id, old_unclear.id]
    assert "review dispute" in page and "court procedure" in page and "1 d 0 h" in page and "5 min" in page
    counts = dict(re.findall(r'\?reason=(\w+)"[^>]*>[^<]*<b>(\d+)</b>', page))
    assert counts == {"dispute": "2", "court_procedure": "1", "payment_check": "1", "unclear": "1"}
    assert "payment check <small>+ unclear</small>" in page  # Uma: the more urgent flag first, then the other
    only = client.get("/console/?reason=dispute").text
    assert re.findall(r'<a href="/console/cases/(\d+)">', only) == [str(old_dispute.id), str(dispute.id)]
    urgent = client.get("/console/?priority=3").text
    assert str(old_unclear.id) not in re.findall(r'<a href="/console/cases/(\d+)">', urgent)
    post(client, dispute.id, "take-over")  # type: ignore[arg-type]
    mine = client.get("/console/?assignee=me").text
    assert re.findall(r'<a href="/console/cases/(\d+)">', mine) == [str(dispute.id)] and "Alex Agent" in mine
    unassigned = client.get("/console/?assignee=none").text
    assert str(dispute.id) not in re.findall(r'<a href="/console/cases/(\d+)">', unassigned)
    # an agent id past the database's integers (int4 on PostgreSQL) or no id at all: a 400 naming the field
    for bad in ("2147483648", "0", "bob"):
        refused = client.get("/console/", params={"assignee": bad})
        assert refused.status_code == 400 and "assignee" in refused.text, (bad, refused.status_code)
    # the live stream's ids too, before any stream begins
    for params in ({"case": "2147483648"}, {"after": "2147483648"}):
        assert client.get("/console/live", params=params).status_code == 400, params


# --------------------------------------------------------------------------- take over, reply, hand back


def test_take_over_then_reply_inside_the_window_goes_now(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime)
    page = post(client, case.id, "take-over")  # type: ignore[arg-type]
    assert flash(page) == "ok: You hold this case: the bot stays silent on it."
    assert reload(runtime, Case, case.id).agent_id == agent.id  # type: ignore[arg-type]
    with runtime.session() as session:
        flag = session.execute(sa.select(Flag).where(Flag.case_id == case.id)).scalar_one()
    assert flag.assignee_id == agent.id
    page = post(client, case.id, "reply", text="Bonjour, je suis Alex, je vous appelle demain.")  # type: ignore[arg-type]
    assert flash(page) == "ok: Reply queued on sms: it goes now."
    assert "Bonjour, je suis Alex, je vous appelle demain." in page.split('id="transcript"')[1]
    (message,) = messages(runtime, case.id)  # type: ignore[arg-type]
    debtor = reload(runtime, Debtor, case.debtor_id)
    assert (message.author, message.agent_id, message.kind, message.direction) == (
        "agent",
        agent.id,
        "agent_reply",
        "out",
    )
    assert (message.channel, message.to_address, message.status) == ("sms", debtor.phone, "queued")
    assert message.not_before == runtime.now()
    taken, replied = [e for e in events(runtime, case.id) if e.actor == "agent"]  # type: ignore[arg-type]
    assert (taken.kind, taken.actor_id) == ("agent_took_over", str(agent.id))
    assert (replied.kind, replied.actor_id, replied.data["message_id"]) == ("agent_replied", str(agent.id), message.id)


def test_a_reply_outside_the_contact_window_is_queued_for_its_opening(
    runtime: Runtime, client: TestClient, agent: Agent
) -> None:
    case = flagged_case(runtime)
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))  # 22:30 in Paris: too late
    page = post(client, case.id, "reply", text="Bonsoir")  # type: ignore[arg-type]
    assert flash(page) == (
        "ok: Outside the debtor's contact hours: the reply on sms is queued and will go at "
        "Tue 24 Nov 08:00 (Europe/Paris), 2026-11-24 07:00 UTC."
    )
    assert "goes at Tue 24 Nov 08:00 (Europe/Paris)" in page
    (message,) = messages(runtime, case.id)  # type: ignore[arg-type]
    assert message.not_before == datetime(2026, 11, 24, 7, 0, tzinfo=UTC) and message.reply_deadline is None


def test_an_answer_within_the_grace_after_the_debtor_wrote_may_go_at_night(
    runtime: Runtime, client: TestClient, agent: Agent
) -> None:
    case = flagged_case(runtime)
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
    with runtime.session() as session:
        row = session.get(Case, case.id)
        row.last_inbound_at = runtime.now() - timedelta(minutes=5)  # type: ignore[union-attr]
        session.add(row)
        session.commit()
    page = post(client, case.id, "reply", text="Je vous réponds tout de suite.")  # type: ignore[arg-type]
    assert flash(page) == "ok: Reply queued on sms: it goes now."
    (message,) = messages(runtime, case.id)  # type: ignore[arg-type]
    assert message.not_before == runtime.now()
    assert message.reply_deadline == runtime.now() + timedelta(minutes=10)


def test_replies_respect_opt_outs(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime, telegram_chat_id=424242)
    debtor = reload(runtime, Debtor, case.debtor_id)
    with runtime.session() as session:
        session.add(OptOut(debtor_id=debtor.id, channel="telegram", address="424242", source="telegram_stop"))
        session.commit()
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    page = post(client, case.id, "reply", text="Bonjour")  # type: ignore[arg-type]
    assert flash(page) == "ok: Reply queued on sms: it goes now."  # telegram is preferred, but opted out
    with runtime.session() as session:
        session.add(OptOut(debtor_id=None, channel="sms", address=debtor.phone, source="keyword"))
        session.commit()
    page = post(client, case.id, "reply", text="Bonjour encore")  # type: ignore[arg-type]
    assert flash(page).startswith("error: the debtor opted out of every channel")
    assert [m.body for m in messages(runtime, case.id)] == ["Bonjour"]  # type: ignore[arg-type]


def test_reply_needs_the_case_and_a_double_submit_sends_once(runtime: Runtime, client: TestClient) -> None:
    case = flagged_case(runtime)
    page = post(client, case.id, "reply", text="Bonjour")  # type: ignore[arg-type]
    assert flash(page).startswith("error: take the case over before replying")
    assert messages(runtime, case.id) == []  # type: ignore[arg-type]
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    for _ in range(2):
        post(client, case.id, "reply", text="Bonjour", reply_key="same-form")  # type: ignore[arg-type]
    assert len(messages(runtime, case.id)) == 1  # type: ignore[arg-type]


def test_hand_back_releases_the_case_and_resolves_its_flags(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime)
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    page = post(client, case.id, "hand-back", note="promised to pay Friday")  # type: ignore[arg-type]
    assert flash(page) == "ok: Handed back to the bot; its flags are resolved."
    row = reload(runtime, Case, case.id)
    assert row.agent_id is None and row.flagged_at is None
    with runtime.session() as session:
        assert session.execute(sa.select(Flag.status).where(Flag.case_id == case.id)).scalars().all() == ["resolved"]
    kinds = [(e.kind, e.actor_id) for e in events(runtime, case.id)][-2:]  # type: ignore[arg-type]
    assert kinds == [("flags_resolved", str(agent.id)), ("handed_back_to_bot", str(agent.id))]
    assert "Nothing in the queue" in client.get("/console/").text


# --------------------------------------------------------------------------- payment, dispute, wrong person, close


def test_recording_a_payment(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime, amount="600.00")
    with runtime.session() as session:
        debt = session.execute(sa.select(Debt).where(Debt.case_id == case.id)).scalar_one()
    page = post(client, case.id, "payment", debt_id=str(debt.id), amount="150,50", paid_on="2026-11-20")  # type: ignore[arg-type]
    assert flash(page) == "ok: Payment recorded."
    assert reload(runtime, Case, case.id).balance == Decimal("449.50")
    paid = [e for e in events(runtime, case.id) if e.kind == "payment_recorded"]  # type: ignore[arg-type]
    assert len(paid) == 1 and paid[0].actor == "agent" and paid[0].actor_id == str(agent.id)
    assert paid[0].data["amount"] == "150.50"
    bad = post(client, case.id, "payment", debt_id=str(debt.id), amount="beaucoup", paid_on="2026-11-20")  # type: ignore[arg-type]
    assert flash(bad).startswith("error: amount: 'beaucoup' is not an amount")
    for amount, why in [
        ("0.00001", "more decimals than EUR allows"),
        ("1e400", "is not an amount"),
        ("1e5", "is not an amount"),
        ("9" * 39, "more than the largest payment"),
        ("-5", "more than zero"),
        ("0", "more than zero"),
        ("NaN", "is not an amount"),
    ]:
        refused = post(client, case.id, "payment", debt_id=str(debt.id), amount=amount, paid_on="2026-11-20")  # type: ignore[arg-type]
        assert flash(refused).startswith("error: amount:") and why in flash(refused), (amount, flash(refused))
    early = post(client, case.id, "payment", debt_id=str(debt.id), amount="10", paid_on="0001-01-01")  # type: ignore[arg-type]
    assert flash(early) == "error: payment date: 0001-01-01 is before 2000-01-01"
    assert reload(runtime, Case, case.id).balance == Decimal("449.50")  # nothing half-stored


def test_an_overpayment_needs_a_confirmation_and_records_the_credit(runtime: Runtime, client: TestClient) -> None:
    case = flagged_case(runtime, amount="3400.00")
    with runtime.session() as session:
        debt = session.execute(sa.select(Debt).where(Debt.case_id == case.id)).scalar_one()
    refused = post(client, case.id, "payment", debt_id=str(debt.id), amount="100000", paid_on="2026-11-20")  # type: ignore[arg-type]
    assert "more than the debt's balance" in flash(refused)
    assert reload(runtime, Case, case.id).balance == Decimal("3400.00")
    page = post(
        client,
        case.id,
        "payment",
        debt_id=str(debt.id),
        amount="3500",
        paid_on="2026-11-20",
        confirm_overpayment="true",
    )  # type: ignore[arg-type]
    assert flash(page) == "ok: Payment recorded; 100.00 EUR more than the debt is on record as a credit."
    row = reload(runtime, Case, case.id)
    assert row.balance == 0 and row.status == CaseStatus.PAID
    credit = [e for e in events(runtime, case.id) if e.kind == "overpayment_credit"]  # type: ignore[arg-type]
    assert len(credit) == 1 and credit[0].data["amount"] == "100.00"


def _disputed(runtime: Runtime) -> Case:
    case = flagged_case(runtime, reason="dispute")
    with runtime.session() as session:
        row = session.get(Case, case.id)
        row.status = CaseStatus.DISPUTED  # type: ignore[union-attr]
        session.add(row)
        session.add(
            Dispute(case_id=case.id, reason_code="already_paid", reason_text="J'ai déjà payé", opened_at=runtime.now())
        )  # type: ignore[arg-type]
        session.commit()
    return case


def test_an_upheld_dispute_cancels_the_debt_and_closes_the_case(runtime: Runtime, client: TestClient) -> None:
    case = _disputed(runtime)
    page = post(client, case.id, "dispute", outcome="upheld", note="proof of payment received")  # type: ignore[arg-type]
    assert flash(page) == "ok: Dispute upheld: the disputed debt is cancelled."
    row = reload(runtime, Case, case.id)
    assert row.status == CaseStatus.CLOSED and row.balance == 0 and row.closed_at == runtime.now()
    with runtime.session() as session:
        assert (
            session.execute(sa.select(Debt.status).where(Debt.case_id == case.id)).scalar_one() == DebtStatus.CANCELLED
        )
        assert session.execute(sa.select(Dispute.status).where(Dispute.case_id == case.id)).scalar_one() == "upheld"
    kinds = [e.kind for e in events(runtime, case.id)]  # type: ignore[arg-type]
    assert kinds[-2:] == ["dispute_upheld", "case_closed"] and "case_paid" not in kinds


def test_a_rejected_dispute_resumes_the_scenario(runtime: Runtime, client: TestClient) -> None:
    case = _disputed(runtime)
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    page = post(client, case.id, "dispute", outcome="rejected")  # type: ignore[arg-type]
    assert flash(page) == "ok: Dispute rejected: reminders resume."
    row = reload(runtime, Case, case.id)
    assert (row.status, row.agent_id, row.flagged_at, row.next_check_at) == (CaseStatus.OPEN, None, None, None)
    assert row.balance == Decimal("600.00")
    with runtime.session() as session:
        assert session.execute(sa.select(Dispute.status).where(Dispute.case_id == case.id)).scalar_one() == "rejected"
    wrong = post(client, case.id, "dispute", outcome="rejected")  # type: ignore[arg-type]
    assert flash(wrong) == "error: this case has no open dispute"


def test_wrong_person_and_close(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime, reason="wrong_person")
    page = post(client, case.id, "wrong-person", note="says he is not Camille")  # type: ignore[arg-type]
    assert flash(page).startswith("ok: Marked as the wrong person")
    assert reload(runtime, Case, case.id).status == CaseStatus.WRONG_PERSON
    assert reload(runtime, Debtor, case.debtor_id).wrong_person is True
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    assert flash(post(client, case.id, "reply", text="Bonjour")).startswith(
        "error: this number belongs to the wrong person"
    )  # type: ignore[arg-type]
    page = post(client, case.id, "close", note="nothing to recover")  # type: ignore[arg-type]
    assert flash(page) == "ok: Case closed."
    row = reload(runtime, Case, case.id)
    assert row.status == CaseStatus.CLOSED and row.agent_id is None
    closed = events(runtime, case.id)[-1]  # type: ignore[arg-type]
    assert (closed.kind, closed.actor_id, closed.data["note"]) == ("case_closed", str(agent.id), "nothing to recover")
    assert flash(post(client, case.id, "close")) == "error: the case is already closed"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- formal notice, case file


def test_formal_notice_draft_download_and_sent(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime, reason="no_response", name="Camille Martin")
    page = post(client, case.id, "notices")  # type: ignore[arg-type]
    assert flash(page).startswith("ok: Formal notice #")
    with runtime.session() as session:
        notice = session.execute(sa.select(FormalNotice).where(FormalNotice.case_id == case.id)).scalar_one()
    pdf = client.get(f"/console/cases/{case.id}/notices/{notice.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == notice.pdf and pdf.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Camille Martin" in text
    sent = post(
        client, case.id, f"notices/{notice.id}/sent",  # type: ignore[arg-type]
        sent_on="2026-11-23", method="registered letter", tracking_number="1A 234 567 8901 2",
    )  # fmt: skip
    assert flash(sent).startswith("ok: Formal notice marked sent; the deadline is ")
    row = reload(runtime, Case, case.id)
    assert row.status == CaseStatus.FORMAL_NOTICE_SENT and row.agent_id is None
    # 3 days for the letter to arrive, then 8 days from receipt
    assert row.notice_deadline == max(notice.deadline, date(2026, 11, 23) + timedelta(days=3 + 8))
    stored = reload(runtime, FormalNotice, notice.id)
    assert (stored.status, stored.method, stored.tracking_number, stored.sent_by) == (
        "sent", "registered letter", "1A 234 567 8901 2", agent.id,
    )  # fmt: skip
    kinds = [(e.kind, e.actor_id) for e in events(runtime, case.id)]  # type: ignore[arg-type]
    assert ("notice_drafted", str(agent.id)) in kinds and kinds[-1] == ("formal_notice_sent", str(agent.id))
    again = post(client, case.id, f"notices/{notice.id}/sent", sent_on="2026-11-23", method="registered letter")  # type: ignore[arg-type]
    assert flash(again) == "error: this notice is already marked as sent"


def test_formal_notice_refused_on_a_dispute_shows_why_until_overridden(runtime: Runtime, client: TestClient) -> None:
    from relance.core.models import Dispute

    case = flagged_case(runtime, reason="dispute", name="Camille Martin")
    with runtime.session() as session:
        session.add(Dispute(case_id=case.id, status="open", opened_at=datetime(2026, 11, 20, tzinfo=UTC)))  # type: ignore[arg-type]
        session.commit()
    page = post(client, case.id, "notices")  # type: ignore[arg-type]
    assert flash(page).startswith("error: no formal notice on this case: the debtor disputes the debt")
    with runtime.session() as session:
        assert session.execute(sa.select(FormalNotice)).first() is None
    page = post(client, case.id, "notices", override="dispute rejected after review", signatory="Hugo Bernard, Juriste")  # type: ignore[arg-type]
    assert flash(page).startswith("ok: Formal notice #")
    with runtime.session() as session:
        notice = session.execute(sa.select(FormalNotice).where(FormalNotice.case_id == case.id)).scalar_one()
    assert notice.pdf and "Hugo Bernard" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(notice.pdf)).pages)
    overridden = [e for e in events(runtime, case.id) if e.kind == "notice_refusal_overridden"]  # type: ignore[arg-type]
    assert overridden and overridden[0].data["reason"] == "dispute rejected after review"


def test_an_unpaid_notice_deadline_flags_the_case_for_court(runtime: Runtime, client: TestClient) -> None:
    from scheduler import sweep as sweep_module

    case = flagged_case(runtime, reason="no_response")
    post(client, case.id, "notices")  # type: ignore[arg-type]
    with runtime.session() as session:
        notice = session.execute(sa.select(FormalNotice).where(FormalNotice.case_id == case.id)).scalar_one()
    post(client, case.id, f"notices/{notice.id}/sent", sent_on="2026-11-23", method="registered letter")  # type: ignore[arg-type]
    deadline = reload(runtime, Case, case.id).notice_deadline
    before = datetime.combine(deadline, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    sweep_module.sweep(runtime.engine, config=runtime.config, now=before)
    with runtime.session() as session:
        assert (
            session.execute(sa.select(Flag).where(Flag.case_id == case.id, Flag.status == FlagStatus.OPEN)).first()
            is None
        )
    after = before + timedelta(days=1)
    sweep_module.sweep(runtime.engine, config=runtime.config, now=after)
    with runtime.session() as session:
        flag = session.execute(
            sa.select(Flag).where(Flag.case_id == case.id, Flag.status == FlagStatus.OPEN)
        ).scalar_one()
    assert (flag.reason, flag.recommended_action) == ("court_procedure", "court_procedure")


def test_case_file_download_from_the_case_page(runtime: Runtime, client: TestClient, agent: Agent) -> None:
    case = flagged_case(runtime)
    post(client, case.id, "take-over")  # type: ignore[arg-type]
    post(client, case.id, "reply", text="Bonjour <script>x</script>")  # type: ignore[arg-type]
    assert client.get(f"/console/cases/{case.id}/casefile.zip").status_code == 405  # a GET records nothing
    forged = client.post(f"/console/cases/{case.id}/casefile.zip", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and not [e for e in events(runtime, case.id) if e.kind == "case_file_exported"]  # type: ignore[arg-type]
    token = csrf_token(client, f"/console/cases/{case.id}")
    response = client.post(f"/console/cases/{case.id}/casefile.zip", data={"csrf_token": token})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert f'filename="case-{case.id}.zip"' in response.headers["content-disposition"]
    assert verify_casefile(response.content) == []
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "Bonjour &lt;script&gt;x&lt;/script&gt;" in archive.read("transcript.html").decode()
    exported = [e for e in events(runtime, case.id) if e.kind == "case_file_exported"]  # type: ignore[arg-type]
    assert len(exported) == 1 and exported[0].actor_id == str(agent.id)
    assert verify_chain([event_to_dict(e) for e in events(runtime, case.id)]) == []  # type: ignore[arg-type]


def test_unknown_case_is_a_404_page_and_find_jumps_to_a_case(runtime: Runtime, client: TestClient) -> None:
    missing = client.get("/console/cases/999999")
    assert missing.status_code == 404 and "There is no case #999999." in missing.text
    case = flagged_case(runtime, reference="INV-FIND-1")
    found = client.get("/console/find", params={"ref": "INV-FIND-1"})
    assert found.url.path == f"/console/cases/{case.id}"
    # not an exact reference: the cases list searches it, and says when nothing matches
    missed = client.get("/console/find", params={"ref": "nope"})
    assert missed.url.path == "/console/cases" and "No case matches “nope”" in missed.text
    big = "9223372036854775808"
    for path in ("/console/cases/" + big, "/console/cases/-1", "/console/cases/abc", "/console/cases/" + "9" * 400,
                 f"/console/cases/{case.id}/notices/{big}.pdf"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    for ref in ("²", "#²", "9223372036854775808", "#99999999999999999999999", "C٣"):
        response = client.get("/console/find", params={"ref": ref})
        assert response.status_code == 200 and "no case matches" in response.text.lower(), ref
    assert client.get("/console/find", params={"ref": "\x00"}).status_code == 400  # PostgreSQL refuses NUL


def test_the_case_page_shows_promises_plan_installments_and_delivery(runtime: Runtime, client: TestClient) -> None:
    case = flagged_case(runtime, reason="broken_plan", amount="300.00")
    at = runtime.now()
    with runtime.session() as session:
        session.add(
            PromiseToPay(
                case_id=case.id,
                amount=Decimal("50.00"),
                currency="EUR",
                due_on=date(2026, 11, 10),
                status="broken",
                created_at=at,
            )
        )  # type: ignore[arg-type]
        plan = PaymentPlan(
            case_id=case.id,
            total=Decimal("300.00"),
            currency="EUR",
            installment_count=3,
            frequency="monthly",
            status="active",
            created_at=at,
        )  # type: ignore[arg-type]
        session.add(plan)
        session.flush()
        for seq, (due, paid) in enumerate(
            [(date(2026, 10, 1), "100.00"), (date(2026, 11, 1), "0"), (date(2026, 12, 1), "0")], 1
        ):
            session.add(
                Installment(
                    plan_id=plan.id,
                    seq=seq,
                    due_on=due,
                    amount=Decimal("100.00"),
                    paid_amount=Decimal(paid),
                    status="paid" if paid != "0" else "due",
                )
            )  # type: ignore[arg-type]
        session.add(
            Message(
                case_id=case.id,
                debtor_id=case.debtor_id,
                direction="out",
                channel="sms",
                author="bot",
                kind="installment_reminder",
                body="Rappel : échéance de 100,00 €",
                status="delivered",
                created_at=at - timedelta(days=3),
                sent_at=at - timedelta(days=3),
                delivered_at=at - timedelta(days=3),
            )
        )
        session.add(
            Message(
                case_id=case.id,
                debtor_id=case.debtor_id,
                direction="in",
                channel="sms",
                author="debtor",
                kind="inbound",
                body="Je ne peux plus payer",
                status="received",
                created_at=at - timedelta(days=1),
            )
        )
        session.commit()
    page = client.get(f"/console/cases/{case.id}").text
    assert "50.00 EUR by 2026-11-10 · broken" in page
    assert "Plan #" in page and "3 × monthly" in page and page.count("<td>due</td>") == 2 and "<td>paid</td>" in page
    transcript = page.split('id="transcript"')[1]
    assert transcript.index("Rappel : échéance") < transcript.index("Je ne peux plus payer")
    reminder = transcript.split("Rappel : échéance")[1].split("</li>")[0]
    assert 'class="delivery delivery-delivered"' in reminder and ">delivered</span>" in reminder
    assert 'class="bubble bubble-left by-debtor"' in transcript
