"""`relance serve`: the web app (webhooks, console) under uvicorn, with the in-process services.

Imports of the web stack happen inside the command, so that the rest of the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from relance.runtime import Runtime
    from relance.web.app import Service


def serve_services(runtime: Runtime) -> list[Service]:
    """What runs beside the web app in `relance serve`."""
    services: list[Service] = []
    # Feature modules (scheduler sweep, dispatcher) add their lifespan services here, one line each.
    return services


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the web app: provider webhooks, /healthz and the agent console (RELANCE_PUBLIC_URL for webhooks)."""
    import uvicorn

    from relance.runtime import open_runtime
    from relance.web.app import create_app
    from relance.web.logs import configure_logging

    runtime = open_runtime()
    configure_logging(runtime.settings)
    app = create_app(runtime, services=serve_services(runtime))
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True, server_header=False)
