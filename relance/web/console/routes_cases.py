"""The queue, the case page and the agent's actions on a case (thin: parse, call `actions`, redirect)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from sqlmodel import Session, col

from relance.core import signing, timestamps
from relance.core.agents import list_agents
from relance.core.casefile import casefile_name, export_casefile, load_case_record
from relance.core.cases import find_case
from relance.core.config import Creditor as CreditorRules
from relance.core.errors import NotFoundError, RelanceError
from relance.core.models import (
    MAX_ID,
    Case,
    CaseStatus,
    Creditor,
    Debtor,
    DisputeStatus,
    MessageStatus,
    NoticeStatus,
    valid_id,
)
from relance.web.console import actions
from relance.web.console.context import PREFIX, Console, Viewer
from relance.web.console.formatting import agent_zone, local, utc
from relance.web.console.live import last_event_id
from relance.web.console.notices import generate_notice
from relance.web.console.queue import NO_ASSIGNEE, QueueFilter, flag_queue, reason_counts
from relance.web.console.thread import build_thread

NOTE = Annotated[str, Form(max_length=2000)]
NOTICE_METHODS = ("registered letter with acknowledgement of receipt", "registered letter", "bailiff", "hand delivery")


def case_url(case_id: int) -> str:
    return f"{PREFIX}/cases/{case_id}"


def load_case(session: Session, case_id: int, viewer: Viewer) -> Case:
    """The case, if it exists and is within the viewer's creditors; 404 otherwise (existence is not revealed)."""
    case = session.get(Case, case_id) if valid_id(case_id) else None
    if case is None or not viewer.sees(case.creditor_id):
        raise HTTPException(404, f"There is no case #{case_id}.")
    return case


def run_action(
    console: Console, request: Request, session: Session, case: Case, act: Callable[[], str | None], done: str
) -> Response:
    """Run an action, commit, and go back to the case page with its outcome."""
    try:
        outcome = act()
        session.commit()
    except RelanceError as exc:
        session.rollback()
        return console.redirect(request, case_url(case.id), error=str(exc))  # type: ignore[arg-type]
    return console.redirect(request, case_url(case.id), notice=outcome or done)  # type: ignore[arg-type]


def add_queue_routes(router: APIRouter, console: Console) -> None:
    """GET / (the queue) and GET /find (jump to a case by reference)."""

    @router.get("/")
    def queue_page(
        request: Request,
        reason: Annotated[str | None, Query(max_length=40)] = None,
        assignee: Annotated[str | None, Query(max_length=20)] = None,
        priority: Annotated[int | None, Query(ge=0, le=10)] = None,
        viewer: Viewer = Depends(console.viewer),
        session: Session = Depends(console.db),
    ) -> Response:
        if assignee == "me":
            assignee = str(viewer.id)
        if assignee and assignee != NO_ASSIGNEE and not (assignee.isdecimal() and valid_id(int(assignee))):
            # an id past int4 overflowed PostgreSQL's parameter (500): refused like the cases list does
            raise HTTPException(400, f"assignee: expected me, none or an agent id, got {assignee!r}.")
        filters = QueueFilter(reason=reason or None, assignee=assignee or None, min_priority=priority)
        agents = list_agents(session)
        now = console.now()
        return console.render(
            request, "queue.html", viewer,
            rows=flag_queue(session, filters, now=now, creditor_ids=viewer.creditor_ids),
            counts=reason_counts(session, now, creditor_ids=viewer.creditor_ids),
            filters=filters, agents=agents, live_after=last_event_id(session),
            all_cases=session.execute(
                _scoped_count(viewer.creditor_ids)
            ).scalar_one(),
        )  # fmt: skip

    @router.get("/find")
    def find(
        request: Request,
        ref: Annotated[str, Query(max_length=200)] = "",
        viewer: Viewer = Depends(console.viewer),
        session: Session = Depends(console.db),
    ) -> Response:
        try:
            case = find_case(session, ref, creditor_ids=viewer.creditor_ids)
        except NotFoundError:
            # not an exact reference: a name, a phone written another way, part of an e-mail… the list searches
            return console.redirect(request, f"{PREFIX}/cases?{urlencode({'q': ref})}")
        return console.redirect(request, case_url(case.id))  # type: ignore[arg-type]


def add_case_page(router: APIRouter, console: Console) -> None:
    """GET /cases/{id}: everything about the case, and its actions."""

    @router.get("/cases/{case_id}")
    def case_page(
        request: Request, case_id: int, viewer: Viewer = Depends(console.viewer), session: Session = Depends(console.db)
    ) -> Response:
        record = load_case_record(session, load_case(session, case_id, viewer))
        agents = list_agents(session)
        names = {a.id: a.name for a in agents}
        config = console.runtime.config
        window = actions.debtor_window(config, record.creditor.key, record.debtor)
        now = console.now()
        thread = build_thread(record.messages, record.events, currency=record.case.currency, agent_names=names)
        return console.render(
            request, "case.html", viewer, r=record, entries=thread, agents=[a for a in agents if a.active],
            agent_names=names, zone=record.debtor.zones[0], window_open=window.is_allowed(now),
            agent_zone=agent_zone(request), live_after=last_event_id(session), call_outcomes=actions.CALL_OUTCOMES,
            next_window=window.next_allowed(now), reply_key=uuid.uuid4().hex, today=now.date(),
            tomorrow=now.date() + timedelta(days=1),
            open_disputes=[d for d in record.disputes if d.status == DisputeStatus.OPEN],
            notice_methods=NOTICE_METHODS, statuses=CaseStatus,
            queued=MessageStatus.QUEUED, notice_sent=NoticeStatus.SENT,
        )  # fmt: skip


def add_case_actions(router: APIRouter, console: Console) -> None:
    """POST /cases/{id}/…: take over, reply, hand back, payment, dispute, wrong person, close."""

    @router.post("/cases/{case_id}/take-over")
    def take_over(
        request: Request, case_id: int, viewer: Viewer = Depends(console.poster), session: Session = Depends(console.db)
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> None:
            actions.take_over(session, case=case, agent_id=viewer.id, at=console.now(), admin=viewer.is_admin)

        return run_action(console, request, session, case, act, "You hold this case: the bot stays silent on it.")

    @router.post("/cases/{case_id}/reply")
    def reply(
        request: Request,
        case_id: int,
        text: Annotated[str, Form(max_length=actions.MAX_REPLY_LENGTH * 2)],
        reply_key: Annotated[str, Form(max_length=64)] = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> str:
            sent = actions.send_reply(
                session, case=case, agent_id=viewer.id, text=text, at=console.now(), config=console.runtime.config,
                creditor_key=_creditor_key(session, case), reply_key=reply_key or None,
            )  # fmt: skip
            if sent.immediate:
                return f"Reply queued on {sent.message.channel}: it goes now."
            zone = _zone(session, case)
            return (
                f"Outside the debtor's contact hours: the reply on {sent.message.channel} is queued and will go at "
                f"{local(sent.goes_at, zone)}, {utc(sent.goes_at)}."
            )

        return run_action(console, request, session, case, act, "")

    @router.post("/cases/{case_id}/hand-back")
    def hand_back(
        request: Request,
        case_id: int,
        note: NOTE = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> None:
            actions.hand_back(
                session, case=case, agent_id=viewer.id, at=console.now(), note=note or None, admin=viewer.is_admin
            )

        return run_action(console, request, session, case, act, "Handed back to the bot; its flags are resolved.")

    @router.post("/cases/{case_id}/payment")
    def payment(
        request: Request,
        case_id: int,
        debt_id: Annotated[int, Form(ge=1, le=MAX_ID)],
        amount: Annotated[str, Form(max_length=40)],
        paid_on: Annotated[date, Form()],
        confirm_overpayment: Annotated[bool, Form()] = False,
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> str | None:
            credit = actions.agent_payment(
                session,
                case=case,
                debt_id=debt_id,
                amount=amount,
                paid_on=paid_on,
                agent_id=viewer.id,
                at=console.now(),
                ceiling=console.runtime.settings.max_payment_amount,
                confirm_overpayment=confirm_overpayment,
            )
            return (
                f"Payment recorded; {credit} {case.currency} more than the debt is on record as a credit."
                if credit
                else None
            )

        return run_action(console, request, session, case, act, "Payment recorded.")

    add_closing_actions(router, console)


def add_closing_actions(router: APIRouter, console: Console) -> None:
    """POST /cases/{id}/dispute, /wrong-person, /close."""

    @router.post("/cases/{case_id}/dispute")
    def dispute(
        request: Request,
        case_id: int,
        outcome: Annotated[str, Form(pattern="^(upheld|rejected)$")],
        note: NOTE = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)
        upheld = outcome == "upheld"

        def act() -> None:
            actions.resolve_dispute(
                session, case=case, upheld=upheld, agent_id=viewer.id, at=console.now(), note=note or None
            )

        done = "Dispute upheld: the disputed debt is cancelled." if upheld else "Dispute rejected: reminders resume."
        return run_action(console, request, session, case, act, done)

    @router.post("/cases/{case_id}/wrong-person")
    def wrong_person(
        request: Request,
        case_id: int,
        note: NOTE = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> None:
            actions.mark_wrong_person(session, case=case, agent_id=viewer.id, at=console.now(), note=note or None)

        return run_action(
            console, request, session, case, act, "Marked as the wrong person: no more contact with this number."
        )

    @router.post("/cases/{case_id}/close")
    def close(
        request: Request,
        case_id: int,
        note: NOTE = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> None:
            actions.close_case(session, case=case, agent_id=viewer.id, at=console.now(), note=note or None)

        return run_action(console, request, session, case, act, "Case closed.")


def add_notice_routes(router: APIRouter, console: Console) -> None:
    """Formal notice: generate, download, mark sent; and the case file download."""

    @router.post("/cases/{case_id}/notices")
    def generate(
        request: Request,
        case_id: int,
        override: Annotated[str, Form(max_length=500)] = "",
        signatory: Annotated[str, Form(max_length=200)] = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> str:
            notice = generate_notice(
                session, case=case, agent_id=viewer.id, runtime=console.runtime, override=override, signatory=signatory
            )
            return f"Formal notice #{notice.id} drafted: download it, send it, then mark it sent."

        return run_action(console, request, session, case, act, "")

    @router.get("/cases/{case_id}/notices/{notice_id}.pdf")
    def download_notice(
        case_id: int, notice_id: int, viewer: Viewer = Depends(console.viewer), session: Session = Depends(console.db)
    ) -> Response:
        case = load_case(session, case_id, viewer)
        try:
            notice = actions.notice_of(session, case, notice_id)
        except actions.ActionError as exc:
            raise HTTPException(404, str(exc)) from None
        if not notice.pdf:
            raise HTTPException(404, "This notice has no PDF.")
        disposition = f'attachment; filename="formal-notice-case-{case_id}-{notice_id}.pdf"'
        return Response(bytes(notice.pdf), media_type="application/pdf", headers={"Content-Disposition": disposition})

    @router.post("/cases/{case_id}/notices/{notice_id}/sent")
    def mark_sent(
        request: Request,
        case_id: int,
        notice_id: int,
        sent_on: Annotated[date, Form()],
        method: Annotated[str, Form(max_length=64)],
        tracking_number: Annotated[str, Form(max_length=100)] = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = load_case(session, case_id, viewer)

        def act() -> str:
            deadline = actions.mark_notice_sent(
                session, case=case, notice=actions.notice_of(session, case, notice_id), sent_on=sent_on, method=method,
                tracking_number=tracking_number, agent_id=viewer.id, at=console.now(),
                deadline_days=_days_from_posting(console.runtime.config.creditor(_creditor_key(session, case))),
            )  # fmt: skip
            return f"Formal notice marked sent; the deadline is {deadline.isoformat()}."

        return run_action(console, request, session, case, act, "")

    @router.post("/cases/{case_id}/casefile.zip")
    def casefile(
        case_id: int, viewer: Viewer = Depends(console.poster), session: Session = Depends(console.db)
    ) -> Response:
        """The export writes to the audit trail: a POST with the CSRF token, never a link another site can trigger."""
        case = load_case(session, case_id, viewer)
        key = signing.load_signing_key(console.runtime.settings)
        stamp = timestamps.stamper(console.runtime.settings.tsa_url)
        data = export_casefile(session, case, at=console.now(), actor="agent", actor_id=viewer.id, key=key, stamp=stamp)
        session.commit()
        disposition = f'attachment; filename="{casefile_name(case)}"'
        return Response(data, media_type="application/zip", headers={"Content-Disposition": disposition})


def _creditor_key(session: Session, case: Case) -> str:
    creditor = session.get(Creditor, case.creditor_id)
    assert creditor is not None
    return creditor.key


def _zone(session: Session, case: Case) -> str:
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    return debtor.zones[0]


def _days_from_posting(creditor: CreditorRules) -> int:
    """Days from posting to the deadline: the letter's journey, then the days it gives from receipt."""
    return creditor.notice.receipt_days + creditor.notice.deadline_days


def _scoped_count(creditor_ids: frozenset[int] | None) -> sa.Select:  # type: ignore[type-arg]
    """How many cases the viewer may see (every case for an admin)."""
    query = sa.select(sa.func.count()).select_from(Case)
    if creditor_ids is not None:
        query = query.where(col(Case.creditor_id).in_(creditor_ids))
    return query
