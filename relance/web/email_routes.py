"""E-mail: Mailgun's inbound route and event webhooks (signed), and the one-click unsubscribe link.

A request whose Mailgun signature is wrong or missing gets 403 before anything is stored. The
unsubscribe link (`List-Unsubscribe`, RFC 8058) answers a POST (the mailbox provider's one-click,
body `List-Unsubscribe=One-Click`, or the page's button) by stopping e-mail to that address; a GET
only shows the page with the button, so that link scanners unsubscribe nobody.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from bot import mailgun
from bot.channels.email import SmtpEmailChannel
from bot.delivery import record_delivery_receipt
from bot.email_bounces import record_bounce
from bot.email_inbound import ParsedEmail, handle_email, parse_mailgun
from bot.email_links import UnsubscribeLinks, link_key
from bot.optout import opt_out
from relance.core import paths
from relance.core.db import session_scope
from relance.web.context import WebContext, web_context
from relance.web.forms import BadBody, parse_json_object

log = logging.getLogger(__name__)
router = APIRouter()
MAX_FIELDS = 100


def _forbidden() -> Response:
    return Response("invalid signature", status_code=403, media_type="text/plain")


def _bad(reason: str) -> Response:
    return Response(f"bad request: {reason}", status_code=400, media_type="text/plain")


def _key(web: WebContext) -> str | None:
    key = web.runtime.settings.mailgun_signing_key
    return key.get_secret_value() if key is not None else None


async def _form(request: Request) -> dict[str, str] | Response:
    try:
        form = await request.form(max_fields=MAX_FIELDS, max_files=MAX_FIELDS)
    except Exception as exc:  # a body that is no form at all
        return _bad(f"unreadable form ({type(exc).__name__})")
    # attachments are not read: what the debtor wrote is in the text
    return {k: v for k, v in form.multi_items() if not isinstance(v, UploadFile)}


@router.post(paths.MAILGUN_INBOUND)
async def inbound_email(request: Request, web: WebContext = Depends(web_context)) -> Response:
    """A reply forwarded by a Mailgun route: checked, stored, understood, answered by e-mail."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    key = _key(web)
    if key is None or not mailgun.signature_valid(
        key, form.get("timestamp", ""), form.get("token", ""), form.get("signature", "")
    ):
        log.warning("mailgun inbound with a bad or missing signature")
        return _forbidden()
    try:
        parsed = parse_mailgun(form)
    except (ValueError, TypeError, LookupError, UnicodeError) as exc:  # signed, yet not a message we can read
        log.warning("mailgun inbound: unreadable message (%s: %s)", type(exc).__name__, exc)
        return _bad(f"unreadable message ({type(exc).__name__})")
    if parsed is None:
        return _bad("sender and Message-Id are required")
    disposition = await web.db(_handle, web, parsed)
    log.info("e-mail in (%s): %s", "mailgun", disposition)
    return Response(status_code=200, content="ok", media_type="text/plain")


def _handle(web: WebContext, parsed: ParsedEmail) -> str:
    rt = web.runtime
    with session_scope(rt.engine) as session:
        outcome = handle_email(session, parsed, now=rt.now(), config=rt.config, renderer=web.renderer)
        return str(outcome.disposition)


@router.post(paths.MAILGUN_EVENTS)
async def email_events(request: Request, web: WebContext = Depends(web_context)) -> Response:
    """Mailgun's event webhook: delivery receipts; permanent failures and complaints stop e-mail to that address."""
    try:
        payload = parse_json_object(await request.body())
    except BadBody as exc:
        return _bad(str(exc))
    raw_signature = payload.get("signature")
    signature: dict[str, Any] = raw_signature if isinstance(raw_signature, dict) else {}
    key = _key(web)
    fields = [str(signature.get(k, "")) for k in ("timestamp", "token", "signature")]
    if key is None or not mailgun.signature_valid(key, *fields):
        log.warning("mailgun event with a bad or missing signature")
        return _forbidden()
    event = payload.get("event-data")
    if not isinstance(event, dict):
        return _bad("event-data is required")
    rt = web.runtime
    delivered = mailgun.delivered_provider_id(event)
    if delivered is not None:

        def receipt() -> None:
            with session_scope(rt.engine) as session:
                record_delivery_receipt(
                    session, provider_id=delivered, provider_status="delivered", error_code=None, at=rt.now()
                )

        await web.db(receipt)
        return Response(status_code=204)
    bounce = mailgun.event_bounce(event)
    if bounce is None:
        return Response(status_code=204)

    def record() -> str:
        with session_scope(rt.engine) as session:
            return record_bounce(session, bounce, at=rt.now(), preferred=rt.config.channels.preferred)

    done = await web.db(record)
    log.info("e-mail %s recorded: %s", bounce.kind, done)
    return Response(status_code=204)


def _links(web: WebContext) -> UnsubscribeLinks:
    adapter = web.channels.get("email")
    if isinstance(adapter, SmtpEmailChannel) and adapter.links is not None:
        return adapter.links
    return UnsubscribeLinks(link_key(web.runtime.settings, web.runtime.engine), web.runtime.settings.public_url)


_TEXTS = {
    "ask": ("Se désabonner des e-mails / Unsubscribe from e-mails",
            "Ne plus recevoir nos e-mails à {address} ? / Stop receiving our e-mails at {address}?",
            "Me désabonner / Unsubscribe"),
    "done": ("Désabonnement confirmé / Unsubscribed",
             "Vous ne recevrez plus nos e-mails à {address}. / You will no longer receive our e-mails at {address}.",
             ""),
}  # fmt: skip


def _page(kind: str, address: str, token: str) -> HTMLResponse:
    title, text, button = _TEXTS[kind]
    body = f"<h1>{escape(title)}</h1><p>{escape(text.format(address=address))}</p>"
    if button:
        action = escape(f"{paths.EMAIL_UNSUBSCRIBE}?t={token}")
        body += f'<form method="post" action="{action}"><button type="submit">{escape(button)}</button></form>'
    head = f'<meta charset="utf-8"><title>{escape(title)}</title>'
    html = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    return HTMLResponse(html)


@router.get(paths.EMAIL_UNSUBSCRIBE)
async def unsubscribe_page(t: str = "", web: WebContext = Depends(web_context)) -> Response:
    """The page behind the link: a button that unsubscribes (a GET changes nothing)."""
    address = _links(web).address(t)
    if address is None:
        return _bad("this unsubscribe link is not valid (parameter t)")
    return _page("ask", address, t)


@router.post(paths.EMAIL_UNSUBSCRIBE)
async def unsubscribe(t: str = "", web: WebContext = Depends(web_context)) -> Response:
    """One-click unsubscribe (RFC 8058): e-mail to that address stops, other channels are untouched."""
    address = _links(web).address(t)
    if address is None:
        return _bad("this unsubscribe link is not valid (parameter t)")
    rt = web.runtime

    def record() -> None:
        from bot.email_store import case_for_address

        with session_scope(rt.engine) as session:
            case = case_for_address(session, address)
            opt_out(
                session, channel="email", address=address, sender=None, source="one_click", at=rt.now(),
                debtor_id=case.debtor_id if case else None,
            )  # fmt: skip

    await web.db(record)
    return _page("done", address, t)
