"""`relance apikey`: keys of the REST API (shown once, stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from relance.cli.common import console, get_runtime
from relance.core.apikeys import create_api_key, list_api_keys, revoke_api_key

apikey_app = typer.Typer(help="REST API keys (/api/v1): create, list, revoke.", no_args_is_help=True)


@apikey_app.command("create")
def apikey_create_command(
    creditor: Annotated[
        str, typer.Option("--creditor", help="The creditor key the API key is limited to; '*' for all.")
    ],
    name: Annotated[str, typer.Option("--name", help="What the key is for (e.g. 'odoo').")],
) -> None:
    """Create a key and print it once: it is stored hashed and cannot be shown again."""
    runtime = get_runtime()
    with runtime.session() as session:
        row, token = create_api_key(session, name=name, creditor=creditor, at=runtime.now())
        session.commit()
    console.print(f"API key #{row.id} [bold]{row.name}[/bold] for creditor {creditor}:", highlight=False)
    console.print(token, markup=False, highlight=False, soft_wrap=True)
    console.print("[yellow]Keep it now: it is shown only this once.[/yellow]")


@apikey_app.command("list")
def apikey_list_command() -> None:
    """Every key (prefix, creditor, last use, revoked)."""
    runtime = get_runtime()
    with runtime.session() as session:
        keys = list_api_keys(session)
    table = Table("id", "name", "prefix", "creditor", "created", "last used", "revoked", title="API keys")
    for key, creditor in keys:
        table.add_row(
            str(key.id),
            key.name,
            f"rl_{key.prefix}_…",
            creditor,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "-",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
        )
    console.print(table if keys else "no API key yet: relance apikey create --creditor KEY --name NAME")


@apikey_app.command("revoke")
def apikey_revoke_command(key_id: Annotated[int, typer.Argument(help="The key's id (relance apikey list).")]) -> None:
    """Revoke a key: it is refused from now on."""
    runtime = get_runtime()
    with runtime.session() as session:
        row = revoke_api_key(session, key_id=key_id, at=runtime.now())
        session.commit()
    console.print(f"API key #{row.id} {row.name} revoked", highlight=False)
