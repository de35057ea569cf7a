"""Rules and the learned model, combined by confidence, safety first.

The rules (`bot.nlu.intents`) are precise; the model (`bot.nlu.learned`) generalises to wordings
the rules never saw. The combination, in order:

1. a threat (a rule of `bot.nlu.sensitive`, or the model sure enough) is abuse/threat; a veiled
   threat only in a message that carries no payment, plan, promise or difficulty;
2. the strong readings of the rules are ranked by the labelling priority (opt_out > wrong_person >
   dispute > human > hardship > already_paid > payment_plan > promise_to_pay > info_request >
   abuse > deny > affirm); a difficulty told with a plan, a promise or a payment reads as that;
3. a protective reading (opt_out, abuse, dispute, wrong_person, human, hardship) of the model with
   a reasonable probability wins over a non-protective reading of the rules, and so does the likeliest
   protective label when the model puts enough probability on the protective ones together: such a
   message is never taken for agreement, refusal, a promise or silence;
4. when the rules are unsure (a weak reading or nothing), the model's reading stands if it is sure enough;
5. details: bereavement for a wrong person whose holder died, threat for abuse with violence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from bot.nlu.intent_patterns import (
    A_PERSON_ASKED,
    ABUSE,
    ARRANGE_BY_PHONE,
    CALL_TO_ARRANGE,
    DISPUTE,
    DISPUTE_WITHDRAWN,
    FEE_QUESTION,
    GIVE_ME_UNTIL,
    NUMBER_TO_CALL,
    OPT_OUT,
    POLITE_NO,
    SCHEDULED_FOR,
    STOP_NOT_MEANT,
    SUM_CONTESTED,
    WANTS_A_CALL,
    WRONG_PERSON,
)
from bot.nlu.intents import HELD_BACK, PAID_AT_ONCE
from bot.nlu.learned import Opinion
from bot.nlu.sensitive import bereavement, death_idiom_only, death_said, said_alive, threat, veiled_threat

PROTECTIVE = frozenset({"opt_out", "abuse", "dispute", "wrong_person", "human", "hardship"})
ORDER = (
    # "I'm not Kevin. Stop.": the labelling priority reads the opt-out; the wrong person the rules also
    # read goes with it (`Understanding.also`) and the dialogue handles both (`bot.dialogue.machine.Turn`).
    # A bereavement outranks it (below: its handling stops every channel at once)
    "opt_out",
    "wrong_person",
    "dispute",
    "human",
    "hardship",
    "payment_plan",  # the rules' "paid" is often a pay day ("je suis payé le 5"): a plan outranks it
    "already_paid",
    "promise_to_pay",
    "info_request",
    "abuse",
    "deny",
    "affirm",
    "unknown",
)
RANK = {name: i for i, name in enumerate(ORDER)}
THREAT_P = 0.5  # the model's probability of abuse/threat that makes a threat on its own
THREAT_P_STRONG = 0.7  # the same against a strong reading of the rules that is not protective, or a difficulty
# the same against a strong wrong person of the rules: "Qui ? Jamais mis les pieds dans votre salle" read 0.73 threat
# out of fold, and no threat over one was right there (round 14)
THREAT_P_SURE = 0.9
# a long message's threat read by the model alone must be read in some stretch of it too (`_threat_in_a_part`)
LONG_WORDS = 30
PART_WORDS, PART_STEP = 20, 5
PROTECTIVE_P = 0.2  # a protective label of the model this likely overrides a non-protective rule reading
# the same against a strong rule reading. 0.48 since the model is bagged (softer probabilities): on out-of-fold
# readings of the tuning rows (`python tools/combine_thresholds.py sweep --folds DIR`) the protective labels at
# 0.45-0.48 over a strong reading that is also the model's likeliest (else the pooled rule below still decides)
# were 3 plans read as a difficulty or a call asked ("i only have 25 spare a month i can pay that nothing more",
# hardship 0.46) and no protective message; the first one comes at 0.50 (a pension no longer paid, with a plan)
PROTECTIVE_P_STRONG = 0.48
# the model alone must be surer of an insult ("pourriez-vous" shares letters with "pourris") and of an
# opt-out (it ends the channel for good: "thanks, one more question" is not one)
LABEL_P = {"abuse": 0.4, "opt_out": 0.35}
POOLED_P = 0.15  # the model's probabilities of all protective labels together: this much takes the likeliest
POOLED_P_STRONG = 0.25  # the same against a strong reading of the rules
AGREE_P = 0.35  # ... unless the model's own likeliest reading is the rules' strong one, this likely
UNSURE_RULES = 0.6  # rule confidence below this: the rules only guessed
MODEL_P = 0.6  # the model's reading replaces a guess of the rules from this probability
ENTITY_INTENTS = ("promise_to_pay", "payment_plan", "already_paid")
# Where the rules' reading and a model very sure of another disagree, the model is right more often than
# not (counted on out-of-fold readings of the tuning corpora, `tools/train_nlu.py --cv 5`): "payment of
# £89.99 made 4 days ago" is a past payment though a date and an amount make the rules read a promise;
# "I'll get it paid Thursday, have a blessed day" is a promise, not a bare yes; "you vultures make me
# sick" is an insult, not a difficulty. Never from a protective reading to one that is not.
SWAP_P = {
    ("promise_to_pay", "already_paid"): 0.8,
    ("promise_to_pay", "payment_plan"): 0.9,
    ("payment_plan", "already_paid"): 0.8,
    ("info_request", "promise_to_pay"): 0.8,
    ("affirm", "promise_to_pay"): 0.8,
    ("affirm", "payment_plan"): 0.8,
    ("affirm", "unknown"): 0.8,
    ("dispute", "abuse"): 0.9,
    ("hardship", "abuse"): 0.9,
    ("human", "abuse"): 0.9,
    ("human", "hardship"): 0.9,
    ("dispute", "hardship"): 0.8,
    ("dispute", "wrong_person"): 0.95,
    ("wrong_person", "dispute"): 0.95,
}
assert not any(a in PROTECTIVE and b not in PROTECTIVE for a, b in SWAP_P), "a swap may not drop a protection"
THREAT, BEREAVEMENT = "abuse/threat", "wrong_person/bereavement"
# the readings that excuse a veiled threat's words ("accidents happen, I'll pay Friday")
_EXCUSING = frozenset({*ENTITY_INTENTS, "hardship"})
# the protective labels the model may put over a non-protective reading of the rules: all of them, or all
# but an insult (above abuse in the labelling priority); each without hardship when the rules read it with
# a payment, and each as a tuple in the labelling order (its probabilities summed in one order: one float)
_CANDIDATES = {True: PROTECTIVE, False: PROTECTIVE - {"abuse"}}
_WITHOUT_HARDSHIP = {candidates: candidates - {"hardship"} for candidates in _CANDIDATES.values()}
_IN_ORDER = {
    candidates: tuple(label for label in ORDER if label in candidates)
    for candidates in (*_CANDIDATES.values(), *_WITHOUT_HARDSHIP.values())
}
# each candidate label with the probability it needs (`PROTECTIVE_P_STRONG` against a strong reading of the rules,
# else `PROTECTIVE_P`, or its own bar in `LABEL_P` when higher), in the candidates' order
_BARS = {
    (candidates, strong): tuple(
        (label, max(PROTECTIVE_P_STRONG if strong else PROTECTIVE_P, LABEL_P.get(label, 0.0))) for label in candidates
    )
    for candidates in _CANDIDATES.values()
    for strong in (True, False)
}
# "I will transfer 300", "payment ... is scheduled for 04/24", "le virement est programmé pour le 5", "je vais
# payer": a payment still to come
_TO_COME = re.compile(
    rf"\b{SCHEDULED_FOR}\b"
    r"|\b(?:i|we) (?:will|shall|am going to|are going to|am gonna|gonna) (?:\w+ )?(?:pay|send|transfer|wire|settle"
    r"|clear|make|do|put|get)\b"
    r"|\b(?:je|nous|on) (?:vais|allons|va) (?:\w+ )?(?:payer|regler|virer|verser|envoyer|faire)\b"
    r"|\b(?:paierai|payerai|reglerai|virerai|verserai|enverrai|paierons|reglerons|virerons)\b"
    # "vous recevrez un chèque de 300 cette semaine", "transferring the 310 tonight"
    r"|\b(?:vous (?:le |la |les )?recevrez|you will (?:receive|get|have) (?:it|the|a|an|your|\d))\b"
    r"|\b(?:transferring|sending|paying|wiring|posting|putting)\b(?: \w+){0,4}"
    r" (?:tonight|tomorrow|this evening|later today|ce soir|demain)\b"
    # "je paye samedi", "je règle cet aprèm", "I pay Friday": a present tense with a day to come
    r"|\b(?:je|j|on|nous|i|we) (?:vous |te )?(?:paye|paie|regle|vire|verse|envoie|payons|reglons|pay|send|transfer)"
    r"(?: \w+){0,2} (?:demain|apres demain|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ce soir"
    r"|cet apres midi|cet aprem|cette semaine|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight"
    r"|this afternoon|this evening)\b"
    # the payment itself sent out later: "le paiement partira avec les règlements fournisseurs du 30", "the transfer
    # will go out on the 15th"
    r"|\b(?:paiement|virement|reglement|versement|cheque|payment|transfer|check|remittance) (?:\w+ ){0,2}"
    r"(?:partira|sera (?:fait|effectue|envoye|emis|vire|verse|regle|lance)|will (?:go|be sent|be made|be paid|leave"
    r"|be issued|be released)|goes out)\b"
)
# "je ne veux pas être rappelé", "don't call me": no person asked for (the rules know; the model may not)
# "I paid over the phone", "par téléphone": a means, not a request for a person
_PHONE_MEANS = re.compile(
    r"\b(?:over the phone|by phone|on the phone|par telephone|au telephone|per our (?:phone )?call|phone call last)\b"
)
_ASKS_PERSON = re.compile(
    r"\b(?:call me|ring me|phone me|rappel\w*|appelez|appeler|telephonez|telephoner|contactez|contacter|joindre"
    r"|call back|callback|speak to|talk to|speak with|talk with|parler|human|person|conseill\w*"
    r"|(?:can|could) (?:someone|somebody|you) (?:call|ring|phone)|quelqu_un (?:peut|pourrait) m"
    r"|quelqu_un au (?:telephone|tel|bout du fil)|someone on the (?:phone|line)|contact me|interlocuteur"
    r"|in person|face to face|en personne|de vive voix|give (?:me|us) a (?:ring|bell|buzz|call|phone|tinkle)"
    r"|(?:phoned|called|rang) me|humaine?|un vrai|une vraie)\b|"
    + ARRANGE_BY_PHONE
    + "|"
    + WANTS_A_CALL
    # "can we arrange a call? I'd like to pay 100/month", "is there a number I can call to set up instalments?"
    + "|"
    + CALL_TO_ARRANGE
    + "|"
    + NUMBER_TO_CALL
    + "|"
    + A_PERSON_ASKED
)
# "Merry Christmas", "bonne année": a wish, nothing else
_WISH_ONLY = re.compile(
    r"^(?:\w+ ){0,2}(?:merry christmas|happy (?:new year|holidays|easter|christmas)|joyeux noel|joyeuses fetes"
    r"|bonne annee|meilleurs voeux|bonnes fetes|season s greetings|bonne fete(?: des (?:meres|peres|mamans|papas))?"
    r"|happy (?:mother|father|mothers|fathers|mum|mom|dad)(?: s)? day|happy thanksgiving|happy easter|joyeuses paques"
    r"|happy diwali|eid mubarak|happy hanukkah|shana tova)(?: \w+){0,12}$"
)
# what ties a death to the debt or to this number ("this was his phone", "her estate", "la succession")
_DEBT_OF_THE_DEAD = re.compile(
    r"\b(?:(?:his|her|their|son|sa|ses|leur) (?:\w+ )?(?:number|phone|mobile|cell|line|account|debts?|bills?|name"
    r"|numero|telephone|portable|ligne|compte|dettes?|factures?|nom|abonnement|contrat)"
    r"|(?:this|that|the) (?:number|phone|mobile|line|account) (?:was|belonged|is registered)"
    # "it's my son's old phone", "my late husband's mobile"
    r"|(?:my|our) (?:late )?(?:husband|wife|father|mother|dad|mum|mom|son|daughter|brother|sister|partner)s?"
    r" (?:old |own |work )?(?:number|phone|mobile|cell|line|account)"
    r"|(?:ce|cet|le) (?:numero|telephone|portable|compte) (?:etait|appartenait|est au nom)"
    r"|estate|probate|executor|succession|notaire|was (?:his|hers|her)|c etait (?:le sien|la sienne))\b"
)
# a payment made out of a dead person's estate ("out of his estate", "sur sa succession": "sa" is read "ca" as SMS
# writes it), not an inheritance that funds the writer's own payment ("le temps que le notaire débloque la
# succession de ma tante")
_FROM_THE_ESTATE = re.compile(
    r"\b(?:out of|from|with|through|via|using) (?:his|her|their|the|dad s|mum s|mom s) (?:\w+ )?estate\b"
    r"|\b(?:sur|avec|par|via) (?:sa|ca|la|leur) succession\b(?! (?:de|d) (?:ma|mon|mes|notre|nos)\b)"
    # the dead person's own bills ("I paid some of his bills already", "je ne savais pas qu'elle avait cette
    # facture"), the writer named as the dead debtor's relative ("la fille de Mme Dubois, décédée le 28"), the notary
    # or the executor to go through
    r"|\b(?:his|her|their) (?:\w+ )?(?:bills|debts|invoices)\b"
    r"|\b(?:elle|il) (?:avait|a laisse|laissait) (?:cette|la|une|des|ces) (?:facture|dette|credit)s?\b"
    r"|\b(?:fille|fils|mari|epoux|epouse|femme|veuve|veuf|frere|soeur|neveu|niece|petite fille|petit fils) de"
    r" (?:mme|me|m|monsieur|madame|mademoiselle|mlle|feu|feue)\b"
    r"|\b(?:daughter|son|husband|wife|widow|widower|brother|sister|nephew|niece) of (?:mr|mrs|ms|miss|the late)\b"
    r"|\bpasser par (?:le|son|leur) notaire\b"
)
# "rappelez-moi le montant", "pouvez-vous me rappeler l'échéance": remind me of something
_REMIND_ME_OF = re.compile(
    r"\b(?:rappelez moi|rappeler moi|rappelle moi|me rappeler|me rappelez|me rappelle|remind me)"
    r" (?:de |of |what |when |how much )?(?:le|la|l|les|votre|vos|ton|ta|tes|the|your|my|mon|ma|mes)"
    r" (?:\w+ )?(?:montant|somme|total|echeance|date|iban|rib|reference|numero de dossier|solde|amount|balance"
    r"|due date|deadline|reference|account number|sort code)\b"
)
_CALL_BACK = re.compile(
    r"\b(?:par telephone|au telephone|by phone|on the phone|call me|appel\w*|rappel\w* (?:au|sur le))"
)
# "pas besoin de m'appeler", "no need to call", "ne m'appelez pas" (not "n'hésitez pas à m'appeler")
_NO_CALL_NEEDED = re.compile(
    r"\b(?:pas besoin de|no need to|inutile de|do not|never|ne) (?:m |me |to )?(?:rappel|appel|call|phone|ring"
    r"|telephon)\w*"
)
_POLITE_NO = re.compile("|".join(POLITE_NO))
_NO_CALL = re.compile(r"\b(?:ne|pas|not|never|no|jamais)\b(?: \w+){0,3} (?:rappel|appel|call|phone|ring)\w*")


@dataclass(frozen=True, slots=True)
class Reading:
    """The decision and what it rests on (shown by `relance nlu --explain`)."""

    intent: str
    confidence: float
    detail: str | None
    source: str  # which component decided, in words
    rule_intent: str
    rule_confidence: float
    found: dict[str, float] = field(default_factory=dict)
    opinion: Opinion | None = None
    matched: str | None = None  # the words of the sensitive rule that fired, if any


# a document asked for: "send me the itemised bill and I'll deal with it", "envoyez-moi la facture détaillée" wants
# more from us, not less (a model's opt-out there ends a channel nobody asked to end; the rules' own opt-out stands)
_SEND_ME_A_DOCUMENT = re.compile(
    r"\b(?:send|email|e mail|mail|post|forward|envoyez|envoie|envoyer|transmettez|renvoyez|faites parvenir)"
    r" (?:me|us|moi|nous|m|over)\b(?: \w+){0,3} (?:bill|invoice|statement|breakdown|copy|proof|receipt|contract"
    r"|iban|bank details|facture|releve|detail|details|copie|justificatif|preuve|contrat|rib|decompte|recu)s?\b"
)


# what a request to stop speaks of: messages, contact, a channel, a list, being left alone (1,139 of the 1,143
# opt-outs of the tuning rows hold one; the other four are misspelt "stop"s, which the rules read)
_CONTACT_WORDS = re.compile(
    r"\b(?:stop\w*|arret\w*|cess\w*|messag\w*|msgs?|sms|texts?|texting|texted|txts?|txting|textos?|mails?|emails?"
    r"|emailing|courriers?|courriels?|ecri\w*|write|writing|contact\w*|appel\w*|rappel\w*|call\w*|phon\w*"
    r"|telephon\w*|tel|numero|num|number|no|lists?|listes?|fichiers?|remove\w*|retir\w*|supprim\w*|delet\w*|eras\w*"
    r"|efface\w*|unsubscrib\w*|unsub|desinscri\w*|desabonn\w*|harcel\w*|harass\w*|spam\w*|relanc\w*|remind\w*"
    r"|notif\w*|alert\w*|alone|tranquille|peace|paix|bother\w*|embet\w*|derang\w*|pester\w*|opt\w*|end|fin|quit"
    r"|enough|assez|marre|plus|more|again|never|jamais|leave|lache\w*|laisse\w*|off|oubli\w*|forget|whatsapps?"
    r"|telegram|channel|canal|sollicit\w*|communicat\w*|mobile|portable|gsm|cell|s t o p)\b"
)


# "yes but not until the 9th", "pas avant le 15", "not till payday": time asked before a payment, nothing contested
# (the model reads the "not" of a refusal in it; the rules' own dispute stands)
_NOT_UNTIL_A_DAY = re.compile(
    r"\b(?:not|pas|but not|mais pas) (?:until|till|til|before|avant|jusqu a|jusqu au) (?:the |le |la |l |next |this )?"
    r"(?:\d{1,2}(?:st|nd|rd|th|er|e)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi"
    r"|jeudi|vendredi|samedi|dimanche|payday|pay day|end of|fin du|fin de|debut|beginning|start|week|month|semaine"
    r"|mois|tomorrow|demain|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|jour de paie|salaire)\b"
)


# an accounts department's payment run with its day: "our check run is 12/15, your invoice is on it", "it's in
# Friday's payment run", "vous êtes sur notre campagne de règlements du 30" (a promise; the rules' own dispute stands)
_PAYMENT_RUN = re.compile(
    r"\b(?:check|cheque|payment|pay|supplier|ap|vendor) runs? (?:is |are |goes |will be |on |of |for |this |next )"
    r"|\b(?:campagne|vague|lot) de (?:reglements?|paiements?|virements?)\b"
)
# whether a fee is part of the sum, asked ("is the £12 late fee included or on top?"): a question, not a dispute
# (the rules' own dispute stands)
_FEE_ASKED = re.compile(FEE_QUESTION)


# an out-of-office answer, sent by a mail server: "je suis absente du bureau jusqu'au 20 avril, pour toute urgence
# contactez le standard", "I am out of the office until Monday" (no stop, no person asked for: the rules' own
# reading of either stands)
_AUTO_REPLY = re.compile(
    r"^(?:reponse automatique|automatic reply|auto ?reply)\b|\b(?:absente? du bureau|out of (?:the )?office"
    r"|(?:je suis|i am|i m) (?:actuellement |currently )?(?:absente?|en conges?|away from (?:the office|my desk)"
    r"|on leave|on annual leave|on holiday|en vacances) (?:jusqu|until|till|du|from)\b)"
)


# a payment promised in the first person, with its day: "I'll pay on the 15th", "I'll send it again tomorrow",
# "je vous paierai vendredi" (not "he won't be paying", "elle ne vous réglera rien")
_I_PAY_ON_A_DAY = re.compile(
    r"\b(?:i|we) (?:will|shall|am going to|are going to|can) (?:\w+ )?(?:pay|send|transfer|settle|clear|wire)\b"
    r"(?: \S+){0,4} (?:on (?:the )?\d|by (?:the )?\d|tomorrow|today|tonight|on (?:monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)|next (?:week|monday|tuesday|wednesday|thursday|friday))"
    r"|\b(?:je|nous) (?:vous )?(?:paierai|payerai|reglerai|virerai|verserai|enverrai|paierons|reglerons)\b(?: \S+){0,4}"
    r" (?:le \d|demain|ce soir|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
)


def _ruled_out(label: str, norm: str) -> bool:
    """A protective label of the model the words rule out: a person the text does not ask for ("don't call
    me", "I paid over the phone"), an opt-out where a document is asked for ("send me the itemised bill"), in
    time asked for ("laissez-moi jusqu'au 10") or in a stop said of something else ("don't stop the reminders",
    "si je réponds STOP, …", `STOP_NOT_MEANT`), a dispute in time asked for ("yes but not until the 9th"), in a
    fee asked about ("is the late fee included?") or in a doubt withdrawn ("I thought it was a mistake but it's
    mine", `DISPUTE_WITHDRAWN`)."""
    if label in ("opt_out", "human") and _AUTO_REPLY.search(norm) is not None:
        return True
    if label in ("affirm", "deny"):  # "not so sure tbh", "oui peut-être": a yes or no held back (`HEDGE`)
        return HELD_BACK(norm) is not None
    if label == "abuse":  # "possibly", "peut-être, je vous redis": a bare hedge, no word of an insult
        return len(norm.split()) <= 6 and HELD_BACK(norm) is not None and not ABUSE.found(norm)
    if label == "opt_out":
        if GIVE_ME_UNTIL.search(norm) is not None:
            return True
        if _SEND_ME_A_DOCUMENT.search(norm) is not None and not OPT_OUT.found(norm):
            return True
        return STOP_NOT_MEANT.search(norm) is not None and not OPT_OUT.found(STOP_NOT_MEANT.sub(" ", norm))
    if label == "dispute":
        if DISPUTE_WITHDRAWN.search(norm) is not None:
            return not DISPUTE.found(DISPUTE_WITHDRAWN.sub(" ", norm))
        aside = _NOT_UNTIL_A_DAY.search(norm) or _FEE_ASKED.search(norm) or _PAYMENT_RUN.search(norm)
        return aside is not None and not DISPUTE.found(norm)
    if label == "wrong_person":
        # "my grandmother passed away last month, sorry for the delay, I'll pay on the 15th": the writer pays,
        # on a day, in the first person: the debtor, alive (the rules' own wrong person or death stands)
        return _I_PAY_ON_A_DAY.search(norm) is not None and not WRONG_PERSON.found(norm)
    if label != "human":
        return False
    if _NO_CALL.search(norm) is not None:
        return True
    if _POLITE_NO.search(norm) is not None and not _ASKS_PERSON.search(norm):
        return True  # "I'd rather not, thank you": the model reads a person in "rather", the words refuse
    return _PHONE_MEANS.search(norm) is not None and not _ASKS_PERSON.search(norm)


_LABELS_OF: dict[frozenset[str], dict[str, list[str]]] = {}  # a model's labels -> its labels by intent


def _labels_by_intent(labels: frozenset[str]) -> dict[str, list[str]]:
    """The labels of each intent ("abuse": ["abuse", "abuse/threat"])."""
    grouped = _LABELS_OF.get(labels)
    if grouped is None:
        grouped = {}
        for label in sorted(labels):
            grouped.setdefault(label.split("/")[0], []).append(label)
        _LABELS_OF[labels] = grouped
    return grouped


def _by_intent(opinion: Opinion, intents: frozenset[str] | None = None) -> dict[str, float]:
    """The model's probability of each intent (of `intents` only, when given), details included."""
    if opinion.by_label:
        # one label: its probability; two: their sum (the same in either order); more: in ranked order
        by_label = opinion.by_label
        sums = {}
        grouped = opinion.labels_by_intent or _labels_by_intent(frozenset(by_label))
        pairs = grouped.items() if intents is None else ((intent, grouped.get(intent)) for intent in intents)
        for intent, labels in pairs:
            if not labels:
                continue
            if len(labels) == 1:
                sums[intent] = by_label[labels[0]]
            elif len(labels) == 2:
                sums[intent] = by_label[labels[0]] + by_label[labels[1]]
            else:
                sums[intent] = _ranked_sum(opinion, intent)
        return sums
    every = {label.split("/")[0] for label, _ in opinion.ranked}
    return {intent: _ranked_sum(opinion, intent) for intent in every if intents is None or intent in intents}


def _ranked_sum(opinion: Opinion, intent: str) -> float:
    total: float = 0
    for label, p in opinion.ranked:
        if label.split("/")[0] == intent:
            total += p
    return total


def _rules_choice(norm: str, found: dict[str, float], rule_intent: str, rule_confidence: float) -> tuple[str, float]:
    if not found:
        return rule_intent, rule_confidence
    names = set(found)
    if "hardship" in names and names & {"payment_plan", "promise_to_pay", "already_paid"}:
        names.discard("hardship")  # a difficulty told with a plan, a promise or a payment: that is the answer
    if (
        "human" in names
        and names & {"payment_plan", "promise_to_pay", "already_paid"}
        and not _ASKS_PERSON.search(norm)
    ):
        names.discard("human")  # "paid over the phone to your agent": a means, not a request for a person
    if "human" in names and len(names) > 1 and _NO_CALL_NEEDED.search(norm):
        names.discard("human")  # "pas besoin de m'appeler, envoyez-moi juste le RIB": no person asked for
    if "human" in names and _REMIND_ME_OF.search(norm) and not _CALL_BACK.search(norm):
        names.discard("human")  # "rappelez-moi le montant": remind me of it, not call me back
        names.add("info_request")
        found = {**found, "info_request": found.get("info_request", found["human"])}
    if "abuse" in names and "info_request" in names and "?" not in norm and not _ASKING.search(norm):
        # "you clowns send a reminder two days after the due date, idiots": a word of information said, nothing
        # asked; the insult is the message ("tell me the due date, you incompetent lot" asks: it stays a question)
        names.discard("info_request")
    best = min(names, key=RANK.__getitem__)
    return best, found[best]


# a request made without a question mark: "tell me the due date", "envoyez-moi le RIB", "let me know"
_ASKING = re.compile(
    r"\b(?:tell|send|give|show|explain|email|e mail|let) (?:me|us)\b"
    r"|\b(?:dites|dis|envoyez|envoie|donnez|donne|indiquez|expliquez|transmettez|montrez) (?:moi|nous)\b"
    r"|\b(?:i|we) (?:want|need|would like) to know\b"
    r"|\b(?:je veux|je voudrais|j aimerais|on veut) (?:savoir|comprendre|connaitre)\b|\bplease (?:tell|send|explain)\b"
    # or a question without its mark: "c'est quoi cette facture bande de voleurs", "why this bill you crooks"
    r"|\b(?:quoi|pourquoi|comment|combien|quel|quelle|quels|quelles|qui|quand|est ce que|what|why|how|which|who"
    r"|when|where)\b"
)


class _Basis(TypedDict):
    """What every reading rests on, whichever component decides."""

    rule_intent: str
    rule_confidence: float
    found: dict[str, float]
    opinion: Opinion


def _threat_bar(strong: bool, intent: str) -> float:
    """The model's probability of a threat that makes one on its own, against the rules' reading `intent`."""
    if not strong or intent == "abuse":
        return THREAT_P
    return THREAT_P_SURE if intent == "wrong_person" else THREAT_P_STRONG


def _threat_in_a_part(norm: str, opinion_of: Callable[[str], Opinion] | None) -> bool:
    """Whether the model reads a threat in some stretch of `PART_WORDS` words of a long message, as it did in the
    whole: a linear model grows surer as a long text's features add up, and a threat is said in a few words. "Oh
    shoot, I'm pretty sure my husband paid that on Venmo last night, ... with a little dog emoji because that's how
    he labels everything for the vet lol" read 0.96 threat, and none of its stretches above 0.2; the threats of
    long e-mails read as one in the stretch that makes them. A short message is its own stretch."""
    words = norm.split()
    if opinion_of is None or len(words) <= LONG_WORDS:
        return True
    starts = [*range(0, len(words) - PART_WORDS, PART_STEP), len(words) - PART_WORDS]
    return any(opinion_of(" ".join(words[i : i + PART_WORDS])).p(THREAT) >= THREAT_P for i in starts)


def combine(
    norm: str,
    rule_intent: str,
    rule_confidence: float,
    found: dict[str, float],
    opinion: Opinion,
    opinion_of: Callable[[str], Opinion] | None = None,
    *,
    offered: bool = False,
) -> Reading:
    """The final intent, confidence and detail of a normalised message (`opinion`: the model's reading of it;
    `opinion_of`: the model, to read a stretch of a long message, without it a long message is read whole;
    `offered`: a sum per period is offered in it, "Dix euros par semaine c'est tout ce que je peux")."""
    base: _Basis = {"rule_intent": rule_intent, "rule_confidence": rule_confidence, "found": found, "opinion": opinion}
    words = threat(norm)
    if words is not None:
        return Reading("abuse", 0.95, "threat", "rule: threat", matched=words.group(0), **base)
    if not norm.strip():  # nothing written (an empty SMS, an image only): the model would read its biases
        return Reading("unknown", min(rule_confidence, 0.3), None, "nothing to read", **base)
    intent, confidence = _rules_choice(norm, found, rule_intent, rule_confidence)
    veiled = veiled_threat(norm)
    excused = not _EXCUSING.isdisjoint(found)  # "accidents happen, I'll pay Friday"
    if veiled is not None and not excused:
        return Reading("abuse", 0.9, "threat", "rule: veiled threat", matched=veiled.group(0), **base)
    if not found and _WISH_ONLY.match(norm):
        return Reading("unknown", min(rule_confidence, 0.3), None, "rules: a wish only", **base)
    strong = confidence >= UNSURE_RULES and bool(found)  # a bare date and amount is no strong reading
    threat_p = opinion.p(THREAT)
    if (
        not (veiled is not None and excused)
        and threat_p >= _threat_bar(strong, intent)
        and _threat_in_a_part(norm, opinion_of)
    ):
        return Reading("abuse", threat_p, "threat", "model: threat", **base)
    source = f"rules: {intent}"
    # the model's probability of every intent, summed once (the protective ones are among them)
    by_intent = _by_intent(opinion)
    # a death the model reads where no word speaks of one ("sorted last month") is at most a wrong person: a
    # condolence sent to a living debtor is the worst of mistakes (the protection stays); where the only words of
    # death are an idiom ("ma fille est morte de rire"), the idiom is what the model read: no death at all
    # (whether a word speaks of a death, `death_said`, is asked below, only of a wrong person)
    if opinion.p(BEREAVEMENT) and "wrong_person" in by_intent and death_idiom_only(norm):
        by_intent["wrong_person"] = max(0.0, by_intent["wrong_person"] - opinion.p(BEREAVEMENT))
    if intent not in PROTECTIVE:
        # an insult outranks only refusal, agreement and silence (the labelling priority); a threat was read above
        candidates = _CANDIDATES[RANK[intent] > RANK["abuse"]]
        protective = [(p, label) for label, bar in _BARS[candidates, strong] if (p := by_intent.get(label, 0.0)) >= bar]
        protective = [(p, label) for p, label in protective if not _ruled_out(label, norm)]
        if offered and intent == "payment_plan" and "hardship" in found:
            # the difficulty told with a sum per period offered: a plan (the labelling rule), however sure the
            # model is of the difficulty
            protective = [(p, label) for p, label in protective if label != "hardship"]
        if "hardship" in found and intent in ENTITY_INTENTS:
            # the rules read the difficulty and the promise or plan told with it ("I can't pay this week but
            # next week yes"): the model's doubt alone does not undo that, only its own conviction above
            candidates = _WITHOUT_HARDSHIP[candidates]
        pooled = sum(by_intent.get(label, 0.0) for label in _IN_ORDER[candidates])  # one order: one float
        agrees = strong and opinion.label.split("/")[0] == intent and opinion.probability >= AGREE_P
        if not protective and not agrees and pooled >= (POOLED_P_STRONG if strong else POOLED_P):
            # unsure which, but likely one of them: the likeliest, even an insult below its own bar (the next
            # likeliest may be a reading the model barely holds: "Eat sh*t", abuse 0.36, wrong_person 0.01).
            # Not an opt-out below its bar where no word speaks of contact (`_CONTACT_WORDS`): it ends the
            # channel, and on out-of-fold readings of the tuning rows (`tools/train_nlu.py --cv 5`, round 10) a
            # pick of an opt-out below its bar was right once in 14 ("merci", "alors ?" are no stop)
            best = max(candidates, key=lambda label: by_intent.get(label, 0.0))
            below_its_bar = (
                best == "opt_out"
                and by_intent.get(best, 0.0) < LABEL_P["opt_out"]
                and _CONTACT_WORDS.search(norm) is None
            )
            if not below_its_bar and not _ruled_out(best, norm):
                protective = [(pooled, best)]
        if protective:
            p, intent = max(protective)
            confidence, source = p, f"model: protective {intent} over rules' {rule_intent}"
        elif confidence < UNSURE_RULES and opinion.probability >= MODEL_P and not _ruled_out(opinion.label, norm):
            intent = opinion.label.split("/")[0]
            confidence, source = opinion.probability, f"model: {intent} (rules unsure: {rule_intent})"
    if source.startswith("rules:"):
        # the likeliest intent, the greater name on a tie (pairs of distinct names: no further tie)
        p, model_intent = max(zip(by_intent.values(), by_intent.keys(), strict=True))
        swap = SWAP_P.get((intent, model_intent))
        if (
            swap is not None
            and p >= swap
            # "j'ai déjà payé la moitié, le reste en 2 fois": the rules read both and put the plan first
            and not (intent == "payment_plan" and model_intent in found)
            and not _ruled_out(model_intent, norm)
            and not (intent == "info_request" and norm.rstrip().endswith("?"))  # a question stays one
            # "I'll transfer 300 on the 20th", "is scheduled for 04/24": the rules read a payment to come, no
            # past one
            and not (model_intent == "already_paid" and "already_paid" not in found and _TO_COME.search(norm))
            and not (model_intent == "abuse" and "abuse" not in found and SUM_CONTESTED.search(norm))
            and not (model_intent == "abuse" and veiled is not None and excused)  # excused above
            # "pay off the last two installments in one go this Friday": one payment of the plan's installments,
            # read by the rules; the model's plan is only the plan's words again
            and not (intent == "promise_to_pay" and model_intent == "payment_plan" and PAID_AT_ONCE(norm))
        ):
            source = f"model: {model_intent}, sure, over rules' {intent}"
            intent, confidence = model_intent, p
    # the debtor's death outranks everything but a threat (its handling stops the channel at once);
    # someone paying is alive and speaks for themselves, unless the dead person's estate pays ("Dad died three weeks
    # ago. Could I pay 50 a month out of his estate?")
    # (the rules' reading: the model alone, sure of a promise in "he passed on 3 weeks ago", does not outweigh a death)
    paying = (intent in ENTITY_INTENTS and intent == rule_intent) or any(name in found for name in ENTITY_INTENTS)
    died = None if paying and _FROM_THE_ESTATE.search(norm) is None else bereavement(norm)
    if (
        died is not None
        and intent in ("hardship", "human")
        and intent in found
        and (opinion.p("hardship") >= MODEL_P or opinion.p(BEREAVEMENT) < PROTECTIVE_P)
        and _DEBT_OF_THE_DEAD.search(norm) is None
    ):
        # "my mother died on Tuesday, the funeral took all I had, I can't pay this month", "je suis veuve, je
        # voudrais parler à quelqu'un": a death in the family told by the debtor, as the reason of a
        # difficulty or of a wish to speak to a person; the debtor's own death ties it to the number, the
        # account or the estate (the rules, the model and those words must all agree)
        died = None
    if died is not None and intent != "wrong_person":
        intent, confidence, source = "wrong_person", max(confidence, 0.9), "rule: bereavement"
    detail = None
    if intent == "wrong_person" and (
        died is not None
        or (opinion.p(BEREAVEMENT) > opinion.p("wrong_person") and death_said(norm) and not said_alive(norm))
    ):
        detail = "bereavement"
    elif intent == "abuse" and threat_p > opinion.p("abuse"):
        detail = "threat"
    if intent == "unknown":  # "not understood" is never a confident reading (the dialogue asks again)
        confidence = min(confidence, rule_confidence)
        if (held_back := HELD_BACK(norm)) is not None:  # `--explain` says why no yes or no was read
            source = f'{source}; a yes or a no held back ("{held_back.group(0)}")'
    return Reading(intent, confidence, detail, source, matched=died.group(0) if died else None, **base)
