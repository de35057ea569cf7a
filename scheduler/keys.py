"""Idempotency keys of the messages the scheduler writes: one logical message, one key, one row.

The outbox's unique index on `Message.idempotency_key` is what makes a message impossible to
queue twice, whoever tries (two sweeps, a sweep racing a retry, a restarted process).
"""

from __future__ import annotations

from collections.abc import Callable

_SHORT = {"installment_reminder": "before", "installment_missed": "missed"}
_LONG = {v: k for k, v in _SHORT.items()}


def reminder_key(case_id: int, step: int) -> str:
    """Scenario step `step` of a case."""
    return f"reminder:{case_id}:{step}"


def reminder_keys(step: int) -> Callable[[int], str]:
    """`reminder_key(case_id, step)` as a function of the case id alone (a sweep makes a million of them)."""
    return f"reminder:{{}}:{step}".format


def installment_key(installment_id: int, kind: str) -> str:
    """The notice before an installment (`installment_reminder`) or after it was missed."""
    return f"installment:{installment_id}:{_SHORT[kind]}"


def promise_key(promise_id: int) -> str:
    """The one follow-up of a promise not kept."""
    return f"promise:{promise_id}:followup"


def plan_broken_key(plan_id: int) -> str:
    """The message telling the debtor their plan is cancelled."""
    return f"plan:{plan_id}:broken"


def parse_key(key: str) -> tuple[str, int, str]:
    """(family, id, detail) of a scheduler key, e.g. ("installment", 12, "installment_missed")."""
    family, ident, detail = key.split(":", 2)
    return family, int(ident), _LONG.get(detail, detail)
