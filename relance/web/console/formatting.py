"""Jinja2 filters of the console: instants, ages, money, labels."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from jinja2 import Environment

from relance.core.clock import ensure_utc


def utc(instant: datetime | None) -> str:
    """`2026-11-23 10:00 UTC`."""
    return "" if instant is None else ensure_utc(instant).strftime("%Y-%m-%d %H:%M UTC")


def local(instant: datetime | None, zone: str) -> str:
    """The instant on the wall clock of `zone`: `Mon 23 Nov 11:00 (Europe/Paris)`."""
    if instant is None:
        return ""
    return ensure_utc(instant).astimezone(ZoneInfo(zone)).strftime(f"%a %d %b %H:%M ({zone})")


def age(since: datetime | None, now: datetime) -> str:
    """A short duration: `3 d 4 h`, `5 h 10 min`, `12 min`."""
    if since is None:
        return ""
    delta = max(ensure_utc(now) - ensure_utc(since), timedelta(0))
    days, rest = divmod(int(delta.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def money(amount: Decimal | None, currency: str = "") -> str:
    """`1,234.50 EUR` (the console is for agents: one neutral format)."""
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency}".strip()


def label(code: str | None) -> str:
    """`court_procedure` → `court procedure`."""
    return "" if not code else code.replace("_", " ")


def install(env: Environment) -> None:
    """Register the filters on a Jinja2 environment."""
    env.filters.update(utc=utc, local=local, age=age, money=money, label=label)
