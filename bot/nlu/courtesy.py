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

_OPENING = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|coucou|hello|hi|hiya|hey|good (?:morning|afternoon|evening|day)|dear (?:sir or madam"
    r"|sir|madam|sirs|team|all)|madame monsieur|madame|monsieur|mesdames messieurs|messieurs|re|ok so|alors voila"
    r"|right so) )+"
)
_CLOSING = re.compile(
    r"(?: (?:merci(?: beaucoup| d avance| bien)?|thanks(?: a lot| in advance)?|many thanks|cheers|bonne (?:journee"
    r"|soiree|fin de journee|nuit|semaine|continuation)|have a (?:good|nice|great) (?:day|evening|one|weekend)"
    r"|that is all|voila c est tout|c est tout|cordialement|regards|best regards|kind regards))+$"
)


def without_courtesy(norm: str) -> str:
    """`norm` without the greetings that open it and the thanks or wishes that close it; as it is when
    fewer than two words would be left ("hey there", "great thx": one word is too little to read alone)."""
    kept = bare(norm)
    return kept if " " in kept else norm


def bare(norm: str) -> str:
    """`norm` without its greetings and thanks, however little is left ("good evening quit thanks": "quit")."""
    return _CLOSING.sub("", _OPENING.sub("", norm)).strip()
