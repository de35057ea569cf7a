"""What the dialogue machine decides: replies to render and actions to apply (plain values).

The machine (`bot.dialogue.machine`) returns a `Decision`; the service (`bot.dialogue.service`)
renders its `ReplySpec`s through `messages` and applies its actions to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.dialogue.plans import Schedule


@dataclass(frozen=True, slots=True)
class ReplySpec:
    """A message to send: a template of the `messages` catalogue and its extra context.

    `only_if="opted_out"` sends it only when the opt-out action changed something (one
    confirmation, never two).
    """

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    only_if: str | None = None


@dataclass(frozen=True, slots=True)
class RecordPromise:
    """A promise to pay `amount` by `due_on` (pending promises before it are cancelled)."""

    amount: Decimal
    due_on: date


@dataclass(frozen=True, slots=True)
class ActivatePlan:
    """The debtor accepted this schedule: it becomes the case's active plan."""

    schedule: Schedule


@dataclass(frozen=True, slots=True)
class OpenDispute:
    """The debtor contests the debt: reminders stop until a human reviews it."""

    reason_code: str
    text: str


@dataclass(frozen=True, slots=True)
class AddDisputeReason:
    """The debtor's own words on why they contest (kept as written)."""

    text: str


@dataclass(frozen=True, slots=True)
class RaiseFlag:
    """The case needs a human for `reason` (the flag's default action and priority apply)."""

    reason: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PauseReminders:
    """No reminder for `days` days from now."""

    days: int


@dataclass(frozen=True, slots=True)
class OptOutChannel:
    """Stop messages on the channel the debtor wrote from."""


@dataclass(frozen=True, slots=True)
class MarkWrongPerson:
    """The number does not belong to the debtor: stop every contact through it."""


@dataclass(frozen=True, slots=True)
class Note:
    """An event for the case's trail (plan offered, payment details given…)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


Action = (
    RecordPromise
    | ActivatePlan
    | OpenDispute
    | AddDisputeReason
    | RaiseFlag
    | PauseReminders
    | OptOutChannel
    | MarkWrongPerson
    | Note
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The dialogue's answer to one message: the next state and data, replies, actions."""

    state: str
    data: dict[str, Any]
    replies: tuple[ReplySpec, ...] = ()
    actions: tuple[Action, ...] = ()
