"""The `relance` command line (Typer). Output goes through Rich; errors are one readable line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from relance.config import load_config, load_settings, masked_settings
from relance.errors import ConfigError, ImportRowsError, RelanceError
from relance.runtime import Runtime, open_runtime

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="relance",
    help="Relance: polite, compliant payment reminders by SMS and chat, with a human hand-off.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import portfolios (debts) and payments from CSV.", no_args_is_help=True)
cases_app = typer.Typer(help="Look at cases.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(cases_app, name="cases")
app.add_typer(config_app, name="config")


def get_runtime(*, upgrade: bool = True) -> Runtime:
    """The runtime from the environment (RELANCE_DATABASE_URL, RELANCE_CONFIG, …)."""
    return open_runtime(upgrade=upgrade)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Progress]:
    """A Rich progress bar on stderr (quiet when stderr is not a terminal)."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        progress.add_task(description, total=total)
        yield progress


# --------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (RELANCE_DATABASE_URL, default sqlite:///relance.db)."""
    from relance.db import current_revision, engine_for, upgrade

    settings = load_settings()
    engine = engine_for(settings.database_url)
    upgrade(engine, revision)
    console.print(f"database at revision [bold]{current_revision(engine)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision."""
    from relance.db import current_revision, engine_for, head_revision

    engine = engine_for(load_settings().database_url)
    console.print(f"current: {current_revision(engine) or '(empty)'}, head: {head_revision()}")


# --------------------------------------------------------------------------- import


def _print_problems(exc: ImportRowsError) -> None:
    err_console.print(f"[red]{len(exc.problems)} invalid row(s); nothing was imported:[/red]")
    for problem in exc.problems:
        err_console.print(f"  {problem}", markup=False, highlight=False)
    err_console.print("Fix the rows, or pass --skip-invalid to import only the valid ones.")


@import_app.command("debts")
def import_debts_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file.")],
    skip_invalid: Annotated[bool, typer.Option(help="Import the valid rows and report the others.")] = False,
) -> None:
    """Import open invoices: reference, debtor_name, phone, amount, currency, due_date [+ optional columns]."""
    from relance.importer import count_data_lines, import_debts

    runtime = get_runtime()
    total = count_data_lines(file)
    with runtime.session() as session, progress_bar("validating", total) as progress:
        try:
            task = progress.task_ids[0]
            report = import_debts(
                session,
                file,
                runtime.config,
                now=runtime.now(),
                skip_invalid=skip_invalid,
                validate_progress=lambda n: progress.advance(task, n),
                progress=lambda n: _advance_import(progress, task, n),
            )
        except ImportRowsError as exc:
            session.rollback()
            progress.stop()
            _print_problems(exc)
            raise typer.Exit(1) from None
        session.commit()
    console.print(
        f"{report.imported_rows} row(s) imported: {report.debtors_created} new debtor(s), "
        f"{report.cases_created} new case(s), {report.debts_created} new debt(s), "
        f"{report.debts_updated} updated, {report.unchanged} unchanged."
    )
    _report_skipped(report.skipped)


def _advance_import(progress: Progress, task: int, n: int) -> None:
    if progress.tasks[0].description != "importing":
        progress.reset(task, description="importing")  # type: ignore[arg-type]
    progress.advance(task, n)  # type: ignore[arg-type]


def _report_skipped(skipped: list) -> None:  # type: ignore[type-arg]
    if skipped:
        err_console.print(f"[yellow]{len(skipped)} invalid row(s) skipped:[/yellow]")
        for problem in skipped:
            err_console.print(f"  {problem}", markup=False, highlight=False)


@import_app.command("payments")
def import_payments_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file.")],
    skip_invalid: Annotated[bool, typer.Option(help="Record the valid rows and report the others.")] = False,
) -> None:
    """Record payments: reference, amount, paid_on [, creditor]. Fully paid debts and cases are closed."""
    from relance.importer import count_data_lines, import_payments

    runtime = get_runtime()
    with runtime.session() as session, progress_bar("recording", count_data_lines(file)) as progress:
        try:
            report = import_payments(
                session,
                file,
                now=runtime.now(),
                skip_invalid=skip_invalid,
                progress=lambda n: progress.advance(progress.task_ids[0], n),
            )
        except ImportRowsError as exc:
            session.rollback()
            progress.stop()
            _print_problems(exc)
            raise typer.Exit(1) from None
        session.commit()
    console.print(
        f"{report.payments_recorded} payment(s) recorded, {report.unchanged} already known, "
        f"{report.cases_paid} case(s) now paid."
    )
    _report_skipped(report.skipped)


# --------------------------------------------------------------------------- cases


@cases_app.command("list")
def cases_list(
    status: Annotated[str | None, typer.Option(help="Only cases in this status (open, paid, disputed…).")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only cases flagged for a human.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 200,
) -> None:
    """List cases."""
    from relance.cases import list_cases

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
    from relance.cases import case_detail, find_case

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


# --------------------------------------------------------------------------- config


@config_app.command("check")
def config_check(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="relance.toml to check (default RELANCE_CONFIG).")
    ] = None,
) -> None:
    """Validate relance.toml and print the effective configuration, secrets masked."""
    settings = load_settings()
    path = file or settings.config
    config = load_config(path)
    source = str(path) if path.exists() else f"built-in defaults ({path} not found)"
    console.print(f"[green]configuration OK[/green] · {source}")
    console.print_json(json.dumps({"settings": masked_settings(settings), "config": config.model_dump(mode="json")}))


# --------------------------------------------------------------------------- demo


@app.command("demo")
def demo(
    db: Annotated[str | None, typer.Option(help="Database URL to keep (default: a fresh temporary SQLite).")] = None,
) -> None:
    """Run the sample portfolio and its scripted debtors over 45 simulated days."""
    from relance.simulation.cli import demo as run_demo

    run_demo(db)


# --------------------------------------------------------------------------- sub-commands of feature modules
# Feature modules register their commands here. Imported at the end because their command
# functions import `console` and `get_runtime` from this module when they run.
from bot.nlu.cli import nlu  # noqa: E402
from relance.agents import agent_app  # noqa: E402
from relance.casefile import export_command, verify_command  # noqa: E402
from relance.notices import notice  # noqa: E402
from relance.simulation.cli import simulate  # noqa: E402
from relance.web.serve import serve  # noqa: E402
from scheduler.runner import scheduler_cmd, worker_cmd  # noqa: E402

app.command("serve")(serve)
app.command("notice")(notice)
app.command("scheduler")(scheduler_cmd)
app.command("worker")(worker_cmd)
app.add_typer(agent_app, name="agent")
app.command("export")(export_command)
app.command("verify")(verify_command)
app.command("nlu")(nlu)
app.command("simulate")(simulate)


def main() -> None:
    """Console-script entry point: readable errors, non-zero exit codes."""
    try:
        app()
    except ConfigError as exc:
        err_console.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except RelanceError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
