"""The `relance` command line (Typer): one module per command group, output through Rich.

Errors are one readable line: a configuration error exits 2, any other Relance error 1.

A command's module is imported when the command runs (or when `relance --help` lists it), not
before: `relance import debts` does not load the web app, the scheduler, the NLU models or the PDF
library, which would cost more start-up time than importing a 20,000-row file.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from relance.core.errors import ConfigError, RelanceError

# name -> (module, attribute): a Typer app becomes a command group, a function a command; in the
# order `relance --help` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("relance.cli.serve", "serve"),
    "scheduler": ("relance.cli.scheduler", "scheduler_cmd"),
    "worker": ("relance.cli.scheduler", "worker_cmd"),
    "notice": ("relance.cli.notices", "notice"),
    "export": ("relance.cli.casefile", "export_command"),
    "verify": ("relance.cli.casefile", "verify_command"),
    "nlu": ("relance.cli.nlu", "nlu"),
    "simulate": ("relance.cli.simulate", "simulate"),
    "demo": ("relance.cli.simulate", "demo"),
    "db": ("relance.cli.db", "db_app"),
    "import": ("relance.cli.imports", "import_app"),
    "cases": ("relance.cli.cases", "cases_app"),
    "config": ("relance.cli.config", "config_app"),
    "agent": ("relance.cli.agents", "agent_app"),
    "keys": ("relance.cli.keys", "keys_app"),
    "channels": ("relance.cli.channels", "channels_app"),
    "apikey": ("relance.cli.apikeys", "apikey_app"),
    "webhook": ("relance.cli.webhooks", "webhook_app"),
    "payments": ("relance.cli.payments", "payments_app"),
}


def load_command(name: str) -> Any:
    """The Click command (or group) of `relance NAME`, importing its module now."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)  # a group even with one subcommand (`payments unmatched`)
    else:
        single = typer.Typer(rich_markup_mode="rich", add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(TyperGroup):
    """The root group: lists every command of COMMANDS, loads one when it is asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)


app = typer.Typer(
    name="relance",
    cls=LazyCommands,
    help="Relance: polite, compliant payment reminders by SMS, chat and e-mail, with a human hand-off.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Relance: polite, compliant payment reminders by SMS, chat and e-mail, with a human hand-off."""


def main() -> None:
    """Console-script entry point: readable errors, non-zero exit codes."""
    try:
        app()
    except ConfigError as exc:
        _err_console().print(f"[red]configuration error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except RelanceError as exc:
        _err_console().print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)


def _err_console() -> Any:
    from relance.cli.common import err_console

    return err_console


if __name__ == "__main__":
    main()
