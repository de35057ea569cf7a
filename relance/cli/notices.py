"""`relance notice`: draft the formal notice of a case."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from messages.drafting import NoticeRefused, build_notice_data, check_notice_allowed
from messages.notice import Signatory, render_notice_pdf
from messages.render import Renderer
from relance.cli.common import console, err_console, get_runtime
from relance.core.cases import find_case
from relance.core.errors import ConfigError
from relance.core.runtime import Runtime


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def _signatory(value: str | None) -> Signatory | None:
    if value is None:
        return None
    name, _, capacity = value.partition(",")
    if not name.strip() or not capacity.strip():
        raise typer.BadParameter(
            'give "Name, capacity", e.g. "Claire Dubois, credit manager"', param_hint="--signatory"
        )
    return Signatory(name.strip(), capacity.strip())


def notice(
    ref: Annotated[str, typer.Argument(help="Debt reference, debtor ref, phone or case id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF.")],
    on: Annotated[str | None, typer.Option("--date", help="Date of the notice, YYYY-MM-DD (default: today).")] = None,
    dispatch: Annotated[
        str | None,
        typer.Option("--dispatch-date", help="Day the letter is posted, YYYY-MM-DD (default: the notice's date)."),
    ] = None,
    signatory: Annotated[
        str | None, typer.Option(help='Who signs, "Name, capacity" (default: the creditor\'s configured signatory).')
    ] = None,
    override: Annotated[
        str | None,
        typer.Option(help="Draft despite a dispute, plan, promise or opt-out; the reason is recorded on the case."),
    ] = None,
    email: Annotated[
        bool, typer.Option("--email", help="Also store it and e-mail it to the debtor, the PDF attached.")
    ] = False,
) -> None:
    """Draft the formal notice (mise en demeure) of a case as a PDF file (and e-mail it with --email)."""
    runtime = get_runtime()
    today = _day(on, "--date") or runtime.now().date()
    posted = _day(dispatch, "--dispatch-date") or today
    signer = _signatory(signatory)
    if email:
        _email_notice(runtime, ref, today, out, override=override, signatory=signer, dispatch_on=posted)
        return
    with runtime.session() as session:
        case = find_case(session, ref)
        try:
            overridden = check_notice_allowed(session, case, override=override, at=runtime.now())
        except NoticeRefused as exc:
            err_console.print(f"[red]refused:[/red] case #{case.id}: {'; '.join(exc.reasons)}.", highlight=False)
            err_console.print('Resolve it first, or pass --override "reason" (recorded on the case).')
            raise typer.Exit(1) from None
        data = build_notice_data(session, case, runtime.config, today, signatory=signer, dispatch_on=posted)
        session.commit()
    pdf = render_notice_pdf(data, Renderer.from_config(runtime.config))
    out.write_bytes(pdf)
    if overridden:
        console.print(f"[yellow]overridden:[/yellow] {'; '.join(overridden)} (recorded)", highlight=False)
    console.print(
        f"formal notice for case #{case.id} ({data.variant}): {len(data.debts)} debt(s), total {data.total:.2f}"
        f" {data.currency}, {data.deadline_days} days from receipt, deadline {data.deadline.isoformat()} → {out}"
        f" (sha256 {hashlib.sha256(pdf).hexdigest()[:16]}…)",
        highlight=False,
    )


def _email_notice(
    runtime: Runtime,
    ref: str,
    today: date,
    out: Path,
    *,
    override: str | None,
    signatory: Signatory | None,
    dispatch_on: date,
) -> None:
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
        try:
            notice = create_notice(
                session, case, runtime.config, today, now=runtime.now(), renderer=renderer,
                override=override, signatory=signatory, dispatch_on=dispatch_on,
            )  # fmt: skip
        except NoticeRefused as exc:
            err_console.print(f"[red]refused:[/red] case #{case.id}: {'; '.join(exc.reasons)}.", highlight=False)
            raise typer.Exit(1) from None
        notice_id, pdf = notice.id, bytes(notice.pdf or b"")
    assert notice_id is not None
    out.write_bytes(pdf)
    sent = asyncio.run(email_notice(runtime, renderer, channel, notice_id))
    console.print(
        f"formal notice #{notice_id} of case #{case.id} → {out}; e-mailed (Message-ID {sent.header_id})",
        highlight=False,
    )
