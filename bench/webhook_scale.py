"""Scale-out benchmark: `python bench/webhook_scale.py --db postgresql://… [--workers 1,2,4]`.

For each worker count N, runs the real `relance serve --workers N` (uvicorn's supervisor, N
processes on one port, the sweep and the dispatcher in the background as in production) on a
fresh schema of the `--db` PostgreSQL database, seeded with `--debtors` French debtors of 600 €
(due in 2030, so the sweep queues nothing while we measure). Then a closed loop keeps
`--concurrency` signed inbound SMS in flight (random debtors, mixed dialogue replies and keywords)
for `--requests` requests, and prints throughput, latency percentiles and the server's CPU time
per request (all processes, from /proc). The same loop against a bare FastAPI endpoint under
`uvicorn --workers N` gives the ceiling of this machine and this client beside each figure.

The client runs in this process, on the same cores as the servers (2 here): on a bigger machine
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
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

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

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --------------------------------------------------------------------------- database


def fresh_schema(admin_url: str, schema: str, debtors: int, directory: Path) -> tuple[str, list[str]]:
    """A migrated schema of `admin_url` with `debtors` debtors (through the real importer); its URL, their phones."""
    from datetime import UTC, datetime

    from relance.core.config import RelanceConfig, Settings
    from relance.core.db import normalise_url
    from relance.core.importer import import_debts
    from relance.core.runtime import open_runtime

    admin = sa.create_engine(normalise_url(admin_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    url = sa.engine.make_url(normalise_url(admin_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = url.render_as_string(hide_password=False)
    phones = [f"+3361{i:07d}" for i in range(debtors)]
    csv = directory / "portfolio.csv"
    lines = ["reference,debtor_name,phone,amount,currency,due_date,locale,country"]
    lines += [f"INV-{i:07d},Debtor {i},{phone},600.00,EUR,2030-01-01,fr,FR" for i, phone in enumerate(phones)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runtime = open_runtime(Settings(database_url=db_url, config=directory / "none.toml"), config=RelanceConfig())
    with runtime.session() as session:
        import_debts(session, csv, runtime.config, now=datetime(2026, 11, 1, tzinfo=UTC))
        session.commit()
    runtime.engine.dispose()
    return db_url, phones


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


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children, live ones included (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        pending += [int(c) for c in children]
    return total


# --------------------------------------------------------------------------- load


def signed(url: str, phones: list[str], count: int, rng: random.Random, prefix: str) -> list[tuple[dict, dict]]:
    """`count` (form, headers) pairs, signed in advance so the client spends its time sending."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    out = []
    for i in range(count):
        form = {
            "MessageSid": f"SM{prefix}{i:0{32 - len(prefix)}x}",
            "AccountSid": "AC" + "0" * 32,
            "From": rng.choice(phones),
            "To": OUR_NUMBER,
            "Body": rng.choice(TEXTS),
        }
        out.append((form, {"X-Twilio-Signature": validator.compute_signature(url + SMS_PATH, form)}))
    return out


async def closed_loop(url: str, path: str, requests: list[tuple[dict, dict] | None], concurrency: int) -> tuple:
    """`concurrency` senders back to back until the requests run out: (ok, seconds, latencies in ms)."""
    latencies: list[float] = []
    queue = list(reversed(requests))
    ok = 0
    bare = b"From=%2B33612345678&Body=hello"

    async def sender(client: httpx.AsyncClient) -> None:
        nonlocal ok
        while queue:
            request = queue.pop()
            t0 = time.perf_counter()
            try:
                if request is None:
                    response = await client.post(
                        path, content=bare, headers={"content-type": "application/x-www-form-urlencoded"}
                    )
                else:
                    response = await client.post(path, data=request[0], headers=request[1])
            except httpx.HTTPError:
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            ok += response.status_code == 200

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(concurrency)))
        return ok, time.perf_counter() - t0, latencies


def measure(
    name: str, workers: int, process: subprocess.Popen[bytes], url: str, path: str, load: list, warm: list, c: int
) -> Run:
    asyncio.run(closed_loop(url, path, warm, c))
    before, client_before = tree_cpu_seconds(process.pid), time.process_time()
    ok, seconds, latencies = asyncio.run(closed_loop(url, path, load, c))
    cpu_ms = (tree_cpu_seconds(process.pid) - before) * 1000 / max(len(load), 1)
    client_ms = (time.process_time() - client_before) * 1000 / max(len(load), 1)
    return Run(name, workers, len(load), ok, seconds, latencies, cpu_ms, client_ms)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (a fresh schema is created in it, then dropped)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure (default 1,2,4)")
    parser.add_argument("--requests", type=int, default=3000, help="signed SMS per worker count (default 3000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--debtors", type=int, default=5000, help="seeded debtors (senders)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    if not args.db.startswith("postgresql"):
        parser.error("--db must be a PostgreSQL URL: several processes share PostgreSQL, not SQLite")
    rng = random.Random(17)
    schema = f"bench_scale_{os.getpid()}"
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
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
            for n in counts:
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                bare = [sys.executable, "-m", "uvicorn", "relance.web.app:bare_endpoint_app", "--factory",
                        "--port", str(port), "--workers", str(n), "--no-access-log", "--log-level", "info"]  # fmt: skip
                process = start(bare, env, directory / f"bare{n}.log", n, url + "/bare")
                try:
                    nothing: list[tuple[dict, dict] | None] = [None] * args.requests
                    runs.append(measure("bare endpoint", n, process, url, "/bare", nothing, [None] * WARM_UP * n,
                                        args.concurrency))  # fmt: skip
                finally:
                    stop(process)
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                serve = [sys.executable, "-c", "from relance.cli import main; main()", "serve", "--port", str(port),
                         "--workers", str(n)]  # fmt: skip
                process = start(serve, env, directory / f"serve{n}.log", n, url + "/healthz")
                try:
                    warm = signed(url, phones, WARM_UP * n, rng, f"w{n}")
                    load = signed(url, phones, args.requests, rng, f"m{n}")
                    runs.append(measure("inbound SMS webhook", n, process, url, SMS_PATH, load, warm,
                                        args.concurrency))  # fmt: skip
                finally:
                    stop(process)
        finally:
            drop_schema(args.db, schema)
    report(runs, args.concurrency)
    return 0 if all(r.ok == r.sent for r in runs) else 1


def report(runs: list[Run], concurrency: int) -> None:
    print(f"closed loop, {concurrency} requests in flight; server CPU = all its processes, from /proc")
    heads = f"{'workers':>8}{'ok/sent':>12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'client CPU':>12}"
    print(f"{'endpoint':<22}{heads}")
    for r in runs:
        print(
            f"{r.name:<22}{r.workers:>8}{f'{r.ok}/{r.sent}':>12}{r.rate:>9.1f}{r.pct(50):>9.1f}{r.pct(99):>9.1f}"
            f"{r.server_cpu_ms:>12.2f}{r.client_cpu_ms:>12.2f}"
        )
    hooks = {r.workers: r for r in runs if r.name.startswith("inbound")}
    bares = {r.workers: r for r in runs if r.name.startswith("bare")}
    one = hooks.get(min(hooks)) if hooks else None
    print()
    for n, hook in sorted(hooks.items()):
        speedup = f", {hook.rate / one.rate:.2f}x the 1-process webhook" if one and one is not hook else ""
        bare = bares[n]
        print(
            f"{n} worker(s): webhook {hook.rate:.0f} req/s = {hook.rate / bare.rate:.2f}x the bare endpoint "
            f"({bare.rate:.0f} req/s){speedup}; p99 {hook.pct(99):.0f} ms vs {bare.pct(99):.0f} ms"
        )
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; the client shares them")


if __name__ == "__main__":
    sys.exit(main())
