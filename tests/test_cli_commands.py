"""The root command line: every command listed, each loaded only when it runs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.cli import COMMANDS, app, load_command
from tests.test_import import row, write_csv


@pytest.mark.parametrize("name", list(COMMANDS))
def test_cli_summaries_are_the_commands_own(name: str) -> None:
    assert load_command(name).get_short_help_str(limit=10**6) == COMMANDS[name][2]


def test_the_help_lists_every_command_and_a_typo_is_refused() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    listed = [line.split()[1] for line in result.output.splitlines() if line.startswith("│ ") and len(line.split()) > 2]
    assert [name for name in listed if name in COMMANDS] == list(COMMANDS)
    typo = CliRunner().invoke(app, ["imprt", "debts"])
    assert typo.exit_code == 2 and "No such command" in typo.output


def test_a_group_with_one_command_stays_a_group() -> None:
    result = CliRunner().invoke(app, ["payments", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "unmatched" in result.output


def test_the_command_line_closes_its_database_before_it_exits(tmp_path: Path) -> None:
    """Start-up objects are frozen out of the collector: the exit still closes the connections, so
    SQLite folds its write-ahead log into the database file (a copy of the file alone is complete)."""
    db = tmp_path / "cli.db"
    path = write_csv(tmp_path / "two.csv", [row(reference="W-1"), row(reference="W-2")])
    env = os.environ | {"RELANCE_DATABASE_URL": f"sqlite:///{db}", "RELANCE_CONFIG": str(tmp_path / "none.toml")}
    command = [sys.executable, "-m", "relance.cli", "import", "debts", str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "2 row(s) imported" in done.stdout
    assert not (tmp_path / "cli.db-wal").exists()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM debt").fetchone() == (2,)
    bad = write_csv(tmp_path / "bad.csv", [row(amount="x")])
    refused = subprocess.run([*command[:-1], str(bad)], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "line 2, field amount" in refused.stderr
    assert not (tmp_path / "cli.db-wal").exists()
