"""Intent rules for normalised debtor replies (French and English together).

Each intent has patterns; `classify` collects every intent a message carries (with a confidence)
and returns the first one in the priority order of issue 5:
opt_out > wrong_person > dispute > payment_plan > already_paid > promise_to_pay > hardship > human >
info_request > abuse > affirm/deny > unknown. Weak evidence (a bare date, a bare amount, "merci")
only counts when nothing stronger was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bot.nlu.courtesy import bare
from bot.nlu.intent_patterns import (
    ABOUT_DEBT,
    ABUSE,
    ACCENTED_PARTICIPLE,
    AFFIRM,
    AGREEMENT,
    ALREADY_PAID,
    BALANCE_QUESTION,
    CANNOT_PAY,
    COMMUNICATION,
    COUNTERFACTUAL,
    DENY,
    DISPUTE,
    DISPUTE_WITHDRAWN,
    EN_PROMISE,
    FILLER,
    FR_PROMISE,
    FUTURE_AUX,
    GIVE_ME_UNTIL,
    HARDSHIP,
    HEDGE,
    HOW_BEFORE,
    HUMAN,
    HUMAN_WORD_ONLY,
    INCOME,
    INFO,
    INSTALLMENTS_AT_ONCE,
    MEANS_AFTER,
    NAME_ABSENT,
    NAME_DENIAL,
    NEG,
    NEVER_AS_A_JOKE,
    NO_WAY_BEFORE,
    NOT_A_DIFFICULTY,
    NOT_A_DISPUTE,
    NOT_BEFORE,
    NOTHING_TO_PAY_WITH,
    OPT_OUT,
    OPT_OUT_KEYWORDS,
    PAID_BY_LAWYER,
    PAID_PART_THEN_REST,
    PARTICIPLE_AFTER_NEG,
    PAY_WHEN_I_PLEASE,
    PAYMENT_NOUN,
    PLAN,
    PLAN_REFUSED,
    PROMISE,
    PURPOSE_PAY,
    RELATIVES_PHONE,
    SCHEDULED_FOR,
    SENTENCE_START_PROMISE,
    STOP_A_CHARGE,
    STOP_AS_A_VISIT,
    STOP_NOT_MEANT,
    STOP_THE_WRONG_BILL,
    STOP_WORRYING,
    STRONG,
    TALKING_TO_A_MACHINE,
    THANKS,
    TOO_MUCH,
    VAGUE_WHEN,
    WEAK,
    WILL_DO,
    WRONG_PERSON,
)
from bot.nlu.normalise import fold, squeezed_words
from bot.nlu.prefilter import Anchored, guarded_finditer, guarded_match, guarded_search, non_ascii_search

# the patterns run on the whole normalised text, behind the literal index (not run when none of the
# literals their matches begin with stands in the text: same results)
_FR_PROMISE = guarded_finditer(FR_PROMISE)
_EN_PROMISE = guarded_finditer(EN_PROMISE)
_SENTENCE_START_PROMISE = guarded_search(SENTENCE_START_PROMISE)
_TOO_MUCH = guarded_search(TOO_MUCH)
_INCOME = guarded_search(INCOME)
_OPT_OUT_KEYWORDS_ANCHORED = Anchored(OPT_OUT_KEYWORDS)
_OPT_OUT_KEYWORDS = _OPT_OUT_KEYWORDS_ANCHORED.match
_PURPOSE_PAY = guarded_search(PURPOSE_PAY)
_NOT_BEFORE = guarded_search(NOT_BEFORE)
_CANNOT_PAY = guarded_search(CANNOT_PAY)
_PAYMENT_NOUN = guarded_search(PAYMENT_NOUN)
_THANKS = guarded_match(THANKS)
_NEVER_AS_A_JOKE = guarded_search(re.compile(NEVER_AS_A_JOKE))
_PAY_WHEN_I_PLEASE = guarded_search(re.compile(PAY_WHEN_I_PLEASE))
_RELATIVES_PHONE = guarded_search(RELATIVES_PHONE)
_PAYING = frozenset({"promise_to_pay", "payment_plan", "already_paid"})
_GIVE_ME_UNTIL = guarded_search(GIVE_ME_UNTIL)
_WILL_DO = guarded_search(WILL_DO)
_ABOUT_DEBT = guarded_search(ABOUT_DEBT)
# patterns of the original text whose matches need an accented letter: not run on ASCII texts
_ACCENTED_SEARCH = ACCENTED_PARTICIPLE.search
_PARTICIPLE_AFTER_NEG = non_ascii_search(PARTICIPLE_AFTER_NEG)

INTENTS = (
    "opt_out",
    "wrong_person",
    "dispute",
    "payment_plan",
    "already_paid",
    "promise_to_pay",
    "hardship",
    "human",
    "info_request",
    "abuse",
    "affirm",
    "deny",
    "unknown",
)
PRIORITY = {name: i for i, name in enumerate(INTENTS)}
PRIORITY["deny"] = PRIORITY["affirm"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the entity finders found, as the classifier needs it."""

    dates: int  # date mentions
    future_dates: int  # mentions that can only be ahead ("demain", "dans 3 jours", "prochain")
    amounts: int
    later_dates: int  # dates in a clause that is not negated ("... mais le mois prochain")
    count_strong: bool
    frequency: bool
    residue: str  # the text without its date and amount mentions
    rate_offered: bool = False  # an amount said per period with no word of income beside it ("20 a week")


_NEGATION = re.compile(r"\b(?:ne|n|not|never)\b")


def _negated(prefix: str) -> bool:
    return bool(_NEGATION.search(prefix))


def _asks_how(text: str, m: re.Match[str]) -> bool:
    """ "comment je peux payer", "how can I pay", "je peux payer par carte ?": questions, not promises."""
    window = text[max(0, m.start() - 20) : m.start()].rsplit("?", 1)[-1]
    return bool(HOW_BEFORE.search(window) or MEANS_AFTER.match(text[m.end() :]))


def _ruled_out(text: str, m: re.Match[str]) -> bool:
    """ "no way I can pay", "pas moyen que je paie": a payment verb under a negation before it."""
    return bool(NO_WAY_BEFORE.search(text[max(0, m.start() - 25) : m.start()]))


def _promise_verb(text: str) -> bool:
    """A non-negated first-person payment verb ("je paie", "I'll send", "on vous vire")."""
    for m in _FR_PROMISE(text):
        if not _negated(m[1] or "") and not m[2] and not _asks_how(text, m) and not _ruled_out(text, m):
            return True
    for m in _EN_PROMISE(text):
        if not _negated(m[1] or "") and not _asks_how(text, m) and not _ruled_out(text, m):
            return True
    return bool(_SENTENCE_START_PROMISE(text))


def _already_paid(text: str, original: str) -> bool:
    """A past payment that is not negated ("j'ai payé", "paid yesterday", "virement effectué")."""
    for m in ALREADY_PAID.finditer(text):
        if not NEG.search(m[0]) and not FUTURE_AUX.search(m[0]):
            return True
    return bool(_accented_participle(original) and not _PARTICIPLE_AFTER_NEG(original))


def _accented_participle(original: str) -> bool:
    """`ACCENTED_PARTICIPLE` found in the reply as written ("payé", "réglée"): looked for only where an "é"
    stands, which each of its words holds ("É" too: the pattern ignores case, and no other letter matches)."""
    return ("é" in original or "É" in original) and _ACCENTED_SEARCH(original) is not None


def _name_denied(original: str) -> bool:
    """`NAME_DENIAL` found in the reply as written ("Je suis pas Kevin", "I'm not Mr Smith"): looked for only
    where " pas " or " not " stands, which each of its matches holds; or `NAME_ABSENT` ("no Janet here"), only
    where one of its places stands (" here", " at this ", " on this ")."""
    if (" pas " in original or " not " in original) and NAME_DENIAL.search(original) is not None:
        return True
    return (" here" in original or " at this " in original or " on this " in original) and bool(
        NAME_ABSENT.search(original)
    )


def _plan(text: str, ev: Evidence) -> bool:
    """A plan asked for or proposed; "I only get 600 a month" describes an income, not an offer."""
    if PLAN.found(text) or ev.count_strong:
        return True
    if not ev.frequency or _TOO_MUCH(text):
        return False
    if ev.rate_offered:
        return True  # "pay u 20 a week from friday, that's when I get paid": the income told apart
    return _promise_verb(text) or "?" in text or bool(_PROPOSE(text)) or (ev.amounts > 0 and not _INCOME(text))


# "je vous propose une semaine sur deux": a rhythm offered
_PROPOSE = guarded_search(
    re.compile(
        r"\b(?:je|nous|i|we) (?:vous |you )?(?:propose|proposons|suggere|suggest|offer)\b"
        r"|\b(?:i|we) (?:would|d) like to (?:offer|propose|suggest)\b"
        r"|\bje (?:voudrais|souhaite|souhaiterais) (?:vous )?proposer\b"
    )
)


_SQUEEZE = re.compile(r"([a-z])\1+")
# keywords compared with letters un-doubled ("stoppp", "optouttt", "sttopall", "unsubscribee" all count)
_KEYWORDS_ANYWHERE = frozenset(
    {"stopal", "unsubscribe", "unsub", "optout", "stopsms", "desaboner", "desinscrire", "desinscription"}
)
_KEYWORD_HEADS = frozenset(word[:i] for word in _KEYWORDS_ANYWHERE for i in range(1, len(word)))
# the long keywords with a letter dropped ("unubcribe", "desinscrie"): no other word is one of these
_KEYWORDS_SHORT_OF_ONE = frozenset(
    word[:i] + word[i + 1 :] for word in _KEYWORDS_ANYWHERE if len(word) >= 8 for i in range(len(word))
)
# "stop" with two letters swapped ("stpo", "sotp", "tsop"; not "stp", which is "s'il te plaît")
_STOP_SPELLINGS = frozenset({"stop", "stpo", "sotp", "tsop", "sopt"})
_KEYWORDS_ALONE = _KEYWORDS_ANYWHERE | _STOP_SPELLINGS | {"end", "quit", "cancel", "revoke", "aret", "arete", "aretez"}
_CHATTER = frozenset(
    [
        "ok",
        "okay",
        "bonjour",
        "bonsoir",
        "salut",
        "hello",
        "hi",
        "hey",
        "merci",
        "thanks",
        "thank",
        "thx",
        "you",
        "please",
        "pls",
        "plz",
        "svp",
        "sorry",
        "but",
        "mais",
        "franchement",
        "re",
        "madame",
        "monsieur",
        "cheers",
        "bonne",
        "journee",
        "soiree",
        "now",
        "maintenant",
        "sms",
        "messages",
        "message",
        "texts",
        "tout",
        "all",
        "de",
        "suite",
        "et",
        "and",
        "the",
        "a",
        "vous",
        "donc",
        "alors",
        "bref",
        "enough",
        "assez",
    ]
)
_STOP_FOLLOWERS = frozenset(
    [
        "sms",
        "messages",
        "message",
        "texts",
        "texting",
        "text",
        "contacting",
        "calling",
        "writing",
        "harassing",
        "spamming",
        "sending",
        "now",
        "please",
        "svp",
        "merci",
        "it",
        "all",
        "tout",
        "de",
        "suite",
        "immediately",
        "immediatement",
        "les",
        "relances",
        "everything",
        # "stop aux sms", "stop au harcèlement", "stop with the texts", "stop your reminders"
        "aux",
        "au",
        "with",
        "the",
        "these",
        "your",
        "ur",
        "vos",
        "ces",
        "des",
        "reminders",
        "relance",
        "harcelement",
        "mails",
        "emails",
        "appels",
        "calls",
    ]
)


_CHATTER_SQUEEZED = frozenset(_SQUEEZE.sub(r"\1", w) for w in _CHATTER)
_STOP_FOLLOWERS = frozenset(_SQUEEZE.sub(r"\1", w) for w in _STOP_FOLLOWERS)


def _keyword_opt_out(tokens: list[str]) -> bool:
    """A stop keyword, misspelt or not: anywhere for the unambiguous ones ("unsubscribe"), in a
    message of little else for the short ones ("ok END 🙏", "❌ cancel"), or "stop" ending a message
    (`tokens`: the message's `squeezed_words`)."""
    if not _KEYWORDS_ANYWHERE.isdisjoint(tokens) or not _KEYWORDS_SHORT_OF_ONE.isdisjoint(tokens):
        return True
    # two words make a keyword only when the first begins one ("stop" "al", "opt" "out")
    if not _KEYWORD_HEADS.isdisjoint(tokens) and any(
        a in _KEYWORD_HEADS and a + b in _KEYWORDS_ANYWHERE for a, b in pairwise(tokens)
    ):
        return True
    if not _KEYWORDS_ALONE.isdisjoint(tokens):  # else no content word can be one (content is within tokens)
        content = [t for t in tokens if t not in _CHATTER_SQUEEZED]
        if content and len(content) <= 2 and _KEYWORDS_ALONE.intersection(content):
            return True
    if "stop" not in tokens:
        return False
    for i, t in enumerate(tokens):
        if i and tokens[i - 1] in ("ful", "point"):  # dictated punctuation: "full stop", "point stop"
            continue
        if t == "stop" and all(x in _STOP_FOLLOWERS or x in _CHATTER_SQUEEZED for x in tokens[i + 1 : i + 4]):
            return True
    return False


# a payment word in the past tense that speaks of the future: a promise, an outer limit, a time clause
_PAID_LATER = re.compile(
    r"\b(?:promis|promi|promise|i swear|je (?:vous )?(?:le )?jure|au plus tard|at the latest|sans faute"
    # "payment of USD 2,940.00 ... is scheduled for 04/24": a payment run to come
    rf"|(?:is|are|has been|have been|est|a ete) (?:\w+ )?{SCHEDULED_FOR})\b"
    r"|\b(?:quand|when|once|des que|dès que|apres que|as soon as) (?:\w+ ){0,4}(?:est |sera |is |gets |has been )?"
    r"(?:verse|versee|paye|payee|paid|tombe|faite?|done|cleared|arrive)\b"
    # a deadline: "payé d'ici la fin du mois", "réglé d'ici vendredi", "paid off by the end of the month"
    r"|\b(?:paye|payee|payes|regle|reglee|solde|soldee|verse|vire) (?:\w+ )?d ici\b"
    r"|\b(?:paid|settled|cleared) (?:off |in full |up )?by (?:the end|end|tomorrow|next|this coming|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday)\b"
)
_PAST_MARK = re.compile(
    r"\b(?:deja|already|hier|yesterday|last|dernier|derniere|depuis|since|ago|il y a|y a|this morning|ce matin"
    r"|effectue|j ai paye|i paid|i have paid|i ve paid|was paid|a ete)\b"
)


# "I'm not asking you to stop texting", "je ne vous demande pas d'arrêter les SMS": said to be no opt-out
_NOT_ASKING_TO_STOP = re.compile(
    r"\b(?:i am not asking (?:you )?|not asking (?:you )?|je ne (?:vous )?demande pas (?:de |d )?"
    r"|je (?:ne )?vous demande pas (?:de |d )?)(?:to )?(?:stop|arreter|cesser)(?: \w+){0,3}"
)


def _found_beside(pattern: Any, text: str, aside: re.Pattern[str]) -> bool:
    """`pattern` found in `text`, and still found once the `aside` phrases are taken out: a dispute beside
    "is this a scam?", a plan beside "pas d'échéancier", a stop beside "I'm not asking you to stop"."""
    if not pattern.found(text):
        return False
    search = _ASIDE_SEARCH.get(aside) or aside.search  # an aside not listed in `_ASIDES` is searched whole
    return not search(text) or pattern.found(aside.sub(" ", text))


# phrases that carry words of an intent without meaning it, taken out before looking again (`_found_beside`):
# "I'm not asking you to stop", "stop talking to me like a robot", "stop sending me the wrong amount" (no
# opt-out); "is this a scam?", "paid in full by my solicitor" (no dispute)
_OPT_OUT_ASIDE = re.compile(
    f"{_NOT_ASKING_TO_STOP.pattern}|{TALKING_TO_A_MACHINE.pattern}|{STOP_THE_WRONG_BILL.pattern}"
    f"|{STOP_A_CHARGE.pattern}|{STOP_AS_A_VISIT.pattern}|{STOP_NOT_MEANT.pattern}|{STOP_WORRYING.pattern}"
)
_DISPUTE_ASIDE = re.compile(f"{NOT_A_DISPUTE.pattern}|{PAID_BY_LAWYER.pattern}|{DISPUTE_WITHDRAWN.pattern}")
# words against a fee: "why should I pay your late fees?", "c'est légal ces frais ?" stays a dispute
_AGAINST_A_FEE = re.compile(
    r"\b(?:why should|why would|pourquoi (?:je )?(?:devrais|paierais|payerais)|refuse|refuser|won t|will not|not paying"
    r"|pas payer|ne paierai|illegal|abusi\w*|scandal\w*|ridicul\w*|outrageous|unfair|injuste|arnaque|scam|rip ?off"
    r"|robbery|never agreed|pas d_accord|contest\w*|dispute|disagree|justif\w*|legal|legaux|legale|droit|right to"
    # a late fee against a bill paid on time, a fee made up
    r"|on time|in time|a l heure|dans les temps|dans les delais|made up|invented|invente\w*)\b"
)
# a fee named without a word against it ("the late fee", "les frais de dossier"): asked about, not contested
_FEE_NAMED = re.compile(
    r"\b(?:(?:the|these|this|that|those|your|some|an|any|les|des|ces|vos|le|la|l) )?(?:(?:late|admin|administration"
    r"|administrative|collection|recovery|processing|extra|additional) )?(?:fees?|charges?|interest|penalt(?:y|ies)"
    r"|frais(?: de (?:dossier|recouvrement|relance|retard|gestion))?|penalites?|interets(?: de retard)?)\b"
)
# the searches of the asides (and of the words against a fee) behind the literal index: not run on a text
# without the literals their matches begin with, tried only where these start (same matches); a yes or a no held
# back and the plan's installments paid at once are searched so by `bot.nlu.combine` too
HELD_BACK = guarded_search(HEDGE)
PAID_AT_ONCE = guarded_search(re.compile(INSTALLMENTS_AT_ONCE))
_ASIDES = (_OPT_OUT_ASIDE, _DISPUTE_ASIDE, _FEE_NAMED, NOT_A_DIFFICULTY, PLAN_REFUSED, HUMAN_WORD_ONLY)
_ASIDE_SEARCH = {aside: guarded_search(aside) for aside in _ASIDES}
_AGAINST_A_FEE_SEARCH = guarded_search(_AGAINST_A_FEE)


# the keywords that make a sentence of their own an opt-out, whatever the rest of the message says: the
# unambiguous ones and "stop" as it is misspelt ("end", "cancel"… alone in a sentence may be of something else)
_STOP_SENTENCE = _KEYWORDS_ANYWHERE | _STOP_SPELLINGS
# a sentence of a reply as written (normalisation drops the full stops): `bot.nlu.understanding` places them too
SENTENCE = re.compile(r"[^.!?;\n]+")
_WORDS = re.compile(r"[a-z0-9]+")


def _stop_sentence(tokens: list[str], original: str) -> bool:
    """A sentence that is a stop keyword and nothing else, in a longer message: "Je rentre du boulot et je
    vois votre message. STOP. Et je paierai quand je voudrai." (the normalised text has lost the full stops
    that set "stop" apart). Courtesies do not count ("STOP merci."); "full stop." and "bus stop." are not one.
    `tokens`: the `squeezed_words` of the normalised message."""
    if _STOP_SENTENCE.isdisjoint(tokens):
        return False
    for sentence in SENTENCE.findall(original):
        words = squeezed_words(" ".join(_WORDS.findall(fold(sentence))))
        content = [w for w in words if w not in _CHATTER_SQUEEZED]
        if len(content) == 1 and content[0] in _STOP_SENTENCE:
            return True
    return False


def _opt_out(text: str, original: str) -> float:
    # "STOP", "Good evening, QUIT. Thanks.": the keyword alone between courtesies
    # the words without courtesy are part of the text: no keyword in the text, none in them (`bare` not run)
    tokens = squeezed_words(text)  # read by the two keyword tests
    if (
        _OPT_OUT_KEYWORDS(text)
        or _keyword_opt_out(tokens)
        or (_OPT_OUT_KEYWORDS_ANCHORED.may_match(text) and text != (kept := bare(text)) and _OPT_OUT_KEYWORDS(kept))
        or _stop_sentence(tokens, original)
    ):
        return 0.99
    return STRONG if _found_beside(OPT_OUT, text, _OPT_OUT_ASIDE) else 0.0


def _promise(text: str, ev: Evidence, paid: bool) -> bool:
    return bool(
        _promise_verb(text)
        or PROMISE.found(text)
        or (ev.dates and _PURPOSE_PAY(text) and not NEG.search(text))
        # "pas avant le 10", "not this month but next month": a later date is still a promise
        or (ev.dates and _NOT_BEFORE(text))
        or (ev.later_dates and _CANNOT_PAY(text))
        or (_PAYMENT_NOUN(text) and ev.dates)
        or (paid and ev.future_dates)
        # "give me till the 7th", "will do end of month"
        or (ev.dates and (_GIVE_ME_UNTIL(text) or _WILL_DO(text)))
    )


def _strong_intents(text: str, original: str, ev: Evidence) -> dict[str, float]:
    """Every intent the strong rules find, in the order they are checked."""
    found: dict[str, float] = {}
    # "donnez-moi jusqu'à vendredi et c'est réglé": settled then, not yet
    paid = _already_paid(text, original) and not _GIVE_ME_UNTIL(text)
    opt_out = _opt_out(text, original)
    if opt_out:
        found["opt_out"] = opt_out
    if WRONG_PERSON.found(text) or _name_denied(original):
        found["wrong_person"] = STRONG
    if _found_beside(DISPUTE, text, _DISPUTE_ASIDE):
        if "?" in text and not _found_beside(DISPUTE, text, _FEE_NAMED) and not _AGAINST_A_FEE_SEARCH(text):
            found["info_request"] = STRONG  # "how much are the late fees on top?": a question about a fee
        else:
            found["dispute"] = STRONG
    if _plan(text, ev):
        found["payment_plan"] = STRONG
    if paid and not ev.future_dates:  # "c'est réglé dans deux jours" is a promise, not a past payment
        found["already_paid"] = STRONG
    if _promise(text, ev, paid):
        found["promise_to_pay"] = STRONG
    for name, pattern in _PLAIN:
        if pattern.found(text) and (name != "human" or _found_beside(pattern, text, HUMAN_WORD_ONLY)):
            found[name] = STRONG
    # the words without courtesy are part of the text: no beginning of HUMAN in the text, none in them
    if "human" not in found and HUMAN.may_match(text) and text != (kept := bare(text)) and HUMAN.found(kept):
        found["human"] = STRONG  # "Hello operator, that's all": the one word between courtesies
    if (found.keys() & {"promise_to_pay", "payment_plan"}) and (
        _NEVER_AS_A_JOKE(text) or (not ev.dates and _PAY_WHEN_I_PLEASE(text))
    ):
        # "yeah right, I'll pay when pigs fly": no payment meant, a refusal
        found.pop("promise_to_pay", None)
        found.pop("payment_plan", None)
        found["deny"] = STRONG
    if "hardship" in found and not _found_beside(HARDSHIP, text, NOT_A_DIFFICULTY):
        del found["hardship"]
    if "wrong_person" not in found and found.keys().isdisjoint(_PAYING) and _RELATIVES_PHONE(text):
        found["wrong_person"] = STRONG  # "c'est le portable de mon père, il est hospitalisé": not the debtor
    if (
        "info_request" in found
        and "promise_to_pay" in found
        and ((not ev.dates and not ev.amounts) or ("?" in text and _WISH_TO_PAY.search(text)))
    ):
        # "what are your bank details? I'd like to pay", "the IBAN? I want to pay the 85 before Friday":
        # a question the payment waits on, no promise yet
        del found["promise_to_pay"]
    if "human" in found and _PAY_BY_PHONE_QUESTION.search(text) and not _CALL_WORD.search(text):
        del found["human"]
        found["info_request"] = STRONG
    if (
        "payment_plan" in found
        and ev.dates
        # "les 2 dernières mensualités en une seule fois": the rhythm is the plan's, not this payment's
        and (not ev.frequency or PAID_AT_ONCE(text) is not None)
        and _ASIDE_SEARCH[PLAN_REFUSED](text)
        and not _found_beside(PLAN, text, PLAN_REFUSED)
    ):
        # "pas d'échéancier, je paie tout le 10", "non merci pour l'échéancier, le tout partira dans quinze
        # jours": one payment on a date
        del found["payment_plan"]
        found["promise_to_pay"] = STRONG
    if "already_paid" in found and "?" in text and BALANCE_QUESTION.search(text):
        del found["already_paid"]  # "what's the balance after the $200 I sent?": a question about what is left
        found["info_request"] = STRONG
    if "payment_plan" in found and "already_paid" in found and PAID_PART_THEN_REST.search(text):
        del found["payment_plan"]  # "I paid 200 on Monday and I'm paying the rest on payday": a payment made
    if "already_paid" in found and _PAID_LATER.search(text) and not _PAST_MARK.search(text):
        # "promis, vendredi c'est réglé", "réglé au plus tard le 31", "when my salary is paid": to come
        del found["already_paid"]
        found["promise_to_pay"] = STRONG
    if (
        "promise_to_pay" in found
        and "hardship" in found
        and (
            NOTHING_TO_PAY_WITH.search(text)
            or (not ev.dates and (COUNTERFACTUAL.search(text) or (not ev.amounts and VAGUE_WHEN.search(text))))
        )
    ):
        # "I'd pay if I could. I can't.", "je paierai quand je pourrai, là je n'ai plus rien": a difficulty
        del found["promise_to_pay"]
    if "hardship" in found and found.keys() & {"promise_to_pay", "payment_plan"} and _WOULD_PAY_IF(text):
        # "je paierais si je pouvais, mais avec 15 € sur le compte au 20 du mois c'est mort", "I'd pay if I could,
        # sick pay is 116 a week": a payment in the conditional, the day and the sum those of the difficulty
        found.pop("promise_to_pay", None)
        if not PLAN.found(text) and not ev.count_strong:
            found.pop("payment_plan", None)
    return found


# a payment in the conditional with the condition unmet: "I'd pay if I could", "je paierais si je pouvais"
_WOULD_PAY_IF = guarded_search(
    re.compile(
        r"\b(?:(?:je|j) (?:vous |te )?(?:paierais|payerais|reglerais|rembourserais)"
        r"|(?:i|we) (?:would|d) (?:happily |gladly )?(?:pay|settle)(?: it| you| this)?)\b(?: \w+){0,3}"
        r" (?:si (?:je pouvais|j avais|c etait possible|je le pouvais)"
        r"|if (?:i|we) (?:could|had (?:it|the money|any)))\b"
    )
)


_PLAIN = (("hardship", HARDSHIP), ("human", HUMAN), ("info_request", INFO), ("abuse", ABUSE))


def _weak_intent(text: str, ev: Evidence) -> tuple[str, float] | None:
    """A bare date or amount reads as a promise; a bare "merci" as agreement."""
    leftover = [w for w in AGREEMENT.sub(" ", ev.residue).split() if w not in FILLER]
    if ev.dates and ev.amounts:
        return "promise_to_pay", 0.75
    if (ev.dates or ev.amounts) and len(leftover) <= 1 and not COMMUNICATION.intersection(leftover):
        return "promise_to_pay", WEAK
    if _THANKS(text):
        return "affirm", WEAK
    if "?" in text and _ABOUT_DEBT(text):
        return "info_request", 0.7
    return None


# "no problem", "pas de souci": a yes that starts with a no
_NO_PROBLEM = re.compile(
    r"\b(?:no (?:problem|problemo|prob|probs|worries|worry)|pas de (?:souci|soucis|probleme|problemes)"
    r"|aucun (?:souci|probleme)|sans (?:souci|probleme)|not a problem|no (?:dramas?|biggie|bother|stress|sweat)"
    r"|nae bother|pas de stress)\b"
)


_WISH_TO_PAY = re.compile(
    r"\b(?:i want to|i would like to|i d like to|i wanna|so i can|so that i can|in order to|je voudrais|je veux"
    r"|je souhaite|j aimerais|afin que je puisse|afin de|pour que je puisse|pour pouvoir)"
    r" (?:\w+ ){0,2}(?:pay|settle|transfer|payer|regler|virer|faire le virement|effectuer le virement)\b"
)
_CALL_WORD = re.compile(r"\b(?:call|appel|rappel)")
_BUT_NOT = re.compile(r"\b(?:but|mais|not|pas|never|jamais|won t|will not|cannot|can t)\b")
# "can I pay by phone?": a question about a means of payment, not a request for a person
_PAY_BY_PHONE_QUESTION = re.compile(
    r"\b(?:(?:pay|payer|regler|paie|paye)\b(?: \w+){0,3}|(?:take|takes|accept|accepts|prenez|acceptez) (?:\w+ )?"
    r"(?:card|cards|cb|carte|cartes|payments?|paiements?)) (?:by|over the|par|au) (?:phone|telephone)\b[^?]*\?"
)


def _affirm_or_deny(text: str) -> tuple[str, float] | None:
    if HELD_BACK(text):
        return None  # "ok on verra", "yeah maybe", "oui non je sais pas": held back, not given
    yes_words = _NO_PROBLEM.search(text) is not None and not _BUT_NOT.search(text)
    if DENY.found(_NO_PROBLEM.sub(" ", text) if yes_words else text):
        return "deny", STRONG if len(text.split()) <= 8 else 0.7
    if yes_words or AFFIRM.found(text):
        if text.endswith("?") and len(text.split()) <= 3:
            return None  # "ok ?", "d'accord ?": asked, not given (what is asked is not said)
        return "affirm", STRONG if len(text.split()) <= 8 else 0.7
    return None


def classify(text: str, original: str, ev: Evidence) -> tuple[str, float]:
    """The intent of a normalised message and a confidence in [0, 1]."""
    intent, confidence, _ = classify_with_readings(text, original, ev)
    return intent, confidence


def classify_with_readings(text: str, original: str, ev: Evidence) -> tuple[str, float, dict[str, float]]:
    """`classify`, with every intent the strong rules found (the combination weighs them all)."""
    if not text.strip(" ?"):
        return "unknown", 0.0, {}
    found = _strong_intents(text, original, ev)
    if found:
        best = min(found, key=PRIORITY.__getitem__)
        return best, found[best], found
    for decide in (lambda: _weak_intent(text, ev), lambda: _affirm_or_deny(text)):
        result = decide()
        if result:
            return result[0], result[1], {}
    return "unknown", 0.3, {}
