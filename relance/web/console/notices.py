"""Drafting a formal notice from the console, through `messages.drafting` (messages issue)."""

from __future__ import annotations

from sqlmodel import Session

from relance.core.errors import NotFoundError
from relance.core.models import Case, CaseStatus, FormalNotice
from relance.core.runtime import Runtime
from relance.web.console.actions import ENDED, ActionError


def generate_notice(
    session: Session, *, case: Case, agent_id: int, runtime: Runtime, override: str = "", signatory: str = ""
) -> FormalNotice:
    """Draft the case's formal notice (PDF stored on the row, event `notice_drafted`) for the agent.

    Refused with the reason on a disputed case, an active plan, a pending promise or a debtor who
    opted out everywhere (`messages.drafting.NoticeRefused`), unless `override` says why (recorded).
    `signatory` ("Name, capacity") replaces the creditor's configured signatory.
    """
    from messages.drafting import create_notice  # fpdf and the templates load only when a notice is drafted
    from messages.notice import Signatory

    if case.status in ENDED or case.status == CaseStatus.WRONG_PERSON:
        raise ActionError(f"the case is {case.status}: there is nobody to send a formal notice to")
    signer = None
    if signatory.strip():
        name, _, capacity = signatory.partition(",")
        if not name.strip() or not capacity.strip():
            raise ActionError('signatory: give "Name, capacity", e.g. "Claire Dubois, credit manager"')
        signer = Signatory(name.strip(), capacity.strip())
    now = runtime.now()
    try:
        return create_notice(
            session, case, runtime.config, now.date(), agent_id, now=now, override=override or None, signatory=signer,
            dispatch_on=now.date(),
        )  # fmt: skip
    except NotFoundError as exc:
        raise ActionError(str(exc)) from None
