"""The pure dialogue machine: one flow per intent, state by state (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.dialogue import machine
from bot.dialogue.decisions import (
    ActivatePlan,
    AddDisputeReason,
    Decision,
    MarkWrongPerson,
    Note,
    OpenDispute,
    OptOutChannel,
    PauseReminders,
    RaiseFlag,
    RecordPromise,
)
from bot.dialogue.machine import CaseView, Turn, match_choice, transition
from bot.nlu import understand
from relance.core.config import PlanPolicy

TODAY = date(2026, 11, 23)  # a Monday
POLICY = PlanPolicy()


def turn(
    text: str,
    *,
    state: str = "idle",
    data: dict[str, Any] | None = None,
    balance: str = "600.00",
    locale: str = "fr",
    flagged: bool = False,
    agent: bool = False,
    choice: str | None = None,
) -> Decision:
    t = Turn(
        state=state,
        data=data or {},
        understanding=understand(text, locale, TODAY),
        text=text,
        case=CaseView(Decimal(balance), "EUR", flagged=flagged, agent_holds=agent),
        policy=POLICY,
        today=TODAY,
        choice=choice,
    )
    return transition(t)


def templates(decision: Decision) -> list[str]:
    return [r.template for r in decision.replies]


def flags(decision: Decision) -> list[str]:
    return [a.reason for a in decision.actions if isinstance(a, RaiseFlag)]


# ---------------------------------------------------------------------------------------- promises


def test_promise_is_confirmed_with_amount_and_date() -> None:
    d = turn("je vous paie 200 € vendredi")
    assert d.state == "idle"
    assert d.actions == (RecordPromise(Decimal("200"), date(2026, 11, 27)),)
    assert templates(d) == ["promise_confirmation"]
    assert d.replies[0].context == {"promise_amount": Decimal("200"), "promise_date": date(2026, 11, 27)}


def test_promise_without_amount_or_date_is_the_balance_in_a_week() -> None:
    d = turn("I'll pay", locale="en")
    assert d.actions == (RecordPromise(Decimal("600.00"), TODAY + timedelta(days=7)),)


def test_promise_above_the_balance_is_capped() -> None:
    d = turn("je paie 900 euros demain")
    assert d.actions == (RecordPromise(Decimal("600.00"), TODAY + timedelta(days=1)),)


# ------------------------------------------------------------------------------------------- plans


def test_plan_inside_policy_is_proposed_then_confirmed_on_affirm() -> None:
    d = turn("je peux payer en 3 fois ?")
    assert d.state == "awaiting_plan_answer"
    assert templates(d) == ["plan_proposal"]
    assert [str(i.amount) for i in d.replies[0].context["installments"]] == ["200.00"] * 3
    offer = d.data["offer"]
    accepted = turn("oui", state=d.state, data=d.data)
    assert accepted.state == "idle"
    assert templates(accepted) == ["plan_confirmation"]
    plan = next(a for a in accepted.actions if isinstance(a, ActivatePlan))
    assert machine.schedule_data(plan.schedule) == offer
    assert "offer" not in accepted.data


def test_plan_outside_policy_gets_the_nearest_counter_offer() -> None:
    d = turn("I can pay $20 a month", locale="en")
    assert templates(d) == ["plan_counter_offer"]
    schedule = machine.schedule_from_data(d.data["offer"])
    assert [str(i.amount) for i in schedule.installments] == ["100.00"] * 6
    assert schedule.frequency == "monthly"


def test_first_refusal_gets_the_most_lenient_plan_second_goes_to_a_human() -> None:
    proposed = turn("en 2 fois")
    first = turn("non", state=proposed.state, data=proposed.data)
    assert templates(first) == ["plan_counter_offer"] and first.data["refusals"] == 1
    assert machine.schedule_from_data(first.data["offer"]).count == 6
    second = turn("non merci", state=first.state, data=first.data)
    assert flags(second) == ["refused_offer"]
    assert templates(second) == ["handover"]
    assert second.state == "handed_over"


def test_a_second_proposal_outside_policy_counts_as_a_refusal() -> None:
    first = turn("10 € par mois")
    assert first.data["refusals"] == 0
    second = turn("alors 15 € par mois", state=first.state, data=first.data)
    assert templates(second) == ["plan_counter_offer"] and second.data["refusals"] == 1
    third = turn("12 euros par mois", state=second.state, data=second.data)
    assert flags(third) == ["refused_offer"]


def test_a_new_proposal_inside_policy_is_proposed_again() -> None:
    first = turn("10 € par mois")
    second = turn("bon alors 150 € par mois", state=first.state, data=first.data)
    assert templates(second) == ["plan_proposal"]
    assert [str(i.amount) for i in machine.schedule_from_data(second.data["offer"]).installments] == ["150.00"] * 4


def test_two_answers_we_cannot_read_go_to_a_human() -> None:
    proposed = turn("en 3 fois")
    first = turn("euh", state=proposed.state, data=proposed.data)
    assert templates(first) == ["plan_proposal"] and first.data["plan_unclear"] == 1
    second = turn("bof", state=first.state, data=first.data)
    assert flags(second) == ["refused_offer"]


def test_a_promise_during_plan_talks_replaces_the_plan() -> None:
    proposed = turn("en 3 fois")
    d = turn("finalement je paie tout vendredi", state=proposed.state, data=proposed.data)
    assert isinstance(d.actions[0], RecordPromise) and d.state == "idle"


def test_acceptance_after_a_payment_offers_the_new_figures() -> None:
    proposed = turn("en 3 fois")
    d = turn("ok", state=proposed.state, data=proposed.data, balance="450.00")
    assert templates(d) == ["plan_proposal"]
    assert machine.schedule_from_data(d.data["offer"]).total == Decimal("450.00")


# --------------------------------------------------------------------------- the other intents


def test_dispute_is_acknowledged_flagged_and_the_reason_asked_once() -> None:
    d = turn("je conteste le montant de cette facture")
    assert d.state == "awaiting_dispute_reason"
    assert templates(d) == ["dispute_ack"]
    assert d.actions[0] == OpenDispute("amount", "je conteste le montant de cette facture")
    assert flags(d) == ["dispute"]
    # the case is flagged now; the answer to our question is still kept and acknowledged
    reason = turn("j'ai été facturé deux fois", state=d.state, data=d.data, flagged=True)
    assert reason.actions == (AddDisputeReason("j'ai été facturé deux fois"),)
    assert templates(reason) == ["dispute_reason_received"]
    assert reason.state == "disputed"
    # and then nothing more
    after = turn("alors ?", state=reason.state, data=reason.data, flagged=True)
    assert after.replies == () and after.actions == ()


def test_already_paid_pauses_flags_and_asks_date_and_means() -> None:
    d = turn("j'ai payé 300 € hier")
    assert templates(d) == ["already_paid"]
    assert PauseReminders(5) in d.actions and flags(d) == ["payment_check"]
    assert d.state == "awaiting_payment_details"
    details = turn("par virement le 20", state=d.state, data=d.data, flagged=True)
    assert details.replies == ()
    note = details.actions[0]
    assert isinstance(note, Note) and note.kind == "payment_details" and note.data["means"] == "transfer"


def test_hardship_offers_a_plan_or_a_pause_and_is_flagged_at_once() -> None:
    # flagged when declared (not only when the offer is refused): a debtor who goes quiet after
    # "j'ai perdu mon travail" must reach a person, not the no_response -> formal_notice path
    d = turn("j'ai perdu mon travail")
    assert templates(d) == ["hardship"] and d.replies[0].context == {"pause_days": 30}
    assert d.state == "awaiting_hardship_choice" and flags(d) == ["hardship"]
    (note,) = [a.note for a in d.actions if isinstance(a, RaiseFlag)]
    assert note is not None and "j'ai perdu mon travail" in note
    # the case is flagged from now on; the debtor's choice is still honoured
    pause = turn("2", state=d.state, data=d.data, choice="pause", flagged=True)
    assert PauseReminders(30) in pause.actions and pause.state == "idle"
    plan = turn("en 4 fois", state=d.state, data=d.data, flagged=True)
    assert templates(plan) == ["plan_proposal"]


def test_a_plan_chosen_in_hardship_is_negotiated_to_its_end_on_the_flagged_case() -> None:
    d = turn("I lost my job last month and can't pay right now", locale="en")
    plan = turn("1", state=d.state, data=d.data, choice="payment_plan", flagged=True, locale="en")
    assert templates(plan) == ["plan_proposal"] and plan.state == "awaiting_plan_answer"
    refused = turn("no", state=plan.state, data=plan.data, flagged=True, locale="en")
    assert templates(refused) == ["plan_counter_offer"]
    accepted = turn("ok deal", state=refused.state, data=refused.data, flagged=True, locale="en")
    assert templates(accepted) == ["plan_confirmation"]
    assert any(isinstance(a, ActivatePlan) for a in accepted.actions)
    # the offer is closed: the flagged case is silent again until a person looks at it
    after = turn("thanks, one more question", state=accepted.state, data=accepted.data, flagged=True, locale="en")
    assert after.replies == () and after.actions == ()


def test_the_hardship_offer_is_not_answered_once_an_agent_holds_the_case() -> None:
    d = turn("je suis au chômage, je ne peux pas payer")
    held = turn("2", state=d.state, data=d.data, choice="pause", flagged=True, agent=True)
    assert held.replies == () and held.actions == ()


def test_a_plan_offer_on_a_case_flagged_for_another_reason_stays_silent() -> None:
    offered = turn("en 3 fois")
    late = turn("oui", state=offered.state, data=offered.data, flagged=True)
    assert late.replies == () and late.actions == ()


def test_hardship_beyond_a_plan_or_a_pause_is_flagged() -> None:
    d = turn("I lost my job", locale="en")
    more = turn("I need more help than that, I have nothing at all", state=d.state, data=d.data, locale="en")
    assert flags(more) == ["hardship"] and templates(more) == ["handover"]
    assert "hardship_offer" not in more.data


def test_a_person_asked_for_in_hardship_is_a_call_request() -> None:
    d = turn("j'ai perdu mon emploi le mois dernier, je ne peux pas payer pour l'instant")
    person = turn("3", state=d.state, data=d.data, choice="human", flagged=True)
    assert flags(person) == ["human_requested"] and templates(person) == ["handover"]
    assert person.state == "handed_over"


def test_wrong_person_apologises_and_stops_contact() -> None:
    d = turn("wrong number", locale="en")
    assert templates(d) == ["wrong_person"]
    assert MarkWrongPerson() in d.actions and flags(d) == ["wrong_person"]
    assert d.state == "closed"


def test_opt_out_is_confirmed_once() -> None:
    d = turn("arrêtez de m'écrire")
    assert d.actions == (OptOutChannel(),)
    assert d.replies[0].template == "opt_out_confirmation" and d.replies[0].only_if == "opted_out"


def test_human_request_says_when_a_person_answers() -> None:
    d = turn("je voudrais parler à un conseiller")
    assert flags(d) == ["human_requested"] and templates(d) == ["handover"]
    assert d.replies[0].context == {"answer_by": date(2026, 11, 24)}
    assert machine.answer_by(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday: answered Monday


def test_info_request_answers_from_the_case_and_keeps_the_state() -> None:
    proposed = turn("en 3 fois")
    d = turn("c'est pour quelle facture ?", state=proposed.state, data=proposed.data)
    assert templates(d) == ["info"] and d.state == "awaiting_plan_answer" and d.data == proposed.data


def test_abuse_gets_one_calm_answer_and_a_flag() -> None:
    d = turn("bande de voleurs")
    assert templates(d) == ["abuse"] and flags(d) == ["abuse"]


def test_unclear_twice_in_a_row_goes_to_a_human() -> None:
    first = turn("hmm")
    assert templates(first) == ["clarification"] and first.data["unclear"] == 1
    second = turn("bof", state=first.state, data=first.data)
    assert flags(second) == ["unclear"] and templates(second) == ["handover"]


def test_understood_message_resets_the_unclear_count() -> None:
    first = turn("hmm")
    d = turn("je paie demain", state=first.state, data=first.data)
    assert "unclear" not in d.data


def test_thanks_with_nothing_pending_needs_no_answer() -> None:
    d = turn("merci")
    assert d.replies == () and d.actions == ()


# ------------------------------------------------------------------------------------ flagged cases


@pytest.mark.parametrize("text", ["je paie demain", "en 3 fois", "c'est pour quelle facture ?", "bande de voleurs"])
@pytest.mark.parametrize(("flagged", "agent"), [(True, False), (False, True)])
def test_a_flagged_or_held_case_gets_no_answer(text: str, flagged: bool, agent: bool) -> None:
    d = turn(text, flagged=flagged, agent=agent)
    assert d.replies == () and d.actions == () and d.state == "idle"


def test_a_flagged_case_still_gets_the_opt_out_confirmation() -> None:
    d = turn("ne me contactez plus", flagged=True)
    assert d.actions == (OptOutChannel(),) and templates(d) == ["opt_out_confirmation"]


def test_a_state_left_by_a_human_hand_back_acts_as_idle() -> None:
    d = turn("je paie demain", state="handed_over")
    assert templates(d) == ["promise_confirmation"] and d.state == "idle"


# ------------------------------------------------------------------------------------------ choices

CHOICES = [
    ["promise_to_pay", "Je vais payer"],
    ["payment_plan", "Payer en plusieurs fois"],
    ["human", "Parler à une personne"],
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", "payment_plan"),
        (" 3 ", "human"),
        ("1.", "promise_to_pay"),
        ("payer en plusieurs FOIS", "payment_plan"),
        ("4", None),
        ("0", None),
        ("je paie", None),
        ("²", None),  # a superscript two is a digit to str.isdigit, not to int()
        ("٢", "payment_plan"),  # an Arabic-Indic two is a decimal digit
    ],
)
def test_match_choice(text: str, expected: str | None) -> None:
    assert match_choice(text, CHOICES) == expected


def test_a_menu_number_is_not_an_amount() -> None:
    d = turn("1", choice="promise_to_pay")
    assert d.actions == (RecordPromise(Decimal("600.00"), TODAY + timedelta(days=7)),)


@pytest.mark.parametrize(("text", "locale"), [("ok ok on verra", "fr"), ("oui peut-être", "fr"), ("yeah maybe", "en")])
def test_a_yes_held_back_does_not_confirm_the_plan(text: str, locale: str) -> None:
    # issue 13, round 13: "ok on verra" read as a yes confirmed a plan nobody accepted
    proposed = turn("je peux payer en 3 fois ?")
    d = turn(text, state=proposed.state, data=proposed.data, locale=locale)
    assert not any(isinstance(a, ActivatePlan) for a in d.actions)
    assert templates(d) == ["plan_proposal"]  # the offer asked again
    assert d.state == "awaiting_plan_answer"
