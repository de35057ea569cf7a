"""`relance notice`: draft the formal notice of a case."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from messages.drafting import build_notice_data
from messages.notice import render_notice_pdf
from messages.render import Renderer
from relance.cli.common import console, get_runtime
from relance.core.cases import find_case


def notice(
    ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF.")],
    on: Annotated[str | None, typer.Option("--date", help="Date of the notice, YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Draft the formal notice (mise en demeure) of a case as a PDF file."""
    runtime = get_runtime()
    try:
        today = date.fromisoformat(on) if on else runtime.now().date()
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--date") from None
    with runtime.session() as session:
        case = find_case(session, ref)
        data = build_notice_data(session, case, runtime.config, today)
    pdf = render_notice_pdf(data, Renderer.from_config(runtime.config))
    out.write_bytes(pdf)
    console.print(
        f"formal notice for case #{case.id}: {len(data.debts)} debt(s), total {data.total:.2f} {data.currency},"
        f" deadline {data.deadline.isoformat()} → {out} (sha256 {hashlib.sha256(pdf).hexdigest()[:16]}…)",
        highlight=False,
    )
