"""Dates in normalised debtor replies, resolved against `today`.

`find_dates(text, locale)` returns the date mentions of a normalised text (`bot.nlu.normalise`),
left to right, without resolving them; `DateMention.resolve(today, past=...)` turns one into a
`date`. The rules (also in `tests/nlu_corpus/README.md`):

- today / tonight / ce soir / maintenant = today; demain = +1; hier = -1; "dans 3 jours" = +3;
  "in two weeks" = +14; "3 days ago" / "il y a 3 jours" = -3; "next week" = next Monday;
- a weekday: the next one strictly after today (the previous one strictly before today when the
  payment is in the past, or with "dernier" / "last");
- a day of the month ("le 5", "the 5th"): the next one on or after today (the last one on or before
  today in the past tense); a day and month without year likewise; numeric dates are day-first in
  French, month-first in English unless the first number exceeds 12;
- end of month = its last day; "next month" / "début du mois prochain" = the first of next month.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.nlu.prefilter import INDEX, Anchored, gated
from bot.nlu.vocabulary import COUNTED_THINGS

MONTHS = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "january": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "february": 2,
    "feb": 2,
    "mars": 3,
    "march": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juin": 6,
    "june": 6,
    "jun": 6,
    "juillet": 7,
    "juil": 7,
    "july": 7,
    "jul": 7,
    "aout": 8,
    "august": 8,
    "aug": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "september": 9,
    "octobre": 10,
    "oct": 10,
    "october": 10,
    "novembre": 11,
    "nov": 11,
    "november": 11,
    "decembre": 12,
    "dec": 12,
    "december": 12,
}
WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_WEEKDAY_ABBREV = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:er|e|eme|st|nd|rd|th)?"
# "du mois", "of every month": what makes a day of the month recur ("tous les 5 du mois"; the plan's rhythm
# in `bot.nlu.installments` reads the same words)
OF_EVERY_MONTH = r"(?:du|de chaque|of the|of each|of every|of) (?:mois|month)"
_YEAR = r"(?:,? (\d{4}))?"
_NOT_UNIT = (
    r"(?! ?(?:eur|usd|gbp|fois|x\b|mois|jours?\b|j\b(?! (?:ai|avais|aurai|etais|y|en)\b)|semaines?|days?|weeks?"
    r"|months?|times|%|h\b|heures?|o clock|oclock|in the (?:morning|evening|afternoon)"
    r"|ans?\b|years?|payments?|installments?|versements?|paiements?|mensualites?|echeances?|a month"
    r"|a week|par (?:mois|semaine|an)|per (?:month|week|year)|/|k\b|am\b|pm\b|[.,]\d|\d"
    # "2 of the 3 invoices", "les 2 factures", "the 4 kids": things counted, not a day
    r"|" + COUNTED_THINGS + r"|others\b|autres\b|of us\b|d entre nous\b))"
)
_WEEKDAY_NAMES = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_PAST_WORDS = re.compile(r"^ (?:dernier|derniere|passe|passee|last)\b")
_NEXT_WORDS = re.compile(r"^ (?:prochain|prochaine|next|qui vient)\b")


@dataclass(frozen=True, slots=True)
class DateMention:
    """One date expression in a text: its span, what it says, and a forced tense if any."""

    start: int
    end: int
    kind: str  # offset, months, weekday, day, monthday, full, eom, som, month_part, next_monday
    a: int = 0
    b: int = 0
    c: int = 0
    tense: int = 0  # +1 future forced ("prochain"), -1 past forced ("dernier", "ago"), 0 from context

    def resolve(self, today: date, *, past: bool = False) -> date | None:
        """The calendar date this mention means, seen from `today`."""
        backwards = self.tense < 0 or (self.tense == 0 and past)
        try:
            return _RESOLVERS[self.kind](self, today, backwards)
        except (ValueError, OverflowError):
            return None


@lru_cache(maxsize=4096)
def _last_day(year: int, month: int) -> int:
    """The number of days of `month` (remembered: resolving a day of the month asks it of month after month)."""
    return calendar.monthrange(year, month)[1]


def add_months(d: date, months: int) -> date:
    """`d` moved by whole months, the day clamped to the month's length."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, _last_day(year, month + 1)))


def _offset(m: DateMention, today: date, backwards: bool) -> date:
    return today + timedelta(days=m.a)


def _months(m: DateMention, today: date, backwards: bool) -> date:
    return add_months(today, m.a)


def _weekday(m: DateMention, today: date, backwards: bool) -> date:
    step = -1 if backwards else 1
    delta = (m.a - today.weekday()) * step % 7 or 7
    return today + timedelta(days=delta * step)


def _day(m: DateMention, today: date, backwards: bool) -> date | None:
    """Day `a` of the month; `b` = months ahead when said ("le 5 du mois prochain")."""
    if m.b:
        base = add_months(today.replace(day=1), m.b)
        return base.replace(day=m.a) if m.a <= _last_day(base.year, base.month) else None
    step = -1 if backwards else 1
    year, month = today.year, today.month
    for _ in range(14):
        if m.a <= _last_day(year, month):
            candidate = date(year, month, m.a)
            if (candidate >= today) if step > 0 else (candidate <= today):
                return candidate
        month += step
        year, month = (year + 1, 1) if month == 13 else (year - 1, 12) if month == 0 else (year, month)
    return None


def _monthday(m: DateMention, today: date, backwards: bool) -> date | None:
    """Day `a` of month `b`, the next (or last) one; leap days wait for a leap year."""
    years = range(today.year - 1, today.year - 9, -1) if backwards else range(today.year + 1, today.year + 9)
    for year in (today.year, *years):
        if m.a <= _last_day(year, m.b):
            candidate = date(year, m.b, m.a)
            if (candidate <= today) if backwards else (candidate >= today):
                return candidate
    return None


def _full(m: DateMention, today: date, backwards: bool) -> date:
    return date(m.c, m.b, m.a)


def _eom(m: DateMention, today: date, backwards: bool) -> date:
    d = add_months(today.replace(day=1), m.a)
    return d.replace(day=_last_day(d.year, d.month))


def _som(m: DateMention, today: date, backwards: bool) -> date:
    return add_months(today.replace(day=1), max(m.a, 1))


def _month_part(m: DateMention, today: date, backwards: bool) -> date | None:
    """Start (a=1), middle (a=15) or end (a=0) of month `b`, the next one not yet over."""
    for year in (today.year, today.year + 1):
        day = m.a or _last_day(year, m.b)
        candidate = date(year, m.b, day)
        end = date(year, m.b, _last_day(year, m.b))
        if end >= today:
            return candidate if candidate >= today or m.a == 0 else today
    return None


def _next_monday(m: DateMention, today: date, backwards: bool) -> date:
    return today + timedelta(days=7 - today.weekday())


_RESOLVERS = {
    "offset": _offset,
    "months": _months,
    "weekday": _weekday,
    "day": _day,
    "monthday": _monthday,
    "full": _full,
    "eom": _eom,
    "som": _som,
    "month_part": _month_part,
    "next_monday": _next_monday,
}


def _n(value: str) -> int:
    return int(value) if value.isdecimal() else 1


_DAY_UNITS = {
    "jour": 1,
    "jours": 1,
    "j": 1,
    "day": 1,
    "days": 1,
    "semaine": 7,
    "semaines": 7,
    "sem": 7,
    "week": 7,
    "weeks": 7,
    "fortnight": 14,
    "fortnights": 14,
}
_MONTH_UNITS = {"mois", "month", "months"}
_TODAY = (
    r"aujourdhui|ce soir|ce matin|cet apres ?midi|cet aprem|cette apres ?midi|ce midi|tout de suite|dans la journee"
    r"|d ici ce soir|at lunchtime|this lunchtime|later today|by tonight|end of today|end of the day"
    r"|(?<!jusqu a )maintenant|immediatement|today|tonight|this (?:morning|afternoon|evening)"
    r"|right away|straight away|immediately|(?<!for )(?<!until )(?<!till )(?<!by )\bnow\b"
    # within the day: "réglé ce jour", "à l'instant", "tout à l'heure", "an hour ago", "in about an hour"
    r"|(?<!a )\bce jour\b(?! la\b)|a l instant|tout a l heure"
    r"|(?:an|one|1|2|two|3|three|a few|few|a couple of|couple of) (?:hours?|hrs?|minutes?|mins?) ago"
    r"|(?:a|\d+) (?:minutes?|mins?) ago|il y a (?:une|\d+|deux|trois|quelques) (?:heures?|minutes?|min)\b"
    r"|in (?:about |around )?(?:an|1|one|2|two|a couple of) (?:hours?|hrs?)\b|dans (?:une|1|2|deux) heures?\b"
)

_TODAY_WORDS = re.compile(rf"\b(?:{_TODAY})")

# (pattern, builder) in priority order; a builder maps a match to a DateMention or None
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b"), "numeric3"),
    # not a fraction: "2/3 of it", "1/3 de la somme"
    (
        re.compile(
            r"(?<![\d.,/-])\b(\d{1,2})[/-](\d{1,2})\b(?![/.,-]?\d)"
            r"(?! (?:of|de la|du montant|de ma|de mon|de la somme|des)\b)"
        ),
        "numeric2",
    ),
    # Swiss and German day.month after its article: "payée le 22.05", "au 15.06" (day first in either language)
    (
        re.compile(
            r"\b(?:le|du|au|on|on the|dated|en date du) (\d{1,2})\.(\d{1,2})\b(?![.,]?\d)"
            r"(?! ?(?:eur|usd|gbp|%|fois|x)\b)"
        ),
        "dotted2",
    ),
    (
        # "fin avril", "à la fin du mois d'avril", "début du mois de mars"
        re.compile(
            rf"\b(debut|fin|mi|milieu|end of|beginning of|start of|mid|early|late|the end of)"
            rf" ?(?:(?:du )?mois (?:d|de) )?({_MONTH})\b"
        ),
        "month_part",
    ),
    # "50 a month from January", "à partir de mars", "starting in May": the plan starts on the month's first day
    (
        re.compile(
            r"\b(?:from|starting|starting in|starting from|beginning in|as of|as from|a partir de|a partir d|des)"
            rf" ({_MONTH})\b(?! \d)"
        ),
        "from_month",
    ),
    (re.compile(rf"\b(?:{_WEEKDAY_NAMES}) (\d{{1,2}}){_ORD}(?: of| de)? ({_MONTH})\b{_YEAR}"), "day_month"),
    (re.compile(rf"\b(\d{{1,2}}){_ORD}(?: of| de)? ({_MONTH})\b{_YEAR}"), "day_month"),
    # "le 2 du mois prochain": before "mois prochain" alone takes the words
    (
        re.compile(
            rf"\b(?:le|the|on the|by the) (\d{{1,2}}){_ORD}( (?:du|of the|of) (?:mois|month)"
            rf" (?:prochain|next|dernier|precedent|passe)| of (?:next|last|the previous|the last) month"
            rf"| du mois (?:prochain|dernier|precedent))\b"
        ),
        "day",
    ),
    # "en juillet (23 ans de boîte)", "March 12 years ago": a number of years or people, not a day; "en septembre,
    # une fois pour ...": an occasion
    (
        re.compile(
            rf"\b({_MONTH}) (?:the )?(\d{{1,2}}){_ORD}\b"
            rf"(?! ?(?:eur|usd|gbp|%|ans?\b|years?\b|yrs?\b|fois\b|times\b|{COUNTED_THINGS})){_YEAR}"
        ),
        "month_day",
    ),
    # fixed feast days said by name: "on Christmas Eve", "la veille de Noël", "le jour de l'an"
    (
        re.compile(
            r"(?<!before )(?<!after )(?<!avant )(?<!apres )(?<!until )(?<!since )(?<!depuis )(?<!merry )(?<!happy )"
            r"(?<!c est la )(?<!c est le )(?<!it is )(?<!its )"
            r"\b(?:christmas eve|xmas eve|veille de noel|christmas day|xmas day|jour de noel|boxing day|new years? eve"
            r"|saint sylvestre|st sylvestre|reveillon du nouvel an|new years? day|jour de l an)\b"
        ),
        "feast",
    ),
    (re.compile(r"\b(?:day after tomorrow|apresdemain)\b"), "+2"),
    (re.compile(r"\b(?:day before yesterday|avanthier)\b"), "-2"),
    (re.compile(r"\b(?:demain|tomorrow)\b"), "+1"),
    (re.compile(r"\b(?:hier|yesterday|last night|hier soir)\b"), "-1"),
    (_TODAY_WORDS, "+0"),
    # "je viens de payer", "I just paid", "je suis en train de faire le virement" (not "je viens de voir votre SMS")
    (
        re.compile(
            r"\bje viens d(?:e|e vous|e le|e la|e les|e l)? ?(?:payer|regler|faire|effectuer|envoyer|virer|verser"
            r"|proceder|lancer|passer|valider|transferer|rembourser|solder|programmer)\b"
            r"|\bjust (?:paid|sent|transferred|made|did|wired|settled)\b"
            r"|\ben train de (?:faire|payer|regler|virer|verser|effectuer|proceder|valider|envoyer|lancer)\b"
        ),
        "+0",
    ),
    # "sous huitaine", "dans une quinzaine": a week, two weeks
    (re.compile(r"\b(?:sous|dans|d ici) (?:une )?huitaine\b"), "+7"),
    (re.compile(r"\b(?:sous|dans|d ici) (?:une )?quinzaine\b"), "+14"),
    (
        re.compile(
            r"\b(?:dans|d ici|sous|in|within) (\d+|a|an|one) ?(jours?|j|semaines?|sem|days?|weeks?|fortnights?)\b"
        ),
        "in_days",
    ),
    (re.compile(r"\b(?:dans|d ici|in) (\d+|a|an|one) (mois|months?)\b"), "in_months"),
    (re.compile(r"\b(\d+|a|an|one) (days?|weeks?) from now\b"), "in_days_rev"),
    (
        re.compile(
            r"\b(?:laissez|laisse|donnez|donne|accordez|give|allow)(?: moi| me| nous| us)? (\d+) "
            r"(jours?|days?|semaines?|weeks?)\b"
        ),
        "in_days",
    ),
    (re.compile(r"\bil y a (\d+|une?) (jours?|semaines?)\b|\b(\d+|a|an|one) (days?|weeks?) ago\b"), "ago"),
    # "c'est payé depuis 2 jours": paid that long ago (not "au chômage depuis 2 semaines")
    (
        re.compile(
            r"(?:(?<=\bpaye )|(?<=\bpayee )|(?<=\bregle )|(?<=\breglee )|(?<=\bvire )|(?<=\benvoye )"
            r"|(?<=\beffectue )|(?<=\bparti ))depuis (\d+|une?) (jours?|semaines?)\b"
        ),
        "ago",
    ),
    (re.compile(r"\b(?:semaine prochaine|next week)\b"), "next_week"),
    (
        re.compile(
            r"\b(?:(?:a la |en )?fin (?:du |de |de ce )?mois|(?:the |by the )?end of (?:the |this )?month"
            r"|month end|end of next month|eom)( prochain)?\b"
        ),
        "eom",
    ),
    (
        re.compile(
            r"\b(?:debut (?:du |de )?mois|(?:the )?(?:start|beginning) of (?:the )?month)( prochain)?\b"
            r"|\b(?:the )?(?:start|beginning) of next month\b|\bearly next month\b"
        ),
        "som",
    ),
    (re.compile(r"\b(?:le )?mois prochain\b|\bnext month\b"), "next_month"),
    (re.compile(r"\b(?:mi mois|milieu du mois|mid month|middle of the month)\b"), "mid_month"),
    # "le mardi 3", "lundi 21", "Friday the 12th": the weekday names the day of the month
    (re.compile(rf"\b(?:le )?(?:{_WEEKDAY_NAMES}) (\d{{1,2}})(?:er|e|eme)?\b{_NOT_UNIT}"), "day"),
    (re.compile(rf"\b(?:{_WEEKDAY_NAMES}) (?:the )?(\d{{1,2}})(?:st|nd|rd|th)\b"), "day"),
    (
        re.compile(
            r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday"
            r"|friday|saturday|sunday)s?\b"
        ),
        "weekday",
    ),
    (
        re.compile(
            r"\b(?:on|by|next|this|last|until|till|pay|paying|paid|send|sending|sent|transfer|transferring|settle"
            r"|settling) (mon|tues?|wed|thu|thurs?|fri|sat|sun)\b"
        ),
        "weekday_abbrev",
    ),
    (
        re.compile(
            rf"\b(?:le|the|on the|by the|on|by|avant le|before the|until the|jusqu au|au|du|a partir du"
            rf"|des le|from the|starting the|starting on the|starting on|starting|commencant le)"
            rf" (\d{{1,2}}){_ORD}\b{_NOT_UNIT}( (?:du|of the|of) (?:mois|month)( prochain)?| of next month)?"
        ),
        "day",
    ),
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er)\b"), "day"),
    # "tous les 5 du mois", "every 20th of the month": the next such day
    (
        re.compile(rf"\b(?:tous les|tout les|chaque|every|each) (\d{{1,2}}){_ORD}(?= {OF_EVERY_MONTH}\b)"),
        "day",
    ),
]


def _build(kind: str, m: re.Match[str], locale: str) -> DateMention | None:
    """The mention for a match of pattern `kind`, or None when it is not a valid date."""
    s, e = m.span()
    if kind[0] in "+-" and kind[1:].isdigit():
        return DateMention(s, e, "offset", int(kind), tense=-1 if kind[0] == "-" else 0)
    return _BUILDERS[kind](m, s, e, locale)


def _iso(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    return _valid_full(s, e, int(m[3]), int(m[2]), int(m[1]))


def _numeric3(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    day, month = _day_month_order(int(m[1]), int(m[2]), locale)
    year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    return _valid_full(s, e, day, month, year)


def _numeric2(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    return _numeric_day(s, e, *_day_month_order(int(m[1]), int(m[2]), locale))


def _dotted2(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    return _numeric_day(s, e, int(m[1]), int(m[2]))  # day first in either language


def _numeric_day(s: int, e: int, day: int, month: int) -> DateMention | None:
    """A day of a month written in figures, if there is such a month (and such a day in it)."""
    return _calendar_day(s, e, day, month, None) if 1 <= month <= 12 else None


def _day_month_order(first: int, second: int, locale: str) -> tuple[int, int]:
    """French writes day/month; English month/day unless the first number cannot be a month."""
    if locale == "en" and first <= 12 and second <= 31 and not second <= 12 < first:
        return second, first
    return first, second


def _valid_full(s: int, e: int, day: int, month: int, year: int) -> DateMention | None:
    try:
        date(year, month, day)
    except ValueError:
        return None
    return DateMention(s, e, "full", day, month, year)


def _month_part_b(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    part = m[1]
    day = 1 if part in ("debut", "beginning of", "start of", "early") else 15 if part in ("mi", "milieu", "mid") else 0
    return DateMention(s, e, "month_part", day, MONTHS[m[2]])


def _day_month(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    return _calendar_day(s, e, int(m[1]), MONTHS[m[2]], m[3])


def _month_day(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    return _calendar_day(s, e, int(m[2]), MONTHS[m[1]], m[3])


def _calendar_day(s: int, e: int, day: int, month: int, year: str | None) -> DateMention | None:
    if year:
        return _valid_full(s, e, day, month, int(year))
    if not 1 <= day <= _last_day(2028, month):
        return None
    return DateMention(s, e, "monthday", day, month)


# French counts weeks in "huit jours" and "quinze jours": one and two weeks
_FRENCH_WEEKS = {8: 7, 15: 14}


def _in_days(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    count, unit = _n(m[1]), m[2]
    if unit.startswith("j") and count in _FRENCH_WEEKS:
        count = _FRENCH_WEEKS[count]
    return DateMention(s, e, "offset", count * _DAY_UNITS[unit])


def _in_months(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    return DateMention(s, e, "months", _n(m[1]))


def _feast(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    words = set(m[0].split())
    new_year = bool(words & {"new", "nouvel", "sylvestre", "an"})
    if words & {"eve", "veille", "reveillon", "sylvestre"}:
        day, month = (31, 12) if new_year else (24, 12)
    elif "boxing" in words:
        day, month = 26, 12
    else:
        day, month = (1, 1) if new_year else (25, 12)
    return DateMention(s, e, "monthday", day, month)


def _ago(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    count, unit = (m[1], m[2]) if m[1] else (m[3], m[4])
    return DateMention(s, e, "offset", -_n(count) * _DAY_UNITS[unit], tense=-1)


def _eom_b(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    ahead = 1 if (m[1] or "next month" in m[0]) else 0
    return DateMention(s, e, "eom", ahead)


def _som_b(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    return DateMention(s, e, "som", 1)


def _weekday_b(m: re.Match[str], s: int, e: int, locale: str) -> DateMention:
    text = m.string
    tense = -1 if _PAST_WORDS.match(text[e:]) or re.search(r"\blast $", text[max(0, s - 5) : s]) else 0
    if not tense and (_NEXT_WORDS.match(text[e:]) or re.search(r"\bnext $", text[max(0, s - 5) : s])):
        tense = 1
    return DateMention(s, e, "weekday", WEEKDAYS.get(m[1], _WEEKDAY_ABBREV.get(m[1], 0)), tense=tense)


def _day_b(m: re.Match[str], s: int, e: int, locale: str) -> DateMention | None:
    day = int(m[1])
    if not 1 <= day <= 31:
        return None
    said = m[2] if m.lastindex and m.lastindex >= 2 and m[2] else ""
    # "le 5 du mois prochain": a month ahead; "le 15 du mois dernier", "the 3rd of last month": a month back
    ahead = 1 if ("prochain" in said or "next" in said) else -1 if _MONTH_BACK.search(said) else 0
    return DateMention(s, e, "day", day, ahead, tense=-1 if ahead < 0 else 0)


_MONTH_BACK = re.compile(r"\b(?:dernier|precedent|passe|last|previous)\b")


_BUILDERS = {
    "iso": _iso,
    "numeric3": _numeric3,
    "numeric2": _numeric2,
    "dotted2": _dotted2,
    "month_part": _month_part_b,
    "from_month": lambda m, s, e, loc: DateMention(s, e, "month_part", 1, MONTHS[m[1]]),
    "day_month": _day_month,
    "month_day": _month_day,
    "in_days": _in_days,
    "in_days_rev": _in_days,
    "in_months": _in_months,
    "feast": _feast,
    "ago": _ago,
    "eom": _eom_b,
    "som": _som_b,
    "next_month": lambda m, s, e, loc: DateMention(s, e, "som", 1),
    "next_week": lambda m, s, e, loc: DateMention(s, e, "next_monday"),
    "mid_month": lambda m, s, e, loc: DateMention(s, e, "day", 15),
    "weekday": _weekday_b,
    "weekday_abbrev": _weekday_b,
    "day": _day_b,
}


# each pattern with its bit in the literal index: none of the literals its matches begin with in
# the text, the pattern is not tried; else it is matched only where those literals start (`Anchored`).
# The words for today are many ("ce soir", "now", "an hour ago"): each is tried only where its own
# beginnings stand (`gated`: the literals of all of them together are short, "ce ", "now", "an ", and
# the whole alternation was tried wherever one stood)
_GUARDED = [
    (anchored.bit, anchored, kind)
    for pattern, kind in _PATTERNS
    for anchored in (gated(pattern, r"\b", "") if pattern is _TODAY_WORDS else Anchored(pattern, INDEX),)
]
_BY_BIT = {bit: (anchored.finditer, kind) for bit, anchored, kind in _GUARDED}
_ALL = sum(_BY_BIT)


def find_dates(text: str, locale: str = "fr") -> list[DateMention]:
    """The date mentions of a normalised text, left to right, never overlapping."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    mask = INDEX.mask(text) & _ALL
    while mask:  # the patterns that may match, lowest bit (first in priority) first
        bit = mask & -mask
        mask ^= bit
        finditer, kind = _BY_BIT[bit]
        for match in finditer(text):
            s, e = match.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            mention = _build(kind, match, locale)
            if mention is not None:
                found.append(mention)
                taken.append((s, e))
    return sorted(found, key=lambda d: d.start)
