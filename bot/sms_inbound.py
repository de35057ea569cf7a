"""An inbound SMS, from the webhook's parsed form to the stored message and its answers."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import phonenumbers
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.case_state import Sql, state_by_phone
from bot.inbound import Inbound, Outcome, receive
from messages.render import Renderer
from relance.core.runtime import Runtime

FRENCH_REGIONS = frozenset({"FR", "BE", "LU", "MC", "CH", "RE", "GP", "MQ", "GF", "YT", "PM", "NC", "PF"})


@lru_cache(maxsize=4096)  # a stranger often writes several times; parsing a number costs ~10 µs
def locale_for_number(e164: str) -> str:
    """`fr` for numbers of French-speaking regions, `en` otherwise (for strangers we know nothing about)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return "en"
    return "fr" if region in FRENCH_REGIONS else "en"


def sms_inbound(form: dict[str, str]) -> Inbound | None:
    """The `Inbound` of a Twilio SMS webhook form, or None when a required field is missing.

    Its `locale` is left unset: only a stranger's answer needs a guess, made by `handle_sms`.
    """
    sid, sender, recipient = form.get("MessageSid") or form.get("SmsSid"), form.get("From"), form.get("To")
    if not sid or not sender or not recipient:
        return None
    return Inbound(
        channel="sms",
        address=sender,
        sender=form.get("MessagingServiceSid") or recipient,
        text=form.get("Body", ""),
        provider_id=sid,
        recipient=recipient,
    ).storable()


def handle_sms(runtime: Runtime, renderer: Renderer, inbound: Inbound) -> Outcome:
    """Match the sender to a debtor's case by phone, then store and answer in one transaction."""
    with runtime.engine.begin() as conn:
        return handle_sms_on(conn, runtime, renderer, inbound)


def handle_sms_on(conn: Connection, runtime: Runtime, renderer: Renderer, inbound: Inbound) -> Outcome:
    """`handle_sms` in the transaction under way on `conn` (several SMS may share it: `DbRunner.grouped`).

    The transaction is the connection's: the statements of an ordinary message go straight to it
    (`bot.case_state`), and the session joins it only if an action needs the ORM (a plan, a flag…),
    which saves the session's own transaction bookkeeping on every request.
    """
    with Session(bind=conn) as session:
        sql = Sql(conn)
        case = state_by_phone(sql, inbound.address)
        if case is None and inbound.locale is None:  # a stranger: answered in the language of the number
            inbound = replace(inbound, locale=locale_for_number(inbound.address))
        outcome = receive(
            session, inbound, case=case, now=runtime.now(), config=runtime.config, renderer=renderer, sql=sql
        )
        session.flush()  # anything the ORM still holds goes in before the connection commits
        return outcome
