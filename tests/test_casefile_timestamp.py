"""RFC 3161 time-stamps on case files, against a local TSA (never a public one)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core import timestamps
from relance.core.casefile import compare_with_database, export_casefile, timestamp_of, verify_casefile
from relance.core.db import make_engine
from tests.local_tsa import LocalTSA
from tests.test_casefile import _case_with_history
from tests.test_casefile_signing import _entries, _zip

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the TSA does not depend on the database


@pytest.fixture
def tsa() -> Iterator[LocalTSA]:
    with LocalTSA() as running:
        yield running


@SQLITE
def test_the_manifest_is_time_stamped_and_the_token_checked(session: Session, tsa: LocalTSA) -> None:
    case = _case_with_history(session)
    key = Ed25519PrivateKey.generate()
    data = export_casefile(session, case, at=AT, actor="cli", key=key, stamp=timestamps.stamper(tsa.url))
    session.commit()
    assert tsa.requests == 1 and "manifest.tsr" in _entries(data)
    assert verify_casefile(data, key.public_key()) == [] and compare_with_database(session, data) == []
    stamp = timestamp_of(data)
    assert stamp is not None and stamp.tsa == "CN=Relance Test TSA" and stamp.serial == 1
    files = _entries(data)
    timestamps.verify_token(files["manifest.tsr"], files["manifest.json"], tsa_certificate=tsa.certificate)
    # the token vouches for this manifest only: a rewritten manifest no longer matches it
    files["manifest.json"] = files["manifest.json"].replace(b'"event_count"', b'"event_count" ', 1)
    problems = verify_casefile(_zip(files))
    assert problems == ["manifest.tsr: the time-stamp is about another document (the manifest was changed)"]


@SQLITE
def test_an_altered_token_is_refused(session: Session, tsa: LocalTSA) -> None:
    case = _case_with_history(session)
    data = export_casefile(session, case, at=AT, actor="cli", stamp=timestamps.stamper(tsa.url))
    files = _entries(data)
    token = bytearray(files["manifest.tsr"])
    token[-5] ^= 0xFF  # inside the signature
    files["manifest.tsr"] = bytes(token)
    assert verify_casefile(_zip(files))[0].startswith("manifest.tsr:")


@SQLITE
def test_a_tsa_that_refuses_or_is_down_leaves_the_file_signed_but_unstamped(session: Session, tsa: LocalTSA) -> None:
    case = _case_with_history(session)
    tsa.refuse = True
    with pytest.raises(timestamps.TimestampError, match="refused"):
        timestamps.request_token(tsa.url, b"x")
    data = export_casefile(session, case, at=AT, actor="cli", stamp=timestamps.stamper(tsa.url))
    assert "manifest.tsr" not in _entries(data) and verify_casefile(data) == []
    down = export_casefile(session, case, at=AT, actor="cli", stamp=timestamps.stamper("http://127.0.0.1:9/tsa"))
    assert "manifest.tsr" not in zipfile.ZipFile(io.BytesIO(down)).namelist()


def test_cli_export_with_a_tsa_and_verify_shows_the_instant(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tsa: LocalTSA
) -> None:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RELANCE_SIGNING_KEY_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("RELANCE_TSA_URL", tsa.url)
    engine = make_engine(sqlite_url)
    with Session(engine, expire_on_commit=False) as session:
        _case_with_history(session)
    engine.dispose()
    out = tmp_path / "case.zip"
    assert CliRunner().invoke(app, ["export", "INV-CF-1", "--out", str(out)]).exit_code == 0
    verified = CliRunner().invoke(app, ["verify", str(out)])
    assert verified.exit_code == 0 and "time-stamped" in verified.output and "Relance Test TSA" in verified.output
