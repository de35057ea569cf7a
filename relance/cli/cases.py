"""`relance cases`: look at cases from the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from relance.cli.common import console, get_runtime

cases_app = typer.Typer(help="Look at cases.", no_args_is_help=True)


@cases_app.command("list")
def cases_list(
    status: Annotated[str | None, typer.Option(help="Only cases in this status (open, paid, disputed…).")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only cases flagged for a human.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 200,
) -> None:
    """List cases."""
    from relance.core.cases import list_cases

    runtime = get_runtime()
    with runtime.session() as session:
        rows = list_cases(session, status=status, flagged=flagged, limit=limit)
    table = Table("case", "debtor", "name", "creditor", "status", "balance", "debts", "flags", title="Cases")
    for r in rows:
        table.add_row(
            f"#{r.id}",
            r.debtor_ref,
            r.debtor_name,
            r.creditor,
            r.status + (" (agent)" if r.taken_over else ""),
            f"{r.balance:.2f} {r.currency}",
            str(r.debts),
            str(r.flags) if r.flags else "",
        )
    console.print(table if rows else "no case matches")


@cases_app.command("show")
def cases_show(ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")]) -> None:
    """Show one case: debtor, debts, balance, messages, flags and events."""
    from relance.core.cases import case_detail, find_case

    runtime = get_runtime()
    with runtime.session() as session:
        d = case_detail(session, find_case(session, ref))
    c, debtor = d.case, d.debtor
    console.rule(f"Case #{c.id} · {debtor.name} · {d.creditor.name}")
    console.print(
        f"status [bold]{c.status}[/bold]{' · taken over by an agent' if c.agent_id else ''}"
        f" · balance [bold]{c.balance:.2f} {c.currency}[/bold] · day 0 {c.due_date} · last step {c.last_step}"
    )
    console.print(
        f"debtor {debtor.ref} · {debtor.phone or '-'} · telegram {debtor.telegram_chat_id or '-'}"
        f" · {debtor.locale} · {debtor.country or '?'} · {debtor.timezones}",
        highlight=False,
    )
    debts = Table("reference", "amount", "balance", "due", "status", title="Debts")
    for debt in d.debts:
        debts.add_row(debt.reference, f"{debt.amount:.2f}", f"{debt.balance:.2f}", str(debt.due_date), debt.status)
    console.print(debts)
    if d.flags:
        flags = Table("reason", "priority", "action", "status", "since", title="Flags")
        for f in d.flags:
            flags.add_row(f.reason, str(f.priority), f.recommended_action, f.status, f.created_at.isoformat())
        console.print(flags)
    messages = Table("at (UTC)", "dir", "channel", "author", "status", "text", title="Messages")
    for m in d.messages:
        messages.add_row(
            (m.sent_at or m.created_at).strftime("%Y-%m-%d %H:%M"), m.direction, m.channel, m.author, m.status, m.body
        )
    console.print(messages if d.messages else "no message yet")
    events = Table("at (UTC)", "actor", "event", "data", title="Events")
    for e in d.events:
        events.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.kind, json.dumps(e.data, ensure_ascii=False))
    console.print(events)
