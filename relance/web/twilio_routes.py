"""Twilio webhooks: inbound SMS (answered with TwiML) and delivery receipts. Both are signed.

The signature covers the exact URL Twilio called, so it is checked against `RELANCE_PUBLIC_URL`
and the route's path (right behind a proxy); without a public URL, against the URL the request
reached. A bad or missing signature gets 403 before anything is stored.

The inbound SMS route is a plain Starlette route (`routes`), not a FastAPI one: it takes nothing
but the request, and FastAPI's per-request machinery around an endpoint (dependency solving, the
response model's handling, the exit stack) was 8 % of the instructions of a signed inbound SMS
(`bench/webhook_inproc.py --callgrind`). The application mounts it before every other route.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import URL
from starlette.routing import Route

from bot import twilio_signature
from bot.delivery import record_delivery_receipt
from bot.inbound import Reply, storable
from bot.sms_inbound import handle_sms_on, sms_inbound
from relance.core import paths
from relance.core.db import session_scope
from relance.web.context import WebContext, web_context
from relance.web.forms import BadBody, parse_form
from relance.web.logs import mask_phone

log = logging.getLogger(__name__)
router = APIRouter()


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(replies: list[Reply]) -> Response:
    """`<Response><Message>…</Message></Response>`, or an empty `<Response />`.

    Written by hand, byte for byte what the SDK's `MessagingResponse` writes (`test_webhooks_twilio`
    compares them), at a tenth of its cost: the text is escaped as ElementTree escapes it (&, <, >).
    """
    if not replies:
        return Response(content=_XML_DECLARATION + "<Response />", media_type="text/xml")
    messages = "".join(f"<Message>{escape(reply.text)}</Message>" if reply.text else "<Message />" for reply in replies)
    return Response(content=f"{_XML_DECLARATION}<Response>{messages}</Response>", media_type="text/xml")


def signed_url(web: WebContext, request: Request, path: str) -> str:
    """The URL Twilio signed: the public one when configured."""
    public_url = web.runtime.settings.public_url
    scope = request.scope
    if public_url:
        base = public_url.rstrip("/")
    else:
        host = next((value for key, value in scope["headers"] if key == b"host"), None)
        server = scope.get("server")
        base = _request_base(scope.get("scheme", "http"), host, tuple(server) if server else None)
    query = request.url.query if scope.get("query_string") else ""  # rare on a webhook: Starlette's parsing then
    return base + path + (f"?{query}" if query else "")


@lru_cache(maxsize=64)  # one or two hosts in practice; bounded whatever Host headers arrive
def _request_base(scheme: str, host: bytes | None, server: tuple[str, int] | None) -> str:
    """`scheme://netloc` of the URL a request reached, exactly as Starlette's `request.url` reads it."""
    headers = [] if host is None else [(b"host", host)]
    url = URL(scope={"scheme": scheme, "server": server, "path": "/", "headers": headers})
    return f"{url.scheme}://{url.netloc}"


@lru_cache(maxsize=4)
def _key(token: str) -> bytes:
    return token.encode("utf-8")


def signature_valid(web: WebContext, request: Request, path: str, form: dict[str, str]) -> bool:
    token = web.runtime.settings.twilio_auth_token
    signature = request.headers.get("x-twilio-signature")
    if token is None or not signature:
        return False
    return twilio_signature.signature_valid(
        _key(token.get_secret_value()), signed_url(web, request, path), form, signature
    )


async def _signed_form(request: Request, web: WebContext, path: str) -> dict[str, str] | Response:
    try:
        form = parse_form(await request.body(), request.headers.get("content-type"))
    except BadBody as exc:
        return Response(f"bad request: {exc}", status_code=400, media_type="text/plain")
    if not signature_valid(web, request, path, form):
        log.warning("twilio webhook %s with a bad or missing signature (from %s)", path, mask_phone(form.get("From")))
        return Response("invalid signature", status_code=403, media_type="text/plain")
    return form


async def inbound_sms(request: Request) -> Response:
    """An SMS from a debtor (or anyone): stored, then answered in TwiML when the answer is immediate."""
    web: WebContext = request.app.state.relance  # not a dependency: solving one costs more than the lookup
    form = await _signed_form(request, web, paths.TWILIO_SMS)
    if isinstance(form, Response):
        return form
    inbound = sms_inbound(form)
    if inbound is None:
        return Response("bad request: MessageSid, From and To are required", status_code=400, media_type="text/plain")
    # committed with the other SMS of the same burst (group commit), answered once committed
    outcome = await web.db.grouped(handle_sms_on, web.runtime, web.renderer, inbound)
    # one line per message at DEBUG (`relance serve --verbose`), like uvicorn's access log: at INFO
    # through Rich it cost ~0.4 ms of CPU per SMS, more than the rest of the request
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "sms from %s: %s, %d repl%s",
            mask_phone(inbound.address),
            outcome.disposition,
            len(outcome.replies),
            "y" if len(outcome.replies) == 1 else "ies",
        )
    return twiml(outcome.replies)


routes = [Route(paths.TWILIO_SMS, inbound_sms, methods=["POST"], include_in_schema=False)]


@router.post(paths.TWILIO_STATUS)
async def delivery_status(request: Request, web: WebContext = Depends(web_context)) -> Response:
    """A delivery receipt: idempotent, and a late `sent` never overwrites `delivered`."""
    form = await _signed_form(request, web, paths.TWILIO_STATUS)
    if isinstance(form, Response):
        return form
    sid, status = form.get("MessageSid") or form.get("SmsSid"), form.get("MessageStatus") or form.get("SmsStatus")
    if not sid or not status:
        return Response(
            "bad request: MessageSid and MessageStatus are required", status_code=400, media_type="text/plain"
        )
    # signed, so from Twilio, but still made fit for the database before it gets near it
    provider_id, provider_status = storable(sid)[:64], storable(status)[:32]
    error_code = storable(form.get("ErrorCode") or "")[:32] or None

    def record() -> None:
        with session_scope(web.runtime.engine) as session:
            record_delivery_receipt(
                session,
                provider_id=provider_id,
                provider_status=provider_status,
                error_code=error_code,
                at=web.runtime.now(),
            )

    await web.db(record)
    return Response(status_code=204)
