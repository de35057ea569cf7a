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
from relance.core.errors import ConfigError
from relance.core.runtime import Runtime


def notice(
    ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF.")],
    on: Annotated[str | None, typer.Option("--date", help="Date of the notice, YYYY-MM-DD (default: today).")] = None,
    email: Annotated[
        bool, typer.Option("--email", help="Also store it and e-mail it to the debtor, the PDF attached.")
    ] = False,
) -> None:
    """Draft the formal notice (mise en demeure) of a case as a PDF file (and e-mail it with --email)."""
    runtime = get_runtime()
    try:
        today = date.fromisoformat(on) if on else runtime.now().date()
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--date") from None
    if email:
        _email_notice(runtime, ref, today, out)
        return
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


def _email_notice(runtime: Runtime, ref: str, today: date, out: Path) -> None:
    """Store the notice (event `notice_drafted`), write its PDF, e-mail it (event `notice_emailed`)."""
    import asyncio

    from bot.channels.email import SmtpEmailChannel
    from bot.channels.factory import email_channel
    from bot.email_notice import email_notice
    from messages.drafting import create_notice
    from relance.core.db import session_scope

    renderer = Renderer.from_config(runtime.config)
    channel = email_channel(runtime.settings, runtime.config, runtime.engine)
    if not isinstance(channel, SmtpEmailChannel):
        raise ConfigError("e-mail is not configured: set RELANCE_SMTP_HOST and RELANCE_SMTP_FROM")
    with session_scope(runtime.engine) as session:
        case = find_case(session, ref)
        notice = create_notice(session, case, runtime.config, today, now=runtime.now(), renderer=renderer)
        notice_id, pdf = notice.id, bytes(notice.pdf or b"")
    assert notice_id is not None
    out.write_bytes(pdf)
    sent = asyncio.run(email_notice(runtime, renderer, channel, notice_id))
    console.print(
        f"formal notice #{notice_id} of case #{case.id} → {out}; e-mailed (Message-ID {sent.header_id})",
        highlight=False,
    )
