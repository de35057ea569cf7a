"""`relance keys`: the installation's evidence-signing key (Ed25519)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relance.cli.common import console
from relance.core import signing
from relance.core.config import load_settings

keys_app = typer.Typer(help="The key that signs case files (Ed25519).", no_args_is_help=True)


@keys_app.command("init")
def keys_init_command(
    out: Annotated[
        Path | None, typer.Option("--out", dir_okay=False, help="Where to write it (default RELANCE_SIGNING_KEY_FILE).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing key (old case files keep the old one).")
    ] = False,
) -> None:
    """Create the private signing key (a PEM file readable by its owner only)."""
    settings = load_settings()
    path = out or settings.signing_key_file
    key = signing.generate_key_file(path, force=force)
    console.print(
        f"signing key written to [bold]{path}[/bold] (fingerprint {signing.fingerprint(key)})", highlight=False
    )
    console.print("hand out the public key: relance keys public --out relance-public.pem", highlight=False)


@keys_app.command("public")
def keys_public_command(
    out: Annotated[
        Path | None, typer.Option("--out", dir_okay=False, help="Write the PEM here instead of stdout.")
    ] = None,
) -> None:
    """Export the public key (PEM) that verifies case files: `relance verify case.zip --public-key pub.pem`."""
    key = signing.load_signing_key(load_settings())
    if key is None:
        raise signing.SigningKeyError("no signing key: run `relance keys init` or set RELANCE_SIGNING_KEY")
    pem = signing.public_pem(key)
    if out is None:
        typer.echo(pem.decode(), nl=False)
    else:
        out.write_bytes(pem)
        console.print(
            f"public key written to [bold]{out}[/bold] (fingerprint {signing.fingerprint(key)})", highlight=False
        )
