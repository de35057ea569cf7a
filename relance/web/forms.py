"""Strict parsing of provider webhook bodies (pure): URL-encoded forms and JSON objects."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

MAX_FIELDS = 100


class BadBody(ValueError):
    """The body is not what the provider sends: answer 400."""


def parse_form(body: bytes, content_type: str | None) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body as a dict; repeated or excess fields are refused."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadBody(f"expected a URL-encoded form, got {kind or 'no content type'}")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody(f"unreadable form: {type(exc).__name__}") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise BadBody(f"field {key[:40]!r} is repeated")
        form[key] = value
    return form


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object body; anything else (arrays, scalars, invalid UTF-8 or JSON) is refused."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadBody(f"unreadable JSON: {type(exc).__name__}") from None
    if not isinstance(payload, dict):
        raise BadBody("expected a JSON object")
    return payload
