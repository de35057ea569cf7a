"""`relance export` and `relance verify`: case files as evidence."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from relance.cli.common import console, err_console, get_runtime
from relance.core import signing, timestamps
from relance.core.casefile import (
    MANIFEST,
    compare_with_database,
    export_casefile,
    signature_status,
    timestamp_of,
    verify_casefile,
)
from relance.core.cases import find_case


def export_command(
    ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the ZIP.", dir_okay=False)],
) -> None:
    """Export a case file: transcript, events (hash-chained), notices, a SHA-256 manifest, signed when a key is set."""

    runtime = get_runtime()
    key = signing.load_signing_key(runtime.settings)
    with runtime.session() as session:
        case = find_case(session, ref)
        stamp = timestamps.stamper(runtime.settings.tsa_url)
        data = export_casefile(session, case, at=runtime.now(), actor="cli", key=key, stamp=stamp)
        session.commit()
    out.write_bytes(data)
    console.print(f"case #{case.id} exported to [bold]{out}[/bold] ({len(data)} bytes)", highlight=False)
    if key is None:
        err_console.print(
            "[yellow]not signed:[/yellow] no signing key (run `relance keys init` or set RELANCE_SIGNING_KEY)",
            highlight=False,
        )


def verify_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A case file ZIP.")],
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            exists=True,
            dir_okay=False,
            readable=True,
            help="The installation's public key (PEM, from `relance keys public`): the signature must match it.",
        ),
    ] = None,
    against_db: Annotated[
        bool,
        typer.Option(
            "--against-db",
            help="Also compare every file and the full event list with the database (RELANCE_DATABASE_URL).",
        ),
    ] = False,
) -> None:
    """Check a case file: every file's SHA-256, the event hash chain, the signature (--public-key), the database."""

    data = file.read_bytes()
    key = signing.public_key_from_pem(public_key.read_bytes(), str(public_key)) if public_key else None
    problems = verify_casefile(data, key)
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
    if key is not None:
        console.print(f"signature verified with key {signing.fingerprint(key)}", highlight=False)
    else:
        named, consistent = signature_status(data)
        what = f"signed by key {named}" if named and consistent else "not signed" if not named else "signature invalid"
        console.print(f"{what}; origin not checked (pass --public-key)", highlight=False)
    stamp = timestamp_of(data)
    if stamp is not None:
        console.print(f"time-stamped {stamp.at.isoformat()} by {stamp.tsa} (RFC 3161, serial {stamp.serial})")
    if against_db:
        console.print("matches the database: the export is on record, every file and every event", highlight=False)
