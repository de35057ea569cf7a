"""Running blocking database work from async code (webhook routes, Telegram handlers).

On PostgreSQL the work goes to a small thread pool: much of a transaction is waiting on the
server, which releases the GIL, and PostgreSQL takes concurrent transactions.

On SQLite it runs inline, on the event loop. SQLite has one writer at a time and its work here is
Python (the ORM, rendering) under the GIL: a worker thread adds no parallelism, only GIL hand-offs
between the loop and the worker, and `bench/webhook.py` measured them to cut throughput by more
than half (about 100 against 250 requests/s on two cores). Running inline, requests simply queue in
order. The cost: while another *process* holds SQLite's write lock the loop waits for it (up to
the busy timeout), which is why several processes should share PostgreSQL, not one SQLite file.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")
POOL_THREADS = 8


class DbRunner:
    """`await db(fn, *args)` runs `fn(*args)`: inline on SQLite, in a thread pool elsewhere."""

    def __init__(self, engine: Engine) -> None:
        self.inline = engine.dialect.name == "sqlite"
        self.executor = None if self.inline else ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="db")

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.executor is None:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
