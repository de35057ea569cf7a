"""Inbound SMS webhook benchmark: `python bench/webhook.py [--rate 300] [--seconds 15] [--texts mixed|keywords]`.

Serves the real app (`relance.web.app.create_app`, SQLite in a temporary directory, seeded with
`--debtors` French debtors of 600 €) under uvicorn in a separate process, and a bare FastAPI
endpoint the same way, then for each:

- sustained: signed Twilio-style inbound SMS (or plain POSTs to the bare endpoint) sent open-loop
  at `--rate` requests/s for `--seconds`; latency is measured from each request's *scheduled*
  time, so queueing shows up in the percentiles (no coordinated omission);
- capacity: closed loop with `--concurrency` requests in flight for a few seconds.

For each run, the server's own CPU time (user + system, from `/proc/<pid>/stat`) is divided by the
requests sent: the cost of one signed inbound SMS through the whole path (signature, store,
understand, dialogue, answer) beside the bare endpoint's cost in the same run. Targets (issue 17):
at most 1.2 ms of server CPU per request over the 2,000 requests of the capacity run, and p99 at
most 100 ms with every request answered at 300 requests/s offered.

Messages come from random seeded debtors, mixing dialogue replies and keywords (`--texts varied`:
the same kinds, every text different). The client runs in this process; on a 2-core machine client
and server share the cores, as they would here. So that the client is not what is measured, every
request is signed and written out as raw HTTP/1.1 bytes before the timed runs, then sent over
keep-alive connections with asyncio streams, reading back only the status line, the headers and
`Content-Length` bytes of body (`RawConnection`): a few tens of microseconds of client CPU per
request, where an httpx client spent more than the bare endpoint it measured (with httpx, even
the bare endpoint could not be offered 300 requests/s here: 252 req/s, p99 3.6 s).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

BARE, WEBHOOK = "bare FastAPI endpoint", "inbound SMS webhook"
OUR_NUMBER = "+33700000001"
WARM_UP = 50
SENDERS = 64  # connections of the sustained run (Twilio opens several in parallel too)
CAPACITY_REQUESTS = 2000
CPU_TARGET_MS = 1.2  # server CPU per signed inbound SMS (issue 17)
RATE_TARGET = 300  # requests/s offered, p99 <= 100 ms
TEXTS = ("je peux payer en 3 fois ?", "je paierai vendredi", "INFO", "merci", "c'est quoi cette facture ?")
# the same kinds of reply, each text different, so that nothing a repeated text lets the server reuse
# (the understanding's memo) flatters the figure; `{n}`: a random number up to a million, so the
# runs of one bench do not share texts either
VARIED_TEXTS = (
    "je peux payer en 3 fois ? dossier {n}",
    "je paierai vendredi, dossier {n}",
    "INFO",
    "merci, réf. {n}",
    "c'est quoi cette facture n° {n} ?",
)


@dataclass
class Result:
    name: str
    mode: str
    sent: int
    ok: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_ms: float = float("nan")  # server CPU time per request
    client_cpu_ms: float = float("nan")  # this process's CPU time per request (the load generator)
    failures: Counter[str] = field(default_factory=Counter)  # what the requests not answered 200 got

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --------------------------------------------------------------------------- servers (child processes)


def _serve(kind: str, db_url: str, port: int, settings_kw: dict[str, Any], ready: Any) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    if kind == "bare":
        from relance.web.app import bare_endpoint_app

        app = bare_endpoint_app()
    else:
        from relance.core.config import RelanceConfig, Settings
        from relance.core.runtime import open_runtime
        from relance.web.app import create_app

        runtime = open_runtime(Settings(database_url=db_url, **settings_kw), config=RelanceConfig())
        app = create_app(runtime, console=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    ready.set()
    server.run()


def _start(kind: str, db_url: str, settings_kw: dict[str, Any]) -> tuple[Any, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    process = ctx.Process(target=_serve, args=(kind, db_url, port, settings_kw, ready), daemon=True)
    process.start()
    ready.wait(60)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(url + ("/bare" if kind == "bare" else "/healthz"), timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the {kind} server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- database and requests


def seed(db_url: str, debtors: int, directory: Path, due_date: str = "2026-10-01") -> list[str]:
    """A fresh database with `debtors` French debtors owing 600 €, through the real importer; their phones."""
    from datetime import UTC, datetime

    from relance.core.config import RelanceConfig, Settings
    from relance.core.importer import import_debts
    from relance.core.runtime import open_runtime

    phones = [f"+3361{i:07d}" for i in range(debtors)]
    csv = directory / "portfolio.csv"
    lines = ["reference,debtor_name,phone,amount,currency,due_date,locale,country"]
    lines += [f"INV-{i:07d},Debtor {i},{phone},600.00,EUR,{due_date},fr,FR" for i, phone in enumerate(phones)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runtime = open_runtime(Settings(database_url=db_url, config=directory / "none.toml"), config=RelanceConfig())
    with runtime.session() as session:
        import_debts(session, csv, runtime.config, now=datetime(2026, 11, 1, tzinfo=UTC))
        session.commit()
    runtime.engine.dispose()
    return phones


def signed_requests(
    url: str,
    auth_token: str,
    phones: list[str],
    count: int,
    texts: tuple[str, ...],
    rng: random.Random,
    sid_prefix: str,
) -> list[tuple[dict[str, str], dict[str, str]]]:
    """`count` (form, headers) pairs, signed in advance so the client spends its time sending."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(auth_token)
    out = []
    for i in range(count):
        sender, text = rng.choice(phones), rng.choice(texts)  # in this order: the mixed runs' draws as before
        if "{n}" in text:
            text = text.replace("{n}", str(rng.randrange(1, 10**6)))
        form = {
            "MessageSid": f"SM{sid_prefix}{i:0{32 - len(sid_prefix)}x}",  # 34 characters, as Twilio's
            "AccountSid": "AC" + "0" * 32,
            "From": sender,
            "To": OUR_NUMBER,
            "Body": text,
            "NumMedia": "0",
        }
        out.append((form, {"X-Twilio-Signature": validator.compute_signature(url + "/webhooks/twilio/sms", form)}))
    return out


# --------------------------------------------------------------------------- load

BARE_BODY = b"From=%2B33612345678&Body=hello"


def raw_request(host: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 form POST as the bytes sent on the wire (keep-alive, the default of 1.1)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/x-www-form-urlencoded"]
    lines += [f"Content-Length: {len(body)}", *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def raw_requests(url: str, path: str, requests: list[tuple[dict[str, str], dict[str, str]] | None]) -> list[bytes]:
    """Each signed (form, headers) pair, or the bare endpoint's POST for None, as raw bytes."""
    host = url.split("://", 1)[1]
    return [
        raw_request(host, path, BARE_BODY)
        if request is None
        else raw_request(host, path, urlencode(request[0]).encode(), request[1])
        for request in requests
    ]


class RawConnection:
    """One keep-alive HTTP/1.1 connection that sends prepared requests and reads back just their status.

    The response head is read up to its blank line, the status taken from the status line and the
    body skipped by its `Content-Length` (every answer of these apps has one); a connection the
    server closes or breaks is opened again for the next request, and the failure counted.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> int:
        """Send `request`, return the response's status (raises OSError or IncompleteReadError when cut)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            lowered = head.lower()
            at = lowered.find(b"\r\ncontent-length:")
            if at < 0:
                raise ConnectionError("a response without Content-Length")
            length = int(lowered[at + 17 : lowered.index(b"\r\n", at + 2)])
            if length:
                await self.reader.readexactly(length)
            if b"\r\nconnection: close" in lowered:
                self.close()
            return int(head[9:12])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _address(url: str) -> tuple[str, int]:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


async def _one(
    connection: RawConnection, request: bytes, start: float, out: list[float], failures: Counter[str]
) -> bool:
    """Send one request; its latency from `start` (when it was due) goes to `out` if it was answered."""
    try:
        status = await connection.exchange(request)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        failures[type(exc).__name__] += 1
        return False
    out.append((time.perf_counter() - start) * 1000)
    if status != 200:
        failures[f"HTTP {status}"] += 1
    return status == 200


async def sustained(name: str, url: str, requests: list[bytes], rate: float, senders: int = SENDERS) -> Result:
    """Open loop: request i is due at t0 + i/rate, whatever happened to the others.

    `senders` keep-alive connections take the requests in order; a request that finds every one
    busy waits for one, and that wait counts in its latency (measured from when it was due).
    """
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    warm_up, requests = requests[:WARM_UP], requests[WARM_UP:]
    connections = [RawConnection(*_address(url)) for _ in range(senders)]
    next_index = 0
    ok = 0

    async def sender(connection: RawConnection, t0: float) -> None:
        nonlocal next_index, ok
        while next_index < len(requests):
            index, next_index = next_index, next_index + 1
            due = t0 + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            succeeded = await _one(connection, requests[index], due, latencies, failures)
            ok += succeeded

    warm = [warm_up[i :: len(connections)] for i in range(len(connections))]
    await asyncio.gather(*(_warm(c, w) for c, w in zip(connections, warm, strict=True)))
    cpu, t0 = time.process_time(), time.perf_counter() + 0.05
    await asyncio.gather(*(sender(c, t0) for c in connections))
    elapsed = time.perf_counter() - t0
    result = Result(name, f"sustained {rate:.0f}/s", len(requests), ok, elapsed, latencies, failures=failures)
    return _closed(result, cpu, connections)


async def _warm(connection: RawConnection, requests: list[bytes]) -> None:
    """Open the connection and send it its share of the warm-up (not measured)."""
    for request in requests:
        await _one(connection, request, time.perf_counter(), [], Counter())


async def capacity(name: str, url: str, requests: list[bytes], concurrency: int) -> Result:
    """Closed loop: `concurrency` connections send back to back until the requests run out."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    queue = list(reversed(requests))
    connections = [RawConnection(*_address(url)) for _ in range(concurrency)]
    ok = 0

    async def worker(connection: RawConnection) -> None:
        nonlocal ok
        while queue:
            request = queue.pop()
            succeeded = await _one(connection, request, time.perf_counter(), latencies, failures)
            ok += succeeded  # not `ok += await …`: that reads `ok` before the await and loses updates

    cpu, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - t0
    result = Result(name, f"capacity c={concurrency}", len(requests), ok, elapsed, latencies, failures=failures)
    return _closed(result, cpu, connections)


def _closed(result: Result, cpu: float, connections: list[RawConnection]) -> Result:
    """`result` with the client's CPU per request since `cpu` (process time), its connections closed."""
    result.client_cpu_ms = (time.process_time() - cpu) * 1000 / max(result.sent, 1)
    for connection in connections:
        connection.close()
    return result


def report(results: list[Result]) -> None:
    print(
        f"{'endpoint':<24}{'mode':<18}{'ok/sent':>12}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'server CPU ms/req':>19}{'client CPU':>12}"
    )
    for r in results:
        print(
            f"{r.name:<24}{r.mode:<18}{f'{r.ok}/{r.sent}':>12}{r.rate:>9.1f}{r.pct(50):>9.1f}{r.pct(95):>9.1f}"
            f"{r.pct(99):>9.1f}{max(r.latencies_ms, default=float('nan')):>9.1f}{r.server_cpu_ms:>19.2f}"
            f"{r.client_cpu_ms:>12.3f}"
        )
        if r.failures:
            print(f"  ({r.name}, {r.mode}: not answered 200: {dict(r.failures)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop request rate (default 300/s)")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of the sustained run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight in the capacity run")
    parser.add_argument(
        "--requests", type=int, default=CAPACITY_REQUESTS, help=f"requests of the capacity run ({CAPACITY_REQUESTS})"
    )
    parser.add_argument("--debtors", type=int, default=5000, help="seeded debtors (senders)")
    parser.add_argument(
        "--texts",
        choices=("mixed", "varied", "keywords"),
        default="mixed",
        help="mixed dialogue replies and keywords; the same with every text different; or keywords only",
    )
    parser.add_argument(
        "--only", choices=("bare", "webhook"), help="measure one endpoint (no comparison, no target verdict)"
    )
    parser.add_argument("--no-sustained", action="store_true", help="the capacity run only")
    args = parser.parse_args()
    rng = random.Random(7)
    texts = {"mixed": TEXTS, "varied": VARIED_TEXTS, "keywords": ("INFO", "HELP", "AIDE")}[args.texts]
    count = int(args.rate * args.seconds) + 1
    auth_token = "b" * 32
    endpoints = [("bare", BARE, "/bare"), ("real", WEBHOOK, "/webhooks/twilio/sms")]
    if args.only:
        endpoints = [e for e in endpoints if e[0] == {"bare": "bare", "webhook": "real"}[args.only]]
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        phones = seed(db_url, args.debtors, Path(tmp))
        settings_kw = {
            "config": Path(tmp) / "none.toml",
            "public_url": None,
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": auth_token,
            "twilio_from": OUR_NUMBER,
            "twilio_api_url": "http://127.0.0.1:9",
        }
        results = []
        for kind, name, path in endpoints:
            process, url = _start(kind, db_url, settings_kw)
            try:

                def load(n: int, prefix: str, kind: str = kind, url: str = url, path: str = path) -> list[bytes]:
                    if kind == "bare":
                        return raw_requests(url, path, [None] * n)
                    return raw_requests(url, path, signed_requests(url, auth_token, phones, n, texts, rng, prefix))

                runs = [] if args.no_sustained else [sustained(name, url, load(count + WARM_UP, "a"), args.rate)]
                runs.append(capacity(name, url, load(args.requests, "b"), args.concurrency))
                for run in runs:
                    before = cpu_seconds(process.pid)
                    result = asyncio.run(run)
                    result.server_cpu_ms = (cpu_seconds(process.pid) - before) * 1000 / max(result.sent, 1)
                    results.append(result)
            finally:
                process.terminate()
                process.join(10)
    report(results)
    if len(endpoints) < 2 or args.no_sustained:
        return 0 if all(r.ok == r.sent for r in results) else 1
    bare_s, bare_c, hook_s, hook_c = results
    print(
        f"\nwebhook / bare: capacity {hook_c.rate / bare_c.rate:.2f}x ({hook_c.rate:.0f} vs {bare_c.rate:.0f} req/s), "
        f"sustained p99 {hook_s.pct(99):.1f} ms vs {bare_s.pct(99):.1f} ms ({hook_s.pct(99) / bare_s.pct(99):.1f}x)"
    )
    print(
        f"server CPU per signed inbound SMS: {hook_c.server_cpu_ms:.2f} ms over {hook_c.sent} requests "
        f"(bare endpoint {bare_c.server_cpu_ms:.2f} ms; sustained run {hook_s.server_cpu_ms:.2f} vs "
        f"{bare_s.server_cpu_ms:.2f} ms); target <= {CPU_TARGET_MS} ms: "
        f"{'met' if hook_c.server_cpu_ms <= CPU_TARGET_MS else 'NOT met'}"
    )

    # Sustained means keeping up with the offered rate: a server that falls behind builds a queue and
    # its p99 (measured from each request's due time) grows without bound, so p99 <= 100 ms with every
    # request answered at an offered 300/s is the test; "req/s" above also counts the drain of the last
    # requests, so it reads a hair under the offered rate even when the server keeps up.
    def met(r: Result) -> bool:
        return args.rate >= RATE_TARGET and r.pct(99) <= 100 and r.ok == r.sent

    print(
        f"target (offered >= {RATE_TARGET} req/s, all answered, p99 <= 100 ms) at {args.rate:.0f}/s offered: "
        f"webhook {'met' if met(hook_s) else 'NOT met'} (bare endpoint, the client's own ceiling: "
        f"{'met' if met(bare_s) else 'NOT met'})"
    )
    return 0 if met(hook_s) and hook_c.server_cpu_ms <= CPU_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
