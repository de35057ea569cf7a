"""Carrier keywords: opt-out, resume and help, recognised only when they are the whole message.

Carriers and Twilio treat a message that *is* a keyword ("STOP", "Arrêt !") as an instruction; a
sentence that merely contains one ("stop sending me bills") is ordinary dialogue. Matching is
case- and accent-insensitive and tolerates surrounding whitespace and punctuation. On Telegram the
bot commands `/stop` and `/help` (optionally addressed, `/stop@RelanceBot`) mean the same.
Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    """What a keyword message asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


OPT_OUT_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "revoke",
        "optout",
        "opt out",
        "arret",
        "stop sms",
    }
)
OPT_IN_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info", "aide"})
TELEGRAM_COMMANDS = {"stop": Keyword.OPT_OUT, "help": Keyword.HELP}

_KEYWORDS: dict[str, Keyword] = {
    **{w: Keyword.OPT_OUT for w in OPT_OUT_WORDS},
    **{w: Keyword.OPT_IN for w in OPT_IN_WORDS},
    **{w: Keyword.HELP for w in HELP_WORDS},
}
_LONGEST = max(len(w) for w in _KEYWORDS)
_SEPARATORS = re.compile(r"[\s\-_]+")
_COMMAND = re.compile(r"/([a-z]+)(?:@[a-z0-9_]{1,64})?")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation and symbols at either end stripped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    start, end = 0, len(plain)
    while start < end and _is_edge_noise(plain[start]):
        start += 1
    while end > start and _is_edge_noise(plain[end - 1]):
        end -= 1
    return _SEPARATORS.sub(" ", plain[start:end])


def _is_edge_noise(ch: str) -> bool:
    """Whitespace, punctuation, symbols and invisible characters around a keyword are ignored."""
    return ch.isspace() or unicodedata.category(ch)[0] in "PSCZ"


def classify_keyword(text: str, *, channel: str = "sms") -> Keyword | None:
    """The keyword the whole message is, or None (an ordinary message for the dialogue)."""
    stripped = text.strip()
    if len(stripped) > 4 * _LONGEST + 16:  # a keyword wrapped in a little punctuation, never a paragraph
        return None
    if channel == "telegram":
        command = _COMMAND.fullmatch(stripped.casefold())
        if command:
            return TELEGRAM_COMMANDS.get(command.group(1))
    return _KEYWORDS.get(fold(stripped))
