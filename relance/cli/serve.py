"""`relance serve`: the web app (webhooks, console) under uvicorn, with the sweep and the dispatcher."""

from __future__ import annotations

import os
from typing import Annotated

import typer

WORKERS_HELP = (
    "Processes sharing the port (PostgreSQL only above 1). Each answers webhooks and dispatches; "
    "one at a time sweeps (the leader lock)."
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help=WORKERS_HELP)] = 1,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every job run and HTTP request.")] = False,
) -> None:
    """Run the web app (provider webhooks, /healthz, agent console) with the sweep and the dispatcher."""
    import uvicorn

    from relance.core.runtime import open_runtime
    from relance.web.app import create_app
    from relance.web.logs import configure_logging
    from relance.web.serve import run_workers, serve_services, several_processes_refused

    runtime = open_runtime()  # the schema is brought up to date here, once, before any worker starts
    configure_logging(runtime.settings, verbose=verbose)
    options = {"log_config": None, "proxy_headers": True, "server_header": False}
    if workers == 1:
        app = create_app(runtime, services=serve_services(runtime))
        uvicorn.run(app, host=host, port=port, **options)  # type: ignore[arg-type]
        return
    refused = several_processes_refused(runtime)
    if refused is not None:
        raise typer.BadParameter(refused, param_hint="--workers")
    runtime.engine.dispose()  # the workers open their own connections
    if verbose:
        os.environ["RELANCE_LOG_LEVEL"] = "DEBUG"  # what the workers read it from (see `worker_app`)
    try:
        status = run_workers(workers, host=host, port=port, options=options)
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror or exc}", param_hint="--port") from exc
    raise typer.Exit(status)
