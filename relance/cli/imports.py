"""`relance import`: debts and payments from CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from relance.cli.common import console, get_runtime, print_problems, progress_bar, report_skipped
from relance.core.errors import ImportRowsError

import_app = typer.Typer(help="Import portfolios (debts) and payments from CSV.", no_args_is_help=True)


@import_app.command("debts")
def import_debts_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file.")],
    skip_invalid: Annotated[bool, typer.Option(help="Import the valid rows and report the others.")] = False,
) -> None:
    """Import open invoices: reference, debtor_name, phone, amount, currency, due_date [+ optional columns]."""
    from relance.core.importer import count_data_lines, import_debts

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
            print_problems(exc)
            raise typer.Exit(1) from None
        session.commit()
    console.print(
        f"{report.imported_rows} row(s) imported: {report.debtors_created} new debtor(s), "
        f"{report.cases_created} new case(s), {report.debts_created} new debt(s), "
        f"{report.debts_updated} updated, {report.unchanged} unchanged."
    )
    report_skipped(report.skipped)


def _advance_import(progress: Progress, task: int, n: int) -> None:
    if progress.tasks[0].description != "importing":
        progress.reset(task, description="importing")  # type: ignore[arg-type]
    progress.advance(task, n)  # type: ignore[arg-type]


@import_app.command("payments")
def import_payments_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV file.")],
    skip_invalid: Annotated[bool, typer.Option(help="Record the valid rows and report the others.")] = False,
) -> None:
    """Record payments: reference, amount, paid_on [, creditor]. Fully paid debts and cases are closed."""
    from relance.core.importer import count_data_lines, import_payments

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
            print_problems(exc)
            raise typer.Exit(1) from None
        session.commit()
    console.print(
        f"{report.payments_recorded} payment(s) recorded, {report.unchanged} already known, "
        f"{report.cases_paid} case(s) now paid."
    )
    report_skipped(report.skipped)
