"""Replies and bounces read from a real IMAP server (a throwaway Dovecot started by the test)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.email_bounces import bounce_message
from bot.imap_poll import ImapPoller, _idle, open_mailbox
from bot.testing.dovecot import Dovecot
from bot.testing.smtp_server import LocalSmtpServer
from messages.render import Renderer
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.models import EmailRecord, Message, OptOut
from relance.core.runtime import Runtime, open_runtime
from tests.conftest_email import debtor_reply, dovecot, email_case, smtp, smtp_channel
from tests.conftest_scheduler import NOW, dispatcher, outbox, sweep_at

__all__ = ["dovecot", "smtp"]
CONFIG = RelanceConfig()


def _runtime(engine: Engine, db_url: str, server: Dovecot) -> Runtime:
    settings = Settings(
        database_url=db_url, config=Path("/nonexistent/relance.toml"), imap_host=server.host, imap_port=server.port,
        imap_username=server.user, imap_password=server.password, imap_security="none", imap_poll_seconds=5,
    )  # fmt: skip
    return open_runtime(settings, config=CONFIG, clock=SimulatedClock(NOW + timedelta(hours=1)), engine=engine)


async def test_replies_and_bounces_are_read_from_the_mailbox(
    engine: Engine, db_url: str, dovecot: Dovecot, smtp: LocalSmtpServer
) -> None:
    colleague_case, _ = email_case(engine, email="camille@client.example")
    bounced_case, _ = email_case(engine, email="old@client.example")
    sweep_at(engine, CONFIG, NOW)
    await dispatcher(engine, CONFIG, SimulatedClock(NOW), {"email": smtp_channel(smtp)}).drain()
    first, second = (r.message for r in smtp.received)
    assert {str(first["To"]), str(second["To"])} == {"camille@client.example", "old@client.example"}
    to_camille = first if str(first["To"]) == "camille@client.example" else second
    to_old = second if to_camille is first else first

    # a colleague answers from another address: the thread (In-Reply-To) finds the case, not the sender
    dovecot.deliver(debtor_reply(to_camille, "Nous payons le 15 décembre.", sender="Compta <compta@client.example>"))
    dovecot.deliver(bounce_message("old@client.example", str(to_old["Message-ID"])))
    runtime = _runtime(engine, db_url, dovecot)
    poller = ImapPoller(runtime, Renderer.from_config(CONFIG))
    with open_mailbox(runtime.settings) as mailbox:
        assert poller.poll_once(mailbox) == 2
        assert poller.poll_once(mailbox) == 0  # marked seen once handled
    assert dovecot.unseen() == 0

    with Session(engine) as session:
        (inbound,) = session.execute(sa.select(Message).where(col(Message.direction) == "in")).scalars()
        opt_outs = list(session.execute(sa.select(OptOut)).scalars())
        kept = list(session.execute(sa.select(EmailRecord).where(col(EmailRecord.direction) == "in")).scalars())
    assert inbound.case_id == colleague_case and inbound.channel == "email"
    assert inbound.body == "Nous payons le 15 décembre." and inbound.from_address == "compta@client.example"
    assert [(o.channel, o.address, o.source) for o in opt_outs] == [("email", "old@client.example", "hard_bounce")]
    assert sorted(r.kind for r in kept) == ["bounce", "message"]
    assert {r.case_id for r in kept} == {colleague_case, bounced_case}
    bounced = [m for m in outbox(engine) if m.case_id == bounced_case]
    assert bounced[0].status == "undelivered"
    # the promise was understood and answered on e-mail
    replies = [m for m in outbox(engine) if m.kind == "reply"]
    assert len(replies) == 1 and replies[0].channel == "email" and replies[0].to_address == "compta@client.example"


def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot) -> None:
    settings = Settings(
        imap_host=dovecot.host, imap_port=dovecot.port, imap_username=dovecot.user, imap_password=dovecot.password,
        imap_security="none",
    )  # fmt: skip
    stop = threading.Event()
    with open_mailbox(settings) as mailbox:
        assert "IDLE" in tuple(mailbox.client.capabilities)
        timer = threading.Timer(0.3, dovecot.deliver, args=(b"From: a@b.example\r\nSubject: x\r\n\r\nhello\r\n",))
        timer.start()
        started = time.monotonic()
        woken = _idle(mailbox, 10.0, stop, slice_=0.2)
        elapsed = time.monotonic() - started
        timer.join()
    assert woken and elapsed < 5.0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # storage-neutral: one backend is enough
def test_the_poller_loop_reads_new_mail_and_stops(engine: Engine, db_url: str, dovecot: Dovecot) -> None:
    case_id, _ = email_case(engine, email="camille@client.example")
    poller = ImapPoller(_runtime(engine, db_url, dovecot), Renderer.from_config(CONFIG))
    stop = threading.Event()
    thread = threading.Thread(target=poller.run_blocking, args=(stop,))
    thread.start()
    try:
        time.sleep(0.3)  # in IDLE by now: the message wakes it
        dovecot.deliver(
            b"From: Camille <camille@client.example>\r\nTo: replies@acme.example\r\nSubject: facture\r\n"
            b"Message-ID: <loop-1@client.example>\r\n\r\nJe conteste cette facture.\r\n"
        )
        deadline = time.monotonic() + 10
        while poller.stats["read"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and poller.stats == {"read": 1, "errors": 0}
    with Session(engine) as session:
        (inbound,) = session.execute(sa.select(Message).where(col(Message.direction) == "in")).scalars()
    assert inbound.case_id == case_id  # matched by the sender's address (no thread to follow)
