"""Why a debtor contests, in `relance.core.models.DisputeReason` codes, from their own words."""

from __future__ import annotations

import re

from bot.nlu.normalise import normalise

_REASONS = (
    ("already_paid", re.compile(r"\b(?:deja (?:paye|regle)|already paid|paid already|j ai paye|i paid)\b")),
    (
        "amount",
        re.compile(
            r"\b(?:montant|somme|prix|calcul|tarif|amount|price|charged|overcharg\w*|math|total"
            r"|deux fois|twice|double|en double|surfactur\w*)\b"
        ),
    ),
    (
        "goods_or_service",
        re.compile(
            r"\b(?:recu|livr\w*|colis|commande|produit|article|marchandise|defectu\w*|casse\w*|abime\w*|qualite"
            r"|travail|travaux|prestation|service|received|delivered|arrived|package|parcel|goods|product|item"
            r"|defective|broken|faulty|damaged|quality|job|work|repair)\b"
        ),
    ),
    (
        "not_owed",
        re.compile(
            r"\b(?:dois rien|dois pas|owe|resili\w*|annul\w*|cancel\w*|prescri\w*|time barred"
            r"|arnaque|scam|fraud\w*|jamais signe|never signed|contrat|contract)\b"
        ),
    ),
)


def dispute_reason_code(text: str) -> str:
    """The `DisputeReason` a contesting message points to, else "unspecified"."""
    folded = normalise(text, "fr") + " " + normalise(text, "en")
    return next((code for code, pattern in _REASONS if pattern.search(folded)), "unspecified")
