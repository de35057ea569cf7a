"""`relance nlu`: what the bot understands of a reply, or of JSON lines on stdin."""

from __future__ import annotations

import sys

import typer

from bot.nlu.jsonlines import InputError, _utf8, _write, explain, parse_locale, parse_today, understand_lines
from bot.nlu.understanding import understand


def nlu(
    text: str | None = typer.Argument(None, help="The message; without it, JSON lines are read from stdin."),
    locale: str = typer.Option("fr", help="fr or en (default for stdin lines without a locale)."),
    today: str | None = typer.Option(None, help="Resolve dates against this day (YYYY-MM-DD); default: today."),
    show: bool = typer.Option(
        False, "--explain", help="Also show which rule or which model features decided (one text, or each line)."
    ),
) -> None:
    """Understand debtor replies: intent, confidence, amount, installments, frequency, date."""
    try:
        default_locale, default_today = parse_locale(locale), parse_today(today)
    except InputError as exc:
        _write({"error": str(exc)})
        raise typer.Exit(2) from exc
    if text is not None:
        _write(
            explain(text, default_locale, default_today)
            if show
            else understand(text, default_locale, default_today).to_json()
        )
        return
    _utf8(sys.stdin)
    _utf8(sys.stdout)
    for result in understand_lines(sys.stdin, locale=default_locale, today=default_today, explained=show):
        _write(result)
    sys.stdout.flush()
