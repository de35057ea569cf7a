"""`relance agent`: console accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from relance.cli.common import console, get_runtime
from relance.core.agents import create_agent, creditor_ids_for_keys, list_agents, unlock_sign_in

agent_app = typer.Typer(help="Console accounts (agents and admins).", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    """From stdin's first line when asked or when piped (no terminal to prompt on), else a prompt."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@agent_app.command("add")
def agent_add_command(
    email: Annotated[str, typer.Argument(help="The agent's email (their login).")],
    name: Annotated[str, typer.Option("--name", help="The agent's name, shown in the console.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="Create an admin (manages agents, sees configuration).")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    creditor: Annotated[
        list[str] | None,
        typer.Option("--creditor", help="A creditor key the agent works for (repeat for several; admins see all)."),
    ] = None,
) -> None:
    """Create a console account; prompts for the password unless --password-stdin."""
    keys = creditor or []
    if not admin and not keys:
        raise typer.BadParameter("an agent works for at least one creditor: --creditor KEY", param_hint="--creditor")
    password = _read_password(password_stdin)
    runtime = get_runtime()
    with runtime.session() as session:
        ids = creditor_ids_for_keys(session, keys)
        agent = create_agent(
            session, email=email, name=name, password=password, admin=admin, at=runtime.now(), creditor_ids=ids
        )
        session.commit()
    scope = "every creditor" if admin else ", ".join(keys)
    console.print(f"{agent.role} [bold]{agent.email}[/bold] created (id {agent.id}; {scope})", highlight=False)


@agent_app.command("unlock")
def agent_unlock_command(
    email: Annotated[
        str | None, typer.Option("--email", help="Clear the failed sign-ins typed with this e-mail.")
    ] = None,
    client: Annotated[str | None, typer.Option("--client", help="Clear the failed sign-ins of this address.")] = None,
) -> None:
    """Clear counted failed sign-ins (the throttle), for an e-mail and/or a client address."""
    runtime = get_runtime()
    with runtime.session() as session:
        cleared = unlock_sign_in(session, at=runtime.now(), by=None, email=email, client=client)
        session.commit()
    console.print(f"{cleared} failed sign-in(s) cleared", highlight=False)


@agent_app.command("list")
def agent_list_command() -> None:
    """List console accounts."""
    runtime = get_runtime()
    with runtime.session() as session:
        agents = list_agents(session)
    table = Table("id", "email", "name", "role", "active", title="Agents")
    for a in agents:
        table.add_row(str(a.id), a.email, a.name, a.role, "yes" if a.active else "no")
    console.print(table if agents else "no account yet: relance agent add EMAIL --name NAME")
