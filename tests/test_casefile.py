"""The case file: contents, manifest hashes, event chain, tampering detection, `relance export/verify`."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from relance.cli import app
from relance.core.casefile import (
    compare_with_database,
    export_casefile,
    load_case_record,
    transcript,
    verify_casefile,
)
from relance.core.db import make_engine
from relance.core.events import GENESIS, case_events, event_hash, record_event
from relance.core.flags import raise_flag
from relance.core.models import Author, Case, Direction, Event, FormalNotice, Message, MessageStatus
from relance.core.payments import record_payment
from tests.factories import case_with_debt

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _case_with_history(session: Session) -> Case:
    case = case_with_debt(session, amount="600.00", reference="INV-CF-1", name="Zoé <script>alert(1)</script>")
    record_event(session, case_id=case.id, kind="case_opened", actor="import", at=AT - timedelta(days=20))
    session.add_all(
        [
            Message(
                case_id=case.id, debtor_id=case.debtor_id, direction=Direction.OUT, channel="sms", author=Author.BOT,
                kind="reminder", body="Bonjour, la facture INV-CF-1 est impayée.", status=MessageStatus.DELIVERED,
                created_at=AT - timedelta(days=10), sent_at=AT - timedelta(days=10),
                delivered_at=AT - timedelta(days=10, seconds=-5),
            ),
            Message(
                case_id=case.id, debtor_id=case.debtor_id, direction=Direction.IN, channel="sms", author=Author.DEBTOR,
                kind="inbound", body="Je veux parler à quelqu'un <b>svp</b>", status=MessageStatus.RECEIVED,
                created_at=AT - timedelta(days=9),
            ),
        ]
    )  # fmt: skip
    session.flush()
    raise_flag(session, case=case, reason="human_requested", at=AT - timedelta(days=9))
    debt = load_case_record(session, case).debts[0]
    record_payment(session, debt=debt, amount=Decimal("100"), paid_on=date(2026, 11, 20), at=AT - timedelta(days=3))
    session.add(
        FormalNotice(
            case_id=case.id, total=Decimal("500.00"), currency="EUR", deadline=date(2026, 12, 1), pdf=b"%PDF-1.4 fake",
            pdf_sha256=hashlib.sha256(b"%PDF-1.4 fake").hexdigest(), created_at=AT - timedelta(days=1),
        )
    )  # fmt: skip
    session.commit()
    return case


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_case_file_holds_transcript_events_notice_and_a_manifest_of_hashes(session: Session) -> None:
    case = _case_with_history(session)
    data = export_casefile(session, case, at=AT, actor="agent", actor_id=7)
    session.commit()
    files = _entries(data)
    assert set(files) == {"transcript.html", "events.json", "messages.json", "case.json", "manifest.json"} | {
        name for name in files if name.startswith("notice-")
    }
    notice_files = [n for n in files if n.startswith("notice-")]
    assert len(notice_files) == 1 and files[notice_files[0]] == b"%PDF-1.4 fake"
    manifest = json.loads(files["manifest.json"])
    assert manifest["case_id"] == case.id and manifest["generated_at"] == AT.isoformat()
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest() and entry["bytes"] == len(files[name])
    assert "manifest.json" not in manifest["files"]
    events = json.loads(files["events.json"])
    assert events[0]["prev_hash"] == GENESIS and manifest["chain_head"] == events[-1]["hash"]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "case_opened" and "flag_raised" in kinds and "payment_recorded" in kinds
    assert "case_file_exported" not in kinds  # recorded after the ZIP is built, with its hashes
    recorded = case_events(session, case.id)[-1]
    assert recorded.kind == "case_file_exported" and recorded.actor_id == "7"
    assert recorded.data["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
    assert verify_casefile(data) == []
    assert compare_with_database(session, data) == []


def test_transcript_is_in_order_and_escapes_what_the_debtor_wrote(session: Session) -> None:
    case = _case_with_history(session)
    html = _entries(export_casefile(session, case, at=AT, actor="cli"))["transcript.html"].decode()
    assert "&lt;b&gt;svp&lt;/b&gt;" in html and "<b>svp</b>" not in html
    assert "<script>alert(1)</script>" not in html
    reminder, reply = html.index("la facture INV-CF-1"), html.index("parler à quelqu")
    flag, payment = html.index("flagged: human_requested"), html.index("payment of 100.00 EUR")
    assert reminder < reply < flag < payment


def test_transcript_puts_messages_and_events_on_one_timeline(session: Session) -> None:
    record = load_case_record(session, _case_with_history(session))
    entries = transcript(record.messages, record.events)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    messages = [e for e in entries if e.is_message]
    assert [m.who for m in messages] == ["bot", "debtor"] and messages[0].status == "delivered"


@pytest.fixture
def exported(session: Session) -> bytes:
    case = _case_with_history(session)
    data = export_casefile(session, case, at=AT, actor="cli")
    session.commit()
    return data


def test_an_edited_file_is_caught_by_its_hash(exported: bytes) -> None:
    files = _entries(exported)
    files["transcript.html"] = files["transcript.html"].replace(b"Je veux parler", b"Je vais payer")
    problems = verify_casefile(_zip(files))
    assert len(problems) == 1 and problems[0].startswith("transcript.html: SHA-256") and "altered" in problems[0]


def test_an_edited_event_breaks_its_hash_even_with_a_matching_manifest(exported: bytes) -> None:
    files = _entries(exported)
    events = json.loads(files["events.json"])
    paid = next(e for e in events if e["kind"] == "payment_recorded")
    paid["data"]["amount"] = "600.00"
    files["events.json"] = json.dumps(events).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["events.json"]["sha256"] = hashlib.sha256(files["events.json"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    problems = verify_casefile(_zip(files))
    assert any("content does not match its hash: altered" in p for p in problems), problems


def test_a_removed_event_breaks_the_chain(exported: bytes) -> None:
    files = _entries(exported)
    events = json.loads(files["events.json"])
    del events[1]
    files["events.json"] = json.dumps(events).encode()
    problems = verify_casefile(_zip(files))
    assert any("chain broken" in p for p in problems)
    assert any("events.json: SHA-256" in p for p in problems)


def test_missing_and_added_files_are_reported(exported: bytes) -> None:
    files = _entries(exported)
    del files["case.json"]
    files["extra.txt"] = b"slipped in later"
    problems = verify_casefile(_zip(files))
    assert "case.json: listed in the manifest but missing" in problems
    assert "extra.txt: not listed in the manifest (added after export)" in problems
    assert verify_casefile(b"not a zip") == ["not a ZIP file"]
    assert "manifest.json is missing" in verify_casefile(_zip({"events.json": b"[]"}))[0]


def test_a_chain_rehashed_from_scratch_passes_offline_but_not_against_the_database(
    session: Session, exported: bytes
) -> None:
    files = _entries(exported)
    events = json.loads(files["events.json"])
    next(e for e in events if e["kind"] == "payment_recorded")["data"]["amount"] = "600.00"
    prev = GENESIS
    for e in events:  # a forger recomputes every hash after the edit
        e["prev_hash"] = prev
        e["hash"] = prev = event_hash(
            case_id=e["case_id"], at=datetime.fromisoformat(e["at"]), actor=e["actor"], actor_id=e["actor_id"],
            kind=e["kind"], data=e["data"], prev_hash=e["prev_hash"],
        )  # fmt: skip
    files["events.json"] = json.dumps(events).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["events.json"]["sha256"] = hashlib.sha256(files["events.json"]).hexdigest()
    manifest["chain_head"] = prev
    files["manifest.json"] = json.dumps(manifest).encode()
    forged = _zip(files)
    assert verify_casefile(forged) == []
    problems = compare_with_database(session, forged)
    assert len(problems) == 1 and "no export of case" in problems[0] and "with this manifest" in problems[0]


@pytest.fixture
def cli_db(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "none.toml"))
    return sqlite_url


def test_cli_export_then_verify_and_detect_tampering(cli_db: str, tmp_path: Path) -> None:
    engine = make_engine(cli_db)
    with Session(engine, expire_on_commit=False) as session:
        _case_with_history(session)
    engine.dispose()
    out = tmp_path / "case.zip"
    exported = CliRunner().invoke(app, ["export", "INV-CF-1", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    verified = CliRunner().invoke(app, ["verify", str(out), "--against-db"])
    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.output and "chain verified" in verified.output
    files = _entries(out.read_bytes())
    files["messages.json"] = files["messages.json"].replace(b"DELIVERED", b"x").replace(b"delivered", b"failed")
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(_zip(files))
    refused = CliRunner().invoke(app, ["verify", str(tampered)])
    assert refused.exit_code == 1
    assert "NOT intact" in refused.output and "messages.json: SHA-256" in refused.output


def test_on_a_tie_a_message_sits_just_before_the_event_that_refers_to_it() -> None:
    def event(i: int, kind: str, **data: object) -> Event:
        return Event(id=i, case_id=1, at=AT, actor="agent", kind=kind, data=data, prev_hash="", hash="")

    def message(i: int, author: str, body: str) -> Message:
        return Message(
            id=i, case_id=1, direction="out", channel="sms", author=author, body=body, status="queued", created_at=AT
        )

    events = [
        event(1, "flag_raised", reason="unclear"),
        event(2, "agent_took_over"),
        event(3, "agent_replied", message_id=2, channel="sms"),
    ]
    messages = [message(1, "debtor", "???"), message(2, "agent", "Bonjour")]
    order = [e.text if e.is_message else e.text.split(":")[0] for e in transcript(messages, events)]
    assert order == [
        "???",
        "flagged",
        "an agent took the case over",
        "Bonjour",
        "agent reply queued on sms, to go from ?",
    ]
