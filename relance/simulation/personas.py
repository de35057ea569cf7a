"""Scripted debtors for `relance demo`: each reacts to what it receives, as a real person would."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "demo_personas.toml"
TRIGGERS = ("out", "promise_due", "installment_due")
PAYMENTS = ("full", "promised", "installment")


@dataclass(frozen=True)
class Reaction:
    """Say or pay `delay_hours` after a trigger."""

    when: str
    delay_hours: float
    nth: int = 1
    say: dict[str, str] | None = None
    pay: str | None = None

    def text(self, locale: str) -> str:
        assert self.say is not None
        return self.say.get(locale) or self.say["en"]


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    reactions: tuple[Reaction, ...]

    def on_out(self, nth: int) -> list[Reaction]:
        """Reactions to the debtor's n-th message from us."""
        return [r for r in self.reactions if r.when == "out" and r.nth == nth]

    def on(self, trigger: str) -> list[Reaction]:
        return [r for r in self.reactions if r.when == trigger]


def _reaction(persona: str, raw: dict[str, Any]) -> Reaction:
    when = raw.get("when")
    if when not in TRIGGERS:
        raise ValueError(f"persona {persona}: when = {when!r} is not one of {', '.join(TRIGGERS)}")
    if ("say" in raw) == ("pay" in raw):
        raise ValueError(f"persona {persona}: a reaction either says or pays")
    if "pay" in raw and raw["pay"] not in PAYMENTS:
        raise ValueError(f"persona {persona}: pay = {raw['pay']!r} is not one of {', '.join(PAYMENTS)}")
    return Reaction(
        when=when,
        delay_hours=float(raw.get("delay", 0)),
        nth=int(raw.get("nth", 1)),
        say=dict(raw["say"]) if "say" in raw else None,
        pay=raw.get("pay"),
    )


def load_personas(path: Path = DEFAULT_PATH) -> tuple[dict[str, Persona], dict[str, str]]:
    """Personas by key, and the debtor_ref -> persona assignment."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    personas = {
        key: Persona(
            key=key, title=spec.get("title", key), reactions=tuple(_reaction(key, r) for r in spec["reactions"])
        )
        for key, spec in raw["personas"].items()
    }
    assign = dict(raw.get("assign", {}))
    unknown = sorted(set(assign.values()) - set(personas))
    if unknown:
        raise ValueError(f"{path}: unknown persona(s) {', '.join(unknown)}")
    return personas, assign
