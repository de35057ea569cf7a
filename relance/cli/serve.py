"""`relance serve`: the web app (webhooks, console) under uvicorn, with the sweep and the dispatcher."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every job run and HTTP request.")] = False,
) -> None:
    """Run the web app (provider webhooks, /healthz, agent console) with the sweep and the dispatcher."""
    import uvicorn

    from relance.core.runtime import open_runtime
    from relance.web.app import create_app
    from relance.web.logs import configure_logging
    from relance.web.serve import serve_services

    runtime = open_runtime()
    configure_logging(runtime.settings, verbose=verbose)
    app = create_app(runtime, services=serve_services(runtime))
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True, server_header=False)
