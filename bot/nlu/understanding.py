"""`understand`: intent and entities of one debtor reply.

Entities are reported only for the intents they belong to (`promise_to_pay`, `payment_plan`,
`already_paid`): the amount is the promised or paid amount, or one installment of a plan (a total
given with a count is divided: "300 en 3 fois" -> 100); the date is the promised date, the paid
date (resolved in the past) or the plan's first payment.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from bot.nlu.amounts import CURRENCY, AmountMention, find_amounts
from bot.nlu.combine import ENTITY_INTENTS, ORDER, PROTECTIVE, Reading, combine
from bot.nlu.courtesy import without_courtesy
from bot.nlu.dates import DateMention, find_dates
from bot.nlu.installments import PlanTerms, find_terms
from bot.nlu.intent_patterns import INCOME, PAID_PART_THEN_REST
from bot.nlu.intents import SENTENCE, Evidence, classify_with_readings
from bot.nlu.learned import model
from bot.nlu.normalise import normalise
from bot.nlu.prefilter import guarded_search
from bot.nlu.reply_text import extract_reply
from bot.nlu.vocabulary import words

MAX_CHARS = 2000  # longer texts are cut: an SMS is at most 1,600 characters
CENT = Decimal("0.01")
PROTECTIVE_ORDER = tuple(name for name in ORDER if name in PROTECTIVE)

_CLAUSE_BREAK = re.compile(
    r"\b(?:mais|but|however|sinon|par contre|cependant|though)\b|\?"
    # a new first-person clause about what comes, the comma often left out: "jai pa pu payer le 5 jferai le
    # virement samedi", "couldn't make the 5th I'll pay Saturday" (a negation after it still counts)
    r"|(?<=\w )(?=(?:je|j|i|we|on|nous) (?:will|ll|shall|vais|vai|ferai|paierai|payerai|reglerai|verserai|virerai"
    r"|enverrai|pourrai|peux|can)\b)"
)
_CLAUSE_NEGATION = re.compile(r"\b(?:pas|pa|not|cannot|jamais|never|unable|impossible)\b")  # "pa": SMS "pas"
_SINCE_BEFORE = re.compile(r"\b(?:depuis|since|for|pendant|during) $")
_LIMIT_BEFORE = re.compile(r"(?:avant|before|until|till|jusqu a|jusqu au|au plus tard) $")


@dataclass(frozen=True, slots=True)
class Understanding:
    """What a debtor's message says: one intent label, a confidence, and entities."""

    intent: str
    confidence: float
    amount: Decimal | None = None
    installments: int | None = None
    frequency: str | None = None
    date: dt.date | None = None
    detail: str | None = None  # "threat" (abuse) or "bereavement" (wrong_person)
    # other protective intents the rules read in the same message ("STOP, wrong number": opt_out, also
    # wrong_person): the dialogue acts on them too; not part of the JSON-lines contract
    also: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON-lines contract of `relance nlu`."""
        return {
            "intent": self.intent,
            "detail": self.detail,
            "confidence": round(self.confidence, 3),
            "amount": float(self.amount) if self.amount is not None else None,
            "installments": self.installments,
            "frequency": self.frequency,
            "date": self.date.isoformat() if self.date else None,
        }


def _future_only(mention: DateMention) -> bool:
    """Mentions that cannot describe a past payment ("demain", "dans 3 jours", "vendredi prochain")."""
    if mention.kind == "offset":
        return mention.a > 0 and mention.tense == 0
    return mention.tense > 0 or mention.kind in ("months", "som", "next_monday")


def _ahead(text: str, mention: DateMention) -> bool:
    """A date that can be a payment still to come (not "hier", not "depuis lundi")."""
    if mention.tense < 0 or (mention.kind == "offset" and mention.a <= 0):
        return False
    return not _SINCE_BEFORE.search(text[max(0, mention.start - 8) : mention.start])


def _evidence(text: str, dates: list[DateMention], amounts: list[AmountMention], terms: PlanTerms) -> Evidence:
    residue = text
    for start, end in sorted([(d.start, d.end) for d in dates] + [(a.start, a.end) for a in amounts], reverse=True):
        residue = residue[:start] + " " + residue[end:]
    if not dates:  # the common case: nothing to count
        return Evidence(
            dates=0,
            future_dates=0,
            later_dates=0,
            amounts=len(amounts),
            count_strong=terms.count_strong,
            frequency=terms.frequency is not None,
            residue=residue,
            rate_offered=_rate_offered(text, amounts, terms),
        )
    return Evidence(
        dates=len(dates),
        future_dates=sum(_future_only(d) for d in dates),
        later_dates=sum(_ahead(text, d) for d in _unnegated(text, dates)),
        amounts=len(amounts),
        count_strong=terms.count_strong,
        frequency=terms.frequency is not None,
        residue=residue,
        rate_offered=_rate_offered(text, amounts, terms),
    )


def _rate_offered(text: str, amounts: list[AmountMention], terms: PlanTerms) -> bool:
    """An amount said per period with no word of income beside it ("pay u 20 a week from friday, that's when I
    get paid", "je touche l'ASS ... Dix euros par semaine c'est tout ce que je peux"): an amount offered, the
    income told elsewhere (not "I only get 600 a month", "je touche 480 € par mois")."""
    if terms.frequency is None:
        return False
    return any(
        _GAP_AFTER_AMOUNT.match(text[a.end : pos])
        and not INCOME.search(text, max(0, a.start - 40), a.start)
        and not INCOME.search(text, a.end, min(len(text), pos + 30))
        and (_OFFER_BEFORE.search(text, max(0, a.start - 30), a.start) or _OFFER_AFTER.match(text, pos))
        for a in amounts
        for pos in terms.per_unit_after
        if pos >= a.end
    )


# who pays it, before the amount: "I can do", "pay u", "je vous verse", "je peux mettre"
_OFFER_BEFORE = re.compile(
    r"(?:\b(?:i|we|je|j|on|nous)(?: \w+){0,2} (?:pay|send|give|do|manage|afford|offer|transfer|payer|paie|paierai"
    r"|verser|verse|verserai|virer|vire|virerai|envoyer|envoie|enverrai|donner|donne|faire|fais|ferai|mettre|mets"
    r"|rembourser|peux|can|could)|\b(?:pay|send|give) (?:you|u|ya)|\b(?:vous|te) (?:verse|vire|paie|donne|envoie))"
    r"(?: \w+){0,2} $"
)
# what is said of it after its period: "c'est tout ce que je peux", "that's the most I can", "ok?"
_OFFER_AFTER = re.compile(
    r"[^.?!]{0,40}?\b(?:c est tout ce que (?:je|j) (?:peux|pourrai|peut)|c est (?:mon|le) max\w*|c est le mieux"
    r"|is all (?:i|we) can|is the (?:most|best) (?:i|we) can|ca vous (?:va|irait)|ca irait|would that (?:work|be ok)"
    r"|is that (?:ok|okay|alright)|if that is (?:ok|okay|alright)|(?:from|starting|a partir|des) \w+)\b"
)


def _unnegated(
    text: str, dates: list[DateMention], clauses: Callable[[], list[tuple[int, int]]] | None = None
) -> list[DateMention]:
    """The dates outside negated clauses ("je ne peux pas aujourd'hui mais vendredi": vendredi).

    `clauses`: where the parts of the message between full stops and commas lie (`_sentence_spans` with
    `_CLAUSE`), asked for only when a date seems negated: a clause also ends there ("Can't do today.
    Tomorrow first thing.", "I won't be paying Friday, Monday is the earliest I can do": the later day)."""
    kept = []
    for d in dates:
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, d.start)), default=0)
        before = text[clause_start : d.start]
        if _CLAUSE_NEGATION.search(before) and clauses is not None:
            part_start = next((a for a, b in clauses() if a <= d.start < b), 0)
            before = text[max(clause_start, part_start) : d.start]
        if not _CLAUSE_NEGATION.search(before) or _LIMIT_BEFORE.search(before):
            kept.append(d)
    return kept


# "suite à votre relance du 8 juin", "following your reminder of 2 March": a date that is not the payment's
_REFERENCE_BEFORE = re.compile(
    r"\b(?:relance|rappel|message|courrier|lettre|e ?mail|facture|reminder|letter|invoice|notice|statement|sms"
    r"|text)(?: \w+){0,2} (?:du|of|dated|from|en date du|dated the) $"
)
# "le premier le 15 décembre", "à partir du 1er mars", "starting Friday": the plan's first payment
_FIRST_BEFORE = re.compile(
    r"\b(?:premier|premiere|1er|1ere|first|1st|a partir|starting|start|commencing|beginning|from|des|a compter"
    r"|debut)\b[^.?!]{0,24}$"
)
# "can I pay on the 1st instead of today?", "vendredi au lieu de lundi": the day given up, not the payment's
_REPLACED_BEFORE = re.compile(r"\b(?:instead of|rather than|au lieu de|au lieu du|plutot que)(?: the| le| la| l)? ?$")
_FIRST_WITHIN = re.compile(r"(?:a partir du|a partir de|des le|from the|starting|commencant le|a compter du)\b")
_GENERIC_BEFORE = re.compile(
    r"\b(?:on a|every|each|every (?:other|second|2nd|alternate)|chaque|tous les|toutes les|le \w+ de chaque) $"
)
# "150 each, on the 15 and 30", "2,000 each starting on the 30th": the "each" of the amount before a date
# led by its own preposition
_LED_BY_PREPOSITION = re.compile(r"(?:on|by|from|starting|commencing|beginning|le|au|du|des|a partir)\b")
_NOW_WORDS = frozenset({"now", "right now", "maintenant", "tout de suite"})
# "I live in the Dordogne now", "I don't know right now", "je vous dis tout de suite": a "now" that says
# nothing of a payment ("la moitié maintenant", "the rest now" do)
_IDLE_NOW_BEFORE = re.compile(
    r"\b(?:live|lives|living|am|is|are|know|vis|habite|suis|est|sais|dis|dit|say|tell you|tell u"
    r"|(?:the|la) (?!moitie|half|rest|reste|balance|solde|somme|sum|total|deposit|acompte|premier|first|money|cash"
    r"|funds|payment|paiement|transfer|virement|amount|montant|\d)\w+) $"
)
_CLAUSE = re.compile(r"[^.!?;,\n]+")  # "I won't be paying Friday, Monday is the earliest": two clauses
# a "now" counts only in a sentence about paying: "I handle everything on my own now. Could I pay 30
# every two weeks?" names no first payment, "Kill me now, I forgot. Will be done in 3 days" no today
_PAYING = re.compile(
    r"\d+\b(?! (?:years?|yrs|ans|an|days?|jours?|weeks?|semaines?|months?|mois|hours?|heures?|kids|enfants"
    r"|children)\b)|\b(?:pa[iy]\w*|regl\w*|vir\w*|vers\w*|envo\w*|send\w*|sent|wired|done|did|made|transf\w*|settl\w*"
    r"|moitie|half|reste|rest|solde|balance|acompte|deposit|somme|sum|montant|amount|total|part|partie|bit|one|un"
    r"|une|do|doing|fais|fait|faire|ferai)\b"
)


# words that tie a day to a plan: its start, its first payment, its rhythm ("Starting Friday", "je commence le 5",
# "premier prélèvement le 5", "encaissables le 5 de chaque mois", "monthly from November")
_PLAN_TALK = re.compile(
    r"\b(?:start\w*|commenc\w*|begin\w*|demarr\w*|debut|reprend\w*|resum\w*|encaiss\w*|prelev\w*"
    r"|debit|mensu\w*|month\w*|weekly|hebdo\w*|echeanc\w*|plan|arrangement|instal\w*|tranches?|fortnight\w*"
    # the money coming in that the plan waits on ("my wages come in on the 28th", "la CAF tombe le 5")
    r"|wages?|salary|salaire|pension|retraite|benefits?|credit|allocations?|chomage|caf|rsa|income|revenus?|money"
    r"|argent|funds?|fonds|sort\w*)\b"
    # "le premier peut partir le 5", "first one on the 10th" (not "passed first time", "du premier coup")
    r"|\b(?:(?:le|la|the|my|mon|ma) (?:premier|premiere|1er|1ere|first|1st)|(?:premier|premiere|1er|1ere|first|1st)"
    r" (?:one|payment|versement|paiement|reglement|virement|cheque|check|transfer))\b(?! (?:time|fois|coup)\b)"
)


def _about_paying(part: str) -> bool:
    return bool(_PAYING.search(part) or _PLAN_TALK.search(part))


def _in_paying_sentence(text: str, d: DateMention, sentences: list[tuple[int, int]]) -> bool:
    """Whether the day `d` can be a plan's first payment by where it is said: in a sentence about paying or
    the plan, a short one ("Next month, the 1st?"), or a message whose other sentences do not speak of paying
    either ("He passed his test on Tuesday. ... Could I pay in instalments?" gives no first payment)."""
    start, end = next(((a, b) for a, b in sentences if a <= d.start < b), (0, len(text)))
    rest = text[start : d.start] + " " + text[d.end : end]
    if _about_paying(rest) or len(rest.split()) <= 4:
        return True
    return not any(_about_paying(text[a:b]) for a, b in sentences if (a, b) != (start, end))


_FIRST_OF_SERIES = re.compile(r"^(?:le |the )?(?:1er|1ere|1st)$")
_SERIES_AFTER = re.compile(
    r"^ (?:le|on|the|a|au|versement|paiement|payment|instal\w*|one|due|being|sera|will|reglement|virement"
    r"|prelevement|cheque|check|mensualite|echeance|transfer|tranche)\b"
)


def _sentence_spans(text: str, original: str, locale: str, pieces: re.Pattern[str] = SENTENCE) -> list[tuple[int, int]]:
    """Where the sentences of `original` lie in its normalised `text` (normalisation drops the full
    stops): those found in it, in order; one span of the whole text when none is. `pieces`: `_CLAUSE` for
    the parts between commas too."""
    spans, cursor = [], 0
    for piece in pieces.findall(original):
        norm = read_form(piece, locale).strip()
        if not norm:
            continue
        at = text.find(norm, cursor)
        if at < 0:
            # a piece read otherwise alone (a greeting taken off the whole, not off "hi there"): left out,
            # the others still placed
            continue
        spans.append((at, at + len(norm)))
        cursor = at + len(norm)
    return spans or [(0, len(text))]


def _meant(text: str, d: DateMention, sentences: list[tuple[int, int]] | None = None) -> bool:
    """A date mention that can be the payment's: not "next week" (vague), not the date of our
    reminder, not a habit ("on a Thursday"), not a filler "now" ("I live there now")."""
    before = text[max(0, d.start - 30) : d.start]
    if d.kind == "next_monday" or _REFERENCE_BEFORE.search(before) or _REPLACED_BEFORE.search(before):
        return False
    if _GENERIC_BEFORE.search(before) and not _LED_BY_PREPOSITION.match(text, d.start):
        return False
    if _FIRST_OF_SERIES.match(text[d.start : d.end]) and _SERIES_AFTER.match(text[d.end :]):
        return False  # "le premier le 30 novembre": "premier" is the first payment, not the 1st
    if text[d.start : d.end] not in _NOW_WORDS:
        return True
    if _IDLE_NOW_BEFORE.search(before):
        return False
    start, end = next(((a, b) for a, b in sentences or () if a <= d.start < b), (0, len(text)))
    return bool(_PAYING.search(text, start, end))


# "on the 1st and ...", "le 1er, puis ...": a date listed among others
_LISTED_AFTER = re.compile(r" ?(?:,|and\b|et\b|puis\b|then\b)")


def _said_first(text: str, d: DateMention, dates: list[DateMention]) -> bool:
    """A date said to be the plan's first payment ("à partir du 5", "first one on Friday"); the "1st" of
    "150 on the 1st and 150 on the 15th" is a date of its own, not a word about the 15th."""
    if _FIRST_WITHIN.match(text[d.start : d.end]):
        return True
    m = _FIRST_BEFORE.search(text, max(0, d.start - 40), d.start)
    return m is not None and not any(
        o is not d and o.start <= m.start() < o.end and _LISTED_AFTER.match(text, o.end) for o in dates
    )


# the debtor's own income: "I get paid Thursday", "payday is the 28th", "ma paie le 5", "me sera versé lundi"
_INCOME_BEFORE = re.compile(
    r"\b(?:(?:get|gets|getting|be|am|is) paid|payday|pay day|paycheck|paycheque|pay cheque|wages?|salary|salaire"
    r"|(?:ma|mon|la|le) (?:paie|paye|salaire|chomage|pension|retraite|rsa|caf|allocation)|pension|benefits?"
    r"|universal credit|sera verse\w*|est verse\w*|me verse|touche\w*)\b[^.?!,;]{0,16}$"
)
# "je suis à l'étranger jusqu'à dimanche, je paie lundi": the end of an absence, not the day of the payment
_UNTIL_BEFORE = re.compile(r"\b(?:jusqu a|jusqu au|until|till|til|up until)(?: le| the)? ?$")
_PAY_WORD = re.compile(
    r"\b(?:pay|pays|paying|paid|payment|paie|paierai|paye|payer|payerai|regle|reglerai|regler|verse|verserai|vire"
    r"|virerai|virement|send|sending|sent|envoie|enverrai|transfer\w*|settle\w*|remit|cheque|check)\b"
)


def _once(work: Callable[[], list[tuple[int, int]]]) -> Callable[[], list[tuple[int, int]]]:
    """`work`, done at the first call only (a lighter `functools.cache` for a function of no argument)."""
    done: list[list[tuple[int, int]]] = []

    def result() -> list[tuple[int, int]]:
        if not done:
            done.append(work())
        return done[0]

    return result


def _pick_date(
    text: str,
    intent: str,
    dates: list[DateMention],
    today: dt.date,
    sentences: Callable[[], list[tuple[int, int]]],
    clauses: Callable[[], list[tuple[int, int]]] | None = None,
) -> dt.date | None:
    """The payment's date among `dates`. `sentences`, `clauses`: where the sentences and the parts between
    commas lie (`_sentence_spans`), worked out once and only when needed."""
    if not dates:  # the common case (what follows finds no candidate either)
        return None
    past = intent == "already_paid"
    sentences = _once(sentences)
    clauses = _once(clauses) if clauses is not None else sentences
    now_said = any(text[d.start : d.end] in _NOW_WORDS for d in dates)
    spans = sentences() if now_said else None
    affirmed = _unnegated(text, dates, clauses)
    if not affirmed and intent == "payment_plan":
        # "can't pay the full 280 now, could I do it in 4 lots of 70?": the one payment refused is not the plan's
        affirmed = [d for d in dates if text[d.start : d.end] not in _NOW_WORDS]
    elif not affirmed:
        affirmed = dates  # every clause negated: "pas avant vendredi"
    meant = [d for d in affirmed if _meant(text, d, spans)]
    if past and len(meant) > 1 and (part := PAID_PART_THEN_REST.search(text)) is not None:
        # "60 of the 240 went through on the 5th, the rest I'll send by the 30th": the date of what was paid
        meant = [d for d in meant if d.start < part.end()] or meant
    first = [d for d in meant if _said_first(text, d, meant)]
    candidates = first or meant
    if intent == "payment_plan" and candidates:
        # "He passed his test on Tuesday. ... Could I pay in instalments?": a day told in a sentence that is not
        # about paying is not the plan's first payment
        spans = sentences()
        candidates = [d for d in candidates if _in_paying_sentence(text, d, spans)]
    if not candidates and intent == "payment_plan":
        # "25 € chaque vendredi", "every other Friday": a plan paid on a weekday starts on the next one
        # (not the debtor's payday: "get paid every second Thursday")
        candidates = [
            d
            for d in dates
            if d.kind == "weekday"
            and _GENERIC_BEFORE.search(text[max(0, d.start - 30) : d.start])
            and not _INCOME_BEFORE.search(text, max(0, d.start - 32), d.start)
        ]
    if len(candidates) > 1 and not first and intent != "payment_plan":
        # "I get paid Thursday, you'll have it Friday", "ma paie tombe le 5, je vous vire le 6": the day
        # money comes in is not the day it goes out
        spent = [
            d
            for d in candidates
            if not _INCOME_BEFORE.search(text, max(0, d.start - 32), d.start)
            and not _UNTIL_BEFORE.search(text, max(0, d.start - 16), d.start)
            and not text.startswith(("jusqu", "until", "till"), d.start)  # "jusqu'au 8" holds its word
        ]
        candidates = spent or candidates
        # "back at work today, I'll pay Friday": the date told with the payment, not another one, and first
        # one in the payment's sentence ("back on the 12th. He'll pay the whole amount the 13th.")
        verbs = [m.start() for m in _PAY_WORD.finditer(text)]
        if verbs:
            spans = sentences()
            paying = {next((a for a, b in spans if a <= v < b), -1) for v in verbs}
            candidates = sorted(
                candidates,
                key=lambda d: (
                    next((a for a, b in spans if a <= d.start < b), -1) not in paying,
                    min(min(abs(d.start - v), abs(d.end - v)) for v in verbs),
                ),
            )
    resolved = [r for d in candidates if (r := d.resolve(today, past=past)) is not None]
    if not resolved:
        return None
    if intent == "payment_plan" and candidates[0].kind == "month_part" and candidates[0].a == 1:
        # "150 € le 5 de chaque mois à partir de janvier": the plan's day in the month it starts
        day = next((d.a for d in meant if d.kind == "day" and not d.b), None)
        if day is not None and resolved[0] == candidates[0].resolve(today, past=past):
            return resolved[0].replace(day=min(day, calendar.monthrange(resolved[0].year, resolved[0].month)[1]))
    if intent == "payment_plan" and not first and all(d.kind == "day" for d in candidates):
        return min(resolved)  # "100 le 1er et 100 le 15" on the 12th: the first payment is the 15th
    return resolved[0]


SMALLEST_BARE_AMOUNT = Decimal(10)


def _pick_amount(text: str, intent: str, amounts: list[AmountMention], terms: PlanTerms) -> Decimal | None:
    # a bare number under 10 is a count or a rank, not money: "3 ou 4 fois", "1 now 1 in 2 wks",
    # "un vendredi sur deux", "ill have it 2 u by wed" (with a currency, or said per period, it is money:
    # "5 €", "5 par semaine")
    amounts = [
        a
        for a in amounts
        if a.has_currency or a.value >= SMALLEST_BARE_AMOUNT or _is_per_unit(text, a, terms, small=True)
    ]
    if not amounts:
        return None
    if intent == "payment_plan":
        per_unit = [a for a in amounts if _is_per_unit(text, a, terms)]
        if len(per_unit) > 1:
            # "25% of the $840 each month, so $210 x 4": not the whole a part is taken from
            per_unit = [
                a for a in per_unit if not _PART_OF_BEFORE.search(text, max(0, a.start - 16), a.start)
            ] or per_unit
        if per_unit:
            return per_unit[0].value
        if terms.count is None and not terms.halves:
            amounts = [a for a in amounts if not _WHOLE_SUM_AFTER.match(text[a.end : a.end + 30])]
            if not amounts:
                return None
        if terms.halves and len(amounts) == 1:
            half = amounts[0].value / 2
            return half if half == half.quantize(CENT, rounding=ROUND_HALF_UP) else None
        totals = amounts if len(amounts) == 1 else [a for a in amounts if _counted_right_after(text, a, terms)]
        if terms.count and not terms.rest and len(totals) == 1:
            # a total is divided only when it divides exactly to the cent ("1.200,50 en 6": no amount); among
            # several amounts the one the count follows ("la somme de 1.200,50 € en 6 mensualités" above an
            # address, "8 rue ..., 5000 Namur", or a signature's numbers)
            share = totals[0].value / terms.count
            exact = share.quantize(CENT, rounding=ROUND_HALF_UP)
            return exact if exact == share else None
        return amounts[0].value
    # "Pfff 12 € de frais pour 3 jours de retard… c'est payé", "votre pénalité de 15 € 😂 je règle ça ce week-end":
    # a fee complained about is not the sum paid or promised ("I paid the £12 late fee" is: a payment verb before it)
    amounts = [a for a in amounts if not _a_fee_named(text, a)]
    if not amounts:
        return None
    summed = [a for a in amounts[1:] if _SUM_BEFORE.search(text, max(0, a.start - 14), a.start)]
    if summed:
        return summed[-1].value
    with_currency = [a for a in amounts if a.has_currency]
    return (with_currency or amounts)[0].value


_FEE_WORDS = r"(?:frais|penalites?|majorations?|fees?|charges?|surcharges?|penalty|penalties|interets)"
_FEE_AFTER = re.compile(rf"^ ?(?:{CURRENCY} )?(?:(?:de|d) )?(?:late |admin |retard |relance )?{_FEE_WORDS}\b")
_FEE_BEFORE = re.compile(rf"\b{_FEE_WORDS}(?: de (?:retard|relance|dossier|recouvrement))? (?:de|d|of) ?{CURRENCY}? ?$")
_PAID_BEFORE = re.compile(r"\b(?:pay\w*|paid|pai\w*|paye\w*|regl\w*|settled?|vers\w*|vire\w*)(?: \w+){0,2} $")


def _a_fee_named(text: str, a: AmountMention) -> bool:
    """The amount is named as a fee ("12 € de frais", "votre pénalité de 15 €", "a £12 late fee") and no payment
    verb stands just before it ("I paid the £12 late fee")."""
    before = text[max(0, a.start - 40) : a.start]
    if not (_FEE_AFTER.match(text[a.end : a.end + 40]) or _FEE_BEFORE.search(before)):
        return False
    return _PAID_BEFORE.search(before) is None


# "100 € le 10 de chaque mois", "40 on the 5th of every month": a day of the month between amount and rhythm
_GAP_AFTER_AMOUNT = re.compile(
    rf"^ ?{CURRENCY}? ?(?:(?:le|the|on the) \d{{1,2}}(?:er|e|eme|st|nd|rd|th)? (?:de|of) )?$"
)
_EACH_AFTER = re.compile(rf"^ ?{CURRENCY}? ?(?:each|chacun|chacune|a piece|per (?:payment|instal\w*))\b")
# "weekly payments of 40 for 6 weeks", "des mensualités de 80": the amount of each (plural: "a payment of 300 in
# 3 goes" is a total)
_PAYMENTS_OF_BEFORE = re.compile(
    rf"\b(?:payments|instal+ments|versements|paiements|mensualites|echeances|virements|transfers|tranches)"
    rf" (?:of|de|d) ?{CURRENCY}? ?$"
)
# "700 is a lot for me at once", "les 900 d'un coup c'est trop": the whole sum, not what each payment would be
_WHOLE_SUM_AFTER = re.compile(
    r"^ ?(?:eur|gbp|usd|chf)?(?: (?:is|c est|est|ca fait|all)){1,2} (?:a lot|too? much|too? high|too? steep|steep"
    r"|trop|beaucoup|enorme|huge)\b|^ ?(?:eur|gbp|usd|chf)? (?:at once|in one go|d un coup|en une (?:seule )?fois)\b"
)
# "38 € + 12 € de pénalité, donc 50 €", "so 150 in all": the sum said last is the one paid
_SUM_BEFORE = re.compile(r"\b(?:donc|soit|so|total|totalling|that s|that is|ca fait|cela fait|in all|en tout)\s*$")
# "4 lots o 70": Scots "o" for "of"
_GAP_BEFORE_AMOUNT = re.compile(rf"^ ?(?:de|d|of|o|a|at|fois|x|@|each|chacun|chacune|chaque)? ?{CURRENCY}? ?$")


# a small bare number right after a count is another count or a rank ("3 virements, 1 par mois", "2 payments,
# 1 on the 15th"): as the amount of each it needs its word ("3 fois 5", "4 paiements de 8")
_LINK_BEFORE_SMALL = re.compile(r"^ ?(?:de|d|of|o|at|fois|x|@|each|chacun|chacune|chaque) ?$")


def _is_per_unit(text: str, amount: AmountMention, terms: PlanTerms, *, small: bool = False) -> bool:
    """An amount said per period ("50 € par mois") or per installment ("3 paiements de 100"); `small`: a
    bare number under 10, whose gap after a count must hold a linking word."""
    after = any(_GAP_AFTER_AMOUNT.match(text[amount.end : pos]) for pos in terms.per_unit_after if pos >= amount.end)
    gap = _LINK_BEFORE_SMALL if small else _GAP_BEFORE_AMOUNT
    before = any(gap.match(text[pos : amount.start]) for pos in terms.per_unit_before if pos <= amount.start)
    return (
        after
        or before
        or bool(_EACH_AFTER.match(text[amount.end : amount.end + 24]))
        or bool(_PAYMENTS_OF_BEFORE.search(text, max(0, amount.start - 40), amount.start))
    )


def _counted_right_after(text: str, amount: AmountMention, terms: PlanTerms) -> bool:
    """The plan's count follows the amount ("1.200,50 € en 6 mensualités", "300 in 3 goes"): a total."""
    return any(
        start - amount.end in (0, 1) and text.startswith(("en ", "in ", "into "), start) for start, _ in terms.spans
    )


# "£60 of the £240", "50 sur les 200": a part and the whole it is taken from
_PART_OF_BEFORE = re.compile(rf"\b(?:of|out of|sur|des|on) (?:the |your |my |les |vos |mes )?{CURRENCY}? ?$")


def _two_payments(norm: str, terms: PlanTerms, dates: list[DateMention], amounts: list[AmountMention]) -> None:
    """ "100 maintenant et 100 le mois prochain": several amounts at several dates make a plan."""
    amounts = [a for a in amounts if not _PART_OF_BEFORE.search(norm, max(0, a.start - 16), a.start)]
    # "50 € ce vendredi puis 50 € chaque vendredi": a rhythm, the count left open
    if terms.count is None and terms.frequency is None and len(amounts) >= 2 and len(dates) >= 2:
        terms.count, terms.count_strong, terms.rest = len(amounts), True, True


# The creditor's offer quoted before a counter-offer: "your offer of 3 x 200 is too steep, could we do 100 a
# month for 6 months?", "vos 3 mensualités de 200 c'est trop, je peux faire 6 de 100", "au lieu de 100 par mois
# comme vous proposez, je peux faire 60": from the words naming the offer to the first word of the answer
# ("is", "c'est", "but", "je", "could"...), at most twelve words
_THEIR_OFFER = re.compile(
    r"\b(?:(?:your|the|this|that) (?:offer|proposal|suggestion|proposed (?:plan|schedule|arrangement))"
    r"|(?:the|your|les|vos) (?:\S+ ){0,5}?(?:you|vous) (?:offered|proposed|suggested|proposez|proposiez"
    r"|avez proposes?|m avez proposes?|me proposez)"
    r"|(?:votre|la|cette) (?:proposition|offre|suggestion)|vos \d+ (?:mensualites|versements|echeances|paiements)"
    # "you offered 3 x 120, I can do 4 x 90", "vous m'avez proposé 3 x 120 €, je ne peux pas"
    r"|^(?:\S+ ){0,3}?(?:you|u) (?:have |had )?(?:offered|proposed|suggested)"
    r"|^(?:\S+ ){0,3}?vous (?:m |nous )?(?:avez|aviez) (?:propose|proposes|suggere)"
    r"|instead of|au lieu de|plutot que)\b"
    r"(?: (?!(?:but|mais|instead|a|plutot|could|can|would|je|j|i|we|nous|on|how|what|is|are|was|est|c|ce|cela"
    r"|ca|that|it|its|doesn|does|ne|n|me|too|trop|more|plus)\b)\S+){0,12}"
)


# a cheap test before `_THEIR_OFFER`: the words every one of its matches holds (behind the literal index:
# not run on a text without them)
_OFFER_WORDS = guarded_search(re.compile(r"\b(?:offer|propos|suggest|instead|au lieu|plutot|vos \d)"))


def _without_their_offer(
    norm: str, date_spans: list[tuple[int, int]], terms: PlanTerms
) -> tuple[PlanTerms, list[AmountMention]]:
    """Terms and amounts of the debtor's own proposal where the creditor's offer is quoted before it."""
    offers = [m.span() for m in _THEIR_OFFER.finditer(norm)] if _OFFER_WORDS(norm) else []
    amounts = find_amounts(norm, date_spans + terms.spans)
    if not offers:
        return terms, amounts
    own_terms = find_terms(norm, date_spans + offers)
    own_amounts = find_amounts(norm, date_spans + own_terms.spans + offers)
    if own_terms.count is None and not own_amounts:
        return terms, amounts  # "I accept your offer of 3 payments": the offer is the answer
    own_terms.frequency = own_terms.frequency or terms.frequency
    return own_terms, own_amounts or amounts


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFC", extract_reply(text)[:MAX_CHARS])


@dataclass(slots=True)
class _Parsed:
    """One text's normalised form and the entity mentions found in it."""

    norm: str
    original: str
    loc: str
    dates: list[DateMention]
    terms: PlanTerms
    amounts: list[AmountMention]

    def says_terms(self) -> bool:
        """Whether the text names a date, an amount, a count or a rhythm."""
        return bool(self.dates or self.amounts or self.terms.count or self.terms.frequency)


# "non-stop" as written, one word ("Non, stop" and "non stop" are a no and a stop)
_NON_STOP = re.compile(r"\bnon[-\u2010\u2011]stop\b|\bnonstop\b", re.IGNORECASE)


def read_form(text: str, loc: str) -> str:
    """What the rules and the model read of a reply: its normalised words, without the greetings and
    thanks that surround them (`bot.nlu.courtesy`)."""
    return without_courtesy(normalise(text, loc))


def _parse(original: str, loc: str) -> _Parsed:
    norm = read_form(original, loc)
    if "non stop" in norm and _NON_STOP.search(original):
        norm = norm.replace("non stop", "nonstop")  # "raining non-stop", "je bosse non-stop": no "no", no stop
    dates = find_dates(norm, loc)
    date_spans = [(d.start, d.end) for d in dates]
    terms, amounts = _without_their_offer(norm, date_spans, find_terms(norm, date_spans))
    _two_payments(norm, terms, dates, amounts)
    return _Parsed(norm, original, loc, dates, terms, amounts)


def _entities(p: _Parsed, intent: str, today: dt.date) -> dict[str, Any]:
    """The amount, count, rhythm and date of a payment intent, read in `p`."""
    plan = intent == "payment_plan"
    return {
        "amount": _pick_amount(p.norm, intent, p.amounts, p.terms),
        "installments": p.terms.count if plan else None,
        "frequency": p.terms.frequency if plan else None,
        "date": _pick_date(
            p.norm,
            intent,
            p.dates,
            today,
            lambda: _sentence_spans(p.norm, p.original, p.loc),
            lambda: _sentence_spans(p.norm, p.original, p.loc, _CLAUSE),
        ),
    }


def _rule_reading(p: _Parsed) -> tuple[str, float, dict[str, float]]:
    """The rules' intent, confidence and every strong reading of `p`."""
    return classify_with_readings(p.norm, p.original, _evidence(p.norm, p.dates, p.amounts, p.terms))


def _read_parsed(
    p: _Parsed, today: dt.date, rules: tuple[str, float, dict[str, float]] | None = None
) -> tuple[Understanding, Reading]:
    """The understanding of `p` (`rules`: its `_rule_reading`, when already made)."""
    rule_intent, rule_confidence, found = rules or _rule_reading(p)
    opinion_of = model().opinion
    offered = "hardship" in found and _rate_offered(p.norm, p.amounts, p.terms)
    reading = combine(p.norm, rule_intent, rule_confidence, found, opinion_of(p.norm), opinion_of, offered=offered)
    intent, confidence, detail = reading.intent, reading.confidence, reading.detail
    if intent not in ENTITY_INTENTS:
        also = tuple(name for name in PROTECTIVE_ORDER if name in found and name != intent)
        return Understanding(intent, confidence, detail=detail, also=also), reading
    return Understanding(intent, confidence, **_entities(p, intent, today)), reading


def _read_reply(original: str, loc: str, today: dt.date) -> tuple[Understanding, Reading, _Parsed]:
    p = _parse(original, loc)
    return (*_read_parsed(p, today), p)


# A debtor correcting themselves mid-message: "je paie demain... enfin non, plutôt mercredi", "200 le 15 et...
# non attendez, 100 le 15 et 100 le 30", "I'll pay it all tomorrow. Actually make that Wednesday", "wait no,
# can I do 100 a week instead?", "150, ah non pardon, c'est 165". Matched in the reply as written (the
# punctuation tells "... pardon, nonante" from "pardon pour le retard", ". Actually" from "what I actually
# owe"); the words after the last marker are what the debtor means.
_CORRECTION = re.compile(
    r"\b(?:enfin|en fait|enfait|ah|oh|euh+|heu+|bon|ben|bah|mais)[\s,.…!]*(?:non|nan)\b"
    r"(?:[\s,.…!]*(?:pardon|attendez|attends|plut[oô]t|d[ée]sol[ée]e?|en fait|enfait))?"
    r"|\b(?:non|nan)[\s,.…!]+(?:attendez|attends|pardon|en fait|enfait|plut[oô]t|je me suis tromp[ée]e?|erreur)\b"
    r"|\b(?:attendez|attends)[\s,.…!]+(?:non|nan)\b"
    r"|\b(?:ou|disons|enfin|non|voire) plut[oô]t\b"
    r"|\bje (?:veux|voulais) dire\b|\bje me suis tromp[ée]e?s?\b|\bje me trompe\b|\berreur de ma part\b"
    r"|\bje (?:rectifie|corrige)\b|\brectif(?:ication)?\b|\bcorrection\b|\berratum\b|\boups\b|\boops\b|\btypo\b"
    r"|(?:[.…,;!]|\s-|\bah|\boh)\s*pardon\s*[,.!…:]"
    r"|(?:\.{2,}|…|\s-{1,2})\s*(?:non|no|nope)\b(?![\s,]*(?:merci|thanks|thank you)\b)"
    r"|\blaisse[sz]? tomber\b|\boubliez? (?:ça|ca|ce que j'ai dit|mon (?:dernier |précédent )?message)"
    r"|\b(?:wait|hang on|hold on)[\s,.…!]*(?:no|nope|sorry|actually)\b|\bno[\s,.…]+wait\b"
    r"|\bactually[\s,.…]*(?:no|nah|nope)\b|(?:[.!?,;…]|\s-)\s*actually\b"
    r"|\bscratch that\b|\bforget (?:that|what i said|my last (?:message|text))\b|\bnever ?mind\b|\bnvm\b"
    r"|\bi mean\b(?!\s+(?:it|to)\b)|\bi meant\b(?!\s+to\b)|\bmeant to (?:say|write|type|put)\b"
    r"|\blet me (?:correct|rephrase)\b"
    r"|\bmy mistake\b|\bon second thoughts?\b|\bor rather\b"
    r"|[.,;…]\s*make (?:that|it)\b",
    re.IGNORECASE,
)
# the words of every marker in the normalised text: the markers are looked for only where these stand
# (the pattern above, run on every message, would cost a sixth of the reading); a bare "non", "no" only
# with an ellipsis or a dash in the reply ("200... non, 150", "tomorrow - no, Monday")
_CORRECTION_WORDS = re.compile(
    r"\b(?:pardon|plutot|dire|trompee?s?|erreur|rectifie|rectif|rectification|corrige|correction|erratum|oups|oops"
    r"|typo|tomber|oubliez?|wait|actually|scratch|forget|nevermind|nvm|meant|rephrase|thoughts?|rather)\b"
    r"|\b(?:enfin|fait|enfait|ah|oh|euh+|heu+|bon|ben|bah|mais|attendez|attends) (?:non|nan)\b"
    r"|\b(?:non|nan) (?:attendez|attends|en fait|enfait)\b|\b(?:hang|hold) on\b|\bnever mind\b|\bi mean\b"
    r"|\blet me correct\b|\bmy mistake\b|\bmake (?:that|it)\b"
)
# one word of each marker: most replies hold none, and a set test is cheaper than the pattern above
_CORRECTION_TRIGGERS = frozenset(
    words(
        "pardon plutot dire trompe trompee trompees erreur rectifie rectif rectification corrige correction erratum"
        " oups oops typo tomber oublie oubliez wait actually scratch forget nevermind nvm meant rephrase thought"
        " thoughts rather non nan no mean hang hold never correct mistake make"
    )
)
_BARE_NO = re.compile(r"\b(?:non|nan|no)\b")
_ELLIPSIS_OR_DASH = re.compile(r"\.\.|…|\s-")


def _may_correct(norm: str, original: str) -> bool:
    """Whether a self-correction marker may stand in the reply (cheap tests on the normalised text)."""
    if _CORRECTION_TRIGGERS.isdisjoint(norm.split()):
        return False
    if _CORRECTION_WORDS.search(norm):
        return True
    return _BARE_NO.search(norm) is not None and _ELLIPSIS_OR_DASH.search(original) is not None


_WORD = re.compile(r"\w")
_LAST_SENTENCE = re.compile(r"[^.!?…\n]*[.!?…\s]*$")


def _corrected(original: str, loc: str, today: dt.date, whole: Understanding) -> tuple[Understanding, str] | None:
    """What the words after a self-correction say, and the marker, when they correct a payment (the
    sentence before the marker names a date, an amount, a count or a rhythm).

    When the rules read a payment, a plan or a promise in the later words, that is the intent ("I'll pay
    the lot Friday. Actually no, would ye take it in 3 goes?": a plan, no date); when these only name a
    date or an amount ("... enfin non, plutôt mercredi", "ah non pardon, c'est 165") they replace the
    earlier ones under the earlier intent. Not called for a protective reading of the whole message, and
    nothing changes where the rules read a protective intent in the later words: a correction never hides
    one. The model's opinion of the later words alone is not asked (a fragment is not a message)."""
    start = end = -1
    for m in _CORRECTION.finditer(original):  # the last marker counts, with those just before it
        if start < 0 or _WORD.search(original, end, m.start()):
            start = m.start()
        end = m.end()
    if start < 0 or not _WORD.search(original, 0, start) or not _WORD.search(original, end):
        return None
    marker, head_text = original[start:end], original[:start]
    last_sentence = _LAST_SENTENCE.search(head_text)
    assert last_sentence is not None  # it matches at the end of any text, empty or not
    if not _parse(last_sentence[0], loc).says_terms():
        return None  # "Mon défunt... pardon, mon mari": a word corrected, not a payment
    tail_p = _parse(original[end:], loc)
    tail_rules = _rule_reading(tail_p)
    rule_intent, _, found = tail_rules
    if any(name in PROTECTIVE for name in found):
        # "je paie demain, enfin non, je peux pas, je suis au chômage": what the debtor says instead
        tail, _ = _read_parsed(tail_p, today, tail_rules)
        return (tail, marker) if tail.intent in PROTECTIVE and tail.intent in found else None
    own = rule_intent if rule_intent in ENTITY_INTENTS and rule_intent in found else None
    if own is None and not tail_p.says_terms():
        return None
    head, _, head_p = _read_reply(head_text, loc, today)
    if own is not None and own != head.intent:
        return Understanding(own, found[own], also=whole.also, **_entities(tail_p, own, today)), marker
    intent = own or next((i for i in (head.intent, whole.intent) if i in ENTITY_INTENTS), None)
    if intent is None:
        return None
    said, before = _entities(tail_p, intent, today), _entities(head_p, intent, today)
    if intent == "payment_plan" and tail_p.terms.count and said["amount"] is None:
        # "200 en 2 fois... euh non, en 4 fois": the total said before, shared by the new count
        terms = replace(head_p.terms, count=tail_p.terms.count, rest=tail_p.terms.rest, halves=False)
        before["amount"] = _pick_amount(head_p.norm, intent, head_p.amounts, terms)
    merged = {name: value if value is not None else before[name] for name, value in said.items()}
    return Understanding(intent, whole.confidence, also=whole.also, **merged), marker


def read(text: str, locale: str, today: dt.date) -> tuple[Understanding, Reading]:
    """The understanding of one message and how it was reached (rules, model, combination)."""
    loc = "en" if str(locale)[:2].lower() == "en" else "fr"
    original = _prepare(str(text))
    understanding, reading, parsed = _read_reply(original, loc, today)
    if understanding.intent in PROTECTIVE or not _may_correct(parsed.norm, original):
        return understanding, reading
    corrected = _corrected(original, loc, today, understanding)
    if corrected is None:
        return understanding, reading
    understanding, marker = corrected
    source = f"{reading.source}; self-correction: the words after {marker.strip()!r}"
    return understanding, replace(reading, intent=understanding.intent, source=source)


def understand(text: str, locale: str, today: dt.date) -> Understanding:
    """Intent, confidence and entities of one message, dates resolved against `today`."""
    if len(text) <= MEMO_MAX_CHARS:
        return _understood(text, "en" if str(locale)[:2].lower() == "en" else "fr", today)
    return read(text, locale, today)[0]


# Short replies repeat across debtors ("1", "oui", "merci", "je paierai vendredi"): reading one costs
# ~0.2 ms of CPU, a fifth of an inbound SMS's path, and the answer depends on nothing but these three
# values (`Understanding` is frozen). Long free text rarely repeats: it is read every time.
MEMO_MAX_CHARS = 80


@lru_cache(maxsize=4096)
def _understood(text: str, loc: str, today: dt.date) -> Understanding:
    return read(text, loc, today)[0]
