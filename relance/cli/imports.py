"""`relance import`: debts and payments from CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relance.cli.common import console, err_console, get_runtime, print_problems, progress_bar, report_skipped
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
    total = count_data_lines(file) if err_console.is_terminal else None  # a bar only on a terminal
    with runtime.session() as session, progress_bar("importing", total) as progress:
        try:
            task = progress.task_ids[0]
            report = import_debts(
                session,
                file,
                runtime.config,
                now=runtime.now(),
                skip_invalid=skip_invalid,
                progress=lambda n: progress.advance(task, n),
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
        f"{report.debts_updated} updated, {report.unchanged} unchanged"
        + (f"; {report.debtors_updated} debtor(s) with new contact details." if report.debtors_updated else ".")
    )
    report_skipped(report.skipped)


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
