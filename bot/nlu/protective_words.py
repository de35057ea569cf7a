"""The words the protective rules are written with, as targets of typo correction.

`bot.nlu.normalise` corrects a slip of the thumb towards a list of keywords (`vocabulary.TYPO_TARGETS`,
kept by hand). A request to stop, a dispute, a difficulty, a wrong number, a wish for a person or a
threat is read by rules whose words are many more than that list: "cessez de me relanecr", "the
conract was 12 months", "inconu au bataillon" lost their protective reading to one swapped, doubled or
extra letter. These words, taken from the patterns themselves, are corrected towards too — but only for
a swap or an extra letter (`normalise._near_keyword`), not for a dropped one: a valid word is often
another word with a letter dropped ("compter" is "computer" without its u, "casse" is "caisse" without
its i), rarely with two letters swapped or one added.
"""

from __future__ import annotations

import re

from bot.nlu import intent_patterns, sensitive

# a run of six letters or more that the pattern spells out whole: not a stem ("desinscri\w*"), not a word
# whose last letter is optional or repeated ("messages?"), not the first letters of an alternation in a group
_LITERAL_WORD = re.compile(r"(?<![\\a-z])([a-z]{6,})(?![a-z?*+{(\[]|\\w)")
_PROTECTIVE = ("OPT_OUT", "DISPUTE", "HARDSHIP", "HUMAN", "WRONG_PERSON")


def _sources() -> list[str]:
    texts: list[str] = []
    for name in _PROTECTIVE:
        pattern = getattr(intent_patterns, name)
        texts.extend(getattr(pattern, "branches", None) or [pattern.pattern])
    texts.extend(p.pattern for p in (sensitive.THREAT, sensitive.VEILED, sensitive.BEREAVEMENT))
    return texts


def protective_words() -> frozenset[str]:
    """Every whole word of six letters or more spelled out in the protective patterns."""
    return frozenset(m.group(1) for text in _sources() for m in _LITERAL_WORD.finditer(text))
