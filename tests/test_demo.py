"""`relance demo`: the sample portfolio and its personas end as the personas would make them end."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from relance.cli import app
from relance.core.db import make_engine
from relance.core.models import Case, Debtor, Flag
from relance.simulation.personas import load_personas


def test_demo_runs_and_flags_the_personas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(app, ["demo", "--db", url, "--end", "2026-12-24"])
    assert result.exit_code == 0, result.output
    assert "flagged queue" in result.output and "relance serve" in result.output
    # the closing lines are true: this run's database, and the console's real address
    assert f"RELANCE_DATABASE_URL={url}" in result.output
    assert "http://127.0.0.1:8000/console" in result.output
    assert "from 2026-11-09 to 2026-12-24" in result.output
    _, assign = load_personas()
    engine = make_engine(url)
    with engine.connect() as conn:
        flags = {
            (ref, reason)
            for ref, reason in conn.execute(
                sa.select(Debtor.ref, Flag.reason)
                .join(Case, Case.id == Flag.case_id)
                .join(Debtor, Debtor.id == Case.debtor_id)
            )
        }
        status = dict(conn.execute(sa.select(Debtor.ref, Case.status).join(Case, Case.debtor_id == Debtor.id)).all())
    engine.dispose()
    by_persona: dict[str, set[str]] = {}
    for ref, key in assign.items():
        by_persona.setdefault(key, set()).add(ref)
    for ref in by_persona["disputes"]:
        assert (ref, "dispute") in flags
    for ref in by_persona["asks_for_a_person"]:
        assert (ref, "human_requested") in flags
    for ref in by_persona["wrong_number"]:
        assert (ref, "wrong_person") in flags
    for ref in by_persona["pays_after_first_reminder"] | by_persona["promises_and_pays"]:
        assert status[ref] == "paid", (ref, status[ref])
    for ref in by_persona["hardship"]:
        assert (ref, "hardship") in flags
    assert any((ref, "no_response") in flags for ref in by_persona["silent"])
    # a debtor who talked to us and waits for a person is not escalated as silent
    for ref in by_persona["asks_for_a_person"] | by_persona["hardship"] | by_persona["disputes"]:
        assert (ref, "no_response") not in flags, ref
    assert json.dumps(sorted(flags))  # the queue is not empty


def test_demo_portfolio_moves_with_the_end_date(tmp_path: Path) -> None:
    """The demo's 45 days end on the day asked (today by default): due dates move with them."""
    import csv
    from datetime import date, timedelta

    from relance.cli.simulate import DATA, shifted_portfolio

    source = DATA / "sample_portfolio.csv"
    moved = shifted_portfolio(source, 30, tmp_path / "p.csv")
    before = list(csv.DictReader(source.open(encoding="utf-8")))
    after = list(csv.DictReader(moved.open(encoding="utf-8")))
    assert len(after) == len(before) > 0
    for old, new in zip(before, after, strict=True):
        assert date.fromisoformat(new["due_date"]) - date.fromisoformat(old["due_date"]) == timedelta(days=30)
        assert {k: v for k, v in old.items() if k != "due_date"} == {k: v for k, v in new.items() if k != "due_date"}
