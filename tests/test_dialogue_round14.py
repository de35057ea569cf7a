"""Round 14 of issue 13 through the real inbound path (SQLite and PostgreSQL): readings the round corrected, each
of which changed what the bot does to the debtor."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import Flag, PaymentPlan
from tests.test_dialogue_conversation import NOW, Debtor_, answered_with, load, rows, rows_optouts
from tests.test_dialogue_conversation import case_id as case_id
from tests.test_dialogue_conversation import renderer as renderer


def test_a_wish_not_to_stop_the_lessons_gets_the_plan_offer_not_an_opt_out(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    # the code before the round read it as an opt-out: the channel closed on a debtor asking for a plan
    outcome = Debtor_(engine, case_id, config, renderer).says(
        "She loves her piano lessons, we don't want to stop. Can I pay monthly?", NOW
    )
    assert answered_with(engine, case_id) == ["plan_proposal"] and len(outcome.replies) == 1
    assert rows_optouts(engine) == []


def test_a_stop_after_a_negation_of_something_else_stops_the_channel(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    # the code before the round read it as nothing: a stop missed
    outcome = Debtor_(engine, case_id, config, renderer).says("je ne veux pas arrêter les cours. Stop aux sms", NOW)
    assert answered_with(engine, case_id) == ["opt_out_confirmation"] and len(outcome.replies) == 1
    (row,) = rows_optouts(engine)
    assert (row.channel, row.active) == ("sms", True)


def test_a_dead_debtors_estate_offering_a_plan_gets_the_bereavement_handling(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    # the code before the round read it as a plan: a dead debtor's relative would have been sent a schedule
    outcome = Debtor_(engine, case_id, config, renderer).says(
        "Dad died three weeks ago. Could I pay 50 a month out of his estate until probate clears?", NOW
    )
    assert answered_with(engine, case_id) == ["bereavement"] and len(outcome.replies) == 1
    assert rows(engine, PaymentPlan, case_id) == []
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["bereavement"]
    assert load(engine, case_id).dialogue_state == "closed"
