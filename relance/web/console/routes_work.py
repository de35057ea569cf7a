"""The cases list, the dashboard, live updates, and working together (assign, note, call log, snooze).

Every query of these pages takes `creditor_ids` from the viewer (`None` = all creditors), so an
agent scoped to some creditors sees only their cases.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from relance.core.models import MAX_ID, Agent, Case, CaseStatus, PlanStatus, PromiseStatus, valid_id
from relance.web.console import actions
from relance.web.console.caselist import MAX_PAGE_SIZE, PAGE_SIZE, SORTS, CaseFilter, case_page, filter_options
from relance.web.console.context import Console, Viewer
from relance.web.console.dashboard import Scope, dashboard
from relance.web.console.dashboard_view import cases_link, charts
from relance.web.console.formatting import agent_zone
from relance.web.console.live import last_event_id, poll_updates, stream
from relance.web.console.routes_cases import case_url, load_case, run_action

MAX_PERIOD_DAYS = 731
NOTE_TEXT = Annotated[str, Form(max_length=actions.MAX_NOTE_LENGTH * 2)]


def scope_of(viewer: Viewer) -> Collection[int] | None:
    """The creditors the viewer works for (None = all)."""
    return viewer.creditor_ids


def scoped_case(session: Session, case_id: int, viewer: Viewer) -> Case:
    """The case, if the viewer's scope includes its creditor (404 otherwise: no hint it exists)."""
    return load_case(session, case_id, viewer)


def _int(value: str | None, field: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    # decimal digits only ("²".isdigit() is true and int() refuses it), within the INTEGER ids a database stores
    if not value.strip().isdecimal() or int(value) > MAX_ID:
        raise HTTPException(400, f"{field}: expected a whole number, got {value!r}.")
    return int(value)


FIRST_YEAR, LAST_YEAR = 1900, 9998


def _date(value: str | None, field: str) -> date | None:
    if value is None or value.strip() == "":
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(400, f"{field}: expected a date as YYYY-MM-DD, got {value!r}.") from None
    # periods are counted back and forth from it: year 1 or 9999 would overflow `date` (a 500, found by the
    # route fuzzer on ?to=0001-01-01)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HTTPException(400, f"{field}: expected a date between {FIRST_YEAR} and {LAST_YEAR}, got {value!r}.")
    return day


def _choice(value: str | None, field: str, allowed: Collection[str]) -> str:
    value = (value or "").strip()
    if value and value not in allowed:
        raise HTTPException(400, f"{field}: {value!r} is not one of {', '.join(sorted(allowed))}.")
    return value


def read_filter(request: Request, viewer: Viewer) -> CaseFilter:
    """The cases list's filter from the query string (400 naming the field when a value is bad)."""
    p = request.query_params
    assignee = (p.get("assignee") or "").strip()
    if assignee == "me":
        assignee = str(viewer.id)
    if assignee and assignee != "none" and not (assignee.isdecimal() and int(assignee) <= MAX_ID):
        raise HTTPException(400, f"assignee: expected me, none or an agent id, got {assignee!r}.")
    desc = p.get("desc")
    return CaseFilter(
        q=(p.get("q") or p.get("search") or "")[:200],
        status=_choice(p.get("status"), "status", {s.value for s in CaseStatus}),
        creditor_id=_int(p.get("creditor_id"), "creditor_id"),
        flag=(p.get("flag") or "").strip()[:40],
        assignee=assignee,
        channel=_choice(p.get("channel"), "channel", {"sms", "telegram"}),
        country=(p.get("country") or "").strip().upper()[:2],
        has=_choice(p.get("has"), "has", {"plan", "promise", "dispute"}),
        step=_int(p.get("step"), "step"),
        promise=_choice(p.get("promise"), "promise", {s.value for s in PromiseStatus}),
        plan=_choice(p.get("plan"), "plan", {s.value for s in PlanStatus}),
        msg_day=_date(p.get("msg_day"), "msg_day"),
        msg_channel=(p.get("msg_channel") or "").strip()[:16],
        msg_failed=p.get("msg_failed") in ("1", "true", "on"),
        paid_from=_date(p.get("paid_from"), "paid_from"),
        paid_to=_date(p.get("paid_to"), "paid_to"),
        due_from=_date(p.get("due_from"), "due_from"),
        due_to=_date(p.get("due_to"), "due_to"),
        sort=_choice(p.get("sort"), "sort", set(SORTS)) or "activity",
        desc=None if desc in (None, "") else desc in ("1", "true"),
        page=max(1, _int(p.get("page"), "page") or 1),
        per_page=min(MAX_PAGE_SIZE, max(1, _int(p.get("per_page"), "per_page") or PAGE_SIZE)),
    )


def add_list_routes(router: APIRouter, console: Console) -> None:
    """GET /cases (every case, searched and filtered) and GET /dashboard."""

    @router.get("/cases")
    def cases_page(
        request: Request, viewer: Viewer = Depends(console.viewer), session: Session = Depends(console.db)
    ) -> Response:
        filters = read_filter(request, viewer)
        allowed = scope_of(viewer)
        page = case_page(session, filters, now=console.now(), creditor_ids=allowed)
        return console.render(
            request, "cases.html", viewer, page=page, f=page.filters, options=filter_options(session, allowed),
            statuses=[s.value for s in CaseStatus], today=console.now().date(), page_size=page.filters.per_page,
            zone=agent_zone(request), live_after=last_event_id(session),
            mine=page.filters.assignee == str(viewer.id),
        )  # fmt: skip

    @router.get("/dashboard")
    def dashboard_page(
        request: Request,
        creditor_id: Annotated[str | None, Query(max_length=12)] = None,
        start: Annotated[str | None, Query(max_length=10, alias="from")] = None,
        end: Annotated[str | None, Query(max_length=10, alias="to")] = None,
        currency: Annotated[str | None, Query(max_length=3)] = None,
        viewer: Viewer = Depends(console.viewer),
        session: Session = Depends(console.db),
    ) -> Response:
        today = console.now().date()
        last = _date(end, "to") or today
        first = _date(start, "from") or last - timedelta(weeks=12) + timedelta(days=1)
        if first > last:
            raise HTTPException(400, "from: the period must start before it ends.")
        if (last - first).days > MAX_PERIOD_DAYS:
            raise HTTPException(400, f"from: a period of at most {MAX_PERIOD_DAYS} days, please.")
        allowed = scope_of(viewer)
        wanted = (currency or "").strip().upper()
        if wanted and (len(wanted) != 3 or not wanted.isalpha()):
            raise HTTPException(400, f"currency: expected an ISO 4217 code such as EUR, got {currency!r}.")
        scope = Scope(first, last, wanted, _int(creditor_id, "creditor_id"), allowed)
        d = dashboard(session, scope, now=console.now())
        known = [c for c, _, _ in sorted(d.outstanding, key=lambda row: -row[1])] or [d.scope.currency]
        if wanted and wanted not in known:
            raise HTTPException(400, f"currency: {wanted} is not a currency of these cases ({', '.join(known)}).")
        return console.render(
            request, "dashboard.html", viewer, d=d, charts=charts(d), currencies=known,
            options=filter_options(session, allowed), link=lambda **kw: cases_link(d, **kw),
        )  # fmt: skip

    @router.get("/live")
    async def live(
        request: Request,
        after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        case: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        viewer: Viewer = Depends(console.viewer),
    ) -> Response:
        resume = request.headers.get("last-event-id", "")
        start = min(int(resume), MAX_ID) if resume.isdecimal() and len(resume) < 19 else after
        allowed = scope_of(viewer)

        def fetch(since: int) -> list[Any]:
            with console.runtime.session() as session:
                return poll_updates(session, after=since, case_id=case, creditor_ids=allowed)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        body = stream(fetch, start, request.is_disconnected)
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)


def add_work_actions(router: APIRouter, console: Console) -> None:
    """POST /cases/{id}/assign, /notes, /calls, /flags/{flag}/snooze."""

    @router.post("/cases/{case_id}/assign")
    def assign(
        request: Request,
        case_id: int,
        agent_id: Annotated[int, Form()],
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = scoped_case(session, case_id, viewer)
        colleague = session.get(Agent, agent_id) if valid_id(agent_id) else None
        if colleague is None:
            raise HTTPException(400, f"agent_id: there is no agent #{agent_id}.")

        def act() -> str:
            actions.assign(session, case=case, to_agent=colleague, agent_id=viewer.id, at=console.now())
            return "You hold this case now." if colleague.id == viewer.id else f"Assigned to {colleague.name}."

        return run_action(console, request, session, case, act, "")

    @router.post("/cases/{case_id}/notes")
    def note(
        request: Request,
        case_id: int,
        text: NOTE_TEXT,
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = scoped_case(session, case_id, viewer)

        def act() -> None:
            actions.add_note(session, case=case, text=text, agent_id=viewer.id, at=console.now())

        return run_action(console, request, session, case, act, "Note added (colleagues only, never sent).")

    @router.post("/cases/{case_id}/calls")
    def call(
        request: Request,
        case_id: int,
        outcome: Annotated[str, Form(max_length=20)],
        note: NOTE_TEXT = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = scoped_case(session, case_id, viewer)

        def act() -> None:
            actions.log_call(session, case=case, outcome=outcome, note=note, agent_id=viewer.id, at=console.now())

        return run_action(console, request, session, case, act, "Call logged.")

    @router.post("/cases/{case_id}/flags/{flag_id}/snooze")
    def snooze(
        request: Request,
        case_id: int,
        flag_id: int,
        until: Annotated[date, Form()],
        note: NOTE_TEXT = "",
        viewer: Viewer = Depends(console.poster),
        session: Session = Depends(console.db),
    ) -> Response:
        case = scoped_case(session, case_id, viewer)

        def act() -> str:
            actions.snooze_flag(
                session, case=case, flag_id=flag_id, until=until, note=note, agent_id=viewer.id, at=console.now()
            )
            return f"Flag snoozed until {until.isoformat()}: it leaves the queue until then."

        return run_action(console, request, session, case, act, "")


__all__ = ["add_list_routes", "add_work_actions", "agent_zone", "case_url", "scope_of"]
