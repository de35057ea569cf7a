"""Sends the outbound webhooks' outbox (`relance.core.webhooks_out`): one pass fans out, then POSTs what is due."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import httpx
from sqlalchemy.engine import Engine

from relance.core.clock import Clock
from relance.core.db import session_scope
from relance.core.webhooks_out import SIGNATURE_HEADER, Due, due, fan_out, record_attempt, sign

log = logging.getLogger(__name__)
TIMEOUT = 10.0
MAX_ROUNDS = 50


@dataclass
class WebhookReport:
    queued: int = 0
    delivered: int = 0
    failed: int = 0


async def deliver_webhooks(engine: Engine, clock: Clock, *, client: httpx.AsyncClient | None = None) -> WebhookReport:
    """Fan new events out to the endpoints, then attempt every due delivery (in order per case)."""
    report = WebhookReport()

    def queue() -> None:
        with session_scope(engine) as session:
            report.queued = fan_out(session, now=clock.now())

    def next_round() -> list[Due]:
        with session_scope(engine) as session:
            return due(session, now=clock.now())

    await asyncio.to_thread(queue)
    own = client is None
    client = client or httpx.AsyncClient(timeout=TIMEOUT)
    try:
        # each round takes the oldest due delivery of every (endpoint, case); the next round its successor
        for _ in range(MAX_ROUNDS):
            todo = await asyncio.to_thread(next_round)
            if not todo:
                break
            for item in todo:
                status, error = await _post(client, item)
                ok = status is not None and 200 <= status < 300
                report.delivered += ok
                report.failed += not ok
                await asyncio.to_thread(_record, engine, clock, item.id, status, error)
    finally:
        if own:
            await client.aclose()
    return report


async def _post(client: httpx.AsyncClient, item: Due) -> tuple[int | None, str | None]:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(item.secret, item.body, int(time.time()))}
    try:
        response = await client.post(item.url, content=item.body, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("webhook delivery %s to %s failed: %s", item.id, item.url, exc)
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _record(engine: Engine, clock: Clock, delivery_id: int, status: int | None, error: str | None) -> None:
    with session_scope(engine) as session:
        record_attempt(session, delivery_id=delivery_id, status=status, error=error, now=clock.now())
