"""What the first messages after a start would otherwise pay for, built before the server says it is ready.

Measured with `bench/webhook.py` (December 2026): the first inbound SMS of a fresh process cost
~0.4 s of CPU — the NLU model read from its JSON, the prefilter's automata, Jinja compiling a
template, Babel loading a locale — and each later first use of a template or a rule 5–30 ms more;
the first answer that writes through the ORM (a plan, a flag, a dispute) paid ~0.14 s more for
SQLAlchemy configuring every mapper.
At 300 requests/s that queued the first burst behind it: p99 near one second for the first seconds
after a start, 10 ms afterwards. `warm_up` does that work once, on sample texts and the sample
contexts of every template, and touches nothing stored (no database, no channel).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import configure_mappers

import relance.core.models  # noqa: F401  (the mapped classes whose mappers `configure_mappers` sets up)
from bot.keywords import classify_keyword
from bot.nlu import understand
from bot.sms_inbound import locale_for_number
from messages.catalog import TEMPLATES, TEXT_CHANNELS
from messages.formatting import LANGUAGES
from messages.render import Renderer
from messages.samples import sample_context
from relance.core.errors import RenderError

log = logging.getLogger(__name__)

# one of each kind of reply the understanding reads (amounts, dates, installments, choices, keywords…)
SAMPLE_TEXTS = {
    "fr": (
        "je peux payer 50 € par mois à partir du 5 janvier",
        "je paierai vendredi prochain",
        "je peux payer en 3 fois ?",
        "c'est quoi cette facture ? je conteste, j'ai déjà payé",
        "ce n'est pas moi, mauvais numéro",
        "je suis au chômage, je ne peux pas payer",
        "arrêtez de m'écrire",
        "merci",
        "1",
        "STOP",
    ),
    "en": (
        "I can pay £100 a month starting next Friday",
        "I will pay on the 15th",
        "can I pay in 3 installments?",
        "what is this invoice? I already paid, I dispute it",
        "wrong number, not me",
        "I lost my job and cannot pay",
        "I do not wish to receive any more messages",
        "thanks",
        "2",
        "HELP",
    ),
}
SAMPLE_NUMBERS = ("+33612345678", "+32470123456", "+12025550123", "+447700900123")


def warm_up(renderer: Renderer, *, today: date) -> None:
    """Build what serving messages builds lazily: the NLU model and patterns, every template, locale data, the ORM."""
    configure_mappers()
    for locale, texts in SAMPLE_TEXTS.items():
        for text in texts:
            classify_keyword(text, channel="sms")
            understand(text, locale, today)
    for number in SAMPLE_NUMBERS:
        locale_for_number(number)
    for language in LANGUAGES:
        for name in TEMPLATES:
            context = sample_context(name)
            for channel in TEXT_CHANNELS:
                try:
                    renderer.render(name, locale=language, channel=channel, **context)
                except RenderError as exc:  # an override that fails here fails where it is used too, and says so there
                    log.warning("warming up templates: %s", exc)
