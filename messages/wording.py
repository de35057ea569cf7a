"""Words a debtor must never read before the formal notice: threats and misleading legal talk.

Amicable reminders may say that a formal notice (mise en demeure) will follow; they must not
mention bailiffs, courts, police, seizure, lawyers or the like, which would be threatening or
misleading at that stage (product.md: never harassment). The formal notice itself may name the
court procedure. Matching ignores case and accents and works on whole words or word stems.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

THREATENING_WORDS: dict[str, tuple[str, ...]] = {
    "fr": (
        r"huissiers?",
        r"commissaires? de justice",
        r"tribunal",
        r"tribunaux",
        r"juges?",
        r"juridictions?",
        r"police",
        r"gendarm\w*",
        r"prisons?",
        r"emprisonn\w*",
        r"incarcer\w*",
        r"arrestations?",
        r"saisi\w*",
        r"poursuites?",
        r"poursuivre",
        r"judiciaires?",
        r"avocats?",
        r"plaintes?",
        r"penal\w*",
        r"condamn\w*",
        r"casier",
        r"fich(?:age|e|es|er)",
        r"ficp",
        r"banque de france",
        r"interdit bancaire",
        r"contentieux",
        r"injonction",
        r"assignation",
        r"proces",
        r"amendes?",
        r"expulsion",
        r"execution forcee",
        r"recouvrement force",
        r"dernier avertissement",
        r"sous peine",
        r"menac\w*",
    ),
    "en": (
        r"bailiffs?",
        r"enforcement",
        r"courts?",
        r"judges?",
        r"lawsuits?",
        r"sue[sd]?",
        r"suing",
        r"legal action",
        r"legal proceedings?",
        r"lawyers?",
        r"attorneys?",
        r"solicitors?",
        r"police",
        r"prisons?",
        r"jail\w*",
        r"arrest\w*",
        r"criminal\w*",
        r"prosecut\w*",
        r"warrants?",
        r"seiz\w*",
        r"garnish\w*",
        r"repossess\w*",
        r"judg(?:e)?ments?",
        r"credit (?:score|rating|report|file)",
        r"blacklist\w*",
        r"final warning",
        r"or else",
        r"threat\w*",
    ),
}


def _fold(text: str) -> str:
    """Lower case without accents, so that `Saisie` and `saisie` and `saisíe` match alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8)
def _pattern(language: str) -> re.Pattern[str]:
    words = THREATENING_WORDS[language]
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


def threatening_words(text: str, language: str) -> list[str]:
    """The threatening or misleading words found in `text` (empty when the text is fine)."""
    return sorted({m.group(0) for m in _pattern(language).finditer(_fold(text))})
