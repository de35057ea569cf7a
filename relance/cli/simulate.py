"""`relance simulate` and `relance demo`: the whole pipeline over a portfolio, in simulated time."""

from __future__ import annotations

import csv
import json
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from relance.core.config import load_config, load_settings
from relance.core.db import engine_for
from relance.core.errors import ImportRowsError
from relance.simulation.engine import Simulation
from relance.simulation.events import collect_events, summarise, write_events
from relance.simulation.personas import load_personas
from relance.simulation.replies import load_replies

console = Console()
err_console = Console(stderr=True)
DATA = Path(__file__).resolve().parent.parent / "data"
# The sample portfolio's dates are written for a demo starting on this day; the demo shifts them so
# that its 45 days end today, and `relance serve` on the demo's database shows a coherent present.
PORTFOLIO_START = date(2026, 11, 9)
DEMO_DAYS = 45


def run(
    portfolio: Path,
    *,
    start: date,
    days: int,
    db: str | None,
    config_path: Path | None,
    replies: Path | None = None,
    personas: bool = False,
) -> tuple[Any, list[dict[str, Any]], dict[str, Any], float]:
    """Run one simulation; returns (simulation, events, summary, seconds)."""
    began = time.perf_counter()
    config = load_config(config_path or load_settings().config)
    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="relance-sim-")
        db = f"sqlite:///{tmp.name}/simulation.db"
    engine = engine_for(db)
    if tmp is not None:
        sa.event.listen(engine, "connect", _throwaway_pragmas)
    cast, assign = load_personas() if personas else ({}, {})
    sim = Simulation(engine, config, start=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
                     personas=cast, assign=assign)  # fmt: skip
    report = sim.import_portfolio(portfolio)
    if replies is not None:
        sim.add_replies(load_replies(replies))
    sim.run(days)
    events = collect_events(engine)
    summary = summarise(engine, events)
    summary["skipped_rows"] = len(report.skipped)
    summary["skipped"] = [str(p) for p in report.skipped]
    engine.dispose()
    if tmp is not None:
        tmp.cleanup()
    return sim, events, summary, time.perf_counter() - began


def _throwaway_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """The run's temporary database is deleted at its end, and lost in a crash either way: SQLite
    need not wait for the disk at its checkpoints (on a loaded machine, 10,000 cases over 45 days
    spent 8.2 s of wall time in commits, 3.2 s with this; their CPU time barely moves)."""
    dbapi_conn.execute("PRAGMA synchronous=OFF")


def summary_table(summary: dict[str, Any]) -> Table:
    """The end-of-run figures as a Rich table."""
    table = Table(title="simulation summary", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("cases", "messages_out", "messages_in", "promises", "plans", "disputes", "opt_outs", "paid"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    for reason, count in summary["flags"].items():
        table.add_row(f"flag: {reason}", str(count))
    return table


def simulate(
    portfolio: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Debts CSV to import.")],
    start: Annotated[str, typer.Option(help="First simulated day, YYYY-MM-DD (00:00 UTC).")],
    days: Annotated[int, typer.Option(min=0, help="How many days to simulate.")],
    replies: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Debtor replies (JSON lines).")
    ] = None,
    db: Annotated[str | None, typer.Option(help="Database URL to keep (default: a temporary SQLite).")] = None,
    events: Annotated[Path | None, typer.Option(help="Write the events here (JSON lines).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="relance.toml (default: RELANCE_CONFIG, else ./relance.toml, else built-in).")
    ] = None,
    summary_json: Annotated[Path | None, typer.Option("--summary-json", help="Write the summary as JSON.")] = None,
) -> None:
    """Run import, sweep, dispatch, dialogue and escalation over a portfolio in simulated time."""
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(f"{start!r} is not YYYY-MM-DD", param_hint="--start") from None
    try:
        _, lines, summary, seconds = run(portfolio, start=first, days=days, db=db, config_path=config, replies=replies)
    except ImportRowsError as exc:
        console.print(f"[red]replies file:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    if summary["skipped_rows"]:
        err_console.print(f"[yellow]{summary['skipped_rows']} invalid portfolio row(s) skipped:[/yellow]")
        for problem in summary["skipped"]:
            err_console.print(f"  {problem}", markup=False, highlight=False)
    if summary["cases"] == 0 and summary["skipped_rows"]:
        err_console.print("[red]no valid row left in the portfolio: nothing was simulated[/red]")
        raise typer.Exit(1)
    if events is not None:
        write_events(lines, events)
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    console.print(summary_table(summary))
    console.print(f"{days} simulated day(s) in {seconds:.1f} s", highlight=False)


# --------------------------------------------------------------------------- demo

TIMELINE_REFS = ("D002", "D003", "D004", "D005", "D006")


def shifted_portfolio(source: Path, days: int, target: Path) -> Path:
    """A copy of a portfolio CSV with every due date moved by `days` days."""
    with source.open(newline="", encoding="utf-8") as src, target.open("w", newline="", encoding="utf-8") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            row["due_date"] = (date.fromisoformat(row["due_date"]) + timedelta(days=days)).isoformat()
            writer.writerow(row)
    return target


def demo(
    db: Annotated[str | None, typer.Option(help="Database URL to keep (default: a fresh temporary SQLite).")] = None,
    end: Annotated[
        str | None, typer.Option(help="Last simulated day, YYYY-MM-DD (default: today, so the demo ends now).")
    ] = None,
) -> None:
    """Run the sample portfolio and its scripted debtors over the 45 days up to today."""
    try:
        last = date.fromisoformat(end) if end else datetime.now(UTC).date()
    except ValueError:
        raise typer.BadParameter(f"{end!r} is not YYYY-MM-DD", param_hint="--end") from None
    start = last - timedelta(days=DEMO_DAYS)
    with tempfile.TemporaryDirectory(prefix="relance-demo-") as tmp:
        portfolio = shifted_portfolio(
            DATA / "sample_portfolio.csv", (start - PORTFOLIO_START).days, Path(tmp) / "portfolio.csv"
        )
        sim, lines, summary, seconds = run(
            portfolio, start=start, days=DEMO_DAYS, db=db, config_path=None, personas=True
        )
    console.rule(f"Relance demo: {summary['cases']} debtors, {DEMO_DAYS} simulated days from {start} to {last}")
    titles = {ref: sim.personas[key].title for ref, key in sim.assign.items() if key in sim.personas}
    for ref in TIMELINE_REFS:
        print_timeline(ref, titles.get(ref, ""), [e for e in lines if e["debtor_ref"] == ref])
    console.print(summary_table(summary))
    print_queue(lines)
    console.print(f"simulated in {seconds:.1f} s", highlight=False)
    print_next_steps(db)


def print_next_steps(db: str | None) -> None:
    """How to open the demo's database in the console: true for the database this run used."""
    if db is None:
        console.print(
            "\nThe run used a temporary database, gone now. To work its queue in the console, keep one:",
            highlight=False,
        )
        console.print("  relance demo --db sqlite:///demo.db", highlight=False)
        db = "sqlite:///demo.db"
    else:
        console.print(f"\nThe run's database: {db}. To work its queue in the console:", highlight=False)
    console.print(f"  export RELANCE_DATABASE_URL={db}", highlight=False, soft_wrap=True)
    console.print("  relance agent add you@example.com --name You --admin", highlight=False)
    console.print("  relance serve   # then open http://127.0.0.1:8000/console", highlight=False)


def print_timeline(ref: str, title: str, lines: list[dict[str, Any]]) -> None:
    """One debtor's conversation, in their local time."""
    console.rule(f"{ref}: {title}", style="dim")
    for e in lines:
        when = e["local_at"][:16].replace("T", " ")
        arrow = {"out": "->", "in": "<-"}.get(e["direction"] or "", "**")
        text = " ".join(str(e["text"]).split())
        if len(text) > 110:
            text = text[:107] + "..."
        console.print(f"  {when} {arrow} [bold]{e['kind']}[/bold] {text}", highlight=False)


def print_queue(lines: list[dict[str, Any]]) -> None:
    """The flagged queue, with the recommended action of each flag."""
    table = Table(title="flagged queue (for a human)")
    for column in ("case", "debtor", "reason", "recommended action", "flagged at (local)"):
        table.add_column(column)
    for e in lines:
        if e["kind"] == "flag":
            table.add_row(str(e["case"]), e["debtor_ref"] or "", e["reason"], e["action"], e["local_at"][:16])
    console.print(table)
