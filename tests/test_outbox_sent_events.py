"""The `message_sent` event data the dispatcher writes by hand is the canonical JSON of its dict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relance.core.events import canonical_json
from scheduler.outbox import Claimed, Sent, _sent_event, _sent_json

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _sent(*, step: int | None = 2, key: str | None = "reminder:7:2", kind: str = "reminder", channel: str = "sms",
          provider_id: str = "rec-0001", body: str = "Bonjour") -> Sent:  # fmt: skip
    msg = Claimed(41, 7, 7, kind, step, "bot", channel, "+33612345678", "", None, key, None, 1, AT)
    return Sent(msg, AT, provider_id, channel, "+33612345678", body, reminder=True, scheduler_kind=True)


@pytest.mark.parametrize(
    "sent",
    [
        _sent(),
        _sent(step=None, key=None, kind="reply"),
        _sent(key='clé "spéciale" \\ \u2028 \x01', provider_id="SM\u00e9\u4e2d", body="1\u202f234,50\u00a0€"),
        _sent(channel="telegram", provider_id="", body=""),
    ],
)
def test_sent_json_is_the_canonical_json_of_the_event_data(sent: Sent) -> None:
    assert _sent_json(sent) == canonical_json(_sent_event(sent).data)
