"""Telegram: one stored row for what is really sent, settled at once; every update type replayed is a no-op;
updates of the wrong shape are refused (400) before anything is stored."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.telegram_texts import TEXTS
from relance.core import paths
from relance.core.models import Debtor, Event, Message
from tests.conftest_scheduler import dispatcher, recording
from tests.conftest_web import WEBHOOK_SECRET, Stack, stack
from tests.test_telegram import CHAT, asks_for_contact, link_for

__all__ = ["stack"]
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _out(stack: Stack) -> list[Message]:
    return stack.messages(direction="out")


async def test_an_unbound_chat_gets_one_stored_and_settled_answer_and_nothing_later(stack: Stack) -> None:
    stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "combien je dois ?"))
    [sent] = stack.telegram.sent
    assert asks_for_contact(sent) and sent["text"] == TEXTS["fr"]["unbound"]
    [row] = _out(stack)
    assert row.body == sent["text"] and row.status == "sent" and row.claimed_by is None  # settled in the same step
    assert row.provider_id == f"{CHAT}:{sent['message_id']}" and row.case_id is None
    # after the dispatcher's lease, nothing is left to send a second, different message
    stack.runtime.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    channels = recording()
    await dispatcher(stack.runtime.engine, stack.runtime.config, stack.runtime.clock, channels).drain()
    assert channels["telegram"].sent == [] and len(stack.telegram.sent) == 1


def test_a_replayed_text_update_sends_and_stores_nothing_more(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
    update = stack.telegram.text_update(CHAT, "je peux payer en 3 fois ?")
    assert stack.telegram.deliver(update).status_code == 200
    sent, rows, events = len(stack.telegram.sent), stack.count(Message), stack.count(Event)
    assert stack.telegram.deliver(copy.deepcopy(update)).status_code == 200
    assert (len(stack.telegram.sent), stack.count(Message), stack.count(Event)) == (sent, rows, events)


def test_a_replayed_start_stores_the_inbound_once_and_answers_once(stack: Stack) -> None:
    case = stack.case()
    update = stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}")
    for _ in range(2):
        assert stack.telegram.deliver(copy.deepcopy(update)).status_code == 200
    assert len(stack.telegram.sent) == 1
    assert [m.body for m in stack.messages(direction="in")] == ["/start"]
    unbound = stack.telegram.text_update(CHAT + 1, "/start")  # an unbound chat's /start, replayed
    for _ in range(2):
        assert stack.telegram.deliver(copy.deepcopy(unbound)).status_code == 200
    assert len(stack.telegram.sent) == 2 and len(stack.messages(direction="in", from_address=str(CHAT + 1))) == 1


def test_a_replayed_contact_share_is_no_error_and_binds_once(stack: Stack) -> None:
    case = stack.case()
    update = stack.telegram.contact_update(CHAT, stack.phone_of(case).lstrip("+"))
    for _ in range(2):
        assert stack.telegram.deliver(copy.deepcopy(update)).status_code == 200
    assert len(stack.telegram.sent) == 1 and "600,00" in stack.telegram.sent[0]["text"]
    with stack.runtime.session() as session:
        assert session.get(Debtor, case.debtor_id).telegram_chat_id == CHAT  # type: ignore[union-attr]
        bound = session.execute(sa.select(Event).where(Event.kind == "telegram_bound")).scalars().all()
    assert len(bound) == 1 and len(stack.messages(direction="in")) == 1
    unknown = stack.telegram.contact_update(CHAT + 7, "+33611223344")
    for _ in range(2):
        assert stack.telegram.deliver(copy.deepcopy(unknown)).status_code == 200
    assert len(stack.telegram.sent) == 2 and asks_for_contact(stack.telegram.sent[-1])


def test_a_replayed_button_tap_answers_once(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
    tap = stack.telegram.callback_update(CHAT, "payment_plan")
    for _ in range(2):
        assert stack.telegram.deliver(copy.deepcopy(tap)).status_code == 200
    assert len(stack.telegram.sent) == 2  # the welcome and one proposal
    assert len([m for m in stack.messages(direction="in") if m.provider_id.startswith("cb:")]) == 1


def _with(update: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(update)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


WRONG_SHAPES: list[tuple[tuple[str, ...], Any]] = [
    (("message", "chat", "id"), "abc"),
    (("message", "chat", "id"), None),
    (("message", "chat", "id"), [1]),
    (("message", "chat", "id"), 1.5),
    (("message", "chat", "id"), True),
    (("message", "chat", "id"), 2**70),
    (("message", "chat"), "x"),
    (("message", "from", "id"), "1"),
    (("message", "message_id"), "7"),
    (("message", "text"), {"a": 1}),
    (("update_id",), 1.0),
]


def test_an_update_of_the_wrong_shape_with_the_right_secret_is_400(stack: Stack) -> None:
    for path, value in WRONG_SHAPES:
        update = _with(stack.telegram.text_update(CHAT, "bonjour"), path, value)
        response = stack.update(update, secret=WEBHOOK_SECRET)
        assert response.status_code == 400, (path, value, response.text)
    assert stack.count(Message) == 0 and stack.telegram.sent == []


def test_callback_and_contact_shapes_are_checked_too(stack: Stack) -> None:
    tap = stack.telegram.callback_update(CHAT, "human")
    for path, value in [(("callback_query", "id"), 5), (("callback_query", "from", "id"), "x"),
                        (("callback_query", "data"), 3)]:  # fmt: skip
        assert stack.update(_with(tap, path, value)).status_code == 400
    contact = stack.telegram.contact_update(CHAT, "+33611223344")
    assert stack.update(_with(contact, ("message", "contact", "user_id"), "me")).status_code == 400
    assert stack.update(_with(contact, ("message", "contact", "phone_number"), 336)).status_code == 400
    ok = stack.client.post(paths.TELEGRAM, json=tap, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert ok.status_code == 200
    assert len(stack.messages(direction="in")) == 1  # only the well-formed tap was stored
