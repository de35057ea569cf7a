"""What the debtor reads: message templates, rendering, SMS length, the formal notice.

Build one `Renderer` per process (it compiles and caches every template) and render by name::

    from messages import Renderer, reminder_context, reminder_template_name, DebtLine

    renderer = Renderer.from_config(config)            # or Renderer(override_dir)
    context = reminder_context(
        config.creditor(key), debtor_name="Jeanne Martin",
        debts=[DebtLine("F-2026-1041", Decimal("1234.50"), "EUR", date(2026, 10, 18))],
        step_index=1, step_count=4, today=today, telegram_link=None,
    )
    out = renderer.render(reminder_template_name(1, 4), locale="fr", channel="sms", **context)
    out.text        # the body to send
    out.choices     # quick replies (chat) / numbered menu entries (SMS): Choice(key, label)
    out.sms         # SmsLength(encoding, units, segments)

Public API
----------
- `Renderer(override_dir: Path | None = None)`, `Renderer.from_config(config)`;
  `renderer.render(name, *, locale, channel, **context) -> Rendered` where `channel` is `sms`,
  `chat`, `telegram` or `console` (the last two render the chat templates) and `locale` any debtor
  locale (`fr`, `fr-BE`, `en_GB`…; other languages fall back to English). A missing variable,
  an unknown template or a broken override raises `relance.core.errors.RenderError` naming the
  template. `Rendered(name, language, channel, text, choices)`.
- Template names: `TEMPLATES` (name -> `TemplateSpec(kind, requires, …)`), `REMINDER_STEPS`,
  `reminder_template_name(step_index, step_count)` (1-based: first, middle…, last).
- Context builders (pure): `case_context(creditor, *, debtor_name, debts, balance=None,
  telegram_link=None)` for every debtor-facing message; `reminder_context(…, step_index,
  step_count, today)`; and the extras per message: `promise_context(amount, due_on)`,
  `plan_context(installments, frequency)`, `installment_context(installment, count)`,
  `hardship_context(pause_days=30)`, `handover_context(answer_by)`. `DebtLine`,
  `InstallmentLine`, `debt_line(debt_row)`, `payment_link(creditor, reference)`.
  `telegram_link` (the deep link) is shown by the first reminder on SMS only.
- Choices: the keys are the dialogue's intent labels (`promise_to_pay`, `payment_plan`,
  `already_paid`, `dispute`, `human`, `affirm`, `deny`) plus `pause` (hardship). On SMS the
  numbered menu's entry N is `choices[N - 1]`; on chat they are the quick-reply buttons.
- SMS: `sms_length(text) -> SmsLength`, `count_segments(text)`, `gsm_friendly(text)`,
  `is_gsm7(text)`. SMS output is already GSM-friendly (plain spaces in amounts, plain quotes…).
- Formatting: `format_money(amount, currency, locale)`, `format_day(day, locale, style)`
  (styles full, long, medium, short, compact). Template filters: `money`, `date`, `shortdate`,
  `dates` (a list of dates), `number`; globals `choice(key, label)` (recorded and written) and
  `offer(key, label)` (recorded only: chat buttons).
- Wording: `threatening_words(text, language)`.
- Formal notice: `NoticeData`, `Party`, `NoticeDebt`, `SentReminder`, `notice_data(creditor, …)`,
  `render_notice_pdf(data, renderer=None) -> bytes`; charges in `messages.late_charges`.
- `check_templates(renderer) -> list[str]`: renders every template with sample contexts
  (validates a creditor's override directory).

Templates live in `messages/templates/<language>/<sms|chat|letter>/`; an override directory
mirrors that layout and wins file by file. Debtor-facing text is plain text on every channel
(send Telegram messages without parse mode); the notice template is autoescaped HTML.
"""

from messages.catalog import REMINDER_STEPS, TEMPLATES, TemplateSpec, reminder_template_name, template_channel
from messages.context import (
    DebtLine,
    InstallmentLine,
    case_context,
    debt_line,
    handover_context,
    hardship_context,
    installment_context,
    payment_link,
    plan_context,
    promise_context,
    reminder_context,
    thanks_context,
)
from messages.formatting import format_day, format_money, resolve_locale
from messages.notice import NoticeData, NoticeDebt, Party, SentReminder, notice_data, render_notice_pdf
from messages.render import Choice, Rendered, Renderer
from messages.samples import check_templates
from messages.sms import SmsLength, count_segments, gsm_friendly, is_gsm7, sms_length
from messages.wording import threatening_words

__all__ = [
    "REMINDER_STEPS",
    "TEMPLATES",
    "Choice",
    "DebtLine",
    "InstallmentLine",
    "NoticeData",
    "NoticeDebt",
    "Party",
    "Rendered",
    "Renderer",
    "SentReminder",
    "SmsLength",
    "TemplateSpec",
    "case_context",
    "check_templates",
    "count_segments",
    "debt_line",
    "format_day",
    "format_money",
    "gsm_friendly",
    "handover_context",
    "hardship_context",
    "installment_context",
    "is_gsm7",
    "notice_data",
    "payment_link",
    "plan_context",
    "promise_context",
    "reminder_context",
    "reminder_template_name",
    "render_notice_pdf",
    "resolve_locale",
    "sms_length",
    "template_channel",
    "thanks_context",
    "threatening_words",
]
