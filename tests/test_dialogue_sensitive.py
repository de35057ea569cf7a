"""Threat and bereavement through the real inbound path (SQLite and PostgreSQL), issue 13."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import Debtor, Flag, FlagStatus
from tests.test_dialogue_conversation import NOW, Debtor_, _events, answered_with, load, rows, rows_optouts
from tests.test_dialogue_conversation import case_id as case_id
from tests.test_dialogue_conversation import renderer as renderer


def test_threat_stops_flags_urgently_and_answers_nothing(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    debtor = Debtor_(engine, case_id, config, renderer)
    outcome = debtor.says("Je sais où sont vos bureaux. Vous allez le regretter.", NOW)
    assert outcome.replies == []  # no reply that argues
    (flag,) = rows(engine, Flag, case_id)
    assert (flag.reason, flag.priority, flag.status) == ("threat", 4, FlagStatus.OPEN)
    assert load(engine, case_id).dialogue_state == "handed_over"
    assert any(e.kind == "threat_received" for e in _events(engine, case_id))
    # the case is held: a later message gets no answer either, and no second flag
    later = debtor.says("alors ?", NOW + timedelta(minutes=5))
    assert later.replies == [] and len(rows(engine, Flag, case_id)) == 1


def test_bereavement_stops_the_number_at_once_with_one_respectful_line(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    debtor = Debtor_(engine, case_id, config, renderer)
    outcome = debtor.says("Bonjour, mon père est décédé le mois dernier, c'était son téléphone.", NOW)
    assert answered_with(engine, case_id) == ["bereavement"] and len(outcome.replies) == 1
    assert "\n" not in outcome.replies[0].text.strip() and "condoléances" in outcome.replies[0].text
    (row,) = rows_optouts(engine)
    assert (row.channel, row.address, row.active) == ("sms", "+33612345678", True)
    (flag,) = rows(engine, Flag, case_id)
    assert (flag.reason, flag.status) == ("bereavement", FlagStatus.OPEN)
    case = load(engine, case_id)
    assert case.dialogue_state == "closed"
    with Session(engine) as session:  # the debtor died: not a wrong number, the estate may still owe
        debtor_row = session.get(Debtor, case.debtor_id)
        assert debtor_row is not None and not debtor_row.wrong_person
    # whatever comes next on that number gets no answer
    assert debtor.says("merci", NOW + timedelta(minutes=5)).replies == []


def test_bereavement_in_english(engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says("This was my late husband's phone.", NOW)
    assert answered_with(engine, case_id) == ["bereavement"] and len(outcome.replies) == 1
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["bereavement"]


def test_a_wrong_person_asking_to_stop_is_stopped_on_that_channel_and_flagged(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    """ "I'm not Kevin. Stop.": read as the wrong person, whose handling opts the channel out as well."""
    debtor = Debtor_(engine, case_id, config, renderer)
    outcome = debtor.says("You have the wrong person. I'm not Kevin. Stop.", NOW)
    assert answered_with(engine, case_id) == ["wrong_person"] and len(outcome.replies) == 1
    (row,) = rows_optouts(engine)
    assert (row.channel, row.address, row.active) == ("sms", "+33612345678", True)
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["wrong_person"]
    assert load(engine, case_id).dialogue_state == "closed"
    assert debtor.says("STOP!!", NOW + timedelta(minutes=5)).replies == []


def test_a_bereaved_relative_asking_to_stop_gets_the_bereavement_handling(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says(
        "hey its my dads old number he passed away last year. please stop", NOW
    )
    assert answered_with(engine, case_id) == ["bereavement"] and len(outcome.replies) == 1
    (row,) = rows_optouts(engine)
    assert row.active
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["bereavement"]
