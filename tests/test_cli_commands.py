"""The root command line: every command listed, each loaded only when it runs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from relance.cli import COMMANDS, app, load_command


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
