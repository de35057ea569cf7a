"""E-mail parts from the template family: the subject per message, the text with its footer, the HTML.

The body of an e-mail is the long-form (chat) text of the same message, so an e-mail says exactly
what an SMS or a Telegram message says, with its reference, amount, how to pay and how to contest.
The e-mail family (`<language>/email/`) adds a subject per step, a footer with the one-click
unsubscribe link, and the HTML part, built from the same text (escaped, paragraphs, links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from messages.render import Renderer

_URL = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True, slots=True)
class EmailParts:
    """What an e-mail says: its subject, its plain-text part and its HTML part."""

    subject: str
    text: str
    html: str


def email_subject(renderer: Renderer, name: str, *, locale: str, **context: Any) -> str:
    """The subject of message `name` (a reminder step, a follow-up, a reply…), on one line."""
    subject = renderer.render_part("subject.txt.j2", locale=locale, name=name, **context)
    return " ".join(subject.split())


def reply_subject(subject: str | None, fallback: str) -> str:
    """`Re: <subject>` of the message answered (once), else `fallback`."""
    if not subject:
        return fallback
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def paragraphs(text: str) -> list[Markup]:
    """The text as HTML paragraphs: escaped, lines kept, addresses of web pages made links."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        html = "<br>\n".join(_linked(line) for line in block.split("\n"))
        out.append(Markup(html))
    return out


def _linked(line: str) -> str:
    parts, last = [], 0
    for match in _URL.finditer(line):
        parts.append(str(escape(line[last : match.start()])))
        url = escape(match.group())
        parts.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    parts.append(str(escape(line[last:])))
    return "".join(parts)


def email_parts(
    renderer: Renderer,
    *,
    text: str,
    subject: str,
    locale: str,
    sender_name: str,
    unsubscribe_url: str | None,
) -> EmailParts:
    """The text and HTML parts of an e-mail whose message is `text` (rendered from the long-form family)."""
    footer = renderer.render_part("footer.txt.j2", locale=locale, unsubscribe_url=unsubscribe_url)
    html = renderer.render_part(
        "body.html.j2",
        locale=locale,
        subject=subject,
        paragraphs=paragraphs(text),
        sender_name=sender_name,
        unsubscribe_url=unsubscribe_url,
    )
    return EmailParts(subject=subject, text=f"{text}\n\n-- \n{footer}\n", html=html)
