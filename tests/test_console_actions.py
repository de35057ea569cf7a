"""The pure parts of the console's actions: where a reply goes, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.config import RelanceConfig
from relance.web.console.actions import Reachable, reply_channel, send_time
from scheduler.contact_window import contact_window

PHONE, CHAT = "+33612345678", "424242"
BOTH = {"sms": PHONE, "telegram": CHAT}
CONFIG = RelanceConfig()


def test_a_reply_goes_where_the_debtor_last_wrote_else_by_preference() -> None:
    preferred = ("telegram", "sms")
    assert reply_channel(BOTH, set(), preferred, last_inbound="sms") == Reachable("sms", PHONE)
    assert reply_channel(BOTH, set(), preferred, last_inbound=None) == Reachable("telegram", CHAT)
    assert reply_channel({"sms": PHONE}, set(), preferred, last_inbound="telegram") == Reachable("sms", PHONE)


def test_a_reply_never_goes_to_an_opted_out_address() -> None:
    preferred = ("telegram", "sms")
    assert reply_channel(BOTH, {("sms", PHONE)}, preferred, last_inbound="sms") == Reachable("telegram", CHAT)
    assert reply_channel(BOTH, {("sms", PHONE), ("telegram", CHAT)}, preferred, last_inbound="sms") is None
    assert reply_channel({}, set(), preferred, last_inbound=None) is None


ZONES = st.sampled_from(
    [("FR", "Europe/Paris"), ("US", "America/New_York America/Los_Angeles"), ("GB", "Europe/London")]
)
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(now=INSTANTS, where=ZONES, wrote_minutes_ago=st.one_of(st.none(), st.integers(0, 600)))
def test_a_reply_goes_now_only_inside_the_window_or_the_grace_else_at_the_next_opening(
    now: datetime, where: tuple[str, str], wrote_minutes_ago: int | None
) -> None:
    country, zones = where
    window = contact_window(CONFIG.creditor(), CONFIG.contact, country=country, timezones=zones)
    inbound = None if wrote_minutes_ago is None else now - timedelta(minutes=wrote_minutes_ago)
    at = send_time(window, now, inbound, grace_minutes=15)
    in_grace = wrote_minutes_ago is not None and wrote_minutes_ago <= 15
    if at == now:
        assert window.is_allowed(now) or in_grace
    else:
        assert at > now and window.is_allowed(at) and not in_grace
        assert not window.is_allowed(at - timedelta(minutes=1))  # the opening itself, not later
