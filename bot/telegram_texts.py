"""The few fixed Telegram texts that say nothing about any debt (unbound chats), and the common answers."""

from __future__ import annotations

from messages.render import Choice

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "unbound": (
            "Bonjour ! Pour recevoir vos informations ici, ouvrez le lien reçu par SMS, "
            "ou partagez votre numéro de téléphone avec le bouton ci-dessous."
        ),
        "link_invalid": (
            "Ce lien n'est plus valable. Ouvrez le lien de notre dernier SMS, "
            "ou partagez votre numéro de téléphone avec le bouton ci-dessous."
        ),
        "not_own_contact": "Merci de partager votre propre numéro, avec le bouton ci-dessous.",
        "contact_unknown": "Nous n'avons pas trouvé de dossier pour ce numéro. Utilisez le lien reçu par SMS.",
        "share_button": "Partager mon numéro",
    },
    "en": {
        "unbound": (
            "Hello! To get your information here, open the link we sent you by SMS, "
            "or share your phone number with the button below."
        ),
        "link_invalid": (
            "This link is no longer valid. Open the link in our latest SMS, "
            "or share your phone number with the button below."
        ),
        "not_own_contact": "Please share your own number, with the button below.",
        "contact_unknown": "We found no file for this number. Please use the link we sent you by SMS.",
        "share_button": "Share my phone number",
    },
}

# Quick replies shown once a chat is bound: the key is the dialogue intent it stands for.
COMMON_CHOICES: dict[str, tuple[Choice, ...]] = {
    "fr": (
        Choice("promise_to_pay", "Je paie maintenant"),
        Choice("payment_plan", "Payer en plusieurs fois"),
        Choice("dispute", "Je conteste"),
        Choice("human", "Parler à une personne"),
    ),
    "en": (
        Choice("promise_to_pay", "I'll pay now"),
        Choice("payment_plan", "Pay in installments"),
        Choice("dispute", "I dispute this"),
        Choice("human", "Talk to a person"),
    ),
}


def language(code: str | None) -> str:
    """`fr` or `en` from a locale or Telegram `language_code` (French when unknown, English for other languages)."""
    if not code:
        return "fr"
    return "fr" if code.lower().startswith("fr") else "en"
