"""Installment counts and payment frequency in normalised debtor replies.

`find_terms(text)` reads "en 3 fois", "3 payments", "10 mensualités", "over six months" (6, monthly),
"4 x 50", "half now and half later" / "50 maintenant et le reste" (2), and the frequency
(weekly, biweekly, monthly) from "par mois", "a week", "every other week", "tous les 15 jours"…
It also reports where an amount would be one installment ("50 € par mois", "3 payments of 100",
"3 fois 100 €") rather than a total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.nlu.amounts import CURRENCY
from bot.nlu.dates import OF_EVERY_MONTH
from bot.nlu.prefilter import INDEX, Anchored

Span = tuple[int, int]

_PAYMENT_NOUNS = (
    r"versements?|paiements?|mensualites?|echeances?|tranches?|payments?|installments?|instalments?|"
    r"parts?|goes|chunks|bits|morceaux|lots|prelevements?|reglements?|virements?|transfers?|cheques?|checks|acomptes?"
)
# "3 prochains mois", "six mois à venir", "4 semaines suivantes": a number of the months or weeks to come (the unit in
# group 2 or 3)
_NEXT_PERIODS = (
    r"(\d+) (?:(?:prochains|prochaines) (mois|semaines)|(mois|semaines) (?:a venir|suivants|suivantes|qui viennent))\b"
)
_COUNT_PATTERNS: list[tuple[re.Pattern[str], bool]] = [
    # (pattern, strong): strong counts signal a plan on their own
    (
        re.compile(
            rf"\b(?:en|in|into) (\d+) ?(?:fois|x|{_PAYMENT_NOUNS}|parties?|coups?|times|halves|moities|thirds)\b"
        ),
        True,
    ),
    # "des paiements en plusieurs fois ? genre en 4 ?", "or in 3?": a count offered alone, as a question
    (re.compile(r"\b(?:genre|disons|say|like|maybe|peut etre|ou|or|sinon) (?:en|in) ([2-9]|1[0-2]) ?\?"), False),
    # not "trois fois qu'elle plante", "3 fois de suite": how often something happened; not the cents of
    # an amount ("333.33 x 3"), nor an amount ("£50 x 4": `_TIMES_AFTER_AMOUNT`)
    (
        _TIMES := re.compile(
            r"(?<![.,])(?<!eur )(?<!usd )(?<!gbp )(?<!chf )\b(\d+) ?(?:x|fois)\b(?! par (?:semaine|mois))"
            r"(?! (?:plus|moins|trop|more|less|que|qu|de suite|d affilee|deja|already|in a row)\b)"
        ),
        True,
    ),
    # "could I pay 3 times 100?", "4 times £70": a count then each payment's amount
    (re.compile(r"(?<![.,])\b(\d+) times(?= (?:(?:eur|usd|gbp|chf) ?)?\d)"), True),
    (
        re.compile(
            # not the cents of an amount ("£76.40, check your records")
            rf"(?<![.,])\b(\d+) (?:(?:equal|egales?|egaux|identiques?|regular|reguliers?|regulieres?) )?"
            rf"(?:(?:monthly|weekly|biweekly|fortnightly|mensuels?|mensuelles?|hebdomadaires?) )?"
            # "3 monthly post-dated cheques of £420", "3 chèques différés"
            rf"(?:(?:post ?dated|postdated|differes?|antidates?) )?"
            rf"(?:{_PAYMENT_NOUNS})\b"
        ),
        True,
    ),
    (
        re.compile(
            r"\b(?:sur|over|en|across|spread over|etale sur|etaler sur|reparti sur)"
            r"(?: (?:the|les) (?:next|coming|prochains|\d+ prochains))? (\d+) (mois|months?|semaines?|weeks?)\b"
        ),
        True,
    ),
    # "sur les 3 prochains mois", "sur les six mois à venir", "étalé sur les 4 semaines suivantes": the length and the
    # rhythm; "pendant les 3 prochains mois": the length only
    (re.compile(rf"\b(?:sur|etale sur|etaler sur|reparti sur|repartis sur) les {_NEXT_PERIODS}"), True),
    (re.compile(rf"\b(?:pendant|pdt|durant) les {_NEXT_PERIODS}"), False),
    (
        re.compile(
            r"\b(?:pendant|pdt|for|during|durant)(?: (?:the |les )?(?:next|coming|prochains))?"
            r"(?: (?:like|about|around|environ|genre|maybe))? (\d+)"
            r" (mois|months?|semaines?|weeks?)\b"
        ),
        False,
    ),
    # "I send you 60 each month, 5 months", "50 par mois, 6 mois": the length told after the rhythm
    (
        re.compile(
            r"(?=\d)(?:(?<=each month )|(?<=every month )|(?<=a month )|(?<=per month )|(?<=par mois )"
            r"|(?<=chaque mois )|(?<=tous les mois ))(\d+) (mois|months)\b(?! (?:ago|later|from now|plus tard))"
        ),
        False,
    ),
    # "could I pay in instalments? like 4?", "en plusieurs fois ? genre 3 ?": a count offered after the plan
    (
        re.compile(
            r"\b(?:instal+ments?|payments|plusieurs (?:fois|versements|paiements|mensualites)|mensualites|versements"
            r"|tranches|echeances|goes|chunks|payment plan|echeancier)\b ?\??(?: (?!\d)\w+){0,3}?"
            r" (?:like|say|maybe|perhaps|about|around|genre|disons|peut etre|environ|par exemple) ([2-9]|1[0-2])"
            r" ?(?:\?|fois\b|times\b|$)"
        ),
        False,
    ),
    # "a payment plan? like 6 months?": a duration offered as the plan's length
    (re.compile(r"\b(?:like|maybe|say|genre|disons|peut etre) (\d+) (mois|months?)\b ?\?"), False),
    (
        re.compile(
            r"\b(?:payer|paye|paie|pay|regler|split|diviser|couper|faire)(?: it| ca| le| la| tout| the rest"
            r"| the balance| this| that| the bill| la facture| la somme| the amount)? (?:en|in|into) (\d+)\b"
            r"(?! ?(?:jours?|j\b|days?|weeks?|semaines?|mois|months?|eur|usd|gbp|[.,]\d))"
        ),
        True,
    ),
]
# "j'y suis allée deux fois en septembre", "je vous ai appelé 3 fois", "I've been there 2 times": visits, calls,
# tries counted, not payments (a verb of going, coming, calling, writing or trying just before the count)
_OCCASIONS_BEFORE = re.compile(
    r"\b(?:alle|allee|alles|allees|venu|venue|venus|venues|passe|passee|passes|passees|appele|appelee|telephone"
    r"|ecrit|relance|relancee|essaye|contacte|contactee|rappele|retourne|retournee|repeter|repete|redire|dit|explique"
    r"|went|came|called|rang|phoned|rung|tried|wrote|emailed|texted|visited|been (?:there|here|in|to|round))"
    r"(?: (?!pa[iy]|regl|vers|vir|rembours|pay|settl)\w+){0,3} $"
)
# "split the 340 gbp into 2": the words between may hold the total, so only "into 2" is taken (not "in 2
# weeks", "en 2 heures": a delay)
_NOT_A_DELAY = (
    r"(?! ?(?:jours?|j\b|days?|weeks?|semaines?|mois|months?|eur|usd|gbp|chf|[.,]\d|hours?|hrs?|h\b|heures?|min"
    r"|minutes?|years?|ans?\b|annees?))"
)
_SPLIT = re.compile(
    r"\b(?:split|diviser|divise|couper|spread|break|etaler|echelonner)\b(?: \S+){0,4} (?:en|in|into) (\d+)\b"
    + _NOT_A_DELAY
)
# "I could do 1,500 in 6", "pay the 1,250 in 4", "payer les 600 en 3": an amount right after the verb
_SPLIT_AMOUNT = re.compile(
    r"\b(?:do|faire|pay|payer|regler|rembourser)(?: (?:it|ca|the|le|la|les|tout|the full))?"
    r" (?:(?:eur|usd|gbp|chf) ?)?\d[\d,. ]*(?: ?(?:eur|usd|gbp|chf))? (?:en|in|into) (\d+)\b" + _NOT_A_DELAY
)
_COUNT_PATTERNS.append((_SPLIT, True))
_COUNT_PATTERNS.append((_SPLIT_AMOUNT, True))
# "£50 x 4", "333.33 x 3": an amount (with its currency or cents) times a count; only "x 4" is the count's.
# Led by the "x" (a pattern led by the amount's digits would be tried at every number); the amount
# before it is checked by `_AMOUNT_BEFORE_TIMES`
_TIMES_AFTER_AMOUNT = re.compile(r"(?<=[\dprfd]) ?x ?(\d{1,2})\b(?! ?(?:eur|usd|gbp|chf|[.,]\d))")
_AMOUNT_BEFORE_TIMES = re.compile(r"(?:\d[.,]\d{2}|\d ?(?:eur|usd|gbp|chf)|(?:eur|usd|gbp|chf) ?\d+)$")
_COUNT_PATTERNS.append((_TIMES_AFTER_AMOUNT, True))
# "240 split 3 ways"
_COUNT_PATTERNS.append((re.compile(r"\b(?:split|divided|shared|spread)\b(?: \S+){0,3}? (\d+) ways\b"), True))
_HALF = re.compile(
    r"\b(?:la )?moitie\b.*\b(?:moitie|reste|solde|autre)\b|\bhalf\b.*\b(?:half|rest|remainder|balance|other)\b"
)
_REST = re.compile(
    r"\b(?:et|and|puis|then|plus) (?:\w+ ){0,3}?(?:le |la |the )?(?:reste|rest|remainder|solde|balance|other half"
    r"|autre moitie)\b"
)
# "250 now and the other 250 later on", "100 vendredi et les 150 restants en janvier": a second payment of a
# sum said, two payments however vague its day ("and the rest when I can" names none: one payment)
_OTHER_SUM = re.compile(
    rf"\b(?:et|and|puis|then|plus)(?: \w+){{0,3}}? (?:(?:the (?:other|remaining|last|second|final)|l autre|les autres"
    rf"|le dernier|la derniere|les derniers|le second|la seconde) (?:{CURRENCY} )?\d"
    rf"|les (?:{CURRENCY} )?\d+(?:[.,]\d+)?(?: {CURRENCY})? (?:restants|qui restent|autres|suivants)\b)"
)
FREQUENCIES: list[tuple[str, re.Pattern[str]]] = [
    (
        "biweekly",
        re.compile(
            r"\b(?:toutes les (?:2|deux) semaines|tous les (?:15|14|quinze) jours|par quinzaine|chaque quinzaine"
            r"|bimensuel\w*|every (?:2|two|other|second) weeks?|every fortnight|(?:per|each) fortnight"
            # "100 a fortnight", not a stay "for a fortnight" or a delay "in a fortnight"
            r"|(?<!\bfor )(?<!\bin )(?<!\bwithin )(?<!\bafter )(?<!\bover )a fortnight"
            r"|fortnightly|bi ?weekly|twice a month|2 (?:fois|times) (?:par|a|per) (?:mois|month)"
            r"|aux (?:2|deux) semaines|every other (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
            r"|tou[st]? les (?:15|14|quinze) (?:jours|jrs|j)|(?:une|1) semaine sur (?:deux|2)"
            r"|every (?:14|15|fourteen|fifteen) days|(?:chaque|every) (?:2|two|deux) weeks?|every couple of weeks"
            # "100 euro chaque 15 jours", "chaque deux semaines"
            r"|chaque (?:15|14|quinze) (?:jours|jrs|j)|chaque (?:2|deux) semaines)\b"
        ),
    ),
    (
        "weekly",
        re.compile(
            r"\b(?:par semaine|chaque semaine|toutes les semaines|hebdo\w*|(?:a|per|each|every|1|une) week"
            # "a week from today", "a week on Friday", "a week tomorrow": a day a week away, not a rhythm
            r"(?! (?:from today|from tomorrow|today|tomorrow|on (?:monday|tuesday|wednesday|thursday|friday|saturday"
            r"|sunday))\b)"
            r"|weekly|wkly|par sem)\b|/ ?(?:sem|semaine|week|wk)\b|\b1 (?:par|a) semaine\b"
        ),
    ),
    (
        "monthly",
        re.compile(
            # "chaque 1er du mois", "tous les 5 du mois", "every 1st of the month", "tout les mois"
            # (the day itself is a date: only the words after it are the rhythm's)
            r"\b(?:chaque|tous les|tout les|every|each) (?:1er|premier|first|\d{1,2}(?:er|e|eme|st|nd|rd|th)?)"
            rf" ({OF_EVERY_MONTH})\b|\btout les mois\b"
            r"|\b(?:par mois|chaque mois|tous les mois|(?:a )?(chaque) fin de mois|each month end"
            r"|mensuel\w*|mensualites?|(?:a|per|each|every|1) month"
            r"|monthly|(?:a|per) mth|1 par mois)\b|/ ?(?:mois|month|mo)\b"
            # "3 chèques encaissables à un mois d'intervalle", "a month apart", "at monthly intervals"
            r"|\b(?:a un mois d intervalle|a 1 mois d intervalle|a un mois d ecart|tous les 30 jours"
            r"|(?:one |a |1 )month apart|at (?:one |1 )?month(?:ly)? intervals|every 30 days)\b"
        ),
    ),
]
_UNIT_FREQUENCY = {
    "mois": "monthly",
    "month": "monthly",
    "months": "monthly",
    "semaine": "weekly",
    "semaines": "weekly",
    "week": "weekly",
    "weeks": "weekly",
}
_ADJ_FREQUENCY = re.compile(
    r"\b(monthly|mensuel|mensuels|mensuelle|mensuelles|mensualites?|weekly"
    r"|hebdomadaires?|biweekly|fortnightly)\b"
)


@dataclass(slots=True)
class PlanTerms:
    """What a message says about installments."""

    count: int | None = None
    count_strong: bool = False  # a count that proposes a plan by itself ("en 3 fois")
    frequency: str | None = None
    rest: bool = False  # "50 now and the rest later": the amount is the first payment, not a total
    halves: bool = False  # "300: half now, half next month": the amount is the total of two equal payments
    spans: list[Span] = field(default_factory=list)  # text the count and frequency came from
    per_unit_after: list[int] = field(default_factory=list)  # an amount ending here is one installment
    per_unit_before: list[int] = field(default_factory=list)  # an amount starting here is one installment


# each pattern with its bit in the literal index (not tried on a text without its literals), matched only
# where the literals its matches begin with start (`Anchored`: same matches)
_GUARDED_COUNTS = [
    (a.bit, pattern, a.finditer, strong) for pattern, strong in _COUNT_PATTERNS for a in (Anchored(pattern),)
]
_GUARDED_FREQUENCIES = [(a.bit, name, a.finditer) for name, pattern in FREQUENCIES for a in (Anchored(pattern),)]
# the bits of each list, given in its order: the set bits of a text, lowest first, are its patterns to try in order
_COUNT_BITS = sum(bit for bit, *_ in _GUARDED_COUNTS)
_COUNT_BY_BIT = {bit: (pattern, finditer, strong) for bit, pattern, finditer, strong in _GUARDED_COUNTS}
_FREQUENCY_BITS = sum(bit for bit, *_ in _GUARDED_FREQUENCIES)
_FREQUENCY_BY_BIT = {bit: (name, finditer) for bit, name, finditer in _GUARDED_FREQUENCIES}
_HALF_BIT = INDEX.add_pattern(_HALF)
_REST_BIT = INDEX.add_pattern(_REST)
_OTHER_SUM_BIT = INDEX.add_pattern(_OTHER_SUM)


def _frequency(text: str, terms: PlanTerms, taken: list[Span]) -> None:
    mask = INDEX.mask(text) & _FREQUENCY_BITS
    while mask:
        bit = mask & -mask
        mask ^= bit
        name, finditer = _FREQUENCY_BY_BIT[bit]
        for m in finditer(text):
            # where a date is part of the words ("chaque 1er du mois", "chaque fin de mois"), the group
            # holds the rhythm's own words
            start, end = m.span(m.lastindex) if m.lastindex else m.span()
            if any(s < end and start < e for s, e in terms.spans + taken):
                continue
            if _INCOME_BEFORE.search(text, max(0, m.start() - 24), m.start()) and not _EACH_PAY.search(text):
                continue  # "I'm paid weekly", "je touche ma paie toutes les 2 semaines": the debtor's income
            terms.frequency = terms.frequency or name
            terms.spans.append(m.span())
            terms.per_unit_after.append(m.start())
            terms.per_unit_before.append(m.end())  # "6 versements mensuels de 150": 150 each


_INCOME_BEFORE = re.compile(
    r"\b(?:(?:i am|im|i m|we are|am|is|get|gets|getting|got) paid|wages? (?:come|comes|are|is) (?:paid )?"
    r"|(?:ma|mon|la|le|my|our) (?:paie|paye|salaire|salary|wages|pay|paycheck|cheque|pension|retraite) (?:\w+ )?"
    r"|je suis (?:paye|payee)|on est payes?|je touche (?:ma paie |mon salaire )?) ?$"
)

# "je peux faire 45 € à chaque paie", "every payday": the payments follow the income
_EACH_PAY = re.compile(
    r"\b(?:a chaque|chaque|each|every|on each|on every) (?:paie|paye|salaire|payday|pay day|paycheck|paycheque"
    r"|pay cheque|wage|time (?:i|we) (?:get|am|are) paid)\b"
)

# "tous les vendredis", "every Friday": weekly, and the weekday stays a date (the first payment)
_EVERY_WEEKDAY = re.compile(
    r"\b(?:tous les|chaque|every|each) (?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday)s?\b"
)
_EVERY_WEEKDAY_BIT = INDEX.add_pattern(_EVERY_WEEKDAY)
# "every other Friday", "un vendredi sur deux": fortnightly, and the weekday stays a date
_EVERY_OTHER_WEEKDAY = re.compile(
    r"\b(?:every other|every second|each other) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:un|1) (?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) sur (?:deux|2)\b"
)
_EVERY_OTHER_WEEKDAY_BIT = INDEX.add_pattern(_EVERY_OTHER_WEEKDAY)


def _every_weekday(text: str, terms: PlanTerms, mask: int) -> None:
    if terms.frequency is None and mask & _EVERY_OTHER_WEEKDAY_BIT and (m := _EVERY_OTHER_WEEKDAY.search(text)):
        terms.frequency = "biweekly"
        terms.per_unit_after.append(m.start())
    if terms.frequency is None and mask & _EVERY_WEEKDAY_BIT and (m := _EVERY_WEEKDAY.search(text)) is not None:
        terms.frequency = "weekly"
        terms.per_unit_after.append(m.start())


# "en 3 ou 4 fois", "maybe 3 or 4 payments", "genre 3 fois ou 4 fois": a plan, its count left open
_EITHER_COUNT = re.compile(
    rf"\b(\d+)(?: ?(?:fois|x|times))? (?:ou|or|to|a|-) (\d+) ?(?:fois|x|times|{_PAYMENT_NOUNS}|mois|months|semaines"
    r"|weeks)\b"
)


def _counts(text: str, terms: PlanTerms, taken: list[Span]) -> None:
    _count_each(text, terms, taken)
    either = _EITHER_COUNT.search(text) if terms.count is not None else None
    if either is not None and terms.count in (int(either[1]), int(either[2])):
        terms.count = None  # still a plan (count_strong stays), but of no stated number of payments


def _count_each(text: str, terms: PlanTerms, taken: list[Span]) -> None:
    mask = INDEX.mask(text) & _COUNT_BITS
    while mask:
        bit = mask & -mask
        mask ^= bit
        pattern, finditer, strong = _COUNT_BY_BIT[bit]
        for m in finditer(text):
            value = int(m[1])
            if not 2 <= value <= 120 or any(s < m.end() and m.start() < e for s, e in terms.spans + taken):
                continue
            if pattern is _TIMES and _OCCASIONS_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                continue
            if pattern is _TIMES_AFTER_AMOUNT and not _AMOUNT_BEFORE_TIMES.search(
                text, max(0, m.start() - 16), m.start()
            ):
                continue
            if terms.count is None or (strong and not terms.count_strong):
                terms.count, terms.count_strong = value, strong
            if pattern is _TIMES_AFTER_AMOUNT:
                terms.spans.append(m.span())
                terms.per_unit_after.append(m.start())  # the amount before is each payment's
            else:
                # of "split ... into 2" only "into 2": the words before may hold the total
                split = pattern is _SPLIT or pattern is _SPLIT_AMOUNT
                into = text.rindex(" ", m.start(), m.start(1) - 1) + 1 if split else m.start()
                terms.spans.append((into, m.end()))
            terms.per_unit_before.append(m.end())
            unit = m[m.lastindex] if m.lastindex and m.lastindex >= 2 else None  # the unit, of either order
            adjective = _ADJ_FREQUENCY.search(m[0])
            if unit in _UNIT_FREQUENCY and strong:
                terms.frequency = terms.frequency or _UNIT_FREQUENCY[unit]
            elif adjective:
                terms.frequency = terms.frequency or _adjective_frequency(adjective[1])


def _adjective_frequency(word: str) -> str:
    if word.startswith(("mensu", "month")):
        return "monthly"
    if word in ("biweekly", "fortnightly"):
        return "biweekly"
    return "weekly"


_VAGUE_AFTER_REST = re.compile(
    r"^(?: \w+){0,2}? (?:when i can|when i get|whenever|later|another time|asap|as soon as i can|at some point"
    r"|quand je (?:pourrai|peux|pourrais|l aurai|aurai)|plus tard|des que (?:possible|je (?:peux|pourrai))"
    r"|je vous (?:redis|redirai|dirai|tiens au courant)|on verra|apres on verra|on voit|i will (?:have to )?see"
    r"|we will see|i will get back to you)\b"
)
# "half on Friday and I'll get back to you about the rest", "la moitié le 25 et on voit pour le reste":
# one payment, the rest left open
_REST_LEFT_OPEN = re.compile(
    r"\b(?:on voit|on verra|we will see|i will (?:have to )?see|get back to you|je reviens vers vous|je vous redis"
    r"|je verrai|je vois|call you|je vous appelle|je vous rappelle|talk|discuss|on en (?:reparle|parle|discute)"
    r"|let you know|je vous dirai|je vous tiens au courant)"
    r"(?: \w+){0,2} (?:pour|about|for|regarding|concernant) (?:le |the )?(?:reste|rest|remainder|solde|balance"
    r"|other half|autre moitie)\b"
    r"|\b(?:the rest|le reste|the remainder|le solde|the balance)(?: \w+){0,4}"
    r" (?:to see about|have to see|will see|on verra|on voit|je verrai|not sure|sais pas|we can talk|we can discuss"
    r"|on en reparle|on en parle|quand ma situation|when (?:things|my situation))\b"
    r"|\b(?:the other half|l autre moitie)(?: \w+){0,2}"
    r" (?:i m not sure|i am not sure|not sure|je sais pas|je ne sais pas)\b"
    # "pour l'autre moitié je vous redis", "will sort the other half after": the rest decided later
    r"|\b(?:pour|about|for|as for) (?:le |la |the |l )?(?:reste|rest|remainder|solde|balance|other half|autre moitie)"
    r"(?: \w+){0,3} (?:je vous redis|je vous redirai|je vous dirai|je reviens vers vous|on verra|on voit|je verrai"
    r"|i will let you know|let you know|we will see|i will see)\b"
    r"|\b(?:will|i will|i ll|we will) (?:sort|deal with|see about|figure out|work out|sort out) (?:the )?(?:other half"
    r"|rest|remainder|balance)(?: out)?(?: \w+){0,2} (?:after|afterwards|later|after that|down the line)\b"
)
# "35 € par mois pendant un an", "for a year": twelve payments (a count only where a plan is read)
_A_YEAR = re.compile(r"\b(?:pendant|pdt|for|over|sur|durant|during|across) (?:un|une|a|one|1) (?:an|annee|year)\b")
_A_YEAR_BIT = INDEX.add_pattern(_A_YEAR)


def find_terms(text: str, taken: list[Span] | None = None) -> PlanTerms:
    """Installment count, frequency and per-installment markers of a normalised text, outside the
    `taken` spans (dates: "in a week" is a date, not "a week")."""
    terms = PlanTerms()
    _counts(text, terms, taken or [])
    _frequency(text, terms, taken or [])
    mask = INDEX.mask(text)
    _every_weekday(text, terms, mask)
    halves = bool(mask & _HALF_BIT and _HALF.search(text)) and not _REST_LEFT_OPEN.search(text)
    rest = None if halves or not mask & _REST_BIT else _REST.search(text)
    if rest is not None and (_VAGUE_AFTER_REST.match(text[rest.end() :]) or _REST_LEFT_OPEN.search(text)):
        rest = None  # "20 on Friday and the rest when I can": one payment promised, nothing planned
    if terms.count is None and mask & _A_YEAR_BIT and (year := _A_YEAR.search(text)) is not None:
        terms.count = 12
        terms.spans.append(year.span())
    if terms.count is None and rest is None and mask & _OTHER_SUM_BIT:
        rest = _OTHER_SUM.search(text)
    if terms.count is None and (halves or rest is not None):
        terms.count, terms.count_strong, terms.rest = 2, True, True
        terms.halves = halves
    return terms
