"""Jinja2 filters of the console: instants, ages, money, labels; the agent's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
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


TZ_COOKIE = "console_tz"


def agent_zone(request: Request) -> str:
    """The agent's time zone as their browser reported it (a cookie set by console.js), else UTC."""
    name = unquote(request.cookies.get(TZ_COOKIE, "")).strip()
    if not name or len(name) > 64:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def when(instant: datetime | None, zone: str, now: datetime | None = None) -> str:
    """An instant for the agent: `11:05` today, `Mon 23 Nov 11:05` this year, else with the year; zone abbreviation."""
    if instant is None:
        return ""
    tz = ZoneInfo(zone)
    here = ensure_utc(instant).astimezone(tz)
    today = ensure_utc(now).astimezone(tz).date() if now is not None else None
    if today is not None and here.date() == today:
        text = here.strftime("%H:%M")
    elif today is not None and here.year == today.year:
        text = here.strftime("%a %d %b %H:%M")
    else:
        text = here.strftime("%d %b %Y %H:%M")
    return f"{text} {here.tzname()}"


def iso(instant: datetime | None) -> str:
    return "" if instant is None else ensure_utc(instant).isoformat(timespec="seconds")


def overdue(due: date | None, today: date) -> str:
    """`12 d` overdue, `due in 3 d`, or an em dash."""
    if due is None:
        return "—"
    days = (today - due).days
    return f"{days} d" if days >= 0 else f"in {-days} d"


def install(env: Environment) -> None:
    """Register the filters on a Jinja2 environment."""
    env.filters.update(utc=utc, local=local, age=age, money=money, label=label, when=when, iso=iso, overdue=overdue)
