"""E-mail test helpers: cases of e-mail-only debtors, the SMTP channel on a local server, debtor replies."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.email import SmtpEmailChannel
from bot.email_links import UnsubscribeLinks
from bot.testing.dovecot import Dovecot, dovecot_binary
from bot.testing.smtp_server import LocalSmtpServer
from relance.core.models import Case, Debt, Debtor
from tests import factories

OUR_FROM = "ACME Recouvrement <relance@acme.example>"
REPLY_TO = "replies@acme.example"
PUBLIC_URL = "https://relance.example.com"
LINK_KEY = "email-link-key-for-tests-0123456789abcdef"
REJECTED = "gone@client.example"


def email_case(
    engine: Engine, *, email: str = "camille@client.example", phone: str | None = None, **kw: Any
) -> tuple[int, str]:
    """A committed case of one debt for a debtor reachable by e-mail (and by SMS when `phone`): (case id, reference)."""
    with Session(engine, expire_on_commit=False) as session:
        case: Case = factories.case_with_debt(session, **kw)
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        debtor.phone, debtor.email = phone, email
        session.add(debtor)
        session.commit()

        reference = session.execute(sa.select(Debt.reference).where(Debt.case_id == case.id)).scalar_one()  # type: ignore[arg-type]
        assert case.id is not None
        return case.id, reference


def smtp_channel(server: LocalSmtpServer, *, public_url: str | None = PUBLIC_URL) -> SmtpEmailChannel:
    return SmtpEmailChannel(
        host=server.host, port=server.port, security="none", from_address=OUR_FROM, reply_to=REPLY_TO,
        links=UnsubscribeLinks(LINK_KEY, public_url),
    )  # fmt: skip


def debtor_reply(
    answered: EmailMessage,
    text: str,
    *,
    sender: str = "Camille Martin <camille@client.example>",
    quote: bool = True,
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    """The debtor's answer to `answered`, as a mail client writes it: threaded, with the quoted history."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(answered["Reply-To"] or answered["From"])
    reply["Subject"] = "Re: " + str(answered["Subject"])
    reply["Date"] = formatdate(usegmt=True)
    reply["Message-ID"] = make_msgid(domain="client.example")
    reply["In-Reply-To"] = str(answered["Message-ID"])
    reply["References"] = str(answered["Message-ID"])
    for name, value in (extra_headers or {}).items():
        reply[name] = value
    body = text
    if quote:
        original = answered.get_body(preferencelist=("plain",))
        quoted = "\n".join("> " + line for line in (original.get_content() if original else "").splitlines())
        body += f"\n\n-- \nCamille Martin\nClient SARL\n\nLe mar. 24 nov. 2026 à 11:00, ACME a écrit :\n{quoted}\n"
    reply.set_content(body)
    return reply.as_bytes()


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer(reject={REJECTED}) as server:
        yield server


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if dovecot_binary() is None:
        pytest.skip("Dovecot is not installed: apt-get install -y dovecot-imapd (.ci/run does it)")
    with Dovecot() as server:
        yield server
