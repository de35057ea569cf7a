"""Scale-out benchmark: `python bench/webhook_scale.py --db postgresql://… [--workers 1,2,4]`.

For each worker count N, runs the real `relance serve --workers N` (N server
processes on one port, the sweep and the dispatcher in the background as in production) on a
fresh schema of the `--db` PostgreSQL database, seeded with `--debtors` French debtors of 600 €
(due in 2030, so the sweep queues nothing while we measure). Then a closed loop keeps
`--concurrency` signed inbound SMS in flight (random debtors, mixed dialogue replies and keywords)
for `--requests` requests, and prints throughput, latency percentiles and the server's CPU time
per request (all processes, from /proc) and how it split between the workers. The same loop
against a bare FastAPI endpoint under the same supervisor (`relance.web.serve.run_workers`, N
processes) gives the ceiling of this machine and this client beside each figure.

The client (raw HTTP/1.1 requests prepared beforehand, sent over keep-alive connections: see
`bench/webhook.py`) runs in this process, on the same cores as the servers (2 here): on a bigger machine
the processes would have cores of their own. The schema is dropped afterwards.

Target (issue 17): scale-out shown at 1, 2 and 4 processes, nothing lost (every request answered 200).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa
from webhook import (  # bench/ is the script's folder: its sibling
    RawConnection,
    cpu_seconds,
    raw_requests,
    seed,
    signed_requests,
)

OUR_NUMBER = "+33700000001"
AUTH_TOKEN = "b" * 32
TEXTS = ("je peux payer en 3 fois ?", "je paierai vendredi", "INFO", "merci", "c'est quoi cette facture ?")
WARM_UP = 100  # requests per worker before measuring (first requests load the NLU, templates, pools)
SMS_PATH = "/webhooks/twilio/sms"


@dataclass
class Run:
    name: str
    workers: int
    sent: int
    ok: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_ms: float
    client_cpu_ms: float
    split: list[float]  # each worker's share of the server CPU, in %, largest first (empty: one process)
    failures: Counter[str]  # what the requests that were not answered 200 got instead

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --------------------------------------------------------------------------- database


def fresh_schema(admin_url: str, schema: str, debtors: int, directory: Path) -> tuple[str, list[str]]:
    """A fresh schema with `debtors` French debtors owing 600 €, not yet due (no sweep sends them anything)."""
    from relance.core.db import normalise_url

    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    url = sa.engine.make_url(normalise_url(admin_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = url.render_as_string(hide_password=False)
    return db_url, seed(db_url, debtors, directory, due_date="2030-01-01")


def drop_schema(admin_url: str, schema: str) -> None:
    from relance.core.db import normalise_url

    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(command: list[str], env: dict[str, str], log: Path, workers: int, probe: str) -> subprocess.Popen[bytes]:
    """Start a server and wait until each of its `workers` processes has started its app."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace')}")
        started = log.read_text(errors="replace").count("Application startup complete")
        if started >= workers:
            try:
                httpx.post(probe, timeout=2)
                return process
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"server not ready:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the server's own session: its workers, nothing else
        process.wait()


def cpu_by_process(pid: int) -> dict[int, float]:
    """User + system CPU seconds of a process and of each of its descendants (Linux /proc)."""
    out: dict[int, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        out[current] = cpu_seconds(current)
        pending += [int(c) for c in children]
    return out


# --------------------------------------------------------------------------- load


async def closed_loop(
    connections: list[RawConnection], requests: list[bytes]
) -> tuple[int, float, list[float], Counter[str]]:
    """One sender per connection, back to back until the requests run out: (ok, seconds, latencies in ms).

    The requests are raw HTTP/1.1 bytes prepared beforehand (`bench/webhook.py`'s `RawConnection`):
    the client spends its time sending, not building requests.
    """
    latencies: list[float] = []
    queue = list(reversed(requests))
    ok = 0
    failures: Counter[str] = Counter()

    async def sender(connection: RawConnection) -> None:
        nonlocal ok
        while queue:
            request = queue.pop()
            t0 = time.perf_counter()
            try:
                status = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                failures[type(exc).__name__] += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            ok += status == 200
            if status != 200:
                failures[f"HTTP {status}"] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(sender(c) for c in connections))
    return ok, time.perf_counter() - t0, latencies, failures


async def measure(
    name: str, workers: int, pid: int, url: str, load: list[bytes], warm: list[bytes], concurrency: int
) -> Run:
    """Warm up, then the measured loop, on the same connections (so the warmed processes are the measured ones)."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    connections = [RawConnection(host, int(port)) for _ in range(concurrency)]
    try:
        await closed_loop(connections, warm)
        before, client_before = cpu_by_process(pid), time.process_time()
        ok, seconds, latencies, failures = await closed_loop(connections, load)
        after, client_after = cpu_by_process(pid), time.process_time()
    finally:
        for connection in connections:
            connection.close()
    spent = {p: after[p] - before.get(p, 0.0) for p in after}
    total = sum(spent.values())
    split = sorted((100 * v / total for p, v in spent.items() if p != pid), reverse=True) if total else []
    per_request = 1000 / max(len(load), 1)
    client_ms = (client_after - client_before) * per_request
    return Run(name, workers, len(load), ok, seconds, latencies, total * per_request, client_ms, split, failures)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (a fresh schema is created in it, then dropped)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure (default 1,2,4)")
    parser.add_argument("--requests", type=int, default=3000, help="signed SMS per worker count (default 3000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--debtors", type=int, default=5000, help="seeded debtors (senders)")
    args = parser.parse_args()
    if not args.db.startswith("postgresql"):
        parser.error("--db must be a PostgreSQL URL: several processes share PostgreSQL, not SQLite")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(n) for n in args.workers.split(",")):
            runs.append(bare_run(n, args, Path(tmp)))
            runs.append(webhook_run(n, args, Path(tmp)))
    report(runs, args.concurrency)
    return 0 if all(r.ok == r.sent for r in runs) else 1


def bare_run(n: int, args: argparse.Namespace, directory: Path) -> Run:
    """The bare FastAPI endpoint under `uvicorn --workers n`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # the same supervisor as `relance serve --workers` (one SO_REUSEPORT socket per process)
    supervise = (
        "import sys; from relance.web.serve import run_workers; sys.exit(run_workers("
        f"{n}, host='127.0.0.1', port={port}, options={{'access_log': False}}, "
        "app='relance.web.app:bare_endpoint_app'))"
    )
    command = [sys.executable, "-c", supervise]
    process = start(command, dict(os.environ), directory / f"bare{n}.log", n, url + "/bare")
    try:
        load, warm = (
            raw_requests(url, "/bare", [None] * args.requests),
            raw_requests(url, "/bare", [None] * WARM_UP * n),
        )
        return asyncio.run(measure("bare endpoint", n, process.pid, url, load, warm, args.concurrency))
    finally:
        stop(process)


def webhook_run(n: int, args: argparse.Namespace, directory: Path) -> Run:
    """`relance serve --workers n` on a fresh schema (each count starts from the same state)."""
    schema = f"bench_scale_{os.getpid()}_{n}"
    try:
        db_url, phones = fresh_schema(args.db, schema, args.debtors, directory)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")},
            "RELANCE_DATABASE_URL": db_url,
            "RELANCE_CONFIG": str(directory / "none.toml"),
            "RELANCE_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "RELANCE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "RELANCE_TWILIO_FROM": OUR_NUMBER,
            "RELANCE_TWILIO_API_URL": "http://127.0.0.1:9",
        }
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-c", "from relance.cli import main; main()", "serve", "--port", str(port),
                   "--workers", str(n)]  # fmt: skip
        process = start(command, env, directory / f"serve{n}.log", n, url + "/healthz")
        try:
            rng = random.Random(17)
            warm = raw_requests(
                url, SMS_PATH, signed_requests(url, AUTH_TOKEN, phones, WARM_UP * n, TEXTS, rng, f"w{n}")
            )
            load = raw_requests(
                url, SMS_PATH, signed_requests(url, AUTH_TOKEN, phones, args.requests, TEXTS, rng, f"m{n}")
            )
            run = asyncio.run(measure("inbound SMS webhook", n, process.pid, url, load, warm, args.concurrency))
        finally:
            stop(process)
        if run.failures:
            problems = [line for line in (directory / f"serve{n}.log").read_text(errors="replace").splitlines()
                        if "ERROR" in line or "Error" in line or "Exception" in line]  # fmt: skip
            print(f"{n} worker(s): {dict(run.failures)}; the server logged:", *problems[:40], sep="\n", file=sys.stderr)
        return run
    finally:
        drop_schema(args.db, schema)


def report(runs: list[Run], concurrency: int) -> None:
    print(f"closed loop, {concurrency} requests in flight; server CPU = all its processes, from /proc")
    heads = f"{'workers':>8}{'ok/sent':>12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'client CPU':>12}"
    heads += "  CPU split between workers (%)"
    print(f"{'endpoint':<22}{heads}")
    for r in runs:
        print(
            f"{r.name:<22}{r.workers:>8}{f'{r.ok}/{r.sent}':>12}{r.rate:>9.1f}{r.pct(50):>9.1f}{r.pct(99):>9.1f}"
            f"{r.server_cpu_ms:>12.2f}{r.client_cpu_ms:>12.2f}  {'/'.join(f'{x:.0f}' for x in r.split)}"
        )
        if r.failures:
            print(f"  ({r.name}, {r.workers} worker(s): not answered 200: {dict(r.failures)})")
    hooks = {r.workers: r for r in runs if r.name.startswith("inbound")}
    bares = {r.workers: r for r in runs if r.name.startswith("bare")}
    one = hooks.get(min(hooks)) if hooks else None
    print()
    for n, hook in sorted(hooks.items()):
        speedup = f", {hook.rate / one.rate:.2f}x the 1-process webhook" if one and one is not hook else ""
        bare = bares[n]
        print(
            f"{n} worker(s): webhook {hook.rate:.0f} req/s = {hook.rate / bare.rate:.2f}x the bare endpoint "
            f"({bare.rate:.0f} req/s){speedup}; p99 {hook.pct(99):.0f} ms vs {bare.pct(99):.0f} ms; "
            f"with a core per process (client elsewhere), CPU time allows {n * 1000 / hook.server_cpu_ms:.0f} req/s"
        )
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; the client shares them")


if __name__ == "__main__":
    sys.exit(main())
