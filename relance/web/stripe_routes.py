"""Stripe: the signed webhook that records online payments, and the payment links' redirect.

`POST /webhooks/stripe` checks `Stripe-Signature` with `stripe.Webhook.construct_event` and
`RELANCE_STRIPE_WEBHOOK_SECRET` (timestamp within `RELANCE_STRIPE_WEBHOOK_TOLERANCE` seconds); a bad
or missing signature gets 400 before anything is stored. A verified event is handled once by id
(`relance.core.online_payments`), and the answer is 200 for every event Stripe should stop
retrying, handled or not.

`GET /pay/<token>` (the link in the messages) redirects to the target's Checkout Session, creating
one when there is none still open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

import stripe
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.payment_thanks import queue_thanks
from relance.core.db import session_scope
from relance.core.online_payments import (
    Match,
    Outcome,
    Paid,
    from_minor_units,
    keep_event,
    record_online_payment,
    reverse_online_payment,
    seen_event,
)
from relance.core.paylinks import PAY_PATH, link_secret, read_token
from relance.web import stripe_checkout as checkout
from relance.web.context import WebContext, web_context

log = logging.getLogger(__name__)
router = APIRouter()

STRIPE_WEBHOOK = "/webhooks/stripe"
PROVIDER = "stripe"
PAID_SESSION_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


def _text(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain")


@router.post(STRIPE_WEBHOOK)
async def stripe_webhook(request: Request, web: WebContext = Depends(web_context)) -> Response:
    """A Stripe event: verified, then recorded once."""
    settings = web.runtime.settings
    secret = settings.stripe_webhook_secret
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    if secret is None:
        log.warning("stripe webhook received but RELANCE_STRIPE_WEBHOOK_SECRET is not set: refused")
        return _text(400, "stripe webhooks are not configured")
    if not signature:
        return _text(400, "missing Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(
            payload, signature, secret.get_secret_value(), tolerance=settings.stripe_webhook_tolerance
        )
        event = json.loads(payload)
        event_id, kind, obj = str(event["id"]), str(event["type"]), event["data"]["object"]
        if not isinstance(obj, dict):
            raise ValueError("data.object is not an object")
    except stripe.SignatureVerificationError:
        log.warning("stripe webhook with a bad signature or a stale timestamp: refused")
        return _text(400, "invalid signature")
    except (ValueError, KeyError, TypeError) as exc:
        return _text(400, f"bad request: not a Stripe event ({exc})")
    try:
        outcome = await web.db(_handle_twice, web, event_id, kind, obj, event.get("created"))
    except (KeyError, TypeError, ValueError) as exc:  # signed, but not the shape we expect: nothing stored
        log.error("stripe event %s %s cannot be handled: %s: %s", event_id, kind, type(exc).__name__, exc)
        return _text(400, f"bad request: {kind} event without a usable {exc}")
    log.info("stripe event %s %s: %s", event_id, kind, outcome.outcome)
    return Response(json.dumps({"received": True, "outcome": outcome.outcome}), media_type="application/json")


def _handle_twice(web: WebContext, event_id: str, kind: str, obj: dict[str, Any], created: Any) -> Outcome:
    """Handle in one transaction; a concurrent delivery of the same payment makes the second try a duplicate."""
    try:
        return _handle(web, event_id, kind, obj, created)
    except IntegrityError:
        return _handle(web, event_id, kind, obj, created)


def _handle(web: WebContext, event_id: str, kind: str, obj: dict[str, Any], created: Any) -> Outcome:
    now = web.runtime.now()
    with session_scope(web.runtime.engine) as session:
        if seen_event(session, provider=PROVIDER, event_id=event_id):
            return Outcome("duplicate")
        outcome = _apply(session, web, kind, obj, _paid_on(created, now), now)
        keep_event(session, provider=PROVIDER, event_id=event_id, kind=kind, outcome=outcome, at=now)
        return outcome


def _apply(session: Session, web: WebContext, kind: str, obj: dict[str, Any], paid_on: date, now: datetime) -> Outcome:
    if kind in PAID_SESSION_EVENTS:
        if obj.get("payment_status", "paid") != "paid":
            return Outcome("pending")  # SEPA debit: the money comes with async_payment_succeeded
        intent = obj.get("payment_intent") or obj["id"]
        paid = Paid(str(intent), int(obj["amount_total"]), str(obj["currency"]), _match(obj), paid_on)
        return _record(session, web, paid, now)
    if kind == "payment_intent.succeeded":
        amount = obj.get("amount_received") or obj["amount"]
        paid = Paid(str(obj["id"]), int(amount), str(obj["currency"]), _match(obj), paid_on)
        return _record(session, web, paid, now)
    if kind == "charge.refunded" and obj.get("payment_intent"):
        return reverse_online_payment(
            session,
            provider=PROVIDER,
            intent_id=str(obj["payment_intent"]),
            amount_minor=int(obj["amount_refunded"]),
            reason="refund",
            at=now,
            cumulative=True,
        )
    if kind == "charge.dispute.created" and obj.get("payment_intent"):
        return reverse_online_payment(
            session,
            provider=PROVIDER,
            intent_id=str(obj["payment_intent"]),
            amount_minor=int(obj["amount"]),
            reason="dispute",
            at=now,
            cumulative=False,
        )
    return Outcome("ignored")


def _match(obj: dict[str, Any]) -> Match:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return Match.from_metadata(metadata)


def _record(session: Session, web: WebContext, paid: Paid, now: datetime) -> Outcome:
    outcome = record_online_payment(session, paid, provider=PROVIDER, at=now)
    if outcome.outcome == "recorded" and outcome.case_id is not None:
        queue_thanks(
            session,
            config=web.runtime.config,
            renderer=web.renderer,
            case_id=outcome.case_id,
            amount=from_minor_units(paid.amount_minor, paid.currency.upper()),
            reference=paid.match.reference,
            key=f"{PROVIDER}:{paid.intent_id}",
            at=now,
        )
    return outcome


def _paid_on(created: Any, now: datetime) -> date:
    try:
        return datetime.fromtimestamp(int(created), UTC).date()
    except (TypeError, ValueError, OverflowError, OSError):
        return now.date()


# --------------------------------------------------------------------------- payment links


@router.get(PAY_PATH + "/{token}", include_in_schema=False)
async def pay(token: str, request: Request, web: WebContext = Depends(web_context)) -> Response:
    """Redirect to the Checkout Session of the link's target (re-created when expired)."""
    settings, runtime = web.runtime.settings, web.runtime
    secret = await asyncio.to_thread(link_secret, settings, runtime.engine, runtime.now())
    target = read_token(secret, token)
    if target is None:
        return _page(404, "Lien de paiement inconnu. / Unknown payment link.")
    if request.query_params.get("done"):
        return _page(
            200, "Merci, votre paiement est en cours de traitement. / Thank you, your payment is being processed."
        )
    if not settings.stripe_enabled:
        return _page(503, "Le paiement en ligne est indisponible. / Online payment is not available.")
    try:
        url = await asyncio.to_thread(_checkout_url, web, target[0], target[1], token)
    except LookupError:
        return _page(404, "Lien de paiement inconnu. / Unknown payment link.")
    except checkout.NothingToPay:
        return _page(200, "Rien à payer : merci ! / Nothing to pay: thank you!")
    except stripe.StripeError as exc:
        log.error("stripe: cannot create a checkout session for %s %s: %s", target[0], target[1], exc)
        return _page(
            502, "Le paiement en ligne est momentanément indisponible. / Online payment is unavailable, try later."
        )
    return RedirectResponse(url, status_code=303)


def _checkout_url(web: WebContext, kind: str, target_id: int, token: str) -> str:
    runtime = web.runtime
    now = runtime.now()
    client = checkout.stripe_client(runtime.settings)
    with session_scope(runtime.engine) as session:
        target = checkout.load_target(session, kind, target_id)
        link = checkout.existing_link(session, target)
        if link is not None and checkout.reusable(link, target, now):
            current = client.v1.checkout.sessions.retrieve(link.session_id)
            if current["status"] == "open":
                return link.url
        created = client.v1.checkout.sessions.create(
            params=checkout.session_params(runtime.settings, target, token),  # type: ignore[arg-type]
            # one creation per target, amount and session it replaces, however many clicks race
            options={"idempotency_key": f"relance-{kind}-{target_id}-{target.amount}-{link.session_id if link else 0}"},
        )
        return checkout.store_link(session, target, created, now).url


def _page(status: int, text: str) -> HTMLResponse:
    body = f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Relance</title><p>{text}</p></html>'
    return HTMLResponse(body, status_code=status)
