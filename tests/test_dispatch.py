"""The dispatcher against SQLite and PostgreSQL: send-time checks, retries, fallbacks, fencing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.base import SendResult
from bot.channels.recording import RecordingChannel
from relance.core.clock import SimulatedClock
from relance.core.config import Channels, RelanceConfig
from relance.core.errors import PermanentChannelError, TransientChannelError
from relance.core.events import case_events, event_to_dict, record_event, verify_chain
from relance.core.models import Agent, Case, ChatLink, Debt, Dispute, Flag, Message, OptOut
from scheduler import outbox as outbox_store
from scheduler.dispatch import Retry
from scheduler.outbox import body_digest
from tests import factories
from tests.conftest_scheduler import NOW, case, dispatcher, events, outbox, recording, sweep_at

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def at_now(clock: SimulatedClock) -> SimulatedClock:
    clock.set(NOW)
    return clock


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc,arg-type]


def queued_case(engine: Engine, session: Session, config: RelanceConfig, **kw: object) -> Case:
    made = factories.case_with_debt(session, due=date(2026, 11, 1), **kw)  # type: ignore[arg-type]
    session.commit()
    assert sweep_at(engine, config).queued == 1
    return made


def bot_reply(session: Session, made: Case, *, at: datetime, body: str = "Merci, c'est noté.", **kw: object) -> Message:
    values: dict[str, object] = {
        "case_id": made.id, "debtor_id": made.debtor_id, "direction": "out", "channel": "sms", "author": "bot",
        "kind": "reply", "body": body, "status": "queued", "created_at": at, "not_before": at,
    }  # fmt: skip
    values.update(kw)
    if "to_address" not in values:
        values["to_address"] = _phone(session, made)
    message = Message(**values)  # type: ignore[arg-type]
    session.add(message)
    session.commit()
    return message


def _phone(session: Session, made: Case) -> str:
    from relance.core.models import Debtor

    debtor = session.get(Debtor, made.debtor_id)
    assert debtor is not None and debtor.phone
    return debtor.phone


async def test_a_reminder_is_written_at_send_time_and_recorded_once(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = queued_case(engine, session, config, amount="600.00")
    # a payment lands between the sweep and the send: the debtor reads the new balance
    with engine.begin() as conn:
        conn.execute(sa.update(Case).values(balance=Decimal("250.00")))
        conn.execute(sa.update(Debt).values(balance=Decimal("250.00")))
    channels = recording()
    report = await dispatcher(engine, config, at_now, channels).drain()
    assert report.outcomes == {"sent": 1}
    (sent,) = channels["sms"].sent
    assert "250,00" in sent.text and "600,00" not in sent.text
    (row,) = outbox(engine)
    assert (row.status, row.provider_id, row.body, row.sent_at) == ("sent", sent.provider_id, sent.text, NOW)
    (event,) = events(engine, "message_sent")
    assert event.data["body_sha256"] == body_digest(sent.text) and event.data["key"] == row.idempotency_key
    after = case(engine, made.id)  # type: ignore[arg-type]
    assert (after.last_reminder_at, after.next_check_at) == (NOW, None)
    assert (await dispatcher(engine, config, at_now, channels).drain()).claimed == 0
    assert len(channels["sms"].sent) == 1


async def test_the_first_sms_carries_a_telegram_link_when_a_bot_is_configured(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    sms_only = config.model_copy(update={"channels": Channels(preferred=("sms",))})
    made = queued_case(engine, session, sms_only)
    channels = recording()
    await dispatcher(engine, sms_only, at_now, channels, telegram_bot="relance_bot").drain()
    (sent,) = channels["sms"].sent
    assert "https://t.me/relance_bot?start=" in sent.text
    with Session(engine) as s:
        (link,) = s.execute(sa.select(ChatLink)).scalars()
    assert link.case_id == made.id


async def test_window_closed_at_send_time_defers(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)
    at_now.set(paris(2026, 11, 28, 21, 0))  # the worker was down until Saturday night
    channels = recording()
    report = await dispatcher(engine, config, at_now, channels).drain()
    assert report.outcomes == {"deferred": 1}
    (row,) = outbox(engine)
    assert (row.status, row.not_before, row.attempts) == ("queued", paris(2026, 11, 30, 8, 0), 0)
    assert channels["sms"].sent == []
    at_now.set(paris(2026, 11, 30, 8, 0))
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"sent": 1}


async def test_a_dispute_opened_after_queuing_cancels(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = queued_case(engine, session, config)
    session.add(Dispute(case_id=made.id, opened_at=NOW))  # type: ignore[arg-type]
    session.commit()
    channels = recording()
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"cancelled": 1}
    (row,) = outbox(engine)
    assert (row.status, row.last_error) == ("cancelled", "dispute")
    assert [e.data["reason"] for e in events(engine, "message_cancelled")] == ["dispute"]
    assert channels["sms"].sent == []


async def test_a_reply_in_grace_goes_at_night_others_wait(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = factories.case_with_debt(session)
    session.commit()
    night = paris(2026, 11, 24, 23, 0)
    at_now.set(night + timedelta(minutes=5))
    bot_reply(session, made, at=night, reply_deadline=night + timedelta(minutes=15))
    late = bot_reply(session, made, at=night, body="Trop tard", reply_deadline=night - timedelta(minutes=1))
    channels = recording()
    report = await dispatcher(engine, config, at_now, channels).drain()
    assert report.outcomes == {"sent": 1, "deferred": 1}
    assert [r.text for r in channels["sms"].sent] == ["Merci, c'est noté."]
    with Session(engine) as s:
        deferred = s.get(Message, late.id)
    assert deferred is not None and deferred.not_before == paris(2026, 11, 25, 8, 0)


async def test_a_bot_reply_without_deadline_has_the_grace_of_its_creation(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = factories.case_with_debt(session)
    session.commit()
    night = paris(2026, 11, 24, 23, 0)
    bot_reply(session, made, at=night, body="Réponse du webhook, à réessayer")
    at_now.set(night + timedelta(minutes=20))
    channels = recording()
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"deferred": 1}
    bot_reply(session, made, at=night + timedelta(minutes=10), body="Dans le délai")
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"sent": 1}
    assert [r.text for r in channels["sms"].sent] == ["Dans le délai"]


async def test_transient_errors_back_off_then_succeed(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)
    channels = recording()
    channels["sms"].fail_next(TransientChannelError("timeout"), TransientChannelError("503"))
    worker = dispatcher(engine, config, at_now, channels)
    assert (await worker.drain()).outcomes == {"retried": 1}
    (row,) = outbox(engine)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "queued", 1, NOW + timedelta(seconds=30), "timeout",
    )  # fmt: skip
    assert (await worker.drain()).claimed == 0  # not before its time
    at_now.advance(timedelta(seconds=30))
    assert (await worker.drain()).outcomes == {"retried": 1}
    assert outbox(engine)[0].next_attempt_at == at_now.now() + timedelta(seconds=60)
    at_now.advance(timedelta(seconds=60))
    assert (await worker.drain()).outcomes == {"sent": 1}
    assert outbox(engine)[0].attempts == 3


def test_back_off_is_exponential_and_capped() -> None:
    retry = Retry()
    assert [retry.delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 12)] == [30, 60, 120, 240, 3600, 3600]


async def test_twilio_21610_records_the_opt_out_and_moves_to_telegram(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    sms_first = config.model_copy(update={"channels": Channels(preferred=("sms", "telegram"))})
    made = queued_case(engine, session, sms_first, telegram_chat_id=99)
    channels = recording()
    channels["sms"].fail_next(PermanentChannelError("recipient unsubscribed", code="21610"))
    worker = dispatcher(engine, sms_first, at_now, channels)
    assert (await worker.run_once()).outcomes == {"moved": 1}
    with Session(engine) as s:
        (opt_out,) = s.execute(sa.select(OptOut)).scalars()
    assert (opt_out.channel, opt_out.address, opt_out.source, opt_out.debtor_id) == (
        "sms", _phone(session, made), "provider_21610", made.debtor_id,
    )  # fmt: skip
    assert (await worker.drain()).outcomes == {"sent": 1}
    (sent,) = channels["telegram"].sent
    assert sent.to == "99"
    (row,) = outbox(engine)
    assert (row.channel, row.status, row.body) == ("telegram", "sent", sent.text)
    assert [e.data.get("moved_to") for e in events(engine, "message_failed")] == ["telegram"]


async def test_permanent_failure_without_another_channel_fails_and_flags(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)
    channels = recording()
    channels["sms"].fail_next(PermanentChannelError("invalid number", code="21211"))
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"failed": 1}
    (row,) = outbox(engine)
    assert (row.status, row.error_code) == ("failed", "21211")
    with Session(engine) as s:
        flag = s.execute(sa.select(Flag)).scalar_one()
    assert (flag.reason, flag.recommended_action) == ("delivery_failed", "verify_contact")


async def test_giving_up_after_the_last_attempt(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)
    channels = recording()
    channels["sms"].fail_next(*(TransientChannelError("timeout") for _ in range(2)))
    worker = dispatcher(engine, config, at_now, channels, retry=Retry(max_attempts=2))
    await worker.drain()
    at_now.advance(timedelta(minutes=1))
    assert (await worker.drain()).outcomes == {"failed": 1}
    assert outbox(engine)[0].last_error == "gave up after 2 attempts: timeout"


async def test_opted_out_before_send_only_the_confirmation_goes(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = queued_case(engine, session, config)
    phone = _phone(session, made)
    earlier = bot_reply(session, made, at=NOW - timedelta(minutes=2), body="Réponse d'avant")
    session.add(OptOut(channel="sms", address=phone, source="keyword", created_at=NOW - timedelta(minutes=1)))
    session.commit()
    bot_reply(session, made, at=NOW - timedelta(minutes=1), body="Vous ne recevrez plus de SMS.")
    channels = recording()
    report = await dispatcher(engine, config, at_now, channels).drain()
    assert report.outcomes == {"cancelled": 2, "sent": 1}
    assert [r.text for r in channels["sms"].sent] == ["Vous ne recevrez plus de SMS."]
    with Session(engine) as s:
        assert s.get(Message, earlier.id).last_error == "opted_out"  # type: ignore[union-attr]


async def test_agent_holds_the_case_bot_is_silent_agent_speaks(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = factories.case_with_debt(session)
    agent = Agent(email="agent@example.com", name="Agent", password_hash="x")
    session.add(agent)
    session.commit()
    made.agent_id = agent.id
    session.add(made)
    session.commit()
    bot_reply(session, made, at=NOW, body="bot")
    bot_reply(session, made, at=NOW, body="agent", author="agent", kind="agent_reply", agent_id=agent.id)
    channels = recording()
    assert (await dispatcher(engine, config, at_now, channels).drain()).outcomes == {"cancelled": 1, "sent": 1}
    assert [r.text for r in channels["sms"].sent] == ["agent"]


async def test_choices_reach_a_channel_with_buttons(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = factories.case_with_debt(session, telegram_chat_id=5)
    session.commit()
    bot_reply(session, made, at=NOW, channel="telegram", to_address="5", body="Choisissez",
              choices=[{"key": "pay", "label": "Payer"}, {"key": "plan", "label": "Échelonner"}])  # fmt: skip
    channels = recording()
    await dispatcher(engine, config, at_now, channels).drain()
    assert channels["telegram"].sent[0].choices == (("pay", "Payer"), ("plan", "Échelonner"))


async def test_an_abandoned_claim_is_taken_over_and_the_late_worker_is_fenced(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)
    lease = timedelta(minutes=10)
    with Session(engine) as s:
        (mine,) = outbox_store.claim(s, worker="dead", now=NOW, lease=lease, limit=10)
        s.commit()
    channels = recording()
    worker = dispatcher(engine, config, at_now, channels, lease=lease)
    assert (await worker.drain()).claimed == 0  # still leased
    at_now.advance(lease + timedelta(seconds=1))
    assert (await worker.drain()).outcomes == {"sent": 1}
    with Session(engine) as s:
        late = outbox_store.mark_sent(
            s, mine, worker="dead", now=at_now.now(), provider_id="late", channel="sms", address="x", body="x",
            reminder=True, scheduler_kind=True,
        )  # fmt: skip
        s.commit()
    assert late is False
    (row,) = outbox(engine)
    assert row.provider_id == channels["sms"].sent[0].provider_id and row.attempts == 2
    assert len(events(engine, "message_sent")) == 1


async def test_claims_are_disjoint(engine: Engine, session: Session, config: RelanceConfig) -> None:
    for _ in range(5):
        factories.case_with_debt(session)
    session.commit()
    sweep_at(engine, config)
    with Session(engine) as s1:
        first = outbox_store.claim(s1, worker="a", now=NOW, lease=timedelta(minutes=10), limit=3)
        s1.commit()
    with Session(engine) as s2:
        second = outbox_store.claim(s2, worker="b", now=NOW, lease=timedelta(minutes=10), limit=3)
        s2.commit()
    assert len(first) == 3 and len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}


class _BusyChannel(RecordingChannel):
    """A recording channel during whose sends something else happens in the database (`during`)."""

    during: Callable[[], None] = staticmethod(lambda: None)

    async def send_text(self, to: str, text: str) -> SendResult:
        result = await super().send_text(to, text)
        self.during()
        return result


async def test_an_event_appended_while_sending_is_chained_on_not_forked(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    made = queued_case(engine, session, config)
    assert made.id is not None
    case_id = made.id

    def debtor_writes() -> None:  # e.g. an inbound SMS recorded while the reminder is with the provider
        with Session(engine) as s:
            record_event(s, case_id=case_id, kind="note", actor="test", at=NOW)
            s.commit()

    sms = _BusyChannel(name="sms")
    sms.during = debtor_writes
    report = await dispatcher(engine, config, at_now, {"sms": sms}).drain()
    assert report.outcomes == {"sent": 1}
    (row,) = outbox(engine)
    assert row.status == "sent" and row.provider_id == sms.sent[0].provider_id
    with Session(engine) as s:
        trail = case_events(s, case_id)
        assert verify_chain([event_to_dict(e) for e in trail]) == []
    assert [e.kind for e in trail][-2:] == ["note", "message_sent"]


async def test_a_claim_taken_over_while_sending_records_nothing(
    engine: Engine, session: Session, config: RelanceConfig, at_now: SimulatedClock
) -> None:
    queued_case(engine, session, config)

    def another_worker_takes_over() -> None:  # as a claim after an expired lease does
        with engine.begin() as conn:
            conn.execute(sa.update(Message).values(claimed_by="other", attempts=Message.attempts + 1))

    sms = _BusyChannel(name="sms")
    sms.during = another_worker_takes_over
    report = await dispatcher(engine, config, at_now, {"sms": sms}).drain()
    assert report.claimed == 1 and len(sms.sent) == 1
    (row,) = outbox(engine)
    assert (row.status, row.claimed_by, row.provider_id) == ("sending", "other", None)
    assert events(engine, "message_sent") == []
    assert case(engine, row.case_id).last_reminder_at is None
