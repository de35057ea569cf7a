"""Several server processes on one PostgreSQL database (issue 17, scale-out): nothing per case is lost.

Two real `relance serve` processes share one database. One debtor's messages reach both at the
same moment, each message twice (Twilio retrying on the other process): every message is stored
once, answered once (a retry gets the same answer), recorded once, and the dialogue goes from turn
to turn without a lost update. `relance serve --workers 2` runs one sweeping leader; on SQLite it
is refused with the reason.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col
from typer.testing import CliRunner

from bot.testing.fake_twilio import FakeTwilio
from relance.cli import app as cli_app
from relance.core import paths
from relance.core.db import make_engine
from relance.core.events import verify_chain
from relance.core.models import Case, Debtor, Direction, Event, Message
from tests import factories
from tests.test_webhooks_acceptance import free_port

OUR_NUMBER = "+33700000001"
ROUNDS = 8  # two messages a round, under the per-sender rate limit (20 a minute): every one is answered
TEXTS = ("je peux payer en 3 fois ?", "je paierai vendredi")  # idle <-> awaiting_plan_answer


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def _env(db_url: str, twilio: FakeTwilio, tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")},
        "RELANCE_DATABASE_URL": db_url,
        "RELANCE_CONFIG": str(tmp_path / "relance.toml"),
        "RELANCE_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "RELANCE_TWILIO_AUTH_TOKEN": twilio.auth_token,
        "RELANCE_TWILIO_FROM": OUR_NUMBER,
        "RELANCE_TWILIO_API_URL": twilio.url,
    }


def _start(env: dict[str, str], cwd: Path, *extra: str) -> Server:
    port = free_port()
    command = [sys.executable, "-c", "from relance.cli import main; main()", "serve", "--port", str(port), *extra]
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"relance serve exited: {output}")
        try:
            if httpx.get(url + paths.READY, timeout=2).status_code == 200:
                return Server(url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    _stop(process)
    raise AssertionError("relance serve did not become ready")


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output.decode("utf-8", "replace")


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[FakeTwilio, Server, Server]]:
    with FakeTwilio() as twilio:
        env = _env(pg_url, twilio, tmp_path)
        first = _start(env, tmp_path)
        try:
            second = _start(env, tmp_path)
            try:
                yield twilio, first, second
            finally:
                _stop(second.process)
        finally:
            _stop(first.process)


def _seed(db_url: str) -> tuple[str, int]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            case = factories.case_with_debt(session, amount="600.00")
            session.commit()
            debtor = session.get(Debtor, case.debtor_id)
            assert debtor is not None and debtor.phone and case.id is not None
            return debtor.phone, case.id
    finally:
        engine.dispose()


def _post_together(posts: list[tuple[str, dict[str, str], str]]) -> list[httpx.Response]:
    """POST every (url, form, signature) at the same moment, one thread each."""
    start = threading.Barrier(len(posts))

    def post(url: str, form: dict[str, str], signature: str) -> httpx.Response:
        start.wait()
        return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=60)

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(lambda p: post(*p), posts))


def test_one_debtors_messages_to_two_processes_are_stored_answered_and_chained_once(
    pg_url: str, two_servers: tuple[FakeTwilio, Server, Server]
) -> None:
    phone, case_id = _seed(pg_url)
    twilio, first, second = two_servers
    answers: dict[str, set[str]] = {}
    for round_ in range(ROUNDS):
        posts = []
        for index, text in enumerate(TEXTS):
            form = {
                "MessageSid": f"SM{round_:02d}{index}" + "0" * 29,
                "AccountSid": twilio.account_sid,
                "From": phone,
                "To": OUR_NUMBER,
                "Body": text,
            }
            # this message to one process, and the provider's retry of it to the other, all at once
            mine, other = (first, second) if index == 0 else (second, first)
            for server in (mine, other):
                url = server.url + paths.TWILIO_SMS
                posts.append((url, form, twilio.sign(url, form)))
        for (_, form, _), response in zip(posts, _post_together(posts), strict=True):
            assert response.status_code == 200, response.text
            answers.setdefault(form["MessageSid"], set()).add(response.text)

    # a retry gets the very answer of the first delivery, and every message got one
    assert len(answers) == ROUNDS * len(TEXTS)
    assert all(len(texts) == 1 and "<Message>" in next(iter(texts)) for texts in answers.values()), answers
    engine = make_engine(pg_url)
    try:
        with Session(engine) as session:
            inbound = (
                session.execute(
                    sa.select(Message).where(col(Message.direction) == Direction.IN).order_by(col(Message.id))
                )
                .scalars()
                .all()
            )
            replies = (
                session.execute(sa.select(col(Message.idempotency_key)).where(col(Message.kind) == "reply"))
                .scalars()
                .all()
            )
            events = (
                session.execute(sa.select(Event).where(col(Event.case_id) == case_id).order_by(col(Event.id)))
                .scalars()
                .all()
            )
            case = session.get(Case, case_id)
    finally:
        engine.dispose()
    assert case is not None
    # stored exactly once each, and answered once each
    assert Counter(m.provider_id for m in inbound) == Counter({sid: 1 for sid in answers})
    assert len(replies) == len(set(replies))
    assert {key.split(":")[2] for key in replies} == set(answers)
    # recorded once each, in one unbroken chain
    received = [e.data["message_id"] for e in events if e.kind == "message_received"]
    assert sorted(received) == [m.id for m in inbound]
    assert verify_chain([e.model_dump(mode="json") for e in events]) == []
    # the dialogue went from each turn to the next: no turn started from a state another had left
    turns = [e.data for e in events if e.kind == "dialogue_turn"]
    assert len(turns) == len(inbound)
    assert turns[0]["from_state"] == "idle"
    path = [(t["from_state"], t["to_state"]) for t in turns]
    for before, after in itertools.pairwise(turns):
        assert after["from_state"] == before["to_state"], path
    assert case.dialogue_state == turns[-1]["to_state"]


def _workers(supervisor: int) -> list[int]:
    """The worker processes of `relance serve --workers` (not multiprocessing's resource tracker)."""
    found = subprocess.run(["pgrep", "-P", str(supervisor), "-f", "spawn_main"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def _listening(port: int) -> int:
    """Sockets listening on `port` (each worker of `relance serve --workers` listens on its own, once its app
    has started: the supervisor counts a worker as serving from then on)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            _, local, _, state = row.split()[:4]
            count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port  # 0A: LISTEN
    return count


def _sweep_leaders(db_url: str) -> int:
    """Processes holding the sweep's advisory lock (`scheduler.runner.LeaderLock`) on this schema."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND"
                        " objid::text::bigint = (hashtext('relance-sweep:' || current_schema())::bigint & 4294967295)"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_workers_share_one_port_with_one_sweeping_leader_and_a_dead_worker_is_replaced(
    pg_url: str, tmp_path: Path
) -> None:
    phone, _ = _seed(pg_url)
    with FakeTwilio() as twilio:
        server = _start(_env(pg_url, twilio, tmp_path), tmp_path, "--workers", "2")
        url = server.url + paths.TWILIO_SMS

        def ask(n: int) -> httpx.Response:
            form = {"MessageSid": f"SM{n:032d}", "From": phone, "To": OUR_NUMBER, "Body": "INFO"}
            # a new connection each time: SO_REUSEPORT spreads connections, not requests
            return httpx.post(url, data=form, headers={"X-Twilio-Signature": twilio.sign(url, form)}, timeout=60)

        failure: httpx.HTTPError | None = None  # kept, so the servers' log is shown with it
        try:
            # /ready answered from one worker; the other may still be starting, and a worker that dies before it
            # serves stops them all (`run_workers`): both must listen before one is killed
            port = int(server.url.rsplit(":", 1)[1])
            deadline = time.monotonic() + 120
            while _listening(port) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.5)  # the supervisor's serving flag is set right after the listen
            answers = [ask(n) for n in range(6)]
            workers = _workers(server.process.pid)
            deadline = time.monotonic() + 60  # each worker tries for the lock at its first sweep tick
            while (leaders := _sweep_leaders(pg_url)) != 1 and time.monotonic() < deadline:
                time.sleep(0.2)
            os.kill(workers[0], signal.SIGKILL)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(set(_workers(server.process.pid)) - {workers[0]}) < 2:
                time.sleep(0.2)
            replaced = _workers(server.process.pid)
            time.sleep(1)
            after = [ask(n) for n in range(6, 12)]
            engine = make_engine(pg_url)
            with engine.connect() as conn:
                stored = conn.execute(
                    sa.select(sa.func.count()).select_from(Message).where(col(Message.direction) == Direction.IN)
                ).scalar_one()
            engine.dispose()
        except httpx.HTTPError as exc:
            failure = exc
        finally:
            output = _stop(server.process)
    assert failure is None, f"{failure!r}\n{output}"
    assert all(a.status_code == 200 and "<Message>" in a.text for a in answers + after), output
    assert len(workers) == 2 and leaders == 1, output
    assert len(replaced) == 2 and workers[0] not in replaced, output
    said = " ".join(output.split())  # the log handler wraps long lines where the pid's length puts them
    assert "died" in said and "starting another" in said
    assert stored == 12


def test_workers_above_one_are_refused_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    env = {"RELANCE_DATABASE_URL": sqlite_url, "RELANCE_CONFIG": str(tmp_path / "relance.toml")}
    result = CliRunner().invoke(cli_app, ["serve", "--workers", "2", "--port", str(free_port())], env=env)
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output


def test_workers_refuse_a_port_another_server_listens_on(pg_url: str, tmp_path: Path) -> None:
    env = {"RELANCE_DATABASE_URL": pg_url, "RELANCE_CONFIG": str(tmp_path / "relance.toml")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", "--workers", "2", "--port", str(port)], env=env)
    assert result.exit_code == 2
    assert "cannot listen on" in result.output
