"""Whole conversations against a real database (SQLite and PostgreSQL), through the inbound pipeline.

Each debtor message is handled in a fresh session, committed, as a webhook request would be: the
dialogue's state lives in the database only. The last test checks that the scheduler's sweep
respects what the dialogue recorded (promise, plan, wrong number).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.case_messages import render_for_case
from bot.inbound import Disposition, Inbound, Outcome, receive
from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.events import case_events, event_to_dict, verify_chain
from relance.core.models import (
    Case,
    CaseStatus,
    Debtor,
    Direction,
    Dispute,
    Flag,
    FlagStatus,
    Installment,
    InstallmentStatus,
    Message,
    MessageStatus,
    OptOut,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)
from scheduler.sweep import sweep
from tests.factories import case_with_debt

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 11:00 in Paris
OUR_NUMBER = "+33700000001"
_provider_ids = count(1)


@pytest.fixture
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def case_id(engine: Engine) -> int:
    with Session(engine, expire_on_commit=False) as session:
        case = case_with_debt(session, amount="600.00", due=date(2026, 11, 1), phone="+33612345678")
        session.commit()
        assert case.id is not None
        return case.id


class Debtor_:
    """The debtor's phone: sends SMS to us, one webhook request (session, commit) per message."""

    def __init__(self, engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer) -> None:
        self.engine, self.case_id, self.config, self.renderer = engine, case_id, config, renderer

    def says(self, text: str, at: datetime) -> Outcome:
        with Session(self.engine, expire_on_commit=False) as session:
            case = session.get(Case, self.case_id)
            assert case is not None
            debtor = session.get(Debtor, case.debtor_id)
            assert debtor is not None and debtor.phone is not None
            inbound = Inbound("sms", debtor.phone, OUR_NUMBER, text, f"SM{next(_provider_ids):032d}")
            outcome = receive(session, inbound, case=case, now=at, config=self.config, renderer=self.renderer)
            session.commit()
            return outcome


def load(engine: Engine, case_id: int) -> Case:
    with Session(engine, expire_on_commit=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def rows(engine: Engine, model: type, case_id: int) -> list:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.execute(sa.select(model).where(model.case_id == case_id)).scalars())  # type: ignore[attr-defined]


def outbound(engine: Engine, case_id: int, kind: str) -> list[Message]:
    with Session(engine, expire_on_commit=False) as session:
        query = sa.select(Message).where(
            col(Message.case_id) == case_id, col(Message.direction) == Direction.OUT, col(Message.kind) == kind
        )
        return list(session.execute(query.order_by(col(Message.id))).scalars())


def texts(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


def answered_with(engine: Engine, case_id: int) -> list[str]:
    """The templates of the dialogue's last answer (from the event log: wording belongs to `messages`)."""
    turns = [e for e in _events(engine, case_id) if e.kind == "dialogue_turn"]
    return list(turns[-1].data["replies"])


def send_reminder(engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer, at: datetime) -> None:
    """The scenario's first reminder, as the scheduler sends it."""
    with Session(engine, expire_on_commit=False) as session:
        case = session.get(Case, case_id)
        assert case is not None
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        rendered = render_for_case(
            session,
            renderer,
            config,
            case=case,
            name="reminder_first",
            channel="sms",
            step_index=1,
            step_count=4,
            pay_by=at.date() + timedelta(days=10),
        )
        session.add(
            Message(
                case_id=case_id,
                debtor_id=debtor.id,
                direction=Direction.OUT,
                channel="sms",
                author="bot",
                kind="reminder",
                step=1,
                body=rendered.text,
                status=MessageStatus.SENT,
                to_address=debtor.phone,
                from_address=OUR_NUMBER,
                idempotency_key=f"reminder:{case_id}:1",
                created_at=at,
                sent_at=at,
            )
        )
        case.last_step, case.last_reminder_at = 1, at
        session.add(case)
        session.commit()


def test_reminder_counter_offer_refusal_acceptance(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    send_reminder(engine, case_id, config, renderer, NOW)
    debtor = Debtor_(engine, case_id, config, renderer)

    # a free-text proposal outside the policy (20 a month on 600: 30 installments) gets a counter-offer
    counter = debtor.says("Bonjour, je ne peux pas tout payer, je peux faire 20 € par mois", NOW + timedelta(hours=1))
    assert counter.disposition == Disposition.DIALOGUE
    assert answered_with(engine, case_id) == ["plan_counter_offer"] and "100,00" in texts(counter)
    assert load(engine, case_id).dialogue_state == "awaiting_plan_answer"

    # a refusal gets the most lenient plan the policy allows
    again = debtor.says("non c'est trop", NOW + timedelta(hours=2))
    assert answered_with(engine, case_id) == ["plan_counter_offer"] and "6" in texts(again)
    assert load(engine, case_id).dialogue_data["refusals"] == 1

    # acceptance makes it the active plan, to the cent
    accepted = debtor.says("ok d'accord", NOW + timedelta(hours=3))
    assert answered_with(engine, case_id) == ["plan_confirmation"] and len(accepted.replies) == 1
    case = load(engine, case_id)
    assert case.status == CaseStatus.PLAN and case.dialogue_state == "idle"
    (plan,) = rows(engine, PaymentPlan, case_id)
    assert plan.status == PlanStatus.ACTIVE and plan.installment_count == 6 and plan.frequency == "monthly"
    with Session(engine) as session:
        installments = list(
            session.execute(
                sa.select(Installment).where(col(Installment.plan_id) == plan.id).order_by(col(Installment.seq))
            ).scalars()
        )
    assert sum(i.amount for i in installments) == Decimal("600.00")
    assert installments[0].due_on == date(2026, 12, 23)  # the most lenient start: 30 days from today

    # the whole exchange is on the record, in a valid chain
    events = [event_to_dict(e) for e in _events(engine, case_id)]
    kinds = [e["kind"] for e in events]
    assert kinds.count("dialogue_turn") == 3 and "plan_activated" in kinds and "plan_counter_offered" in kinds
    assert verify_chain(events) == []


def _events(engine: Engine, case_id: int) -> list:
    with Session(engine) as session:
        return case_events(session, case_id)


def test_promise_is_recorded_and_suspends_the_scenario(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says("je vous paie 200 € vendredi", NOW)
    assert answered_with(engine, case_id) == ["promise_confirmation"] and "200,00" in texts(outcome)
    (promise,) = rows(engine, PromiseToPay, case_id)
    assert (promise.amount, promise.due_on, promise.status) == (
        Decimal("200.00"),
        date(2026, 11, 27),
        PromiseStatus.PENDING,
    )
    assert load(engine, case_id).status == CaseStatus.PROMISED


def test_dispute_reason_then_silence(engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer) -> None:
    debtor = Debtor_(engine, case_id, config, renderer)
    ack = debtor.says("je conteste cette facture", NOW)
    assert answered_with(engine, case_id) == ["dispute_ack"] and len(ack.replies) == 1
    case = load(engine, case_id)
    assert case.status == CaseStatus.DISPUTED and case.flagged_at is not None
    reason = debtor.says("je n'ai jamais reçu la marchandise", NOW + timedelta(minutes=5))
    assert answered_with(engine, case_id) == ["dispute_reason_received"] and len(reason.replies) == 1
    (dispute,) = rows(engine, Dispute, case_id)
    assert dispute.reason_code == "goods_or_service"
    assert dispute.reason_text == "je conteste cette facture\n\nje n'ai jamais reçu la marchandise"
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["dispute"]
    # flagged for a human: the bot stays silent, except for an opt-out
    assert debtor.says("vous avez reçu ?", NOW + timedelta(minutes=10)).replies == []
    stop = debtor.says("ne m'envoyez plus de messages", NOW + timedelta(minutes=15))
    assert answered_with(engine, case_id) == ["opt_out_confirmation"] and len(stop.replies) == 1


def test_free_text_opt_out_is_confirmed_once(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    debtor = Debtor_(engine, case_id, config, renderer)
    first = debtor.says("arrêtez de m'écrire svp", NOW)
    assert len(first.replies) == 1
    (row,) = rows_optouts(engine)
    assert (row.channel, row.address, row.active) == ("sms", "+33612345678", True)
    assert debtor.says("arrêtez de m'écrire", NOW + timedelta(minutes=1)).replies == []


def rows_optouts(engine: Engine) -> list[OptOut]:
    with Session(engine) as session:
        return list(session.execute(sa.select(OptOut)).scalars())


def test_numbered_menu_answer_on_sms(engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer) -> None:
    debtor = Debtor_(engine, case_id, config, renderer)
    menu = debtor.says("hmm ?", NOW)
    assert answered_with(engine, case_id) == ["clarification"] and menu.replies[0].choices
    assert menu.replies[0].choices[1].key == "payment_plan"
    plan = debtor.says("2", NOW + timedelta(minutes=1))
    assert answered_with(engine, case_id) == ["plan_proposal"] and len(plan.replies) == 1
    assert load(engine, case_id).dialogue_state == "awaiting_plan_answer"


@pytest.mark.parametrize(
    "text",
    [
        "Vous vous trompez de numéro",
        # read as an opt-out (the labelling priority), the wrong person beside it still marks the number
        "STOP, vous vous trompez de numéro",
    ],
)
def test_wrong_person_stops_all_contact(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer, text: str
) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says(text, NOW)
    assert answered_with(engine, case_id) == ["wrong_person"] and len(outcome.replies) == 1
    case = load(engine, case_id)
    with Session(engine) as session:
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None and debtor.wrong_person
    assert case.status == CaseStatus.WRONG_PERSON
    assert [(f.reason, f.status) for f in rows(engine, Flag, case_id)] == [("wrong_person", FlagStatus.OPEN)]
    assert rows_optouts(engine)[0].source == "wrong_person"


def test_already_paid_pauses_reminders(engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer) -> None:
    outcome = Debtor_(engine, case_id, config, renderer).says("j'ai déjà payé hier", NOW)
    assert answered_with(engine, case_id) == ["already_paid"] and len(outcome.replies) == 1
    case = load(engine, case_id)
    assert case.paused_until == NOW + timedelta(days=5)
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["payment_check"]


def test_hardship_is_flagged_at_once_and_the_plan_offer_still_answered(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    send_reminder(engine, case_id, config, renderer, NOW)
    debtor = Debtor_(engine, case_id, config, renderer)
    text = "j'ai perdu mon emploi le mois dernier, je ne peux pas payer pour l'instant"  # the demo's persona
    offer = debtor.says(text, NOW + timedelta(hours=8))
    assert answered_with(engine, case_id) == ["hardship"] and [c.key for c in offer.replies[0].choices] == [
        "payment_plan",
        "pause",
        "human",
    ]
    (flag,) = rows(engine, Flag, case_id)
    assert (flag.reason, flag.recommended_action, flag.status) == ("hardship", "review_hardship", FlagStatus.OPEN)
    assert flag.note is not None and text in flag.note
    assert load(engine, case_id).flagged_at is not None

    # the debtor takes the offer up on the flagged case: the bot carries the plan to its end
    proposal = debtor.says("1", NOW + timedelta(hours=9))
    assert answered_with(engine, case_id) == ["plan_proposal"] and len(proposal.replies) == 1
    confirmed = debtor.says("oui c'est ok pour moi", NOW + timedelta(hours=10))
    assert answered_with(engine, case_id) == ["plan_confirmation"] and len(confirmed.replies) == 1
    (plan,) = rows(engine, PaymentPlan, case_id)
    assert plan.status == PlanStatus.ACTIVE and load(engine, case_id).status == CaseStatus.PLAN
    # the hardship stays in the queue for a person, once
    assert [f.reason for f in rows(engine, Flag, case_id)] == ["hardship"]
    assert debtor.says("merci", NOW + timedelta(hours=11)).replies == []


@pytest.mark.parametrize(
    "reply", ["je vous paie 200 € vendredi", "en 3 fois", "Vous vous trompez de numéro", "je conteste cette facture"]
)
def test_the_sweep_respects_the_dialogue(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer, reply: str
) -> None:
    """After a promise, an accepted plan, a wrong number or a dispute, the scenario sends nothing."""
    debtor = Debtor_(engine, case_id, config, renderer)
    debtor.says(reply, NOW)
    if load(engine, case_id).dialogue_state == "awaiting_plan_answer":
        debtor.says("oui", NOW + timedelta(minutes=1))
    sweep(engine, config=config, now=NOW + timedelta(hours=1))
    assert outbound(engine, case_id, "reminder") == []


def test_a_plan_cancels_the_pending_promise_and_the_plan_before_it(
    engine: Engine, case_id: int, config: RelanceConfig, renderer: Renderer
) -> None:
    """The plan's rows as the ORM wrote them: installments due and unpaid, what it replaces cancelled."""
    debtor = Debtor_(engine, case_id, config, renderer)
    debtor.says("je vous paie 200 € vendredi", NOW)
    (promise,) = rows(engine, PromiseToPay, case_id)
    assert promise.status == PromiseStatus.PENDING

    plans = []
    for hour, text in ((1, "je peux payer en 3 fois ?"), (3, "finalement je préfère payer en 6 fois")):
        outcome = debtor.says(text, NOW + timedelta(hours=hour))
        if answered_with(engine, case_id) != ["plan_confirmation"]:
            outcome = debtor.says("oui d'accord", NOW + timedelta(hours=hour + 1))
        assert answered_with(engine, case_id) == ["plan_confirmation"], outcome
        plans = rows(engine, PaymentPlan, case_id)
        assert load(engine, case_id).status == CaseStatus.PLAN

    (promise,) = rows(engine, PromiseToPay, case_id)
    assert promise.status == PromiseStatus.CANCELLED
    first, second = sorted(plans, key=lambda p: p.id)
    assert first.status == PlanStatus.CANCELLED and first.ended_at == second.created_at
    assert second.status == PlanStatus.ACTIVE and second.ended_at is None
    assert second.accepted_at == second.created_at and second.currency == "EUR" and second.total == Decimal("600.00")
    with Session(engine) as session:
        installments = list(
            session.execute(
                sa.select(Installment).where(col(Installment.plan_id) == second.id).order_by(col(Installment.seq))
            ).scalars()
        )
    assert [i.seq for i in installments] == list(range(1, second.installment_count + 1))
    assert sum(i.amount for i in installments) == second.total
    assert all(i.paid_amount == 0 and i.status == InstallmentStatus.DUE for i in installments)
    events = [event_to_dict(e) for e in _events(engine, case_id)]
    activated = [e["data"]["plan_id"] for e in events if e["kind"] == "plan_activated"]
    assert activated == [first.id, second.id] and verify_chain(events) == []
