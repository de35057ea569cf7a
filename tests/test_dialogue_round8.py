"""Round 8 of issue 13 through the real inbound path (SQLite and PostgreSQL): a debtor who corrects
themselves mid-message gets the corrected promise confirmed and recorded; a stop keyword wrapped in a
greeting and thanks ends the channel like a bare "STOP"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import PromiseStatus, PromiseToPay
from tests.test_dialogue_conversation import NOW, Debtor_, answered_with, rows, rows_optouts, texts
from tests.test_dialogue_conversation import case_id as case_id
from tests.test_dialogue_conversation import renderer as renderer


def test_a_promise_corrected_mid_message_is_the_one_recorded(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says(
        "Bonjour, je vous paie 200 € demain... enfin non, plutôt 150 € mercredi. Merci", NOW
    )
    assert answered_with(engine, case_id) == ["promise_confirmation"] and "150,00" in texts(outcome)
    assert "200,00" not in texts(outcome)
    (promise,) = rows(engine, PromiseToPay, case_id)
    # NOW is Monday 23 November 2026: the Wednesday after it
    assert (promise.amount, promise.due_on, promise.status) == (
        Decimal("150.00"),
        date(2026, 11, 25),
        PromiseStatus.PENDING,
    )


def test_a_stop_keyword_between_a_greeting_and_thanks_ends_the_channel(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says("Bonsoir madame,\nSTOP\nMerci, bonne soirée", NOW)
    assert answered_with(engine, case_id) == ["opt_out_confirmation"] and len(outcome.replies) == 1
    (row,) = rows_optouts(engine)
    assert (row.channel, row.address, row.active) == ("sms", "+33612345678", True)
