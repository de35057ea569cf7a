"""Telegram through the webhook (and long polling) with python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.telegram_binding import deep_link, issue_chat_link, redeem_chat_link, telegram_link, token_hash
from bot.testing.app_server import LoopbackServer
from bot.testing.fake_telegram import FakeTelegram
from bot.testing.fake_twilio import FakeTwilio
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig
from relance.core.models import Case, ChatLink, Debtor, Message, OptOut
from relance.core.runtime import open_runtime
from relance.web.app import create_app
from tests import factories
from tests.conftest_web import WEBHOOK_SECRET, Stack, run_stack, stack, stack_settings, wait_until_ready

__all__ = ["stack"]
# PTB itself warns when it builds a RetryAfter (flood control) from the Bot API's answer
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 555_001
OTHER_CHAT = 555_002


def link_for(stack: Stack, case: Case) -> str:
    with stack.runtime.session() as session:
        token = issue_chat_link(session, case=case, now=stack.runtime.now())
        session.commit()
    return token


def debtor(stack: Stack, case: Case) -> Debtor:
    with stack.runtime.session() as session:
        row = session.get(Debtor, case.debtor_id)
        assert row is not None
        return row


def keyboard_keys(sent: dict[str, Any]) -> list[str]:
    markup = sent["reply_markup"] or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def asks_for_contact(sent: dict[str, Any]) -> bool:
    markup = sent["reply_markup"] or {}
    return any(button.get("request_contact") for row in markup.get("keyboard", []) for button in row)


def test_the_webhook_is_registered_with_its_secret(stack: Stack) -> None:
    assert stack.telegram.webhook == {"url": paths.public(stack.url, paths.TELEGRAM), "secret_token": WEBHOOK_SECRET}


def test_deep_link_binds_the_chat_and_shows_the_case_with_the_common_answers(stack: Stack) -> None:
    case = stack.case()
    token = link_for(stack, case)
    assert deep_link("@relance_test_bot", token) == f"https://t.me/relance_test_bot?start={token}"
    response = stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {token}"))
    assert response.status_code == 200
    [sent] = stack.telegram.sent
    assert sent["chat_id"] == CHAT and "600,00" in sent["text"] and "Example Creditor" in sent["text"]
    assert keyboard_keys(sent) == ["promise_to_pay", "payment_plan", "dispute", "human"]
    assert debtor(stack, case).telegram_chat_id == CHAT
    [inbound] = stack.messages(direction="in")
    assert inbound.body == "/start" and token not in inbound.body and inbound.case_id == case.id
    [reply] = stack.messages(direction="out")
    assert reply.status == "delivered" and reply.provider_id == f"{CHAT}:{sent['message_id']}"
    assert reply.choices and reply.choices[0]["key"] == "promise_to_pay"


def test_a_token_is_single_use_and_stored_hashed(stack: Stack) -> None:
    case = stack.case()
    token = link_for(stack, case)
    with stack.runtime.session() as session:
        [link] = session.execute(sa.select(ChatLink)).scalars()
        assert link.token_hash == token_hash(token) and token not in link.token_hash
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {token}"))
    stack.telegram.deliver(stack.telegram.text_update(OTHER_CHAT, f"/start {token}"))
    [refused] = [m for m in stack.telegram.sent if m["chat_id"] == OTHER_CHAT]
    assert asks_for_contact(refused) and "600" not in refused["text"] and "Example" not in refused["text"]
    assert debtor(stack, case).telegram_chat_id == CHAT


def test_an_expired_token_binds_nothing(stack: Stack) -> None:
    case = stack.case()
    token = link_for(stack, case)
    stack.runtime.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {token}"))
    [sent] = stack.telegram.sent
    assert asks_for_contact(sent) and debtor(stack, case).telegram_chat_id is None


def test_the_sms_link_is_offered_only_to_unbound_debtors_and_only_with_a_bot(stack: Stack) -> None:
    case = stack.case()
    with stack.runtime.session() as session:
        link = telegram_link(session, case=case, bot_username="relance_test_bot", now=stack.runtime.now())
        assert telegram_link(session, case=case, bot_username=None, now=stack.runtime.now()) is None
        session.commit()
    assert link is not None and link.startswith("https://t.me/relance_test_bot?start=")
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "/start " + link.rsplit("=", 1)[1]))
    assert debtor(stack, case).telegram_chat_id == CHAT
    with stack.runtime.session() as session:
        assert telegram_link(session, case=case, bot_username="relance_test_bot", now=stack.runtime.now()) is None


def test_redeem_refuses_unknown_and_oversized_tokens(stack: Stack) -> None:
    with stack.runtime.session() as session:
        assert redeem_chat_link(session, token="nope", chat_id=CHAT, now=stack.runtime.now()) is None
        assert redeem_chat_link(session, token="x" * 65, chat_id=CHAT, now=stack.runtime.now()) is None


def test_an_unbound_chat_learns_nothing_about_any_debt(stack: Stack) -> None:
    stack.case()
    for text in ("combien je dois ?", "/start", "/help", "INFO"):
        stack.telegram.deliver(stack.telegram.text_update(CHAT, text))
    assert len(stack.telegram.sent) == 4
    for sent in stack.telegram.sent:
        assert asks_for_contact(sent)
        for secret in ("600", "Example Creditor", "INV-", "recouvrement"):
            assert secret not in sent["text"]
    stored = stack.messages(direction="in")
    assert [m.body for m in stored] == ["combien je dois ?", "/start", "/help", "INFO"]
    assert all(m.case_id is None for m in stored)


def test_sharing_ones_own_contact_binds_the_chat(stack: Stack) -> None:
    case = stack.case()
    phone = stack.phone_of(case)
    stack.telegram.deliver(stack.telegram.contact_update(CHAT, phone.lstrip("+")))  # Telegram drops the '+'
    [sent] = stack.telegram.sent
    assert "600,00" in sent["text"] and keyboard_keys(sent)
    assert debtor(stack, case).telegram_chat_id == CHAT


def test_someone_elses_contact_binds_nothing(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.contact_update(CHAT, stack.phone_of(case), user_id=123))
    [sent] = stack.telegram.sent
    assert asks_for_contact(sent) and "600" not in sent["text"]
    assert debtor(stack, case).telegram_chat_id is None


def test_an_unknown_contact_binds_nothing_and_says_so(stack: Stack) -> None:
    stack.telegram.deliver(stack.telegram.contact_update(CHAT, "+33611223344"))
    [sent] = stack.telegram.sent
    assert asks_for_contact(sent)


def test_stop_opts_out_of_telegram_once(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "/stop"))
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "/stop"))
    assert len(stack.telegram.sent) == 2  # the welcome and one confirmation
    with stack.runtime.session() as session:
        [opt] = session.execute(sa.select(OptOut)).scalars()
    assert (opt.channel, opt.address, opt.source, opt.sender) == ("telegram", str(CHAT), "telegram_stop", "123456789")
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "/start"))  # Telegram's own way back
    with stack.runtime.session() as session:
        assert not session.execute(sa.select(col(OptOut.active))).scalar_one()


@pytest.mark.parametrize("secret", [None, "wrong", WEBHOOK_SECRET + "x", "é".encode()])
def test_a_wrong_or_missing_secret_is_403_and_nothing_happens(stack: Stack, secret: str | bytes | None) -> None:
    case = stack.case()
    update = stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}")
    headers: dict[str, Any] = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    response = stack.client.post(paths.TELEGRAM, json=update, headers=headers)
    assert response.status_code == 403
    assert stack.telegram.sent == [] and stack.count(Message) == 0
    assert debtor(stack, case).telegram_chat_id is None


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"update_id": "x"}', b'{"update_id": 1, "message": 5}'])
def test_a_malformed_update_is_400(stack: Stack, body: bytes) -> None:
    response = stack.client.post(
        paths.TELEGRAM, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    )
    assert response.status_code == 400


def test_long_polling_without_a_webhook_secret(engine: Engine, db_url: str, clock: SimulatedClock) -> None:
    with run_stack(engine, db_url, clock, telegram_webhook_secret=None) as stack:
        assert stack.telegram.webhook is None
        case = stack.case()
        stack.telegram.push_update(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
        [sent] = stack.telegram.wait_for_sent(1)
        assert "600,00" in sent["text"] and debtor(stack, case).telegram_chat_id == CHAT
        forbidden = stack.update(stack.telegram.text_update(CHAT, "hello"))
        assert forbidden.status_code == 403  # no secret configured: the webhook accepts nothing


def test_an_unreachable_provider_at_start_up_is_retried_while_the_rest_works(
    engine: Engine, db_url: str, clock: SimulatedClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    late = FakeTelegram(port=port)
    with FakeTwilio() as twilio, LoopbackServer() as server:
        settings = stack_settings(server.url, db_url, twilio, late, telegram_api_url=f"http://127.0.0.1:{port}")
        runtime = open_runtime(settings, config=RelanceConfig(), clock=clock, engine=engine)
        server.serve(create_app(runtime, console=False))
        assert httpx.get(paths.public(server.url, paths.HEALTH)).json()["telegram"] == "starting"
        with runtime.session() as session:
            debtor_id = factories.case_with_debt(session).debtor_id
            session.commit()
            debtor_row = session.get(Debtor, debtor_id)
            assert debtor_row is not None and debtor_row.phone
            number = debtor_row.phone
        help_answer = twilio.send_inbound(
            paths.public(server.url, paths.TWILIO_SMS), from_=number, to="+33700000001", body="HELP"
        )
        assert help_answer.status_code == 200 and "<Message>" in help_answer.text  # SMS works meanwhile
        not_ready = httpx.post(
            paths.public(server.url, paths.TELEGRAM),
            json={"update_id": 1},
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert not_ready.status_code == 503  # Telegram will deliver it again later
        with late:
            wait_until_ready(server.url, timeout=20)
            assert late.webhook is not None


# --------------------------------------------------------------------------- the dialogue behind the bot


def test_a_bound_chat_talks_with_the_dialogue_and_taps_answer_it(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
    welcome = stack.telegram.sent[0]
    origin = {
        "message_id": welcome["message_id"],
        "date": 0,
        "chat": {"id": CHAT, "type": "private"},
        "text": welcome["text"],
        "reply_markup": welcome["reply_markup"],
    }
    tap = stack.telegram.callback_update(CHAT, "payment_plan", message=origin)
    assert stack.telegram.deliver(tap).status_code == 200
    assert ("answerCallbackQuery", {"callback_query_id": tap["callback_query"]["id"]}) in stack.telegram.calls
    proposal = stack.telegram.sent[-1]
    assert proposal["chat_id"] == CHAT and "en 6 fois" in proposal["text"] and "100,00\xa0€" in proposal["text"]
    assert keyboard_keys(proposal)[0] == "affirm"  # the plan comes with its own buttons
    tapped = stack.messages(direction="in")[-1]
    assert tapped.body == "Payer en plusieurs fois" and tapped.provider_id == f"cb:{tap['callback_query']['id']}"
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "je peux payer en 3 fois ?"))
    assert "200,00" in stack.telegram.sent[-1]["text"]


def test_a_failed_reply_goes_back_to_the_outbox(stack: Stack) -> None:
    case = stack.case()
    stack.telegram.deliver(stack.telegram.text_update(CHAT, f"/start {link_for(stack, case)}"))
    stack.telegram.fail_next(429, "Too Many Requests: retry after 5", retry_after=5)
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "je peux payer en 3 fois ?"))
    reply = stack.messages(direction="out")[-1]
    assert reply.status == "queued" and reply.error_code == "retry_after" and reply.attempts == 1
    stack.telegram.block(CHAT)
    stack.telegram.deliver(stack.telegram.text_update(CHAT, "oui"))
    assert stack.messages(direction="out")[-1].status == "failed"
