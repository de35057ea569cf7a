"""Money amounts in normalised debtor replies.

`find_amounts(text, taken)` returns the numbers that are amounts: with a currency before or after
("50 eur", "usd 1,200.50", "70 balles" became "70 eur" in normalisation), or plain numbers that are
not part of a date, a count, a time, a reference, a duration or a percentage ("je paie 350 le 20").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.nlu.numbers import parse_number
from bot.nlu.prefilter import guarded_finditer
from bot.nlu.vocabulary import COUNTED_THINGS

Span = tuple[int, int]

# the currency codes the normaliser writes (`bot.nlu.normalise`)
# and the names it leaves as they are: "25 000 francs", "300 cedis", "ksh 2,000", "R750" (rand), "N45,000" (naira)
CURRENCY = r"(?:eur|usd|gbp|jpy|chf|cad|aud|inr|xof|ngn|ghs|kes|zar|francs?|cedis?|ksh|rands?)"
_LETTER_BEFORE = r"[nr](?=\d{3}|\d{1,3} \d{3})"  # "n45 000", "r750": naira, rand (three digits and more)
_NUMERAL = r"\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?\b|\d+(?:[.,]\d+)*(?:k\b)?"
# a currency between two numbers goes with the second when that one is a whole amount, not cents: "invoice
# 2231 (£412.60)" is normalised "invoice 2231 gbp 412.60"
_NOT_THE_NEXT_ONES = r"(?! ?\d+[.,]\d| ?\d{3})"
_AMOUNT = re.compile(
    rf"(?<![\w.,/-])(?:({CURRENCY}) ?|\b({_LETTER_BEFORE}))?({_NUMERAL})(?![\w/-]|[.,]\d)"
    rf"(?: ?({CURRENCY}|cents?)\b{_NOT_THE_NEXT_ONES})?"
)
_NOT_AMOUNT_AFTER = re.compile(
    r"^ ?(?:%|h\b|heures?|hours?|hrs?|min\w*|am\b|pm\b|ans?\b|years?|yrs?|jours?|days?|semaines?|weeks?"
    r"|mois|months?|fois|times|x\b|enfants?|kids?|children|personnes?|people|km|kg|ans\b|factures?|"
    + COUNTED_THINGS
    + r"|invoices?|bills?|messages?|sms|relances?|reminders?|rue|street|st\b|avenue|ave\b|e\b|eme|er\b"
    r"|nd\b|rd\b|th\b|st\b|/ ?\d|versements?|paiements?|mensualites?|echeances?|payments?|installments?"
    r"|tranches?|parts?|o clock|oclock|in the (?:morning|evening|afternoon)|du (?:matin|soir))"
    r"(?![a-z])"  # a whole word: "80 weekly", "50 monthly" are amounts
)
# a word of one or two letters names a reference only on its own ("n 12", "no 12", "f 2024"): with a word
# after it, "f" would be any word that starts with an f ("faire 20", "3 fois 100", "sans faute 64,50")
_REFERENCE_BEFORE = re.compile(
    r"\b(?:facture|invoice|ref|reference|numero|number|dossier|commande|order|inv|client|contrat"
    r"|account|compte|bill|case|page|code|phone|tel|telephone|ending|ending in|finissant par|se terminant par"
    r"|confirmation|receipt|recu|transaction|run|batch|lot|remittance|remise|unit|flat|apartment|appartement|appt|apt"
    r"|suite|bureau|office|room|chambre|box|boite|bp|cedex)"
    r" ?(?:(?!(?:for|of|de|du|pour|d|at|a|au)\b)[a-z]{1,5} )?$|\b(?:n|no|f) ?$|# ?$|\b(?:at|by|before|avant) $"
    r"|\bref (?:[a-z]+ )?$"  # "réf. VIR-88213" (normalised "ref virement 88213")
)
# "kids are 4 and 7", "ages 3, 5 and 9", "flat 4": numbers of people, ages and addresses
_ADDRESS_BEFORE = re.compile(
    r"\b(?:flat|apt|apartment|appartement|appt|unit|suite|house|building|batiment|bat|etage|floor|ages?|aged|kids are"
    r"|children are|enfants ont|i am|im|i m) (?:\d+ (?:and |et )?)*$"
)
_COUNTED_AFTER = re.compile(r"^ (?:and|et) \d+ ?(?:ans|years? old|yo)\b|^ ?(?:ans|years? old|yo)\b")
_PAY_VERB_BEFORE = re.compile(r"(?:pay\w*|pai\w*|regl\w*|vers\w*|vir\w*|envo\w*|send|sent|transfer\w*|donn\w*) $")
# "72 euros 50", "septante-deux euros cinquante", "twenty pounds fifty" (normalised to "72 eur 50",
# "20 gbp 50"): the currency's units then its cents
_CENTS_AFTER = re.compile(
    r"^ (\d{1,2})\b(?! ?(?:eur|usd|gbp|chf|cad|%|h\b|heures?|jours?|j\b|days?|semaines?|mois|months?|fois|x\b|/|[.,]\d"
    r"|janv\w*|fev\w*|mars|avr\w*|mai|juin|juil\w*|aout|sept\w*|oct\w*|nov\w*|dec\w*|ans?\b|er\b|eme|times"
    r"|payments?|instal\w*|versements?|weeks?|days?|years?|st\b|nd\b|rd\b|th\b))"
)
_TIME = re.compile(r"\b\d{1,2}h\d{0,2}\b|\b\d{1,2} ?(?:am|pm)\b|\b\d{1,2}:\d{2}\b")


# not run on a text without the literals their matches begin with (a digit, mostly)
_AMOUNTS = guarded_finditer(_AMOUNT)
_TIMES = guarded_finditer(_TIME)


@dataclass(frozen=True, slots=True)
class AmountMention:
    """One amount in a text."""

    start: int
    end: int
    value: Decimal
    has_currency: bool


def _overlaps(s: int, e: int, spans: list[Span]) -> bool:
    return any(s < te and ts < e for ts, te in spans)


def _plausible(text: str, m: re.Match[str], value: Decimal) -> bool:
    """Whether a number without currency reads as money in its context."""
    after = text[m.end() :]
    before = text[max(0, m.start() - 16) : m.start()]
    if _NOT_AMOUNT_AFTER.match(after) or _REFERENCE_BEFORE.search(before):
        return False
    looks_like_year = 1900 <= value <= 2100 and m[3].isdigit()  # "2,000" is no year
    # "n° d'opération 77812", "ref PAY-66120": five digits and more without a currency name a transaction
    looks_like_reference = value >= 10_000 and value == value.to_integral_value()
    if (looks_like_year or looks_like_reference) and not _PAY_VERB_BEFORE.search(before):
        return False
    return not _COUNTED_AFTER.match(after) and not _ADDRESS_BEFORE.search(text[max(0, m.start() - 40) : m.start()])


def find_amounts(text: str, taken: list[Span]) -> list[AmountMention]:
    """The amounts of a normalised text outside the `taken` spans (dates, counts), left to right."""
    blocked = taken + [m.span() for m in _TIMES(text)]
    found = []
    for m in _AMOUNTS(text):
        number_span = m.span(3)
        if _overlaps(*number_span, blocked):
            continue
        value = parse_number(m[3])
        if value is None or value <= 0 or value >= 10_000_000:
            continue
        has_currency = bool(m[1] or m[2] or m[4])
        if m[4] and m[4].startswith("cent"):
            value = value / 100
        if not has_currency and not _plausible(text, m, value):
            continue
        end = m.end()
        cents = _CENTS_AFTER.match(text[end:]) if m[4] in ("eur", "chf", "gbp") and value == int(value) else None
        if cents is not None:
            value, end = value + Decimal(cents[1].ljust(2, "0")) / 100, end + cents.end()
        found.append(AmountMention(m.start(), end, value, has_currency))
    return found
