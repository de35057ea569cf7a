"""A local server speaking the part of Stripe's API that Relance uses, and Stripe's signed webhooks.

API side (what `stripe.StripeClient` calls when its `api` base address points here), form-encoded
with Stripe's nested keys (`metadata[reference]=…`, `line_items[0][price_data][currency]=eur`),
`Authorization: Bearer <secret key>` (401 in Stripe's error shape otherwise), `Idempotency-Key`
honoured (the same key answers the same object):
- `POST /v1/checkout/sessions` → a `checkout.session` (`cs_test_…`, `status=open`, `url`, `expires_at`);
- `GET /v1/checkout/sessions/{id}` and `POST /v1/checkout/sessions/{id}/expire`.

Webhook side (what Stripe posts to us): `pay(session_id)` plays a debtor paying the session (the
session completes, a PaymentIntent and a Charge are made) and returns the events Stripe would send
(`checkout.session.completed`, `payment_intent.succeeded`); `refund` and `dispute` return
`charge.refunded` and `charge.dispute.created`. `deliver(url, event)` posts one, signed with
Stripe's scheme: `Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256(secret, "t.payload")>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from bot.testing.local_server import LocalServer, Reply, Request

_SESSIONS = "/v1/checkout/sessions"
_SESSION = re.compile(r"/v1/checkout/sessions/(?P<id>cs_\w+)$")
_EXPIRE = re.compile(r"/v1/checkout/sessions/(?P<id>cs_\w+)/expire$")
_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")
SESSION_LIFETIME = 24 * 3600


def stripe_error(status: int, message: str, kind: str = "invalid_request_error") -> Reply:
    return Reply.of_json(status, {"error": {"type": kind, "message": message}})


def unflatten(form: dict[str, str]) -> dict[str, Any]:
    """Stripe's form encoding back to nested values (`a[0][b]=1` → `{"a": [{"b": "1"}]}`)."""
    root: dict[str, Any] = {}
    for flat, value in form.items():
        parts = [m.group(1) if m.group(1) is not None else m.group(2) for m in _KEY.finditer(flat)]
        node: Any = root
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            slot: Any = int(part) if isinstance(node, list) else part
            if following is None:
                _set(node, slot, value)
            else:
                if _get(node, slot) is None:
                    _set(node, slot, [] if following.isdigit() else {})
                node = _get(node, slot)
    return root


def _get(node: Any, slot: Any) -> Any:
    if isinstance(node, list):
        return node[slot] if slot < len(node) else None
    return node.get(slot)


def _set(node: Any, slot: Any, value: Any) -> None:
    if isinstance(node, list):
        while len(node) <= slot:
            node.append(None)
    node[slot] = value


def signature_header(secret: str, payload: bytes, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends for `payload`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass
class FakeSession:
    data: dict[str, Any]
    intent_metadata: dict[str, str] = field(default_factory=dict)


class FakeStripe:
    """The fake Stripe; use as a context manager (`with FakeStripe() as stripe_fake: stripe_fake.url`)."""

    def __init__(self, *, api_key: str | None = None, webhook_secret: str | None = None) -> None:
        self.api_key = api_key or "sk_test_" + secrets.token_hex(12)
        self.webhook_secret = webhook_secret or "whsec_" + secrets.token_hex(16)
        self.sessions: dict[str, FakeSession] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self._idempotent: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = LocalServer(self._handle)
        self._client = httpx.Client(timeout=30)

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> FakeStripe:
        self._server.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._server.stop()
        self._client.close()

    # ------------------------------------------------------------------ API

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return stripe_error(401, "Invalid API Key provided", "authentication_error")
            key = request.headers.get("idempotency-key")
            if request.method == "POST" and key and key in self._idempotent:
                return Reply.of_json(200, self._idempotent[key])
            reply = self._route(request)
            if request.method == "POST" and key and reply.status == 200:
                self._idempotent[key] = json.loads(reply.body)
            return reply

    def _route(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == _SESSIONS:
            return self._create_session(unflatten(request.form))
        if (m := _SESSION.match(request.path)) and request.method == "GET":
            found = self.sessions.get(m["id"])
            return (
                Reply.of_json(200, found.data) if found else stripe_error(404, f"No such checkout.session: '{m['id']}'")
            )
        if (m := _EXPIRE.match(request.path)) and request.method == "POST":
            found = self.sessions.get(m["id"])
            if found is None:
                return stripe_error(404, f"No such checkout.session: '{m['id']}'")
            found.data["status"] = "expired"
            return Reply.of_json(200, found.data)
        return stripe_error(404, f"Unrecognized request URL ({request.method}: {request.path})")

    def _create_session(self, params: dict[str, Any]) -> Reply:
        items = params.get("line_items") or []
        if params.get("mode") != "payment" or len(items) != 1:
            return stripe_error(400, "this fake handles mode=payment with one line item")
        price = items[0].get("price_data") or {}
        try:
            amount = int(price["unit_amount"]) * int(items[0].get("quantity", 1))
            currency = str(price["currency"])
        except (KeyError, ValueError, TypeError):
            return stripe_error(400, "Missing required param: line_items[0][price_data][unit_amount]")
        if currency != currency.lower() or amount <= 0:
            return stripe_error(400, "Invalid currency or amount")
        session_id = "cs_test_" + secrets.token_hex(12)
        data = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": currency,
            "metadata": params.get("metadata") or {},
            "client_reference_id": params.get("client_reference_id"),
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"{self.url}/c/pay/{session_id}",
            "expires_at": int(time.time()) + SESSION_LIFETIME,
            "created": int(time.time()),
            "livemode": False,
        }
        intent_meta = (params.get("payment_intent_data") or {}).get("metadata") or {}
        self.sessions[session_id] = FakeSession(data, intent_meta)
        return Reply.of_json(200, data)

    # ------------------------------------------------------------------ what the debtor and Stripe do

    def pay(self, session_id: str) -> list[dict[str, Any]]:
        """The debtor pays the session: returns [checkout.session.completed, payment_intent.succeeded]."""
        with self._lock:
            found = self.sessions[session_id]
            if found.data["status"] != "open":
                raise ValueError(f"session {session_id} is {found.data['status']}")
            intent_id, charge_id = "pi_" + secrets.token_hex(12), "ch_" + secrets.token_hex(12)
            amount, currency = found.data["amount_total"], found.data["currency"]
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": currency,
                "status": "succeeded",
                "metadata": found.intent_metadata,
                "latest_charge": charge_id,
            }
            self.intents[intent_id] = intent
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_refunded": 0,
                "currency": currency,
                "payment_intent": intent_id,
                "refunded": False,
            }
            found.data.update(status="complete", payment_status="paid", payment_intent=intent_id)
            return [
                self.event("checkout.session.completed", dict(found.data)),
                self.event("payment_intent.succeeded", dict(intent)),
            ]

    def payment_link_paid(self, *, amount: int, currency: str, metadata: dict[str, str]) -> dict[str, Any]:
        """A payment through a Payment Link the creditor built by hand: its checkout.session.completed."""
        session_id, intent_id = "cs_test_" + secrets.token_hex(12), "pi_" + secrets.token_hex(12)
        data = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": amount,
            "currency": currency,
            "metadata": metadata,
            "payment_intent": intent_id,
            "payment_link": "plink_" + secrets.token_hex(8),
        }
        return self.event("checkout.session.completed", data)

    def refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """A (partial) refund: `charge.refunded`, whose `amount_refunded` is the total refunded so far."""
        with self._lock:
            charge = self.charges[self.intents[intent_id]["latest_charge"]]
            charge["amount_refunded"] = min(charge["amount"], charge["amount_refunded"] + (amount or charge["amount"]))
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return self.event("charge.refunded", dict(charge))

    def dispute(self, intent_id: str) -> dict[str, Any]:
        """The cardholder disputes the payment: `charge.dispute.created`."""
        with self._lock:
            charge = self.charges[self.intents[intent_id]["latest_charge"]]
            data = {
                "id": "dp_" + secrets.token_hex(12),
                "object": "dispute",
                "amount": charge["amount"],
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": intent_id,
                "reason": "fraudulent",
                "status": "needs_response",
            }
            return self.event("charge.dispute.created", data)

    @staticmethod
    def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": kind,
            "api_version": "2025-01-27",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }

    def deliver(
        self,
        url: str,
        event: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST `event` to our webhook as Stripe does (signed with the webhook secret unless told otherwise)."""
        payload = json.dumps(event).encode("utf-8")
        header = (
            signature if signature is not None else signature_header(secret or self.webhook_secret, payload, timestamp)
        )
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0"}
        if header:
            headers["Stripe-Signature"] = header
        return self._client.post(url, content=payload, headers=headers)
