"""The SMS webhook's statement budget: an ordinary answer is a dozen short statements, not the ORM's score.

Counted on SQLite with the driver's own trace (every statement the connection runs, including the
ones `bot.case_state` sends straight to the driver), so a change that brings back a per-request
ORM load, flush or re-read shows up here rather than only in `bench/webhook.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.inbound import Disposition
from bot.sms_inbound import handle_sms, sms_inbound
from messages.render import Renderer
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.db import make_engine
from relance.core.runtime import open_runtime
from tests.factories import case_with_debt

PHONE, OUR_NUMBER = "+33612345678", "+33700000001"
# an answer without side effects: 13 statements (read, store, understand, answer) between BEGIN and COMMIT;
# through the ORM it was 15, each several times dearer to run
BUDGET = 15


def test_an_ordinary_answer_stays_within_its_statement_budget(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    clock = SimulatedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    runtime = open_runtime(
        Settings(database_url=sqlite_url, config=Path("/nonexistent/relance.toml")),
        config=RelanceConfig(),
        clock=clock,
        engine=engine,
    )
    with Session(engine) as session:
        case_with_debt(session, amount="600.00", due=date(2026, 11, 1), phone=PHONE)
        session.commit()
    engine.dispose()
    statements: list[str] = []

    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    sa.event.listen(engine, "connect", trace)
    renderer = Renderer()
    form = {"MessageSid": "SM" + "1" * 32, "From": PHONE, "To": OUR_NUMBER, "Body": "c'est quoi cette facture ?"}
    inbound = sms_inbound(form)
    assert inbound is not None
    handle_sms(runtime, renderer, inbound)  # the first request also runs the connection's pragmas
    statements.clear()
    inbound = sms_inbound({**form, "MessageSid": "SM" + "2" * 32})
    assert inbound is not None
    outcome = handle_sms(runtime, renderer, inbound)
    assert outcome.disposition == Disposition.DIALOGUE and len(outcome.replies) == 1
    assert len(statements) <= BUDGET, "\n".join(statements)
    engine.dispose()
