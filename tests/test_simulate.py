"""`relance simulate` end to end on a small portfolio and replies of our own, checked from the events file alone."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.core.config import RelanceConfig
from scheduler.contact_window import contact_window

CONFIG = RelanceConfig()
HEADER = "reference,debtor_name,phone,amount,currency,due_date,debtor_ref,country,timezone\n"
# ref -> (phone, country, zone, amount, currency, due)
DEBTORS = {
    "S1": ("+33612000001", "FR", "Europe/Paris", "300.00", "EUR", "2026-10-20"),
    "S2": ("+33612000002", "FR", "Europe/Paris", "1200.00", "EUR", "2026-10-25"),
    "S3": ("+12125550103", "US", "America/New_York", "450.00", "USD", "2026-10-28"),
    "S4": ("+12135550104", "US", "America/Los_Angeles", "90.00", "USD", "2026-10-30"),
    "S5": ("+447911123456", "GB", "Europe/London", "75.50", "GBP", "2026-11-01"),
    "S6": ("+33612000006", "FR", "Europe/Paris", "640.00", "EUR", "2026-09-15"),
}
REPLIES = [
    # S1 opts out in the middle of the night (their time), then writes again
    {"at": "2026-11-03T23:30:00+01:00", "debtor_ref": "S1", "channel": "sms", "text": "STOP"},
    {"at": "2026-11-05T10:00:00+01:00", "debtor_ref": "S1", "channel": "sms", "text": "pourquoi ?"},
    # S2 asks for three installments, then accepts
    {"at": "2026-11-03T12:00:00+01:00", "debtor_ref": "S2", "channel": "sms", "text": "je peux payer en 3 fois ?"},
    {"at": "2026-11-03T12:30:00+01:00", "debtor_ref": "S2", "channel": "sms", "text": "oui ok"},
    # S3 disputes (by phone number)
    {"at": "2026-11-04T21:00:00-05:00", "phone": "+12125550103", "channel": "sms",
     "text": "I dispute this invoice, the goods never arrived"},
    # S4 asks for a person
    {"at": "2026-11-06T09:00:00-08:00", "debtor_ref": "S4", "channel": "sms", "text": "can I talk to a real person"},
]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("sim")
    portfolio = tmp / "portfolio.csv"
    portfolio.write_text(
        HEADER
        + "".join(
            f"INV-{ref},Debtor {ref},{phone},{amount},{cur},{due},{ref},{country},{zone}\n"
            for ref, (phone, country, zone, amount, cur, due) in DEBTORS.items()
        ),
        encoding="utf-8",
    )
    replies = tmp / "replies.jsonl"
    replies.write_text("".join(json.dumps(r) + "\n" for r in REPLIES), encoding="utf-8")
    events, summary = tmp / "events.jsonl", tmp / "summary.json"
    result = CliRunner().invoke(
        app,
        ["simulate", "--portfolio", str(portfolio), "--replies", str(replies), "--start", "2026-11-02",
         "--days", "40", "--events", str(events), "--summary-json", str(summary),
         "--config", str(tmp / "absent.toml")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in events.read_text(encoding="utf-8").splitlines()]
    return {"events": lines, "summary": json.loads(summary.read_text(encoding="utf-8"))}


def _at(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["at"])


def _of(events: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    return [e for e in events if e["debtor_ref"] == ref]


def test_events_are_in_time_order_and_complete(run: dict[str, Any]) -> None:
    events = run["events"]
    assert [_at(e) for e in events] == sorted(_at(e) for e in events)
    keys = {"at", "local_at", "case", "debtor_ref", "phone", "direction", "channel", "kind", "step", "text"}
    for e in events:
        assert keys <= set(e)
        assert datetime.fromisoformat(e["local_at"]) == _at(e)
    assert sum(1 for e in events if e["direction"] == "in") == len(REPLIES)


def test_no_proactive_message_outside_the_window(run: dict[str, Any]) -> None:
    events = run["events"]
    for ref, (_, country, zone, *_rest) in DEBTORS.items():
        window = contact_window(CONFIG.creditor(), CONFIG.contact, country=country, timezones=zone)
        inbound = [_at(e) for e in _of(events, ref) if e["direction"] == "in"]
        for e in _of(events, ref):
            if e["direction"] != "out":
                continue
            answering = any(timedelta(0) <= _at(e) - t <= timedelta(minutes=15) for t in inbound)
            assert answering or window.is_allowed(_at(e)), e
            local = datetime.fromisoformat(e["local_at"])
            assert answering or 8 <= local.hour < 21, e


def test_caps_hold(run: dict[str, Any]) -> None:
    for ref in DEBTORS:
        times = [_at(e) for e in _of(run["events"], ref) if e["kind"] in ("reminder", "promise_followup")]
        for a, b in itertools.pairwise(times):
            assert b - a >= timedelta(hours=48), ref
        for i in range(len(times) - 3):
            assert times[i + 3] - times[i] >= timedelta(days=7), ref


def test_nothing_after_an_opt_out_but_its_confirmation(run: dict[str, Any]) -> None:
    s1 = _of(run["events"], "S1")
    stop = next(e for e in s1 if e["direction"] == "in" and e["text"] == "STOP")
    after = [e for e in s1 if e["direction"] == "out" and _at(e) >= _at(stop)]
    assert len(after) == 1 and after[0]["kind"] == "reply" and _at(after[0]) == _at(stop)
    assert any(e["kind"] == "status" and e["status"] == "opted_out" for e in s1)
    assert any(e["kind"] == "reminder" for e in s1 if _at(e) < _at(stop))


def test_no_reminder_after_a_dispute(run: dict[str, Any]) -> None:
    s3 = _of(run["events"], "S3")
    disputed = next(e for e in s3 if e["kind"] == "status" and e["status"] == "disputed")
    assert not [e for e in s3 if e["kind"] == "reminder" and _at(e) > _at(disputed)]
    assert any(e["kind"] == "flag" and e["reason"] == "dispute" for e in s3)


def test_plans_sum_to_the_balance(run: dict[str, Any]) -> None:
    plans = [e for e in run["events"] if e["kind"] == "plan"]
    assert [p["debtor_ref"] for p in plans] == ["S2"]
    total = sum(Decimal(i["amount"]) for i in plans[0]["installments"])
    assert total == Decimal(DEBTORS["S2"][3])
    assert len(plans[0]["installments"]) == 3


def test_expected_flags(run: dict[str, Any]) -> None:
    flags = {(e["debtor_ref"], e["reason"]) for e in run["events"] if e["kind"] == "flag"}
    assert ("S3", "dispute") in flags
    assert ("S4", "human_requested") in flags
    # long overdue and silent: the four steps in order (gaps 7, 10, 10 days), then 10 days, then flagged
    assert ("S6", "no_response") in flags
    assert [e["step"] for e in _of(run["events"], "S6") if e["kind"] == "reminder"] == [1, 2, 3, 4]
    assert all(e["action"] for e in run["events"] if e["kind"] == "flag")
    assert run["summary"]["flags"].get("dispute") == 1
    assert run["summary"]["cases"] == len(DEBTORS)
    assert run["summary"]["disputes"] == 1 and run["summary"]["opt_outs"] == 1 and run["summary"]["plans"] == 1


def test_a_bad_replies_file_is_refused_with_its_line(tmp_path: Path) -> None:
    portfolio = tmp_path / "p.csv"
    portfolio.write_text(HEADER + "INV-1,A,+33612000001,10.00,EUR,2026-10-01,X1,FR,Europe/Paris\n", encoding="utf-8")
    replies = tmp_path / "r.jsonl"
    replies.write_text('{"at": "2026-11-01T10:00:00+01:00", "debtor_ref": "X1", "text": "hi"}\n{"at": "nope"}\n')
    result = CliRunner().invoke(
        app,
        ["simulate", "--portfolio", str(portfolio), "--replies", str(replies), "--start", "2026-11-01", "--days", "1"],
    )
    assert result.exit_code == 2
    assert "2" in result.output and "at" in result.output


def test_simulate_reads_relance_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RELANCE_CONFIG names the configuration, as for every other command: its creditor key imports."""
    config = tmp_path / "agency.toml"
    config.write_text(
        'default_creditor = "north"\n\n[[creditors]]\nkey = "north"\nname = "North Ltd"\ncurrency = "GBP"\n'
        'payment_url = "https://pay.north.example/{reference}"\n',
        encoding="utf-8",
    )
    portfolio = tmp_path / "p.csv"
    portfolio.write_text(
        "reference,debtor_name,phone,amount,currency,due_date,creditor\n"
        "N-1,Ann Smith,+447911123456,120.00,GBP,2026-11-01,north\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RELANCE_CONFIG", str(config))
    summary = tmp_path / "s.json"
    result = CliRunner().invoke(
        app, ["simulate", "--portfolio", str(portfolio), "--start", "2026-11-09", "--days", "3",
              "--summary-json", str(summary)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(summary.read_text(encoding="utf-8"))
    assert figures["cases"] == 1 and figures["skipped_rows"] == 0


def test_simulate_all_invalid_portfolio_says_why_and_fails(tmp_path: Path) -> None:
    portfolio = tmp_path / "bad.csv"
    portfolio.write_text(
        "reference,debtor_name,phone,amount,currency,due_date\n"
        "B-1,Bad Amount,+33612000001,-5,EUR,2026-11-01\n"
        "B-2,Bad Phone,not a phone,10.00,EUR,2026-11-01\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["simulate", "--portfolio", str(portfolio), "--start", "2026-11-09", "--days", "1"]
    )
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    assert "amount" in result.output and "phone" in result.output
