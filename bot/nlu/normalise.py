"""Text normalisation for SMS-style debtor replies.

`normalise(text, locale)` returns lower-case ASCII words separated by single spaces: accents
stripped, apostrophes and contractions expanded ("can't" -> "can not", "j'ai" -> "j ai"), SMS
abbreviations spelled out ("jpp" -> "je peux pas", "tmrw" -> "tomorrow"), common typos fixed
(distance-1 corrections towards a list of keywords), emoji turned into marker words
(``emo_yes``, ``emo_no``, ``emo_insult``…), currency symbols turned into ``eur``/``usd``/``gbp``,
phone numbers into ``phone``, and number words into digits (`bot.nlu.numbers`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.nlu.numbers import words_to_digits
from bot.nlu.prefilter import INDEX, Substitutions, char_gate
from bot.nlu.protective_words import protective_words
from bot.nlu.vocabulary import (
    ABBREVIATIONS,
    ELISIONS,
    KNOWN_WORDS,
    LOCALE_ABBREVIATIONS,
    TYPO_TARGETS,
    TYPOS,
)

EMOJI = {
    "emo_yes": "👍👌✅✔☑🆗🤝🙆💯",
    "emo_no": "👎❌🚫🙅⛔✖",
    "emo_insult": "🖕🤬💩",
    "emo_sad": "😢😭😞😔😟🥺😥😩😫",
    "emo_please": "🙏",
    "emo_money": "💰💸💶💵💷💳",
    "emo_weapon": "🔪🔫💣🪓🗡⚔🧨⚰",  # not 💀 or ☠: "I'm dead" is laughter
}
_EMOJI_MAP = {ch: f" {name} " for name, chars in EMOJI.items() for ch in chars}
_CURRENCY = {"€": " eur ", "$": " usd ", "£": " gbp ", "¥": " jpy ", "₦": " ngn ", "₹": " inr ", "₵": " ghs "}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
# the ASCII characters of `_APOSTROPHES` ("`"): all it can change in an ASCII text
_ASCII_APOSTROPHES = [
    (chr(code), "" if to is None else to if isinstance(to, str) else chr(to))
    for code, to in _APOSTROPHES.items()
    if code < 128
]
_SPECIAL = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})

_PHONE = re.compile(r"(?:\+\d{1,3}[ .-]?|\b0)\d(?:[ .-]?\d){8,}\b")
_MAY_HOLD_PHONE = char_gate(_PHONE)
_EN_CONTRACTIONS = [
    (re.compile(r"\b(can|ca)(?:'t| t|nt|not)\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    # "don't", "dont", and "don t" as some keyboards split it
    (re.compile(r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must|need)n(?:'| )?t\b"), r"\1 not"),
    (re.compile(r"\b(i|you|we|they|he|she|it|that|there)'ll\b"), r"\1 will"),
    (re.compile(r"\b(i|you|we|they)'ve\b"), r"\1 have"),
    (re.compile(r"\b(i|you|we|they|he|she)'d\b"), r"\1 would"),
    (re.compile(r"\b(you|we|they)'re\b"), r"\1 are"),
    (re.compile(r"\bi'?m\b"), "i am"),
    (re.compile(r"\b(it|that|what|there|he|she|who|where|how|here|this)'s\b"), r"\1 is"),
    (re.compile(r"\b(let)'s\b"), r"\1 us"),
    (re.compile(r"'s\b"), ""),
]
# apostrophe-less SMS forms that are unambiguous only in English
_EN_BARE = {
    "cant": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "wasnt": "was not",
    "wont": "will not",
    "havent": "have not",
    "hasnt": "has not",
    "arent": "are not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "thats": "that is",
    "whats": "what is",
    "theres": "there is",
    "its": "it is",
    "lets": "let us",
    "id": "i would",
}
_ILL_AS_I_WILL = re.compile(
    r"\bill (?=(?:pay|send|transfer|wire|settle|sort|do|make|be|get|try|call|have|mail|clear|give)\b)"
)
_TOKEN = re.compile(
    r"emo_[a-z]+|\d+h\d{2}\b|[a-z]+\d[a-z\d]*(?:[-/][a-z\d]+)*|\d[a-z]+\d[a-z\d]*(?:[-/][a-z\d]+)*|\d+(?:[.,/:-]\d+)*[a-z]*|[a-z]+|[?#/%]"
)
_PHRASES = [
    (re.compile(r"\bje peu\b"), "je peux"),
    (re.compile(r"\bje ve\b"), "je vais"),  # "je vé payé lundi"
    # "check no. 100244", "invoice no 5521": a number's abbreviation, not a "no"
    (
        re.compile(
            r"\b(check|cheque|invoice|facture|ref|reference|order|account|po|avoir|bill|commande|contract|contrat"
            r"|dossier|case|file|receipt|transaction) no (?=\d)"
        ),
        r"\1 numero ",
    ),
    # Belgian "savoir" for "pouvoir": "je sais verser nonante euros par mois", "je sais vous payer 50"
    (
        re.compile(
            r"\bje sais (?=(?:vous |te |lui )?(?:payer|verser|regler|donner|mettre|rembourser|virer|avancer)\b)"
        ),
        "je peux ",
    ),
    # Scots "ah" for "I": "ah'll pay it the morra", "ah can pay"
    (re.compile(r"\bah ll\b"), "i will"),
    (
        re.compile(
            r"\bah (?=(?:will|can|cannot|cannae|canny|am|have|paid|pay|did|do|dinnae|didnae|need|want|sent)\b"
            r"(?! you\b))"
        ),
        "i ",
    ),
    (re.compile(r"\bc est (?=est\b|etait\b)"), "c "),
    (re.compile(r"\baujourd hui\b|\baujourd\b"), "aujourdhui"),
    (re.compile(r"\bapres demain\b"), "apresdemain"),
    (re.compile(r"\bavant hier\b"), "avanthier"),
    (re.compile(r"\bs il (?:vous|te) plait\b|\bsil (?:vous|te) plait\b"), "svp"),
    (re.compile(r"\bquelqu un\b|\bquelquun\b"), "quelqu_un"),
    (re.compile(r"\bpar cb\b|\ben cb\b"), "par carte"),
    (re.compile(r"\bd acc\b|\bd accord\b"), "d_accord"),
    (re.compile(r"\b(\d+) (balles?|boules?)\b"), r"\1 eur"),
    (
        # "(?=\d)" first: the look-behinds are tried only before a digit (the same matches, found ~8 times faster
        # in a long text)
        re.compile(
            r"(?=\d)(?<!\ble )(?<!\bla )(?<!\bau )(?<!\bdu )\b(\d+)(?:e|eu|eur|euro|euros)\b"
            r"(?! (?:fois|jour|semaine|mois|relance|message|rappel|etage|annee))"
        ),
        r"\1 eur",
    ),
    (re.compile(r"\b(?:euros?|eur)\b"), "eur"),
    (re.compile(r"\b(\d+)(?:usd|dollars?|bucks?)\b"), r"\1 usd"),
    (re.compile(r"\b(?:dollars?|bucks?|usd)\b"), "usd"),
    (re.compile(r"\b(?:rupees?|rs)\b"), "inr"),
    (re.compile(r"\b(?:f ?cfa|cfa|francs cfa)\b"), "xof"),
    (re.compile(r"\bnaira\b"), "ngn"),
    (re.compile(r"\b(?:a |one )?fiver\b"), "5 gbp"),
    (re.compile(r"\b(?:a |one )?tenner\b"), "10 gbp"),
    (re.compile(r"\bgimme\b"), "give me"),
    (re.compile(r"\b(\d+)(?:gbp|quid)\b"), r"\1 gbp"),
    (re.compile(r"\b(?:pounds?|quid|gbp)\b"), "gbp"),
    # SMS spellings of the things counted after a number: "2 semaine", "15 jour" ("15j", "3 jrs" became these
    # word by word), "sur 10 moi"; "moi" is also "mois" after a word that only takes a month ("fin du moi",
    # "chaque moi"). Led by the words, not the number: a text's digits would wake the steps up everywhere
    (re.compile(r"(?<=\d)(?<!\b1) (jour|semaine)\b"), r" \1s"),
    (re.compile(r"(?<=\d) moi\b(?! (?:meme|aussi|non plus)\b)"), " mois"),
    (re.compile(r"\b(?:un|une) moi\b(?! (?:meme|aussi|non plus)\b)"), "1 mois"),
    (re.compile(r"\b(fin|debut|milieu|mi|courant|chaque|ce|du|au) moi\b(?! meme\b)"), r"\1 mois"),
    (re.compile(r"\ble moi (?=prochain|dernier|suivant|ci)\b"), "le mois "),
    # "30 eur par moi", "1 par moi", "possible de payer par moi ?": per month ("payé par moi", "par
    # moi-même": by me)
    (re.compile(r"(?<=\d)((?: (?:eur|usd|gbp|chf|fois))?) par moi\b(?! meme\b)"), r"\1 par mois"),
    (
        re.compile(
            r"\b((?:possible de|peux|pourrais|pourrai|peut|veux|voudrais|voudrai|aimerais|prefere|prefererais|faut)"
            r" (?:vous )?(?:payer|paye|regler|rembourser|verser|virer)) par moi\b(?! meme\b)"
        ),
        r"\1 par mois",
    ),
    (re.compile(r"/ ?moi\b"), "/ mois"),
    # "tou les 15 jours", "tt les mois", "tte les 2 semaines": the rhythm's "tous les", "toutes les"
    (re.compile(r"\b(?:tou|tout|toute|toutes) les (?=(?:\d+ |deux |quinze )?(?:jours|mois)\b)"), "tous les "),
    (re.compile(r"\b(?:tou|tout|tous|toute) les (?=(?:\d+ |deux )?semaines\b)"), "toutes les "),
    # "le 15 du mois suivant", "the 15th of the following month": of next month
    (re.compile(r"(?:(?<=\d)|(?<=\der)|(?<=\de)) du mois suivant\b"), " du mois prochain"),
    (re.compile(r"(?:(?<=\d)|(?<=\dst)|(?<=\dnd)|(?<=\drd)|(?<=\dth)) of the following month\b"), " of next month"),
    # "y a 10 jours" (and "ya", spelled "il y a" by the French word list): ago
    (re.compile(r"(?<!\bil )\by a (?=(?:\d+|une?|quelques) (?:jours|semaines|mois)\b)"), "il y a "),
    # "a week from today", "a week today", "a week tomorrow" (British): a day a week away
    (re.compile(r"\b(?:a|1|one) week (?:from )?today\b"), "in 7 days"),
    (re.compile(r"\b(?:a|1|one) week (?:from )?tomorrow\b"), "in 8 days"),
    (re.compile(r"\bthank you\b"), "thanks"),
    (re.compile(r"\bright now\b"), "now"),
]
# each substitution skipped when the literals its matches begin with are absent (same result, faster)
_CONTRACTION_SUBS = Substitutions([*_EN_CONTRACTIONS, (_ILL_AS_I_WILL, "i will ")])
# in the shared index: the text these steps leave is most often the normalised text, scanned once for them and
# for the entity finders and rules that read it next
_PHRASE_SUBS = Substitutions(_PHRASES, INDEX)


class _WithoutMarks(dict[int, int | None]):
    """A `str.translate` table dropping combining marks, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        if len(self) < 20_000:  # bounded: a text cannot make it grow without end
            self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks()
# emoji and currency symbols to words in one `str.translate`
_SYMBOLS = str.maketrans({**_EMOJI_MAP, **_CURRENCY})
_PICTOGRAPH_CANDIDATE = re.compile("[\u2001-\U0010ffff]")


def fold(text: str) -> str:
    """Lower-case `text` and strip accents (NFKD, combining marks dropped)."""
    if text.isascii():  # nothing to compose, decompose or replace but backquotes
        for code, apostrophe in _ASCII_APOSTROPHES:  # `str.replace` is quicker than a table on short texts
            text = text.replace(code, apostrophe)
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower().translate(_SPECIAL)
    return unicodedata.normalize("NFKD", text).translate(_WITHOUT_MARKS)


def _pictograph(m: re.Match[str]) -> str:
    ch = m.group(0)
    return " " if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn") else ch


def _symbols(text: str) -> str:
    """Map emoji and currency symbols to words; drop other pictographs."""
    if text.isascii() and "$" not in text:  # no emoji, no symbol to map
        return text
    # the words the symbols become are ASCII: the pictographs left are those of the text
    return _PICTOGRAPH_CANDIDATE.sub(_pictograph, text.translate(_SYMBOLS))


def _contractions(text: str, locale: str) -> str:
    """Expand English contractions; French elisions become separate words."""
    text = _CONTRACTION_SUBS(text)
    return text.replace("'", " ")


# a number and its unit written as one word: "15j", "3jrs", "2sem"
_NUMBER_UNIT = re.compile(r"(\d+)(j|jr|jrs|sem)")
_UNIT_SPELLED = {"j": "jour", "jr": "jour", "jrs": "jour", "sem": "semaine"}


@lru_cache(maxsize=8192)
def _fix_token(token: str, locale: str) -> str:
    """One word's spelled-out form (abbreviation, elision, typo), possibly several words."""
    if token[0].isdigit() and (unit := _NUMBER_UNIT.fullmatch(token)) is not None:
        return f"{unit[1]} {_UNIT_SPELLED[unit[2]]}"
    if locale == "en" and token in _EN_BARE:
        return _EN_BARE[token]
    if token in LOCALE_ABBREVIATIONS[locale]:
        return LOCALE_ABBREVIATIONS[locale][token]
    if token in ABBREVIATIONS:
        return ABBREVIATIONS[token]
    if token in TYPOS:
        return TYPOS[token]
    if token in KNOWN_WORDS or token in _SWAP_TARGETS or not token.isalpha():
        return token
    split = _split_elision(token) if locale != "en" else None
    if split:
        return split
    return _near_keyword(token) or _undoubled(token) or token


# each word's `_fix_token`, by locale, as plain dicts (read faster than the lru_cache's key tuples)
_FIXED: dict[str, dict[str, str]] = {"en": {}, "fr": {}}
_FIXED_MOST = 8192


def _fixed(token: str, locale: str) -> str:
    """`_fix_token`, remembered in `_FIXED`."""
    fixed = _fix_token(token, locale)
    cache = _FIXED.setdefault(locale, {})
    if len(cache) < _FIXED_MOST:
        cache[token] = fixed
    return fixed


# short keywords a doubled letter hides ("pllus de smss", "nee me"): `_near_keyword` skips short words
_SHORT_TARGETS = frozenset(
    [
        "ne",
        "me",
        "de",
        "des",
        "vos",
        "tout",
        "plus",
        "sms",
        "stop",
        "pas",
        "moi",
        "not",
        "no",
        "any",
        "more",
        "all",
        "off",
        "my",
        "to",
        "take",
        "list",
        "from",
        "your",
        "with",
        "again",
        "end",
        "quit",
        "text",
        "texts",
        "call",
        "paid",
        "pay",
        "paie",
        "mois",
        "fois",
        "jour",
        "oui",
        "non",
        "yes",
        "svp",
        "please",
        "merci",
    ]
)
_RUN = re.compile(r"([a-z])\1+")


_SQUEEZED: dict[str, str] = {}  # each word met and its squeezed form (bounded like `_FIXED`)


def squeezed(token: str) -> str:
    """A word with its runs of one letter made single ("stopp" -> "stop")."""
    done = _SQUEEZED.get(token)
    if done is None:
        done = _RUN.sub(r"\1", token)
        if len(_SQUEEZED) < _FIXED_MOST:
            _SQUEEZED[token] = done
    return done


def squeezed_words(text: str) -> list[str]:
    """`squeezed` of each word of `text` but the emoji markers."""
    known = _SQUEEZED.get
    words = text.split()
    if "emo_" in text:  # else no word is a marker (the test on every word is left out)
        words = [t for t in words if not t.startswith("emo_")]
    return [known(t) or squeezed(t) for t in words]


def _undoubled(token: str) -> str | None:
    """A keyword hidden by doubled or stretched letters anywhere ("messagess", "plusss", "envoyezz")."""
    for candidate in (_RUN.sub(r"\1", token), _RUN.sub(r"\1\1", token)):
        if candidate != token and (candidate in _SHORT_TARGETS or candidate in TYPO_TARGETS):
            return candidate
    for i in range(len(token) - 1):
        if token[i] == token[i + 1]:
            candidate = token[:i] + token[i + 1 :]
            if candidate in _SHORT_TARGETS or candidate in TYPO_TARGETS:
                return candidate
    return None


def _split_elision(token: str) -> str | None:
    """French SMS elisions written without apostrophe: "jai" -> "j ai", "jvous" -> "je vous"."""
    for prefix, words in ELISIONS.items():
        rest = token[len(prefix) :]
        if token.startswith(prefix) and rest in words:
            head = "je" if prefix == "j" and rest[0] not in "aeiouyh" else prefix
            return f"{head} {rest}"
    return None


def _typo_index() -> dict[str, str]:
    """Keywords with one letter dropped (not among their last two letters, where inflections live)."""
    index: dict[str, str] = {}
    for word in sorted(TYPO_TARGETS, key=len):
        for i in range(1, len(word) - 2):
            index.setdefault(word[:i] + word[i + 1 :], word)
    return index


_TYPO_INDEX = _typo_index()
# what a swapped or an extra letter is corrected towards: the keywords, and the protective rules' own words
# (`bot.nlu.protective_words`; a dropped letter only towards the keywords, `_TYPO_INDEX`)
_SWAP_TARGETS = TYPO_TARGETS | protective_words()


def _near_keyword(token: str) -> str | None:
    """The keyword one dropped, doubled or swapped letter away from `token` (substitutions are
    left alone: they turn valid words into other valid words, "match" into "march")."""
    if not 5 <= len(token) <= 20:
        return None
    if token in _TYPO_INDEX:
        return _TYPO_INDEX[token]
    for i in range(1, len(token) - 2):
        extra = token[:i] + token[i + 1 :]
        if extra in _SWAP_TARGETS:
            return extra
        swapped = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
        if swapped in _SWAP_TARGETS:
            return swapped
    return None


# no French or English word starts with a doubled letter: "pplus", "sstop" are slips of the thumb (but "tte",
# "ttes" are SMS for "toute", "toutes")
_DOUBLED_INITIAL = re.compile(r"\b(?!ttes?\b)([a-z])\1+(?=[a-z])")


# numbers listed with a comma and a space ("3 versements : 200, 200 et 150"): the space-grouped thousands of
# `bot.nlu.amounts` ("1 500") must not join them once the comma is gone
_LISTED_NUMBERS = re.compile(r"(?<=\d), (?=\d{3}\b)")


# what lets a step before the words are read join two pieces of a folded text between spaces: "can t", "don t"
# (a "t" alone), "ill pay" (`_ILL_AS_I_WILL`); ", " or ",'s" after a digit (`_LISTED_NUMBERS`, once "'s" is
# dropped: "200, 300", "200,'s 300", "2's, 300"; the steps before it change no digit, and only drop "'s" and turn
# "'" into a space, so a digit before its comma was there before them, "'s" aside). A comma after a word, common
# in e-mails ("Hello, I paid"), leaves the words read piece by piece
_ACROSS_PIECES = re.compile(r"(?<![^ ])t\b|\bill|\d(?:'s)*,[ ']")
# each piece of text between spaces met (folded), by locale, and its words (bounded like `_FIXED`)
_PIECES: dict[str, dict[str, tuple[str, ...]]] = {"en": {}, "fr": {}}
_PIECES_MOST = 1 << 15


def _piece_words(piece: str, locale: str) -> tuple[str, ...]:
    """The spelled-out words of one piece of a folded text (`_words_whole` of it: a piece holds no ", ")."""
    return tuple(_words_whole(piece, locale))


def _words_by_piece(text: str, locale: str) -> list[str] | None:
    """The spelled-out words of a folded `text`, read piece by piece between its spaces (each piece's words
    remembered), or None where a step before the words could reach across a space (a contraction split by a
    space, numbers listed with commas): then the whole text is read at once. The steps up to the words match
    within a piece (a word boundary at its ends as at a space): the same words."""
    if _ACROSS_PIECES.search(text):
        return None
    pieces = _PIECES[locale]
    words: list[str] = []
    for piece in text.split(" "):
        found = pieces.get(piece)
        if found is None:
            found = _piece_words(piece, locale)
            if len(pieces) < _PIECES_MOST:
                pieces[piece] = found
        words += found
    return words


def normalise(text: str, locale: str = "fr") -> str:
    """The normalised form of a message: lower-case ASCII words, numbers as digits."""
    locale = "en" if locale[:2].lower() == "en" else "fr"
    if _MAY_HOLD_PHONE(text):
        text = _PHONE.sub(" phone ", text)
    text = fold(_symbols(text))
    tokens = _words_by_piece(text, locale)
    if tokens is None:
        tokens = _words_whole(text, locale)
    joined = words_to_digits(" ".join(tokens))
    joined = _PHRASE_SUBS(joined)
    return joined


def _words_whole(text: str, locale: str) -> list[str]:
    """The spelled-out words of a folded `text`, its steps run on the whole of it."""
    if _DOUBLED_INITIAL.search(text):  # `sub` with a template costs a call into Python even when nothing matches
        text = _DOUBLED_INITIAL.sub(r"\1", text)
    text = _contractions(text, locale)
    if ", " in text and _LISTED_NUMBERS.search(text):  # "200, 200 et 150": two amounts, not 200,200
        text = _LISTED_NUMBERS.sub(" and " if locale == "en" else " et ", text)
    fixed = _FIXED[locale]
    return [fixed.get(t) or _fixed(t, locale) for t in _TOKEN.findall(text)]


def clear_caches() -> None:
    """Forget memoised word corrections (benchmarks measure a cold start with it)."""
    _fix_token.cache_clear()
    for fixed in _FIXED.values():
        fixed.clear()
    _SQUEEZED.clear()
    _WITHOUT_MARKS.clear()
    for pieces in _PIECES.values():
        pieces.clear()
