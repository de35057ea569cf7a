"""Shared test data for the messages tests: realistic contexts as hypothesis strategies.

"Realistic" bounds, on purpose and documented here: a creditor's trade name up to 30 characters
(its legal name, often longer, goes on the formal notice only), invoice references up to 16
characters, amounts up to 9,999,999.99 (7 digits), one to three debts, a payment URL of the form
`https://pay.example.com/{reference}`, or a French IBAN, a contest contact up to 30 characters,
and the Telegram deep link of `bot.telegram_binding` (a 32-character token, bot names up to 15).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from messages import (
    TEMPLATES,
    DebtLine,
    InstallmentLine,
    case_context,
    handover_context,
    hardship_context,
    installment_context,
    plan_context,
    promise_context,
    reminder_context,
    thanks_context,
)
from messages.samples import sample_creditor
from relance.core.config import Creditor

NAME_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéèàçôîêÉÈ &-'."
REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"
MAX_AMOUNT = Decimal("9999999.99")
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
FR_IBAN = "FR7630006000011234567890189"

creditor_names = (
    st.text(NAME_ALPHABET, min_size=3, max_size=30)
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: len(s) >= 3 and s[0].isalpha())
)
references = st.text(REF_ALPHABET, min_size=3, max_size=16)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
emails = st.builds(
    lambda user, domain: f"{user}@{domain}.fr",
    st.text("abcdefghijklmnopqrstuvwxyz.-", min_size=1, max_size=12).filter(lambda s: s[0].isalpha()),
    st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=14).filter(lambda s: s[0].isalpha()),
)
contest_contacts = st.one_of(emails, st.just("+33 1 23 45 67 89"), st.just("+33123456789"))
telegram_links = st.one_of(
    st.none(),
    st.builds(
        lambda bot, token: f"https://t.me/{bot}bot?start={token}",
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12).filter(lambda s: s[0].isalpha()),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=32, max_size=32),
    ),
)


@st.composite
def creditors(draw: st.DrawFn) -> Creditor:
    """A creditor paying by link, by IBAN, or both."""
    how = draw(st.sampled_from(("link", "iban", "both")))
    return sample_creditor(
        name=draw(creditor_names),
        payment_url=None if how == "iban" else "https://pay.example.com/{reference}",
        iban=None if how == "link" else FR_IBAN,
        contest_contact=draw(contest_contacts),
        currency=draw(st.sampled_from(CURRENCIES)),
    )


@st.composite
def debt_lists(draw: st.DrawFn, currency: str) -> list[DebtLine]:
    """One to three debts whose total stays within 7 digits."""
    count = draw(st.integers(1, 3))
    cap = int(MAX_AMOUNT * 100) // count
    refs = draw(st.lists(references, min_size=count, max_size=count, unique=True))
    return [DebtLine(ref, Decimal(draw(st.integers(500, cap))) / 100, currency, draw(days)) for ref in refs]


@st.composite
def schedules(draw: st.DrawFn, total: Decimal, today: date) -> list[InstallmentLine]:
    """Two to six installments (the default policy's maximum) summing to `total`."""
    count = draw(st.integers(2, 6))
    each = (total / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    step = draw(st.sampled_from((7, 14, 30)))
    lines = [InstallmentLine(i + 1, today + timedelta(days=step * (i + 1)), each) for i in range(count)]
    lines[-1] = InstallmentLine(count, lines[-1].due_on, total - each * (count - 1))
    return lines


@st.composite
def contexts(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A realistic context for template `name`."""
    creditor = draw(creditors())
    debts = draw(debt_lists(creditor.currency))
    today = draw(days)
    link = draw(telegram_links)
    if name.startswith("reminder_"):
        count = draw(st.integers(1, 6))
        step = draw(st.integers(1, count))
        return reminder_context(
            creditor,
            debtor_name="Jeanne Martin",
            debts=debts,
            step_index=step,
            step_count=count,
            today=today,
            telegram_link=link,
        )
    context = case_context(creditor, debtor_name="Jeanne Martin", debts=debts, telegram_link=link)
    context.update(extras(name, context, today, draw))
    return context


def extras(name: str, context: dict[str, Any], today: date, draw: st.DrawFn) -> dict[str, Any]:
    """The variables `name` needs on top of the case context."""
    balance: Decimal = context["balance"]
    requires = TEMPLATES[name].requires
    if "promise_amount" in requires:
        return promise_context(draw(st.integers(1, int(balance * 100))) / Decimal(100), draw(days))
    if "installments" in requires:
        return plan_context(draw(schedules(balance, today)), draw(st.sampled_from(("monthly", "biweekly", "weekly"))))
    if "installment" in requires:
        plan = draw(schedules(balance, today))
        return installment_context(draw(st.sampled_from(plan)), len(plan))
    if "pause_days" in requires:
        return hardship_context(draw(st.integers(1, 30)))
    if "answer_by" in requires:
        return handover_context(draw(days))
    if "paid_amount" in requires:
        return thanks_context(draw(st.integers(1, int(balance * 100) + 1)) / Decimal(100))
    return {}
