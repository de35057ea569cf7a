"""The web app's public paths (providers are told these URLs, so they are defined once)."""

from __future__ import annotations

HEALTH = "/healthz"
READY = "/readyz"
TWILIO_SMS = "/webhooks/twilio/sms"
TWILIO_STATUS = "/webhooks/twilio/status"
TELEGRAM = "/webhooks/telegram"
MAILGUN_INBOUND = "/webhooks/mailgun/inbound"  # replies (Mailgun routes: forward to this URL)
MAILGUN_EVENTS = "/webhooks/mailgun/events"  # bounces and complaints (Mailgun webhooks)
EMAIL_UNSUBSCRIBE = "/email/unsubscribe"  # the one-click link of List-Unsubscribe (RFC 8058)


def public(base_url: str, path: str) -> str:
    """The absolute URL of `path` under the public base URL (`RELANCE_PUBLIC_URL`)."""
    return base_url.rstrip("/") + path
