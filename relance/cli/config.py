"""`relance config`: check the configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from relance.cli.common import console
from relance.core.config import load_config, load_settings, masked_settings, notice_warnings

config_app = typer.Typer(help="Configuration.", no_args_is_help=True)


@config_app.command("check")
def config_check(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="relance.toml to check (default RELANCE_CONFIG).")
    ] = None,
) -> None:
    """Validate relance.toml and print the effective configuration, secrets masked."""
    settings = load_settings()
    path = file or settings.config
    config = load_config(path)
    source = str(path) if path.exists() else f"built-in defaults ({path} not found)"
    console.print(f"[green]configuration OK[/green] · {source}")
    console.print_json(json.dumps({"settings": masked_settings(settings), "config": config.model_dump(mode="json")}))
    warnings = notice_warnings(config)
    if warnings:
        console.print(f"[yellow]{len(warnings)} warning(s): a formal notice would be incomplete[/yellow]")
        for warning in warnings:
            console.print(f"  [yellow]warning:[/yellow] {warning}", highlight=False)
