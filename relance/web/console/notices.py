"""Drafting a formal notice from the console, through `messages.drafting` (messages issue)."""

from __future__ import annotations

from sqlmodel import Session

from relance.core.errors import NotFoundError
from relance.core.models import Case, CaseStatus, FormalNotice
from relance.core.runtime import Runtime
from relance.web.console.actions import ENDED, ActionError


def generate_notice(session: Session, *, case: Case, agent_id: int, runtime: Runtime) -> FormalNotice:
    """Draft the case's formal notice (PDF stored on the row, event `notice_drafted`) for the agent."""
    from messages.drafting import create_notice  # fpdf and the templates load only when a notice is drafted

    if case.status in ENDED or case.status == CaseStatus.WRONG_PERSON:
        raise ActionError(f"the case is {case.status}: there is nobody to send a formal notice to")
    now = runtime.now()
    try:
        return create_notice(session, case, runtime.config, now.date(), agent_id, now=now)
    except NotFoundError as exc:
        raise ActionError(str(exc)) from None
