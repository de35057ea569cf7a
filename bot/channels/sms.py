"""SMS through Twilio's Messages API, with the official `twilio` SDK.

The SDK has no base-URL option, so `BaseUrlHttpClient` (a `TwilioHttpClient`) rewrites the scheme
and host of every request to `RELANCE_TWILIO_API_URL`: a Twilio-compatible gateway or our test
server. The SDK is synchronous; calls run in a worker thread so the event loop never blocks.
Every message carries our status callback URL so that delivery receipts come back to
`POST /webhooks/twilio/status`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.channels.base import Capabilities, ChannelAdapter, SendResult
from relance.core.errors import ChannelError, PermanentChannelError, TransientChannelError

log = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"
SMS_CAPABILITIES = Capabilities(max_length=1600, supports_buttons=False, needs_binding=False)

# Twilio error codes that retrying cannot fix (https://www.twilio.com/docs/api/errors)
OPTED_OUT = 21610  # the recipient replied STOP to this sender
PERMANENT_CODES = frozenset(
    {
        OPTED_OUT,
        21211,  # invalid 'To' phone number
        21214,  # 'To' number cannot be reached
        21408,  # permission to send to this region is not enabled
        21612,  # cannot route to this number
        21614,  # 'To' is not a valid mobile number
        21606,  # 'From' number cannot send SMS
        21617,  # body exceeds 1600 characters
        30003,  # unreachable handset
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)
# credentials or account problems: the operator fixes them, then sending works again
OPERATOR_CODES = frozenset({20003, 20005, 20008})


def rebase_url(url: str, api_url: str) -> str:
    """`url` with the scheme and host of `api_url` (and its path prefix, if any)."""
    target = urlsplit(url)
    base = urlsplit(api_url)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + target.path, target.query, target.fragment))


class BaseUrlHttpClient(TwilioHttpClient):
    """A `TwilioHttpClient` that sends every request to another API root."""

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.api_url != TWILIO_API_URL:
            url = rebase_url(url, self.api_url)
        return super().request(method, url, *args, **kwargs)


def channel_error(exc: Exception) -> ChannelError:
    """Classify a Twilio SDK or network failure as transient or permanent."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status)
        code = int(exc.code) if exc.code is not None else status
        text = f"twilio error {code} (HTTP {status})"
        if code in PERMANENT_CODES:
            return PermanentChannelError(text, code=str(code))
        if status == 429 or status >= 500 or code in OPERATOR_CODES:
            return TransientChannelError(text, code=str(code))
        return PermanentChannelError(text, code=str(code))
    if isinstance(exc, requests.Timeout):
        return TransientChannelError(f"twilio: timed out ({type(exc).__name__})", code="timeout")
    if isinstance(exc, requests.RequestException):
        return TransientChannelError(f"twilio: network error ({type(exc).__name__})", code="network")
    return TransientChannelError(f"twilio: unexpected {type(exc).__name__}", code="unexpected")


class TwilioSmsChannel(ChannelAdapter):
    """SMS from one number or one Messaging Service."""

    name = "sms"
    capabilities = SMS_CAPABILITIES

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback_url: str | None = None,
        api_url: str = TWILIO_API_URL,
        timeout: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("an SMS channel needs a From number or a Messaging Service SID")
        self.account_sid = account_sid
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.sender = messaging_service_sid or from_number
        self.status_callback_url = status_callback_url
        self.http_client = BaseUrlHttpClient(api_url, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)

    async def send_text(self, to: str, text: str) -> SendResult:
        self.check_text(to, text)
        return await asyncio.to_thread(self._create, to, text)

    def _create(self, to: str, text: str) -> SendResult:
        kwargs: dict[str, Any] = {"to": to, "body": text}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if self.status_callback_url:
            kwargs["status_callback"] = self.status_callback_url
        try:
            message = self.client.messages.create(**kwargs)
        except Exception as exc:
            raise channel_error(exc) from exc
        return SendResult(provider_id=str(message.sid), status="sent")

    async def start(self) -> None:
        """Check the credentials by fetching the account (fails with a channel error)."""
        await asyncio.to_thread(self._fetch_account)

    def _fetch_account(self) -> None:
        try:
            self.client.api.v2010.accounts(self.account_sid).fetch()
        except Exception as exc:
            raise channel_error(exc) from exc

    async def close(self) -> None:
        if self.http_client.session is not None:
            self.http_client.session.close()
