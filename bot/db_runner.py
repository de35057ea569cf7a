"""Running blocking database work from async code (webhook routes, Telegram handlers).

On PostgreSQL the work goes to a small thread pool: much of a transaction is waiting on the
server, which releases the GIL, and PostgreSQL takes concurrent transactions.

On SQLite it runs inline, on the event loop. SQLite has one writer at a time and its work here is
Python (the ORM, rendering) under the GIL: a worker thread adds no parallelism, only GIL hand-offs
between the loop and the worker, and `bench/webhook.py` measured them to cut throughput by more
than half (about 100 against 250 requests/s on two cores). Running inline, requests simply queue in
order. The cost: while another *process* holds SQLite's write lock the loop waits for it (up to
the busy timeout), which is why several processes should share PostgreSQL, not one SQLite file.

Group commit (`grouped`, SQLite): the transactions asked for during one turn of the event loop
(a burst: every request that arrived with the same wake-up) run one after the other in a single
transaction, committed once, and only then does any of them answer. A commit was ~6 % of the
instructions of an inbound SMS, plus the write system calls of every page it wrote to the WAL;
pages that several SMS change (the same index pages) are written once per group. Per message
nothing changes: they run in arrival order, each sees what the previous ones wrote, and none
answers before the commit that holds it. If any of them raises, the group's transaction is rolled
back and each runs again in its own transaction, as without grouping: the failing one fails
alone, and nothing of the group was committed twice (nothing of it was committed at all).
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
GROUP_MAX = 64  # transactions committed together at most: bounds what the first of a group waits for

_Job = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


class DbRunner:
    """`await db(fn, *args)` runs `fn(*args)`: inline on SQLite, in a thread pool elsewhere.

    `await db.grouped(fn, *args)` runs `fn(conn, *args)` in a transaction: on SQLite, the one of
    every `grouped` call of the same event-loop turn (group commit, see the module's docstring).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.inline = engine.dialect.name == "sqlite"
        self.executor = None if self.inline else ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="db")
        self._group: list[_Job] = []

    async def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.executor is None:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def grouped(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` in a transaction on `conn`, committed before this returns.

        On SQLite, with the others asked for in the same turn of the event loop (group commit);
        elsewhere in a transaction of its own, in the thread pool.
        """
        if self.executor is not None:
            return await self(self._alone, fn, args)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._group.append((fn, args, future))
        if len(self._group) == 1:
            loop.call_soon(self._commit_group)  # after the requests already ready in this turn have joined
        return await future

    def _alone(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self.engine.begin() as conn:
            return fn(conn, *args)

    def _commit_group(self) -> None:
        group, self._group = self._group[:GROUP_MAX], self._group[GROUP_MAX:]
        if self._group:
            asyncio.get_running_loop().call_soon(self._commit_group)
        try:
            results = self._run_together(group) if len(group) > 1 else None
        except Exception:
            results = None  # rolled back: each runs again alone, below
        try:
            if results is None:
                for fn, args, future in group:
                    try:
                        result = self._alone(fn, args)
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(result)
            else:
                for (_, _, future), result in zip(group, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            for _, _, future in group:  # only if something other than an Exception stopped the group
                if not future.done():
                    future.set_exception(RuntimeError("the group commit was interrupted"))

    def _run_together(self, group: list[_Job]) -> list[Any]:
        with self.engine.begin() as conn:
            return [fn(conn, *args) for fn, args, _ in group]

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
