"""Greetings and sign-offs around a message, set aside before it is read.

"Bonsoir madame, STOP merci", "Good evening, QUIT. Thanks.", "ok so eat sh*t, that's all": the words
that open or close a message out of habit say nothing of what it means, but a reader of words (the
rules' "merci" reads agreement, the model's n-grams see "thanks") weighs them all the same. The
understanding (rules and model) reads the message without them (`without_courtesy`), unless less than
two words would be left.
Operates on normalised text (`bot.nlu.normalise`: lower-case ASCII words, emoji as ``emo_*`` markers,
which are kept: "😡" says something).
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]  # the parser's own names (CPython 3.11+)
from re import _parser as P  # type: ignore[attr-defined]

_OPENING = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|coucou|hello|hi|hiya|hey|good (?:morning|afternoon|evening|day)|dear (?:sir or madam"
    r"|sir|madam|sirs|team|all)|madame monsieur|madame|monsieur|mesdames messieurs|messieurs|re|ok so|alors voila"
    r"|right so) )+"
)
_CLOSINGS = (
    r"merci(?: beaucoup| d avance| bien)?|thanks(?: a lot| in advance)?|many thanks|cheers|bonne (?:journee"
    r"|soiree|fin de journee|nuit|semaine|continuation)|have a (?:good|nice|great) (?:day|evening|one|weekend)"
    r"|that is all|voila c est tout|c est tout|cordialement|regards|best regards|kind regards"
)
_CLOSING = re.compile(rf"(?: (?:{_CLOSINGS}))+$")


def _phrases(items: list) -> list[str]:
    """Every string a parsed sequence of letters, groups, alternatives and optional parts matches."""
    found = [""]
    for op, av in items:
        if op is C.LITERAL:
            ends = [chr(av)]
        elif op is C.SUBPATTERN:
            ends = _phrases(list(av[3]))
        elif op is C.BRANCH:
            ends = [phrase for branch in av[1] for phrase in _phrases(list(branch))]
        elif op is C.MAX_REPEAT and av[:2] == (0, 1):
            ends = ["", *_phrases(list(av[2]))]
        else:
            raise ValueError(f"not a list of phrases: {op}")
        found = [head + end for head in found for end in ends]
    return found


# the phrases a closing may end a text with: a text ending with none of them has none to drop (`$` also
# matches before a final newline); the search of `_CLOSING`, tried at every space, is left out
_CLOSING_ENDS = tuple(_phrases(list(P.parse(_CLOSINGS))))


def without_courtesy(norm: str) -> str:
    """`norm` without the greetings that open it and the thanks or wishes that close it; as it is when
    fewer than two words would be left ("hey there", "great thx": one word is too little to read alone)."""
    kept = bare(norm)
    return kept if " " in kept else norm


def bare(norm: str) -> str:
    """`norm` without its greetings and thanks, however little is left ("good evening quit thanks": "quit")."""
    opened = _OPENING.sub("", norm)
    if not (opened[:-1] if opened.endswith("\n") else opened).endswith(_CLOSING_ENDS):
        return opened.strip()
    return _CLOSING.sub("", opened).strip()
