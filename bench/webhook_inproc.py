"""Inbound SMS webhook in-process: `python bench/webhook_inproc.py [--burst 1000] [--callgrind] [--wal-pages]`.

The same app, database and signed requests as `bench/webhook.py` (its `seed` and
`signed_requests`), but the requests are handed to the ASGI app directly, one after the other, in
this process: no HTTP server, no client, no network. What is left is the application's own work
per signed inbound SMS (signature, store, understand, dialogue, answer), which repeatable measures
can then take apart on a machine too noisy for timings:

- always: CPU time per SMS over the burst (user and system, from the process's own times);
- `--callgrind`: run under `valgrind --tool=callgrind --instr-atstart=no`, the script counts the
  instructions of the burst alone (warm-up and seeding left out, through callgrind's client
  requests in a helper compiled on the fly with `cc`), e.g.
  `valgrind --tool=callgrind --instr-atstart=no python bench/webhook_inproc.py --callgrind --burst 400`,
  then divide the `summary` of the dump ending in `.1` by the burst (printed by the script);
- `--profile FILE`: a cProfile of the burst (its proportions are distorted by the profiler's
  per-call cost: read them beside the instruction counts);
- `--wal-pages`: SQLite's automatic checkpoints off for the burst, then the pages each commit
  wrote to the write-ahead log, counted per B-tree (each one a 4 KB frame written, checksummed and
  later copied back into the database).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ctypes
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from webhook import OUR_NUMBER, TEXTS, VARIED_TEXTS, seed, signed_requests  # bench/ is the script's folder

HOST = "127.0.0.1:8000"
_CALLGRIND_HELPER = """
#include <valgrind/callgrind.h>
void burst_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void burst_stop(void) { CALLGRIND_DUMP_STATS_AT("burst"); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def callgrind_helper(directory: Path) -> Any:
    """The two client requests around the burst, from a shared library built here (cc and valgrind's headers)."""
    source, library = directory / "burst.c", directory / "burst.so"
    source.write_text(_CALLGRIND_HELPER)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return ctypes.CDLL(str(library))


Asgi = tuple[bytes, list[tuple[bytes, bytes]]]  # a request's body and headers


def asgi_requests(requests: list[tuple[dict[str, str], dict[str, str]]]) -> list[Asgi]:
    """Each signed form as the body and headers uvicorn would hand the app."""
    out = []
    for form, headers in requests:
        body = urlencode(form).encode()
        out.append(
            (
                body,
                [
                    (b"host", HOST.encode()),
                    (b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-twilio-signature", headers["X-Twilio-Signature"].encode()),
                ],
            )
        )
    return out


async def post(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """One POST to the SMS webhook through the ASGI interface; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhooks/twilio/sms",
        "raw_path": b"/webhooks/twilio/sms",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client never disconnects
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def wal_pages(db: Path) -> tuple[int, collections.Counter[str]]:
    """Commits in the write-ahead log of `db`, and the distinct pages they wrote per B-tree."""
    wal = (db.parent / (db.name + "-wal")).read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0]
    commits: list[set[int]] = []
    current: set[int] = set()
    for offset in range(32, len(wal) - 24 - page_size + 1, 24 + page_size):
        page, size_after_commit = struct.unpack(">II", wal[offset : offset + 8])
        current.add(page)
        if size_after_commit:
            commits.append(current)
            current = set()
    copy = db.parent / "wal-copy.db"  # the log applied to a copy, to tell which B-tree owns each page
    shutil.copy(db, copy)
    shutil.copy(db.parent / (db.name + "-wal"), db.parent / "wal-copy.db-wal")
    with sqlite3.connect(copy) as conn:
        owner = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    per_tree: collections.Counter[str] = collections.Counter()
    for pages in commits:
        per_tree.update(owner.get(page, "?") for page in pages)
    return len(commits), per_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warm", type=int, default=200, help="requests before the measured burst")
    parser.add_argument("--burst", type=int, default=1000, help="requests measured")
    parser.add_argument("--debtors", type=int, default=5000)
    parser.add_argument("--texts", choices=("mixed", "varied", "keywords"), default="mixed")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="requests handed to the app at once (default 1: one after the other); more lets SQLite's "
        "group commit (`DbRunner.grouped`) commit them together, as a burst reaching the server does",
    )
    parser.add_argument("--callgrind", action="store_true", help="count the burst's instructions (under callgrind)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the burst here")
    parser.add_argument("--wal-pages", action="store_true", help="count the pages each commit writes to the WAL")
    args = parser.parse_args()

    from bot.warm_up import warm_up
    from relance.core.config import RelanceConfig, Settings
    from relance.core.runtime import open_runtime
    from relance.web.app import create_app

    texts = {"mixed": TEXTS, "varied": VARIED_TEXTS, "keywords": ("INFO", "HELP", "AIDE")}[args.texts]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        db = directory / "bench.db"
        phones = seed(f"sqlite:///{db}", args.debtors, directory)
        token = "b" * 32
        settings = Settings(
            database_url=f"sqlite:///{db}",
            config=directory / "none.toml",
            public_url=None,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token=token,
            twilio_from=OUR_NUMBER,
            twilio_api_url="http://127.0.0.1:9",
        )
        runtime = open_runtime(settings, config=RelanceConfig())
        app = create_app(runtime, console=False)  # no lifespan: channels stay unstarted, the warm-up runs here
        warm_up(app.state.relance.renderer, today=runtime.now().date())
        signed = signed_requests(f"http://{HOST}", token, phones, args.warm + args.burst, texts, random.Random(7), "i")
        requests = asgi_requests(signed)
        helper = callgrind_helper(directory) if args.callgrind else None

        async def run(batch: list[Asgi]) -> list[int]:
            if args.concurrency == 1:
                return [await post(app, body, headers) for body, headers in batch]
            statuses = []
            for at in range(0, len(batch), args.concurrency):
                chunk = batch[at : at + args.concurrency]
                statuses += await asyncio.gather(*(post(app, body, headers) for body, headers in chunk))
            return statuses

        loop = asyncio.new_event_loop()
        statuses = loop.run_until_complete(run(requests[: args.warm]))
        if args.wal_pages:
            runner = app.state.relance.db  # the connection the route writes with: the runner's own, or pooled
            with runner.begin() if hasattr(runner, "begin") else runtime.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            with runtime.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        profile = None
        if args.profile:
            import cProfile

            profile = cProfile.Profile()
        times, started = os.times(), time.perf_counter()
        if helper is not None:
            helper.burst_start()
        if profile is not None:
            profile.enable()
        statuses += loop.run_until_complete(run(requests[args.warm :]))
        if profile is not None:
            profile.disable()
        if helper is not None:
            helper.burst_stop()
        elapsed, after = time.perf_counter() - started, os.times()
        if profile is not None:
            profile.dump_stats(args.profile)
        user, system = (after.user - times.user) * 1000 / args.burst, (after.system - times.system) * 1000 / args.burst
        failed = sum(status != 200 for status in statuses)
        print(
            f"{args.burst} signed inbound SMS in-process: CPU {user + system:.3f} ms/SMS (user {user:.3f}, "
            f"system {system:.3f}), wall {elapsed * 1000 / args.burst:.3f} ms/SMS; not 200: {failed}"
        )
        if helper is not None:
            print(f"callgrind: divide the burst dump's instruction total by {args.burst}")
        if args.wal_pages:
            commits, per_tree = wal_pages(db)
            print(f"WAL: {commits} commits, {sum(per_tree.values()) / max(commits, 1):.1f} pages per commit")
            for name, pages in per_tree.most_common():
                print(f"{pages / commits:7.2f}  {name}")
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
