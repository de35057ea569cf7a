"""`relance webhook`: outbound webhooks to the creditor's systems, and their last status."""

from __future__ import annotations

import asyncio
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from relance.cli.common import console, get_runtime
from relance.core.models import WebhookEndpoint
from relance.core.webhooks_out import PUBLISHED, add_endpoint, deliveries
from scheduler.webhook_sender import deliver_webhooks

webhook_app = typer.Typer(help="Outbound webhooks (signed case events to your systems).", no_args_is_help=True)


@webhook_app.command("add")
def webhook_add_command(
    url: Annotated[str, typer.Argument(help="Where to POST the events.")],
    creditor: Annotated[str, typer.Option("--creditor", help="Events of this creditor only; '*' for all.")] = "*",
) -> None:
    """Add an endpoint; prints its signing secret (Relance-Signature: t=…,v1=HMAC-SHA256(secret, 't.body'))."""
    runtime = get_runtime()
    with runtime.session() as session:
        endpoint = add_endpoint(session, url=url, creditor=creditor, at=runtime.now())
        session.commit()
    console.print(f"endpoint #{endpoint.id} {endpoint.url}; signing secret:", highlight=False)
    console.print(endpoint.secret, markup=False, highlight=False)
    console.print(f"events: {', '.join(sorted(set(PUBLISHED.values())))}", highlight=False)


@webhook_app.command("list")
def webhook_list_command() -> None:
    """The endpoints."""
    runtime = get_runtime()
    with runtime.session() as session:
        rows = list(session.execute(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars())  # type: ignore[arg-type]
    table = Table("id", "url", "creditor id", "active", title="Webhook endpoints")
    for e in rows:
        table.add_row(str(e.id), e.url, str(e.creditor_id or "*"), "yes" if e.active else "no")
    console.print(table if rows else "no endpoint yet: relance webhook add URL")


@webhook_app.command("deliveries")
def webhook_deliveries_command(limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50) -> None:
    """The latest deliveries with their last status (pending ones are retried with back-off)."""
    runtime = get_runtime()
    with runtime.session() as session:
        rows = deliveries(session, limit=limit)
    table = Table("id", "endpoint", "case", "type", "status", "attempts", "last HTTP", "next attempt", "error")
    for d in rows:
        table.add_row(
            str(d.id),
            str(d.endpoint_id),
            str(d.case_id),
            d.kind,
            d.status,
            str(d.attempts),
            str(d.last_status or "-"),
            "-" if d.status == "delivered" else f"{d.next_attempt_at:%Y-%m-%d %H:%M:%S}",
            d.last_error or "",
        )
    console.print(table if rows else "no delivery yet")


@webhook_app.command("deliver")
def webhook_deliver_command() -> None:
    """Deliver what is due now (`relance serve` and `relance worker` do it every few seconds)."""
    runtime = get_runtime()
    report = asyncio.run(deliver_webhooks(runtime.engine, runtime.clock))
    console.print(f"queued {report.queued}, delivered {report.delivered}, failed {report.failed}", highlight=False)
