"""`relance payments`: online payments waiting for a person (no debt matched them)."""

from __future__ import annotations

import typer
from rich.table import Table

from relance.cli.common import console, get_runtime
from relance.core.online_payments import unmatched_payments

payments_app = typer.Typer(help="Online payments (Stripe) that need a person.", no_args_is_help=True)


@payments_app.command("unmatched")
def payments_unmatched_command() -> None:
    """Payments received online that matched no debt (unknown or ambiguous reference): record them by hand."""
    runtime = get_runtime()
    with runtime.session() as session:
        rows = unmatched_payments(session)
    table = Table(
        "id", "provider", "payment", "amount", "reference", "creditor", "received", title="Unmatched payments"
    )
    for p in rows:
        table.add_row(
            str(p.id),
            p.provider,
            p.intent_id,
            f"{p.amount} {p.currency}",
            p.reference or "-",
            p.creditor_key or "-",
            f"{p.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table if rows else "no unmatched online payment")
