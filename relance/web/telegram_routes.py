"""The Telegram webhook: the secret token is checked, then the update goes to python-telegram-bot."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Depends, Request, Response

from relance.core import paths
from relance.web.context import WebContext, web_context
from relance.web.forms import BadBody, parse_json_object

log = logging.getLogger(__name__)
router = APIRouter()
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def secret_valid(web: WebContext, request: Request) -> bool:
    """Constant-time comparison with `RELANCE_TELEGRAM_WEBHOOK_SECRET` (never valid when it is unset)."""
    secret = web.runtime.settings.telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER)
    if secret is None or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.get_secret_value().encode("utf-8"))


@router.post(paths.TELEGRAM)
async def telegram_update(request: Request, web: WebContext = Depends(web_context)) -> Response:
    """One update from Telegram, handled before we answer (Telegram delivers a chat's updates in order)."""
    if not secret_valid(web, request):
        log.warning("telegram webhook with a wrong or missing secret token")
        return Response("forbidden", status_code=403, media_type="text/plain")
    if web.telegram is None or not web.telegram.ready:
        return Response("telegram bot not ready", status_code=503, media_type="text/plain")  # Telegram retries
    try:
        update = web.telegram.parse(parse_json_object(await request.body()))
    except (BadBody, ValueError) as exc:
        return Response(f"bad request: {exc}", status_code=400, media_type="text/plain")
    await web.telegram.process(update)
    return Response(status_code=200)
