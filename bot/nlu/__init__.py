"""Rule-based understanding of debtor replies in French and English (pure: no I/O, no models).

`understand(text, locale, today)` returns an `Understanding`: one of `INTENTS`, a confidence, and
the amount, installment count, frequency and date the message carries.
"""

from bot.nlu.intents import INTENTS
from bot.nlu.understanding import Understanding, understand

FREQUENCIES = ("weekly", "biweekly", "monthly")

__all__ = ["FREQUENCIES", "INTENTS", "Understanding", "understand"]
