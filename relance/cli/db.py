"""`relance db`: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from relance.cli.common import console
from relance.core.config import load_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date (RELANCE_DATABASE_URL, default sqlite:///relance.db)."""
    from relance.core.db import current_revision, engine_for, upgrade

    settings = load_settings()
    engine = engine_for(settings.database_url)
    upgrade(engine, revision)
    console.print(f"database at revision [bold]{current_revision(engine)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's schema revision."""
    from relance.core.db import current_revision, engine_for, head_revision

    engine = engine_for(load_settings().database_url)
    console.print(f"current: {current_revision(engine) or '(empty)'}, head: {head_revision()}")
