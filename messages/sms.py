"""SMS encoding: GSM-7 vs UCS-2, segment counting, and plain GSM-7 equivalents.

An SMS is sent in GSM-7 when every character is in the GSM 03.38 basic table or its extension
table (an extension character costs two septets: the escape and the character); otherwise the whole
message goes in UCS-2, where a character outside the Basic Multilingual Plane (most emoji) takes two
16-bit units (a surrogate pair). One segment holds 160 septets or 70 units; a concatenated message
loses room to its header, 153 septets or 67 units per segment. Like carriers and Twilio's
segment calculator, an escape sequence or a surrogate pair is never split between two segments.

Babel formats French amounts with U+202F and U+00A0, and French text is full of characters outside
GSM-7 (ê, î, ç, ’, «…»): `gsm_friendly` replaces each by its plain GSM-7 equivalent so that a French
SMS stays in GSM-7 (160 characters per segment instead of 70). Characters without a plain
equivalent (Cyrillic, emoji…) are kept, and the message honestly goes in UCS-2.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

_NOT_GSM7 = re.compile("[^" + re.escape("".join(sorted(GSM7))) + "]")
_EXTENSION = re.compile("[" + re.escape("".join(sorted(GSM7_EXTENSION))) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

SINGLE_GSM7, MULTI_GSM7 = 160, 153
SINGLE_UCS2, MULTI_UCS2 = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]

# Plain equivalents chosen by hand; everything else Latin falls back to its base letter (NFKD).
_PLAIN = {
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2004": " ",
    "\u2005": " ",
    "\u2006": " ",
    "\u2008": " ",
    "\u3000": " ",
    "\u200b": "",
    "\u2060": "",
    "\ufeff": "",
    "\u00ad": "",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‹": '"',
    "›": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    "•": "-",
    "·": ".",
    "\t": " ",
    "œ": "oe",
    "Œ": "OE",
    "ç": "c",
    "ı": "i",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "Ð": "D",
    "ð": "d",
    "Þ": "Th",
    "þ": "th",
    "Ħ": "H",
    "ħ": "h",
    "Ŧ": "T",
    "ŧ": "t",
    "Ŋ": "N",
    "ŋ": "n",
    "ĸ": "k",
    "ŀ": "l",
    "Ŀ": "L",
    "ŉ": "'n",
    "µ": "u",
    "×": "x",
    "÷": "/",
    "™": "TM",
    "©": "(c)",
    "®": "(R)",
    "°": "o",
}


@lru_cache(maxsize=4096)
def _plain_char(ch: str) -> str:
    """The GSM-7 equivalent of one character, or the character itself when there is none."""
    if ch in GSM7:
        return ch
    if ch in _PLAIN:
        return _PLAIN[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(c in GSM7 for c in base):
        return base
    return ch


def _plain_match(match: re.Match[str]) -> str:
    return _plain_char(match.group())


def gsm_friendly(text: str) -> str:
    """Replace characters outside GSM-7 by plain GSM-7 equivalents where one exists."""
    if _NOT_GSM7.search(text) is None:
        return text
    return _NOT_GSM7.sub(_plain_match, text)


def is_gsm7(text: str) -> bool:
    """True when the whole text can be sent in GSM-7."""
    return _NOT_GSM7.search(text) is None


@dataclass(frozen=True, slots=True)
class SmsLength:
    """How a text travels as SMS: encoding, length in septets/units and segments."""

    encoding: Encoding
    units: int  # septets for GSM-7, 16-bit units for UCS-2
    segments: int

    @property
    def per_segment(self) -> int:
        single, multi = (SINGLE_GSM7, MULTI_GSM7) if self.encoding == "GSM-7" else (SINGLE_UCS2, MULTI_UCS2)
        return single if self.segments <= 1 else multi


def _pack(text: str, wide: re.Pattern[str], capacity: int) -> int:
    """Segments of `capacity` units needed, never splitting a 2-unit character (`wide`)."""
    segments, free = 1, capacity
    for ch in text:
        cost = 2 if wide.match(ch) else 1
        if cost > free:
            segments, free = segments + 1, capacity
        free -= cost
    return segments


def sms_length(text: str) -> SmsLength:
    """Encoding, units and number of segments of `text` sent as is."""
    if is_gsm7(text):
        encoding: Encoding = "GSM-7"
        wide, single, multi = _EXTENSION, SINGLE_GSM7, MULTI_GSM7
    else:
        encoding, wide, single, multi = "UCS-2", _ASTRAL, SINGLE_UCS2, MULTI_UCS2
    doubles = len(wide.findall(text))
    units = len(text) + doubles
    if units == 0:
        return SmsLength(encoding, 0, 0)
    if units <= single:
        return SmsLength(encoding, units, 1)
    segments = _pack(text, wide, multi) if doubles else -(-units // multi)
    return SmsLength(encoding, units, segments)


def count_segments(text: str) -> int:
    """Number of SMS segments `text` takes."""
    return sms_length(text).segments
