"""The `relance` command line (Typer): one module per command group, output through Rich.

Errors are one readable line: a configuration error exits 2, any other Relance error 1.

A command's module is imported when the command runs, not before (the help lists the commands
from their summaries in COMMANDS): `relance import debts` does not load the web app, the
scheduler, the NLU models or the PDF library, which cost more start-up time than importing a
20,000-row file takes.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from relance.core.errors import ConfigError, RelanceError

# name -> (module, attribute, summary): a Typer app becomes a command group, a function a command;
# in the order `relance --help` lists them, with the summary it shows (`test_cli_summaries` keeps
# them equal to the commands' own first lines, so listing them loads no command module)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "serve": ("relance.cli.serve", "serve",
              "Run the web app (provider webhooks, /healthz, agent console) with the sweep and the dispatcher."),
    "scheduler": ("relance.cli.scheduler", "scheduler_cmd",
                  "Run the sweep (leader only: other `relance scheduler` processes stand by)."),
    "worker": ("relance.cli.scheduler", "worker_cmd",
               "Run a dispatcher: send what is due in the outbox (start as many as needed on PostgreSQL)."),
    "notice": ("relance.cli.notices", "notice",
               "Draft the formal notice (mise en demeure) of a case as a PDF file (and e-mail it with --email)."),
    "export": ("relance.cli.casefile", "export_command",
               "Export a case file: transcript, events (hash-chained), notices, a SHA-256 manifest, signed when a "
               "key is set."),
    "verify": ("relance.cli.casefile", "verify_command",
               "Check a case file: every file's SHA-256, the event hash chain, the signature (--public-key), the "
               "database."),
    "nlu": ("relance.cli.nlu", "nlu",
            "Understand debtor replies: intent, confidence, amount, installments, frequency, date."),
    "simulate": ("relance.cli.simulate", "simulate",
                 "Run import, sweep, dispatch, dialogue and escalation over a portfolio in simulated time."),
    "demo": ("relance.cli.simulate", "demo",
             "Run the sample portfolio and its scripted debtors over the 45 days up to today."),
    "db": ("relance.cli.db", "db_app", "Database schema."),
    "import": ("relance.cli.imports", "import_app", "Import portfolios (debts) and payments from CSV."),
    "cases": ("relance.cli.cases", "cases_app", "Look at cases."),
    "config": ("relance.cli.config", "config_app", "Configuration."),
    "agent": ("relance.cli.agents", "agent_app", "Console accounts (agents and admins)."),
    "keys": ("relance.cli.keys", "keys_app", "The key that signs case files (Ed25519)."),
    "channels": ("relance.cli.channels", "channels_app", "Check the channels (SMS, Telegram, e-mail)."),
    "apikey": ("relance.cli.apikeys", "apikey_app", "REST API keys (/api/v1): create, list, revoke."),
    "webhook": ("relance.cli.webhooks", "webhook_app", "Outbound webhooks (signed case events to your systems)."),
    "payments": ("relance.cli.payments", "payments_app", "Online payments (Stripe) that need a person."),
}  # fmt: skip


def load_command(name: str) -> Any:
    """The Click command (or group) of `relance NAME`, importing its module now."""
    module, attribute, _ = COMMANDS[name]
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
    """The root group: runs a command after importing its module; lists them all from COMMANDS."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command if loaded, else a stand-in with its summary (what the help listing reads)."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            return TyperCommand(name=cmd_name, help=COMMANDS[cmd_name][2])
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command that runs: loaded now."""
        if args and args[0] in COMMANDS and args[0] not in self.commands:
            self.commands[args[0]] = load_command(args[0])
        return super().resolve_command(ctx, args)


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
    _import_command(sys.argv[1:2])
    try:
        app()
    except ConfigError as exc:
        _err_console().print(f"[red]configuration error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except RelanceError as exc:
        _err_console().print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    finally:
        _close_databases()
        gc.freeze()  # again, in case the command unfroze: the collections at exit skip what still lives


def _import_command(args: list[str]) -> None:
    """Import the module of the command about to run with the garbage collector off, then freeze
    what start-up made (`gc.freeze`) for the rest of the process.

    Start-up builds ~100,000 tracked containers (SQLAlchemy, SQLModel, Pydantic, Alembic, Rich) that
    live until the process ends: no collection during the imports can free any of them, yet the
    full ones walked them all, and the interpreter's last collections at exit walked them again.
    Together that was ~0.5 s of CPU in each `relance import debts` (a third of its start-up). Frozen objects stay
    alive and unchanged; only the collector skips them. `relance --help` and a mistyped command
    import nothing here.
    """
    gc.disable()
    try:
        if args and args[0] in COMMANDS:
            importlib.import_module(COMMANDS[args[0]][0])
    finally:
        gc.freeze()
        gc.enable()


def _close_databases() -> None:
    """Close the command's database connections before the interpreter exits.

    The collector no longer visits the frozen start-up objects, which hold the shared engines, so
    the exit would not close their connections: SQLite would leave the write-ahead log beside the
    database file instead of checkpointing it into the file. Only when a command opened a database
    (`relance --help` does not import the storage layer).
    """
    db = sys.modules.get("relance.core.db")
    if db is not None:
        db.dispose_shared_engines()


def _err_console() -> Any:
    from relance.cli.common import err_console

    return err_console


if __name__ == "__main__":
    main()
