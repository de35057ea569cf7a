"""Numbers in debtor replies: number words to digits, and numerals to `Decimal`.

`words_to_digits` rewrites French and English number words in a normalised text ("deux cent
cinquante" -> "250", "fifty five" -> "55", "the second" -> "the 2nd"); the articles "un", "une",
"one", "a" only count as 1 before a unit ("une semaine", "a hundred"). `parse_number` reads a
numeral written with "," or "." decimals and thousands separators (spaces included).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

UNITS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "quatrevingt": 80,
    "quatrevingts": 80,
    "septante": 70,
    "octante": 80,
    "huitante": 80,
    "nonante": 90,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
    "an": 1,
}
MULTIPLIERS = {"cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "thousand": 1000}
# "un", "une", "one", "a" are articles far more often than numbers
WEAK = {"un", "une", "one", "a", "an"}
UNIT_WORDS = {
    "jour",
    "jours",
    "semaine",
    "semaines",
    "mois",
    "an",
    "ans",
    "annee",
    "annees",
    "fois",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "time",
    "times",
    "eur",
    "usd",
    "gbp",
    "euro",
    "euros",
    "dollar",
    "dollars",
    "x",
}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "premier": 1,
    "premiere": 1,
}
_SUFFIX = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
_MONTH_ABBREV_AFTER_DIGIT = {"sept"}  # "le 15 sept" is September, not 7


def _is_number_word(tokens: list[str], i: int) -> bool:
    word = tokens[i]
    if word not in UNITS and word not in MULTIPLIERS:
        return False
    if word == "cents" and (i == 0 or tokens[i - 1] not in UNITS):
        return False  # "50 cents" is money, "deux cents" is 200
    if word in ("cent", "cents") and i > 0 and tokens[i - 1] in ("a", "an", "one", "single", "un"):
        return False  # "not paying a cent": a coin, not a hundred
    if word in _MONTH_ABBREV_AFTER_DIGIT and i > 0 and tokens[i - 1].isdigit():
        return False
    if word in WEAK:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word in ("a", "an"):
            return nxt in ("hundred", "thousand")
        return nxt in UNIT_WORDS or nxt in MULTIPLIERS
    return True


def _can_follow(current: int, value: int) -> bool:
    """Whether `value` continues the number read so far ("vingt" + "cinq", "dix" + "sept")."""
    rest = current % 100
    if rest == 0:
        return value < 100
    if rest in (60, 80):  # soixante-dix, quatre-vingt-dix
        return value < 20
    if rest == 10:  # dix-sept, dix-huit, dix-neuf
        return 7 <= value <= 9
    return rest >= 20 and rest % 10 == 0 and value < 10


def _read_number(tokens: list[str], i: int) -> tuple[int, int]:
    """The value of the number words starting at `i`, and the index after them."""
    total, current, j = 0, 0, i
    while j < len(tokens):
        word = tokens[j]
        if word in ("et", "and") and j > i and j + 1 < len(tokens):
            nxt = tokens[j + 1]
            if nxt in ("un", "une", "one", "onze") or _is_number_word(tokens, j + 1):
                j += 1
                word = tokens[j]
                if word in WEAK:
                    current += 1
                    j += 1
                    continue
            else:
                break
        if not _is_number_word(tokens, j):
            break
        if word in MULTIPLIERS:
            if MULTIPLIERS[word] == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * MULTIPLIERS[word]
                current = 0
        else:
            value = UNITS[word]
            if j > i and (total or current) and not _can_follow(current, value):
                break
            current += value
        j += 1
    return total + current, j


def _ordinal(tokens: list[str], i: int) -> tuple[str, int] | None:
    """A date ordinal ("the first", "le premier", "twenty first") as "1st", and the next index."""
    word = tokens[i]
    prev = tokens[i - 1] if i > 0 else ""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in ("twenty", "thirty") and nxt in ORDINALS and ORDINALS[nxt] < 10:
        value, end = UNITS[word] + ORDINALS[nxt], i + 2
    elif word in ORDINALS:
        value, end = ORDINALS[word], i + 1
    else:
        return None
    if word in ("premier", "premiere"):
        return ("1er", end) if prev in ("le", "du", "au") else None
    after = tokens[end] if end < len(tokens) else ""
    if prev not in ("the", "on", "by") and after != "of":
        return None
    return f"{value}{_SUFFIX.get(value, 'th')}", end


# "2 cent euros", "5 hundred", "3 mille": digits then a multiplier word. French "cent" needs 2 to 9
# before it ("1 cent", "50 cent" are coins); "cents" stays money ("50 cents")
_DIGIT_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "mille": 1000, "cent": 100}


def _scaled_digits(tokens: list[str], i: int) -> tuple[str, int] | None:
    word = tokens[i]
    if not (word.isdecimal() and len(word) <= 3) or i + 1 >= len(tokens) or tokens[i + 1] not in _DIGIT_MULTIPLIERS:
        return None
    if tokens[i + 1] == "cent" and word not in ("2", "3", "4", "5", "6", "7", "8", "9"):
        return None
    scale = _DIGIT_MULTIPLIERS[tokens[i + 1]]
    value, j = int(word) * scale, i + 2
    if j < len(tokens) and _is_number_word(tokens, j):  # "2 cent cinquante"
        rest, end = _read_number(tokens, j)
        if rest < scale:
            value, j = value + rest, end
    return str(value), j


# every word `words_to_digits` may rewrite (`_ordinal` and `_is_number_word` look at no other)
_NUMBER_WORDS = frozenset([*UNITS, *MULTIPLIERS, *ORDINALS])


def words_to_digits(text: str) -> str:
    """Rewrite number words as digits in a normalised (lower-case ASCII) text."""
    tokens = text.replace("quatre vingt", "quatrevingt").split()
    if _NUMBER_WORDS.isdisjoint(tokens):
        return " ".join(tokens)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        ordinal = _ordinal(tokens, i)
        scaled = _scaled_digits(tokens, i)
        if scaled:
            out.append(scaled[0])
            i = scaled[1]
        elif ordinal:
            out.append(ordinal[0])
            i = ordinal[1]
        elif _is_number_word(tokens, i):
            value, i = _read_number(tokens, i)
            out.append(str(value))
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


_K = re.compile(r"^(\d+(?:[.,]\d+)?)k$")


def parse_number(text: str) -> Decimal | None:
    """The value of a numeral: "1 250,50", "1.234,56", "1,234.56", "45,50", "1,500", "1.5k"."""
    text = text.strip().replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    scale = Decimal(1)
    k = _K.match(text)
    if k:
        text, scale = k.group(1), Decimal(1000)
    if not text or not text[0].isdigit():
        return None
    last_sep = max(text.rfind(","), text.rfind("."))
    if last_sep == -1:
        digits = text
    else:
        head, tail = text[:last_sep], text[last_sep + 1 :]
        seps_in_head = {c for c in head if c in ",."}
        if len(tail) == 3 and not seps_in_head:
            digits = head + tail  # "1,500" / "1.500": thousands
        elif len(tail) == 3 and text[last_sep] in seps_in_head:
            digits = head.replace(",", "").replace(".", "") + tail  # "1.234.567"
        else:
            digits = head.replace(",", "").replace(".", "") + "." + tail
    try:
        return Decimal(digits) * scale
    except InvalidOperation:
        return None
