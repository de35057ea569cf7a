"""The simulation's figures on a fixed portfolio and on the demo's personas, pinned.

The simulation is made faster now and then (issue 17: `bench/simulate.py`); none of that may change
what it does. These runs pin what a change of behaviour would move: the summary and the count of
events by direction, kind and channel, for a generated portfolio in four zones (as the benchmark's)
and for the demo's sample portfolio with its scripted debtors (inbound replies, dialogue, payments).
A change meant to alter the behaviour updates the figures here on purpose.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from relance.cli.simulate import DATA, PORTFOLIO_START, run, shifted_portfolio
from relance.simulation.portfolio import generated_portfolio


def _counts(events: list[dict[str, Any]]) -> dict[str, int]:
    return dict(sorted(Counter(f"{e['direction']}/{e['kind']}/{e['channel']}" for e in events).items()))


def _timeline(events: list[dict[str, Any]]) -> str:
    """SHA-256 of when, for which case, what and on which channel (not the wording of the texts)."""
    fields = ("at", "case", "direction", "kind", "channel", "step", "reason", "status")
    lines = "\n".join("|".join(str(e.get(f)) for f in fields) for e in events)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def test_a_generated_portfolio_gives_the_same_figures(tmp_path: Path) -> None:
    portfolio = generated_portfolio(tmp_path / "portfolio.csv", 60, PORTFOLIO_START)
    _, events, summary, _ = run(
        portfolio, start=PORTFOLIO_START, days=45, db=None, config_path=tmp_path / "absent.toml"
    )
    assert summary == GENERATED_SUMMARY
    assert _counts(events) == GENERATED_COUNTS
    assert _timeline(events) == GENERATED_TIMELINE


def test_the_demo_personas_give_the_same_figures(tmp_path: Path) -> None:
    portfolio = shifted_portfolio(DATA / "sample_portfolio.csv", 0, tmp_path / "portfolio.csv")
    _, events, summary, _ = run(
        portfolio, start=PORTFOLIO_START, days=45, db=None, config_path=tmp_path / "absent.toml", personas=True
    )
    assert summary == DEMO_SUMMARY
    assert _counts(events) == DEMO_COUNTS
    assert _timeline(events) == DEMO_TIMELINE


# the figures of main at a86d8bc, before the simulation was made faster
GENERATED_SUMMARY = {
    "cases": 60,
    "disputes": 0,
    "flags": {"no_response": 56},
    "messages_in": 0,
    "messages_out": 240,
    "opt_outs": 0,
    "paid": 0,
    "plans": 0,
    "promises": 0,
    "skipped": [],
    "skipped_rows": 0,
    "statuses": {"open": 60},
}
GENERATED_COUNTS = {"None/flag/None": 56, "out/reminder/sms": 240}
GENERATED_TIMELINE = "4ed74a5844d8e6a563cbe2888f10d4945ddbe5b070b317f0efe74b03ad5b0743"
DEMO_SUMMARY = {
    "cases": 50,
    "disputes": 4,
    "flags": {"dispute": 4, "hardship": 4, "human_requested": 4, "no_response": 5, "wrong_person": 3},
    "messages_in": 51,
    "messages_out": 144,
    "opt_outs": 10,
    "paid": 10,
    "plans": 10,
    "promises": 5,
    "skipped": [],
    "skipped_rows": 0,
    "statuses": {"disputed": 4, "open": 23, "paid": 10, "plan": 10, "wrong_person": 3},
}
DEMO_COUNTS = {
    "None/flag/None": 20,
    "None/plan/None": 10,
    "None/promise/None": 5,
    "None/status/None": 32,
    "in/reply/sms": 51,
    "out/installment_reminder/sms": 15,
    "out/reminder/email": 5,
    "out/reminder/sms": 73,
    "out/reply/sms": 51,
}
DEMO_TIMELINE = "8d437b4d6ed56ff077ee8969b6da998a56ff7f46572e1184cc53e441fb9652a9"
