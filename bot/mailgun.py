"""Mailgun's signed webhooks (pure): the signature check, and events read as bounces and complaints.

Mailgun signs every webhook with HMAC-SHA256 over `timestamp + token`, keyed with the account's
webhook signing key (`RELANCE_MAILGUN_SIGNING_KEY`): inbound routes carry `timestamp`, `token`
and `signature` as form fields, event webhooks as the JSON object `signature`.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from bot.email_bounces import Bounce
from bot.email_links import normalise_address


def signature_valid(key: str, timestamp: str, token: str, signature: str) -> bool:
    """Whether `signature` is Mailgun's HMAC of `timestamp + token` (compared in constant time)."""
    if not (key and timestamp and token and signature):
        return False
    expected = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def sign(key: str, timestamp: str, token: str) -> str:
    """The signature Mailgun computes (for tests and local tools)."""
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def event_bounce(event: dict[str, Any]) -> Bounce | None:
    """A permanent failure (`failed`, severity `permanent`) or a complaint (`complained`), else None."""
    kind = str(event.get("event", "")).lower()
    recipient = str(event.get("recipient", ""))
    if "@" not in recipient:
        return None
    message = _object(event.get("message"))
    headers = _object(message.get("headers"))
    raw_id = str(headers.get("message-id", "")).strip()
    header_id = (raw_id if raw_id.startswith("<") else f"<{raw_id}>") if raw_id else None
    status = _object(event.get("delivery-status"))
    if kind == "failed" and str(event.get("severity", "")).lower() == "permanent":
        code = str(status.get("code", ""))
        note = str(status.get("message") or status.get("description") or "")[:300]
        return Bounce(normalise_address(recipient), "bounce", header_id, code, note)
    if kind == "complained":
        return Bounce(normalise_address(recipient), "complaint", header_id, note="spam complaint")
    return None


def delivered_provider_id(event: dict[str, Any]) -> str | None:
    """For a `delivered` event, the provider id we recorded for that e-mail (its Message-ID's left part)."""
    if str(event.get("event", "")).lower() != "delivered":
        return None
    raw_id = str(_object(_object(event.get("message")).get("headers")).get("message-id", "")).strip().strip("<>")
    return raw_id.split("@", 1)[0][:64] or None


def _object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (hostile or partial payloads)."""
    return value if isinstance(value, dict) else {}
