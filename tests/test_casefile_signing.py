"""Signed case files: Ed25519 over the manifest, `relance keys`, `verify --public-key`, `--against-db` equality."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core import signing
from relance.core.casefile import compare_with_database, export_casefile, verify_casefile
from relance.core.db import make_engine
from relance.core.events import record_event
from relance.core.models import Case
from tests.test_casefile import _case_with_history

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _rehash(files: dict[str, bytes], name: str) -> None:
    """What a forger does after editing `name`: fix its hash and size in the manifest."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"][name] = {"sha256": hashlib.sha256(files[name]).hexdigest(), "bytes": len(files[name])}
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()


def _forge_transcript(data: bytes) -> bytes:
    files = _entries(data)
    html = bytearray(files["transcript.html"])
    spot = html.index(b"parler")
    html[spot] = ord("P")  # one byte
    files["transcript.html"] = bytes(html)
    _rehash(files, "transcript.html")
    return _zip(files)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signed(session: Session, key: Ed25519PrivateKey) -> tuple[Case, bytes]:
    case = _case_with_history(session)
    data = export_casefile(session, case, at=AT, actor="cli", key=key)
    session.commit()
    return case, data


def test_a_signed_case_file_verifies_with_the_public_key_and_names_it(
    signed: tuple[Case, bytes], key: Ed25519PrivateKey
) -> None:
    _, data = signed
    files = _entries(data)
    assert {"manifest.sig", "public-key.pem"} <= set(files)
    assert json.loads(files["manifest.json"])["signed_by"] == signing.fingerprint(key)
    assert verify_casefile(data, key.public_key()) == []


def test_a_rehashed_forgery_passes_the_hashes_but_not_the_signature(
    signed: tuple[Case, bytes], key: Ed25519PrivateKey
) -> None:
    forged = _forge_transcript(signed[1])
    assert verify_casefile(forged) == []  # internally consistent: this is why the manifest is signed
    problems = verify_casefile(forged, key.public_key())
    assert len(problems) == 1 and problems[0].startswith("manifest.sig: the signature does not match")


def test_another_key_or_no_signature_is_refused(signed: tuple[Case, bytes], session: Session) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    assert "signed by another key" in verify_casefile(signed[1], other)[0]
    unsigned = export_casefile(session, signed[0], at=AT + timedelta(minutes=1), actor="cli")
    session.commit()
    assert verify_casefile(unsigned) == []
    assert verify_casefile(unsigned, other) == [
        "manifest.sig is missing: the case file is not signed, its origin cannot be proven"
    ]


def test_against_the_database_every_file_and_the_exact_event_list_must_match(
    signed: tuple[Case, bytes], session: Session
) -> None:
    case, data = signed
    assert compare_with_database(session, data) == []
    # later activity does not make an earlier export wrong
    record_event(session, case_id=case.id, kind="note", actor="agent", at=AT + timedelta(hours=1))
    session.commit()
    assert compare_with_database(session, data) == []
    # a forged transcript with its hash fixed: the manifest is not the one on record
    assert "no export of case" in compare_with_database(session, _forge_transcript(data))[0]


def test_dropping_the_last_event_is_caught_against_the_database(session: Session) -> None:
    case = _case_with_history(session)
    data = export_casefile(session, case, at=AT, actor="cli")  # unsigned: only the database can tell
    session.commit()
    files = _entries(data)
    events = json.loads(files["events.json"])
    files["events.json"] = json.dumps(events[:-1], indent=2, ensure_ascii=False, sort_keys=True).encode()
    _rehash(files, "events.json")
    manifest = json.loads(files["manifest.json"])
    manifest["event_count"], manifest["chain_head"] = len(events) - 1, events[-2]["hash"]
    files["manifest.json"] = json.dumps(manifest).encode()
    forged = _zip(files)
    assert verify_casefile(forged) == []  # a shorter chain is still a valid chain
    assert compare_with_database(session, forged)


def test_events_are_compared_for_equality_not_inclusion(session: Session) -> None:
    from relance.core.casefile import _compare_events

    stored = [{"id": 1, "kind": "a", "hash": "h1"}, {"id": 2, "kind": "b", "hash": "h2"}]
    assert _compare_events(stored, stored) == []
    assert "missing from the case file" in _compare_events(stored[:1], stored)[0]
    assert "not in the database" in _compare_events([*stored, {"id": 3, "kind": "c"}], stored)[0]
    assert "differs" in _compare_events([stored[0], {**stored[1], "kind": "x"}], stored)[0]
    assert "order" in _compare_events(stored[::-1], stored)[0]


@pytest.fixture
def cli_env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RELANCE_SIGNING_KEY_FILE", str(tmp_path / "keys" / "signing.pem"))
    monkeypatch.delenv("RELANCE_SIGNING_KEY", raising=False)
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        _case_with_history(session)
    engine.dispose()
    return tmp_path


def test_cli_keys_export_verify_and_a_forgery_exits_1(cli_env: Path) -> None:
    runner = CliRunner()
    init = runner.invoke(app, ["keys", "init"])
    assert init.exit_code == 0, init.output
    assert (cli_env / "keys" / "signing.pem").stat().st_mode & 0o077 == 0  # owner only
    again = runner.invoke(app, ["keys", "init"])
    assert again.exit_code != 0  # an existing key is never replaced silently
    pub = cli_env / "pub.pem"
    assert runner.invoke(app, ["keys", "public", "--out", str(pub)]).exit_code == 0
    assert pub.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    out = cli_env / "case.zip"
    assert runner.invoke(app, ["export", "INV-CF-1", "--out", str(out)]).exit_code == 0
    ok = runner.invoke(app, ["verify", str(out), "--public-key", str(pub), "--against-db"])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output and "signature verified" in ok.output and "matches the database" in ok.output
    forged = cli_env / "forged.zip"
    forged.write_bytes(_forge_transcript(out.read_bytes()))
    refused = runner.invoke(app, ["verify", str(forged), "--public-key", str(pub)])
    assert refused.exit_code == 1
    assert "NOT intact" in refused.output and "manifest.sig" in refused.output
    refused_db = runner.invoke(app, ["verify", str(forged), "--against-db"])
    assert refused_db.exit_code == 1 and "no export of case" in refused_db.output


def test_cli_reads_the_key_from_the_environment(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    monkeypatch.setenv("RELANCE_SIGNING_KEY", pem.decode())
    shown = CliRunner().invoke(app, ["keys", "public"])
    assert shown.exit_code == 0 and shown.output.encode() == signing.public_pem(key)
    monkeypatch.setenv("RELANCE_SIGNING_KEY", "not a key")
    assert CliRunner().invoke(app, ["keys", "public"]).exit_code != 0
