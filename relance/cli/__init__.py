"""The `relance` command line (Typer): one module per command group, output through Rich.

Errors are one readable line: a configuration error exits 2, any other Relance error 1.
"""

from __future__ import annotations

import sys

import typer

from relance.cli.agents import agent_app
from relance.cli.apikeys import apikey_app
from relance.cli.casefile import export_command, verify_command
from relance.cli.cases import cases_app
from relance.cli.channels import channels_app
from relance.cli.common import err_console
from relance.cli.config import config_app
from relance.cli.db import db_app
from relance.cli.imports import import_app
from relance.cli.keys import keys_app
from relance.cli.nlu import nlu
from relance.cli.notices import notice
from relance.cli.payments import payments_app
from relance.cli.scheduler import scheduler_cmd, worker_cmd
from relance.cli.serve import serve
from relance.cli.simulate import demo, simulate
from relance.cli.webhooks import webhook_app
from relance.core.errors import ConfigError, RelanceError

app = typer.Typer(
    name="relance",
    help="Relance: polite, compliant payment reminders by SMS, chat and e-mail, with a human hand-off.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(cases_app, name="cases")
app.add_typer(config_app, name="config")
app.add_typer(agent_app, name="agent")
app.add_typer(keys_app, name="keys")
app.add_typer(channels_app, name="channels")
app.add_typer(apikey_app, name="apikey")
app.add_typer(webhook_app, name="webhook")
app.add_typer(payments_app, name="payments")
app.command("serve")(serve)
app.command("scheduler")(scheduler_cmd)
app.command("worker")(worker_cmd)
app.command("notice")(notice)
app.command("export")(export_command)
app.command("verify")(verify_command)
app.command("nlu")(nlu)
app.command("simulate")(simulate)
app.command("demo")(demo)


def main() -> None:
    """Console-script entry point: readable errors, non-zero exit codes."""
    try:
        app()
    except ConfigError as exc:
        err_console.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except RelanceError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
