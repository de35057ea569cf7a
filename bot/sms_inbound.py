"""An inbound SMS, from the webhook's parsed form to the stored message and its answers."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from bot.case_state import Sql, state_by_phone
from bot.inbound import Inbound, Outcome, receive
from messages.render import Renderer
from relance.core.db import session_scope
from relance.core.runtime import Runtime

FRENCH_REGIONS = frozenset({"FR", "BE", "LU", "MC", "CH", "RE", "GP", "MQ", "GF", "YT", "PM", "NC", "PF"})


@lru_cache(maxsize=16384)  # the same debtors write again and again; parsing a number costs ~10 µs
def locale_for_number(e164: str) -> str:
    """`fr` for numbers of French-speaking regions, `en` otherwise (for strangers we know nothing about)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return "en"
    return "fr" if region in FRENCH_REGIONS else "en"


def sms_inbound(form: dict[str, str]) -> Inbound | None:
    """The `Inbound` of a Twilio SMS webhook form, or None when a required field is missing."""
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
        locale=locale_for_number(sender),
    ).storable()


def handle_sms(runtime: Runtime, renderer: Renderer, inbound: Inbound) -> Outcome:
    """Match the sender to a debtor's case by phone, then store and answer in one transaction."""
    with session_scope(runtime.engine) as session:
        sql = Sql(session)
        case = state_by_phone(sql, inbound.address)
        return receive(
            session, inbound, case=case, now=runtime.now(), config=runtime.config, renderer=renderer, sql=sql
        )
