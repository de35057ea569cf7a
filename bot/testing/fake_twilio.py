"""A local server speaking the part of Twilio's REST API that Relance uses, and Twilio's webhooks.

REST side (what `twilio.rest.Client` calls, through `BaseUrlHttpClient`):
- `POST /2010-04-01/Accounts/{sid}/Messages.json` (HTTP basic auth: account SID and auth token) with
  To, From or MessagingServiceSid, Body, StatusCallback; answers 201 with a Twilio-shaped message
  (`SM…` sid, status `queued`), or a scripted Twilio error (`fail_next`, `fail_for`);
- `GET /2010-04-01/Accounts/{sid}.json` and `GET …/Messages/{sid}.json`.

Webhook side (what Twilio posts to us), signed with `X-Twilio-Signature` like Twilio does:
`send_status` posts a delivery receipt to the message's StatusCallback, `send_inbound` posts an
incoming SMS. With `auto_statuses`, receipts follow every message on their own, in order, each
`auto_delay` seconds after the previous one (Twilio's receipts also come a little later).
"""

from __future__ import annotations

import base64
import queue
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from bot.testing.local_server import LocalServer, Reply, Request

_MESSAGES = re.compile(r"/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json")
_MESSAGE = re.compile(r"/2010-04-01/Accounts/(?P<account>AC\w+)/Messages/(?P<sid>SM\w+)\.json")
_ACCOUNT = re.compile(r"/2010-04-01/Accounts/(?P<account>AC\w+)\.json")

ERROR_MESSAGES = {
    21610: "Attempt to send to unsubscribed recipient",
    21211: "The 'To' number is not a valid phone number.",
    21614: "'To' number is not a valid mobile number",
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
}


def twilio_error(status: int, code: int, message: str | None = None) -> Reply:
    """An error body in Twilio's (legacy) shape, which the SDK turns into `TwilioRestException`."""
    return Reply.of_json(
        status,
        {
            "code": code,
            "message": message or ERROR_MESSAGES.get(code, "error"),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio would send for a POST of `params` to `url`."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


@dataclass
class SentSms:
    """One message our code asked the fake to send."""

    sid: str
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    status: str = "queued"


class FakeTwilio:
    """The fake Twilio; use as a context manager (`with FakeTwilio() as twilio: twilio.url`)."""

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        auto_statuses: tuple[str, ...] = (),
        auto_delay: float = 0.0,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.auto_statuses = auto_statuses
        self.auto_delay = auto_delay
        self.messages: list[SentSms] = []
        self.requests: list[Request] = []
        self.callback_results: list[tuple[str, str, int]] = []  # (sid, status, HTTP status of our answer)
        self._failures: deque[Reply] = deque()
        self._failing: dict[str, Reply] = {}
        self._lock = threading.Lock()
        self._server = LocalServer(self._handle)
        self._callbacks: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._client = httpx.Client(timeout=10)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> FakeTwilio:
        self._server.start()
        self._worker = threading.Thread(target=self._deliver_callbacks, name="fake-twilio-callbacks", daemon=True)
        self._worker.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._callbacks.put(None)
        if self._worker is not None:
            self._worker.join(timeout=10)
        self._server.stop()
        self._client.close()

    # ------------------------------------------------------------------ scripting

    def fail_next(self, code: int, *, status: int = 400, message: str | None = None) -> None:
        """The next message creation fails with this Twilio error (429/5xx make transient errors)."""
        with self._lock:
            self._failures.append(twilio_error(status, code, message))

    def fail_for(self, to: str, code: int, *, status: int = 400) -> None:
        """Every message to `to` fails with this Twilio error (e.g. 21610 once they opted out)."""
        with self._lock:
            self._failing[to] = twilio_error(status, code)

    def message(self, sid: str) -> SentSms:
        """The message with this sid (KeyError when the fake never created it)."""
        with self._lock:
            for m in self.messages:
                if m.sid == sid:
                    return m
        raise KeyError(sid)

    # ------------------------------------------------------------------ webhooks (Twilio -> us)

    def sign(self, url: str, params: dict[str, str]) -> str:
        return sign(self.auth_token, url, params)

    def post_signed(self, url: str, params: dict[str, str], *, signature: str | None = None) -> httpx.Response:
        """POST a form to `url` the way Twilio does, signed unless `signature` is given."""
        headers = {"X-Twilio-Signature": self.sign(url, params) if signature is None else signature}
        return self._client.post(url, data=params, headers=headers)

    def send_inbound(
        self, url: str, *, from_: str, to: str, body: str, sid: str | None = None, signature: str | None = None
    ) -> httpx.Response:
        """An incoming SMS posted to our webhook at `url`."""
        params = {
            "MessageSid": sid or "SM" + secrets.token_hex(16),
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        return self.post_signed(url, params, signature=signature)

    def send_status(self, sid: str, status: str, *, error_code: int | None = None) -> httpx.Response:
        """A delivery receipt for message `sid`, posted to its StatusCallback."""
        message = self.message(sid)
        if not message.status_callback:
            raise AssertionError(f"message {sid} was sent without a StatusCallback")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": message.to,
            "ApiVersion": "2010-04-01",
        }
        if message.from_:
            params["From"] = message.from_
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        response = self.post_signed(message.status_callback, params)
        with self._lock:
            message.status = status
            self.callback_results.append((sid, status, response.status_code))
        return response

    def _deliver_callbacks(self) -> None:
        while (item := self._callbacks.get()) is not None:
            sid, status = item
            time.sleep(self.auto_delay)
            try:
                self.send_status(sid, status)
            except httpx.HTTPError as exc:
                with self._lock:
                    self.callback_results.append((sid, status, -1))
                    self.requests.append(Request("CALLBACK-ERROR", str(exc), {}, {}, b""))

    # ------------------------------------------------------------------ REST API (us -> Twilio)

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        if (m := _MESSAGES.fullmatch(request.path)) and request.method == "POST":
            return self._authorised(request, m["account"]) or self._create(request)
        if (m := _MESSAGE.fullmatch(request.path)) and request.method == "GET":
            return self._authorised(request, m["account"]) or self._fetch(m["sid"])
        if (m := _ACCOUNT.fullmatch(request.path)) and request.method == "GET":
            return self._authorised(request, m["account"]) or self._account()
        return twilio_error(404, 20404, f"fake Twilio does not implement {request.method} {request.path}")

    def _authorised(self, request: Request, account: str) -> Reply | None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if account != self.account_sid or request.headers.get("authorization") != f"Basic {expected}":
            return twilio_error(401, 20003)
        return None

    def _create(self, request: Request) -> Reply:
        form = request.form
        to, body = form.get("To", ""), form.get("Body", "")
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not body:
            return twilio_error(400, 21602, "Message body is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if len(body) > 1600:
            return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        with self._lock:
            if self._failures:
                return self._failures.popleft()
            if to in self._failing:
                return self._failing[to]
            sms = SentSms(
                sid="SM" + secrets.token_hex(16),
                to=to,
                body=body,
                from_=form.get("From"),
                messaging_service_sid=form.get("MessagingServiceSid"),
                status_callback=form.get("StatusCallback"),
                status="accepted" if form.get("MessagingServiceSid") and not form.get("From") else "queued",
            )
            self.messages.append(sms)
        if sms.status_callback:
            for status in self.auto_statuses:
                self._callbacks.put((sms.sid, status))
        return Reply.of_json(201, self._resource(sms))

    def _fetch(self, sid: str) -> Reply:
        try:
            return Reply.of_json(200, self._resource(self.message(sid)))
        except KeyError:
            return twilio_error(404, 20404)

    def _account(self) -> Reply:
        return Reply.of_json(
            200,
            {"sid": self.account_sid, "friendly_name": "Fake account", "status": "active", "type": "Full"},
        )

    def _resource(self, sms: SentSms) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": sms.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sms.from_,
            "messaging_service_sid": sms.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sms.sid,
            "status": sms.status,
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sms.sid}/Media.json"},
            "to": sms.to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sms.sid}.json",
        }
