"""`relance export` and `relance verify`: case files as evidence."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from relance.cli.common import console, err_console, get_runtime
from relance.core.casefile import MANIFEST, compare_with_database, export_casefile, verify_casefile
from relance.core.cases import find_case


def export_command(
    ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the ZIP.", dir_okay=False)],
) -> None:
    """Export a case file: transcript, events (hash-chained), notices and a SHA-256 manifest."""

    runtime = get_runtime()
    with runtime.session() as session:
        case = find_case(session, ref)
        data = export_casefile(session, case, at=runtime.now(), actor="cli")
        session.commit()
    out.write_bytes(data)
    console.print(f"case #{case.id} exported to [bold]{out}[/bold] ({len(data)} bytes)", highlight=False)


def verify_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A case file ZIP.")],
    against_db: Annotated[
        bool, typer.Option("--against-db", help="Also compare the events with the database (RELANCE_DATABASE_URL).")
    ] = False,
) -> None:
    """Check a case file: every file's SHA-256 against the manifest, and the event hash chain."""

    data = file.read_bytes()
    problems = verify_casefile(data)
    if against_db and not problems:
        with get_runtime().session() as session:
            problems = compare_with_database(session, data)
    if problems:
        err_console.print(f"[red]{file}: the case file is NOT intact ({len(problems)} problem(s)):[/red]")
        for problem in problems:
            err_console.print(f"  {problem}", markup=False, highlight=False)
        raise typer.Exit(1)
    man = json.loads(zipfile.ZipFile(file).read(MANIFEST))
    console.print(
        f"[green]{file}: intact[/green] · case #{man['case_id']} · {man['event_count']} events, chain verified"
        f" · {len(man['files'])} files match the manifest",
        highlight=False,
    )
