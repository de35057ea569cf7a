"""The replies file of `relance simulate`: one JSON object per line, delivered at its instant."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from relance.core.clock import ensure_utc
from relance.core.errors import ImportRowsError, RowProblem

CHANNELS = ("sms", "telegram", "email")


@dataclass(frozen=True, order=True)
class ScheduledReply:
    """An inbound message from a debtor at a simulated instant (UTC)."""

    at: datetime
    line: int
    channel: str
    text: str
    debtor_ref: str | None = None
    phone: str | None = None


def parse_reply(line: int, raw: str) -> ScheduledReply | list[RowProblem]:
    """Validate one line: `{"at", "debtor_ref" or "phone", "channel", "text"}`."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return [RowProblem(line, "(json)", f"not JSON: {exc.msg}")]
    if not isinstance(obj, dict):
        return [RowProblem(line, "(json)", "expected an object")]
    problems = []
    at = None
    try:
        at = ensure_utc(datetime.fromisoformat(str(obj.get("at", ""))))
    except ValueError:
        problems.append(RowProblem(line, "at", f"{obj.get('at')!r} is not an ISO-8601 instant with an offset"))
    ref, phone = obj.get("debtor_ref"), obj.get("phone")
    if not ref and not phone:
        problems.append(RowProblem(line, "debtor_ref", "give debtor_ref or phone"))
    channel = obj.get("channel", "sms")
    if channel not in CHANNELS:
        problems.append(RowProblem(line, "channel", f"{channel!r} is not one of {', '.join(CHANNELS)}"))
    text = obj.get("text")
    if not isinstance(text, str):
        problems.append(RowProblem(line, "text", "missing or not a string"))
    if problems or at is None or not isinstance(text, str):
        return problems
    return ScheduledReply(
        at=at,
        line=line,
        channel=channel,
        text=text,
        debtor_ref=str(ref) if ref else None,
        phone=str(phone) if phone else None,
    )


def load_replies(path: Path) -> list[ScheduledReply]:
    """Every reply of the file, in time order (file order among equal instants)."""
    replies, problems = [], []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            parsed = parse_reply(number, raw)
            if isinstance(parsed, list):
                problems.extend(parsed)
            else:
                replies.append(parsed)
    if problems:
        raise ImportRowsError(problems)
    return sorted(replies)
