"""`relance scheduler` and `relance worker`: the sweep and the dispatcher as separate processes."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from relance.core.runtime import Runtime
from scheduler.runner import DISPATCH_EVERY, SWEEP_EVERY, run_until_signalled

log = logging.getLogger(__name__)


def scheduler_cmd(
    every: Annotated[float, typer.Option(help="Seconds between two sweeps.")] = SWEEP_EVERY,
) -> None:
    """Run the sweep (leader only: other `relance scheduler` processes stand by)."""
    runtime = _runtime()
    log.info("scheduler: sweeping every %s s when leader", every)
    asyncio.run(run_until_signalled(runtime, dispatch_jobs=False, sweep_every=every))


def worker_cmd(
    every: Annotated[float, typer.Option(help="Seconds between two looks at the outbox.")] = DISPATCH_EVERY,
) -> None:
    """Run a dispatcher: send what is due in the outbox (start as many as needed on PostgreSQL)."""
    runtime = _runtime()
    log.info("worker: dispatching every %s s", every)
    asyncio.run(run_until_signalled(runtime, sweep_jobs=False, dispatch_every=every))


def _runtime() -> Runtime:
    from relance.core.runtime import open_runtime
    from relance.web.logs import configure_logging

    runtime = open_runtime()
    configure_logging(runtime.settings)
    return runtime
