"""Round 9 of issue 13 through the real inbound path (SQLite and PostgreSQL): a "STOP" standing as a
sentence of its own in the middle of a message ends the channel; a death said only in an idiom ("ma fille
est morte de rire") is no bereavement: the promise beside it is recorded and the debtor is not written
off as dead or as the wrong person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import CaseStatus, Debtor, Flag, PromiseStatus, PromiseToPay
from tests.test_dialogue_conversation import NOW, Debtor_, answered_with, load, rows, rows_optouts
from tests.test_dialogue_conversation import case_id as case_id
from tests.test_dialogue_conversation import renderer as renderer


def test_a_stop_sentence_mid_message_ends_the_channel(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says(
        "Je rentre du boulot et je vois votre message. STOP. Et je paierai quand je voudrai.", NOW
    )
    assert answered_with(engine, case_id) == ["opt_out_confirmation"] and len(outcome.replies) == 1
    (row,) = rows_optouts(engine)
    assert (row.channel, row.address, row.active) == ("sms", "+33612345678", True)
    assert rows(engine, PromiseToPay, case_id) == []


def test_a_death_in_an_idiom_leaves_the_promise_and_the_debtor_alive(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    Debtor_(engine, case_id, config, renderer).says(
        "Ma fille est morte de rire en lisant votre message automatique 😂 Bref, je vous paie 50 € vendredi.", NOW
    )
    assert answered_with(engine, case_id) == ["promise_confirmation"]
    (promise,) = rows(engine, PromiseToPay, case_id)
    # NOW is Monday 23 November 2026: the Friday after it
    assert (promise.amount, promise.due_on, promise.status) == (
        Decimal("50.00"),
        date(2026, 11, 27),
        PromiseStatus.PENDING,
    )
    case = load(engine, case_id)
    with Session(engine) as session:
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None and not debtor.wrong_person
    assert case.status != CaseStatus.WRONG_PERSON
    assert rows(engine, Flag, case_id) == [] and rows_optouts(engine) == []
