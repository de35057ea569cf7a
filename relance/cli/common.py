"""What every command shares: the Rich consoles, the runtime from the environment, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from relance.core.errors import ImportRowsError, invalid_rows
from relance.core.runtime import Runtime, open_runtime

console = Console()
err_console = Console(stderr=True)


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


def print_problems(exc: ImportRowsError) -> None:
    """The invalid rows of a refused import, one line each."""
    err_console.print(f"[red]{exc.rows} invalid row(s); nothing was imported:[/red]")
    for problem in exc.problems:
        err_console.print(f"  {problem}", markup=False, highlight=False)
    err_console.print("Fix the rows, or pass --skip-invalid to import only the valid ones.")


def report_skipped(skipped: list) -> None:  # type: ignore[type-arg]
    """The rows an import skipped (--skip-invalid), one line each."""
    if skipped:
        err_console.print(f"[yellow]{invalid_rows(skipped)} invalid row(s) skipped:[/yellow]")
        for problem in skipped:
            err_console.print(f"  {problem}", markup=False, highlight=False)
