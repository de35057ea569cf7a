"""`relance nlu`: understand one text, or JSON lines from stdin (the evaluation contract).

Each input line is ``{"text": str, "locale": "fr"|"en", "today": "YYYY-MM-DD"}`` (locale and today
default to the options); each output line is `Understanding.to_json()`, in input order. A line
that cannot be read gives ``{"error": "..."}`` in its place instead of stopping the run.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from bot.nlu.understanding import understand

LOCALES = ("fr", "en")


class InputError(ValueError):
    """One input line cannot be understood (not JSON, missing text, bad date or locale)."""


def parse_today(value: str | None) -> dt.date:
    """An ISO date, or the local date when not given."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"today must be a date like 2026-11-23, not {value!r}") from exc


def parse_locale(value: Any) -> str:
    """ "fr" or "en" (regional forms such as "fr-BE" or "en_GB" are accepted)."""
    if not isinstance(value, str) or value[:2].lower() not in LOCALES:
        raise InputError(f"locale must be one of {', '.join(LOCALES)}, not {value!r}")
    return value[:2].lower()


def understand_line(line: str, *, locale: str, today: dt.date, explained: bool = False) -> dict[str, Any]:
    """The output object for one input line (an ``error`` object when the line is invalid)."""
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise InputError("each line must be a JSON object")
        text = record.get("text")
        if not isinstance(text, str):
            raise InputError('"text" must be a string')
        line_locale = parse_locale(record.get("locale") or locale)
        line_today = parse_today(record["today"]) if record.get("today") is not None else today
        if explained:
            return explain(text, line_locale, line_today)
        return understand(text, line_locale, line_today).to_json()
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg} (column {exc.colno})"}
    except InputError as exc:
        return {"error": str(exc)}


def understand_lines(
    lines: Iterable[str], *, locale: str, today: dt.date, explained: bool = False
) -> Iterator[dict[str, Any]]:
    """One output object per non-blank input line, in order."""
    for line in lines:
        if line.strip():
            yield understand_line(line, locale=locale, today=today, explained=explained)


def _utf8(stream: Any) -> None:
    """Read and write UTF-8 whatever the terminal's locale (undecodable bytes become U+FFFD)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", errors="replace")


def _write(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def explain(text: str, locale: str, today: dt.date) -> dict[str, Any]:
    """`Understanding.to_json()` plus what decided: the rules' readings and the model's features."""
    from bot.nlu.learned import model
    from bot.nlu.reply_text import extract_reply
    from bot.nlu.understanding import read, read_form

    understanding, reading = read(text, locale, today)
    reply = extract_reply(text)
    norm = read_form(reply, locale)  # what the rules and the model read
    out = understanding.to_json()
    out["explain"] = {
        "decided_by": reading.source,
        "reply_part": reply,
        "normalised": norm,
        "rules": {
            "intent": reading.rule_intent,
            "confidence": round(reading.rule_confidence, 3),
            "found": reading.found,
        },
        "sensitive_words": reading.matched,
    }
    if reading.opinion is not None:
        top = reading.opinion.ranked[:3]
        out["explain"]["model"] = {
            "top": [[label, round(p, 3)] for label, p in top],
            "features": {label: [[f, round(w, 3)] for f, w in model().explain(norm, label)] for label, _ in top[:2]},
        }
    return out
