"""Relance's exceptions.

The tree::

    RelanceError
    ├── ConfigError            invalid relance.toml or environment (names the key path)
    ├── ImportRowsError        one or more CSV rows are invalid (lists line and field of each)
    ├── NotFoundError          a case, debt or debtor reference matches nothing
    ├── StorageError           the database cannot be reached or is at an unexpected revision
    ├── RenderError            a template could not be rendered (missing variable, bad override)
    ├── ChannelError           sending through a channel failed
    │   ├── TransientChannelError   worth retrying later (timeouts, 5xx, rate limits)
    │   └── PermanentChannelError   retrying will not help (invalid number, blocked, opted out)
    └── PolicyError            an action would break a compliance rule (window, opt-out, caps)
"""

from __future__ import annotations


class RelanceError(Exception):
    """Base class of every error Relance raises on purpose."""


class ConfigError(RelanceError):
    """The configuration file or environment is invalid."""


class NotFoundError(RelanceError):
    """A reference matches nothing in the database."""


class StorageError(RelanceError):
    """The database is unreachable or its schema is not what this version expects."""


class RenderError(RelanceError):
    """A message template could not be rendered."""


class PolicyError(RelanceError):
    """An action would break a compliance rule."""


class ChannelError(RelanceError):
    """Sending a message through a channel failed."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientChannelError(ChannelError):
    """A failure worth retrying with back-off."""


class PermanentChannelError(ChannelError):
    """A failure that retrying will not fix."""


class ImportRowsError(RelanceError):
    """Rows of an imported CSV file are invalid; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        self.rows = invalid_rows(problems)
        lines = "\n".join(str(p) for p in problems[:50])
        more = f"\n… and {len(problems) - 50} more problem(s)" if len(problems) > 50 else ""
        super().__init__(f"{self.rows} invalid row(s):\n{lines}{more}")


def invalid_rows(problems: list[RowProblem]) -> int:
    """How many rows `problems` are about (a row can have several problems)."""
    return len({p.line for p in problems})


class RowProblem:
    """One problem in one CSV row: `line N, field F: reason`."""

    __slots__ = ("field", "line", "reason")

    def __init__(self, line: int, field: str, reason: str) -> None:
        self.line = line
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.reason}"

    def __repr__(self) -> str:
        return f"RowProblem({self.line!r}, {self.field!r}, {self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowProblem) and (self.line, self.field, self.reason) == (
            other.line,
            other.field,
            other.reason,
        )

    def __hash__(self) -> int:
        return hash((self.line, self.field, self.reason))
