"""The REST API's operations: thin, each one parses, checks the key's scope and hands over to the core."""

from __future__ import annotations

import csv
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from sqlmodel import Session, col

from relance.core.apikeys import KeyOwner
from relance.core.case_control import CaseActionError, close_case, pause_case, resume_case
from relance.core.errors import ImportRowsError, RowProblem
from relance.core.importer import DEBT_OPTIONAL, DEBT_REQUIRED, import_debts, parse_payment_row
from relance.core.models import (
    MAX_ID,
    Case,
    Creditor,
    Debt,
    Debtor,
    Flag,
    FlagStatus,
    Installment,
    Message,
    PaymentPlan,
    PlanStatus,
)
from relance.core.money import has_valid_precision
from relance.core.payments import record_payment
from relance.web.api import schemas as s
from relance.web.api.security import ApiError, caller, fingerprint, idempotent_post
from relance.web.context import WebContext, web_context

router = APIRouter()
COLUMNS = (*DEBT_REQUIRED, *DEBT_OPTIONAL)
FIRST_LINE = 2  # the importer's line of the first item (line 1 is the header)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": s.ErrorOut, "description": "the body is not JSON"},
    401: {"model": s.ErrorOut, "description": "missing, invalid or revoked API key"},
    422: {"model": s.ErrorOut, "description": "invalid request: every problem with its item index and field"},
    429: {"model": s.ErrorOut, "description": "rate limit: wait Retry-After seconds"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": s.ErrorOut, "description": "no such case for this key"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": s.ErrorOut, "description": "not possible in the case's state"}
}

Owner = Annotated[KeyOwner, Depends(caller)]
Web = Annotated[WebContext, Depends(web_context)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="retry a POST safely: the same key gets the first answer",
    ),
]
CaseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


# --------------------------------------------------------------------------- debts


@router.post("/debts", response_model=s.ImportOut, responses=_ERRORS, summary="Create or update one debt")
def create_debt(item: s.DebtIn, owner: Owner, web: Web, idempotency_key: IdemKey = None) -> JSONResponse:
    return _import(web, owner, [item], False, idempotency_key, "/debts")


@router.post(
    "/debts/batch", response_model=s.ImportOut, responses=_ERRORS, summary="Create or update up to 10,000 debts"
)
def create_debts(batch: s.DebtBatchIn, owner: Owner, web: Web, idempotency_key: IdemKey = None) -> JSONResponse:
    """All or nothing, as the CSV import: one bad item refuses the batch, unless `skip_invalid`."""
    return _import(web, owner, batch.items, batch.skip_invalid, idempotency_key, "/debts/batch")


def _import(
    web: WebContext, owner: KeyOwner, items: list[s.DebtIn], skip: bool, key: str | None, path: str
) -> JSONResponse:
    body = [i.model_dump() for i in items]
    print_ = fingerprint("POST", path, [body, skip])

    def work(session: Session) -> tuple[int, dict[str, Any]]:
        scope_key = _creditor_key(session, owner)
        refused = [
            {"index": n, "field": "creditor", "reason": f"this API key writes only debts of {scope_key!r}"}
            for n, item in enumerate(items)
            if scope_key is not None and item.creditor not in (None, "", scope_key)
        ]
        if refused and not skip:
            raise ApiError(422, f"{len(refused)} invalid item(s); nothing was imported", refused)
        kept = [(n, i) for n, i in enumerate(items) if n not in {r["index"] for r in refused}]
        report = _run_import(session, web, [(n, i, scope_key) for n, i in kept], skip)
        skipped = refused + [_item_error(p, [n for n, _ in kept]) for p in report.skipped]
        return 200, s.ImportOut(
            items=len(items),
            imported=report.imported_rows,
            debts_created=report.debts_created,
            debts_updated=report.debts_updated,
            unchanged=report.unchanged,
            cases_created=report.cases_created,
            skipped=sorted(skipped, key=lambda e: e["index"]),
        ).model_dump()

    return idempotent_post(web, owner, key, print_, work)


def _run_import(session: Session, web: WebContext, items: list[tuple[int, s.DebtIn, str | None]], skip: bool) -> Any:
    """The items as a debts CSV through the importer: same validation, same all-or-nothing rules."""
    with tempfile.TemporaryDirectory(prefix="relance-api-") as tmp:
        path = Path(tmp) / "debts.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            for _, item, scope_key in items:
                row = item.model_dump()
                if scope_key is not None and not row.get("creditor"):
                    row["creditor"] = scope_key
                writer.writerow([row.get(c) or "" for c in COLUMNS])
        try:
            return import_debts(session, path, web.runtime.config, now=web.runtime.now(), skip_invalid=skip)
        except ImportRowsError as exc:
            indexes = [n for n, _, _ in items]
            errors = [_item_error(p, indexes) for p in exc.problems]
            raise ApiError(422, f"{len(errors)} invalid item(s); nothing was imported", errors) from exc


def _item_error(problem: RowProblem, indexes: list[int]) -> dict[str, Any]:
    position = problem.line - FIRST_LINE
    index = indexes[position] if 0 <= position < len(indexes) else 0
    return {"index": index, "field": problem.field, "reason": problem.reason}


def _creditor_key(session: Session, owner: KeyOwner) -> str | None:
    if owner.creditor_id is None:
        return None
    return session.execute(sa.select(col(Creditor.key)).where(col(Creditor.id) == owner.creditor_id)).scalar_one()


# --------------------------------------------------------------------------- payments


@router.post("/payments", response_model=s.PaymentOut, responses=_ERRORS, summary="Record a payment")
def create_payment(payment: s.PaymentIn, owner: Owner, web: Web, idempotency_key: IdemKey = None) -> JSONResponse:
    """Allocated like a CSV payment line (the debt, then the plan's installments); a paid case closes."""
    print_ = fingerprint("POST", "/payments", payment.model_dump())

    def work(session: Session) -> tuple[int, dict[str, Any]]:
        parsed = parse_payment_row(0, {k: v or "" for k, v in payment.model_dump().items()})
        if isinstance(parsed, list):
            raise ApiError(422, "invalid payment", [{"index": 0, "field": p.field, "reason": p.reason} for p in parsed])
        debt = _debt(session, owner, payment.reference, payment.creditor)
        if not has_valid_precision(parsed.amount, debt.currency) or parsed.amount >= 10**13:
            raise ApiError(
                422,
                "invalid payment",
                [{"index": 0, "field": "amount", "reason": f"not a valid {debt.currency} amount"}],
            )
        external = f"api:{debt.creditor_id}:{payment.payment_id}" if payment.payment_id else None
        recorded = record_payment(
            session,
            debt=debt,
            amount=parsed.amount,
            paid_on=parsed.paid_on,
            at=web.runtime.now(),
            source="api",
            external_key=external,
        )
        case = session.get(Case, debt.case_id)
        assert case is not None
        session.refresh(debt)
        return 200, s.PaymentOut(
            recorded=recorded is not None,
            case_id=case.id,
            case_status=case.status,  # type: ignore[arg-type]
            case_balance=str(case.balance),
            debt_balance=str(debt.balance),
        ).model_dump()

    return idempotent_post(web, owner, idempotency_key, print_, work)


def _debt(session: Session, owner: KeyOwner, reference: str, creditor: str | None) -> Debt:
    query = (
        sa.select(Debt)
        .join(Creditor, col(Creditor.id) == col(Debt.creditor_id))
        .where(col(Debt.reference) == reference)
    )
    if owner.creditor_id is not None:
        query = query.where(col(Debt.creditor_id) == owner.creditor_id)
    if creditor:
        query = query.where(col(Creditor.key) == creditor)
    debts = list(session.execute(query).scalars())
    if len(debts) != 1:
        reason = "no debt with this reference" if not debts else "several creditors use it: give `creditor`"
        raise ApiError(422, "invalid payment", [{"index": 0, "field": "reference", "reason": reason}])
    return debts[0]


# --------------------------------------------------------------------------- cases


@router.get("/cases/{case_id}", response_model=s.CaseOut, responses={**_ERRORS, **_NOT_FOUND}, summary="Read a case")
def read_case(case_id: CaseId, owner: Owner, web: Web) -> s.CaseOut:
    with web.runtime.session() as session:
        return _case_out(session, _visible_case(session, owner, case_id))


@router.get("/cases", response_model=s.CasePage, responses=_ERRORS, summary="Cases changed since a cursor")
def changed_cases(
    owner: Owner,
    web: Web,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^[0-9]{1,16}\.[0-9]{1,9}$",
            description="`next_cursor` of the previous page; none: from the start",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> s.CasePage:
    """Cases in the order they last changed, oldest first; page with `next_cursor`."""
    after_at, after_id = _read_cursor(since)
    with web.runtime.session() as session:
        query = _summary_query(owner).where(
            sa.or_(col(Case.updated_at) > after_at, sa.and_(col(Case.updated_at) == after_at, col(Case.id) > after_id))
        )
        rows = session.execute(query.order_by(col(Case.updated_at), col(Case.id)).limit(limit)).all()
        items = [_summary(*row) for row in rows]
    cursor = _cursor(items[-1].updated_at, items[-1].id) if items else (since or "0.0")
    return s.CasePage(items=items, next_cursor=cursor)


def _read_cursor(since: str | None) -> tuple[datetime, int]:
    if not since:
        return datetime(1970, 1, 1, tzinfo=UTC), 0
    micros, _, case_id = since.partition(".")
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros)), int(case_id)
    except OverflowError as exc:
        raise ApiError(
            422, "invalid cursor", [{"index": 0, "field": "since", "reason": "not a cursor of this API"}]
        ) from exc


def _cursor(at: datetime, case_id: int) -> str:
    delta = at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return f"{delta // timedelta(microseconds=1)}.{case_id}"


def _summary_query(owner: KeyOwner) -> Any:
    query = (
        sa.select(Case, col(Creditor.key), col(Debtor.ref))
        .join(Creditor, col(Creditor.id) == col(Case.creditor_id))
        .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
    )
    if owner.creditor_id is not None:
        query = query.where(col(Case.creditor_id) == owner.creditor_id)
    return query


def _summary(case: Case, creditor_key: str, debtor_ref: str) -> s.CaseSummary:
    return s.CaseSummary(
        id=case.id,
        creditor=creditor_key,
        debtor_ref=debtor_ref,
        status=case.status,
        balance=str(case.balance),  # type: ignore[arg-type]
        currency=case.currency,
        paused_until=case.paused_until,
        flagged=case.flagged_at is not None,
        updated_at=case.updated_at,
    )


def _visible_case(session: Session, owner: KeyOwner, case_id: int) -> Case:
    """The case, if this key may see it; 404 otherwise (another creditor's case does not exist for it)."""
    case = session.get(Case, case_id)
    if case is None or (owner.creditor_id is not None and case.creditor_id != owner.creditor_id):
        raise ApiError(404, f"no case {case_id}")
    return case


def _case_out(session: Session, case: Case) -> s.CaseOut:
    row = session.execute(_summary_query(KeyOwner(0, "", None)).where(col(Case.id) == case.id)).one()
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    debts = session.execute(
        sa.select(Debt).where(col(Debt.case_id) == case.id).order_by(col(Debt.due_date), col(Debt.id))
    ).scalars()
    flags = session.execute(
        sa.select(Flag).where(col(Flag.case_id) == case.id, col(Flag.status) == FlagStatus.OPEN).order_by(col(Flag.id))
    ).scalars()
    messages = list(
        session.execute(
            sa.select(Message).where(col(Message.case_id) == case.id).order_by(col(Message.id).desc()).limit(20)
        ).scalars()
    )
    return s.CaseOut(
        **_summary(*row).model_dump(),
        debtor_name=debtor.name,
        due_date=case.due_date,
        debts=[
            s.DebtOut(
                reference=d.reference,
                amount=str(d.amount),
                balance=str(d.balance),
                currency=d.currency,
                due_date=d.due_date,
                status=d.status,
            )
            for d in debts
        ],
        plan=_plan_out(session, case),
        flags=[
            s.FlagOut(
                reason=f.reason, priority=f.priority, recommended_action=f.recommended_action, created_at=f.created_at
            )
            for f in flags
        ],
        last_messages=[
            s.MessageOut(
                direction=m.direction,
                channel=m.channel,
                kind=m.kind,
                status=m.status,
                body=m.body,
                created_at=m.created_at,
            )
            for m in reversed(messages)
        ],
    )


def _plan_out(session: Session, case: Case) -> s.PlanOut | None:
    plan = (
        session.execute(
            sa.select(PaymentPlan)
            .where(col(PaymentPlan.case_id) == case.id, col(PaymentPlan.status) != PlanStatus.PROPOSED)
            .order_by(col(PaymentPlan.id).desc())
        )
        .scalars()
        .first()
    )
    if plan is None:
        return None
    installments = session.execute(
        sa.select(Installment).where(col(Installment.plan_id) == plan.id).order_by(col(Installment.seq))
    ).scalars()
    return s.PlanOut(
        status=plan.status,
        frequency=plan.frequency,
        total=str(plan.total),
        installments=[
            s.InstallmentOut(
                seq=i.seq, due_on=i.due_on, amount=str(i.amount), paid_amount=str(i.paid_amount), status=i.status
            )
            for i in installments
        ],
    )


def _case_action(
    web: WebContext, owner: KeyOwner, case_id: int, key: str | None, name: str, body: Any, act: Any
) -> JSONResponse:
    print_ = fingerprint("POST", f"/cases/{case_id}/{name}", body)

    def work(session: Session) -> tuple[int, dict[str, Any]]:
        case = _visible_case(session, owner, case_id)
        try:
            act(session, case, f"key:{owner.key_id}", web.runtime.now())
        except CaseActionError as exc:
            raise ApiError(409, str(exc)) from exc
        return 200, _case_out(session, case).model_dump(mode="json")

    return idempotent_post(web, owner, key, print_, work)


_ACTION_RESPONSES = {**_ERRORS, **_NOT_FOUND, **_CONFLICT}


@router.post(
    "/cases/{case_id}/pause", response_model=s.CaseOut, responses=_ACTION_RESPONSES, summary="Pause the reminders"
)
def pause(
    case_id: CaseId, owner: Owner, web: Web, body: s.PauseIn | None = None, idempotency_key: IdemKey = None
) -> JSONResponse:
    days = (body or s.PauseIn()).days
    return _case_action(
        web,
        owner,
        case_id,
        idempotency_key,
        "pause",
        {"days": days},
        lambda session, case, actor, now: pause_case(
            session, case=case, until=now + timedelta(days=days), actor=actor, at=now
        ),
    )


@router.post(
    "/cases/{case_id}/resume", response_model=s.CaseOut, responses=_ACTION_RESPONSES, summary="Resume the reminders"
)
def resume(case_id: CaseId, owner: Owner, web: Web, idempotency_key: IdemKey = None) -> JSONResponse:
    return _case_action(
        web,
        owner,
        case_id,
        idempotency_key,
        "resume",
        {},
        lambda session, case, actor, now: resume_case(session, case=case, actor=actor, at=now),
    )


@router.post("/cases/{case_id}/close", response_model=s.CaseOut, responses=_ACTION_RESPONSES, summary="Close the case")
def close(
    case_id: CaseId, owner: Owner, web: Web, body: s.CloseIn | None = None, idempotency_key: IdemKey = None
) -> JSONResponse:
    reason = (body or s.CloseIn()).reason
    return _case_action(
        web,
        owner,
        case_id,
        idempotency_key,
        "close",
        {"reason": reason},
        lambda session, case, actor, now: close_case(session, case=case, actor=actor, at=now, reason=reason),
    )
