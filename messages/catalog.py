"""The catalogue of message templates: names, kinds, the extra variables each one needs.

A template lives at `<language>/<channel>/<name>.txt.j2` (channels `sms` and `chat`), the formal
notice at `<language>/letter/notice.html.j2`. An e-mail's body is its chat text; the e-mail family
(`<language>/email/`) adds the subject per message, the text footer and the HTML part around it.
A creditor's override directory mirrors this layout.
Every debtor-facing template gets the case context (`messages.context.case_context`); `requires`
lists what it needs on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["reminder", "reply", "letter"]
TemplateChannel = Literal["sms", "chat", "email", "letter"]

TEXT_CHANNELS: tuple[TemplateChannel, ...] = ("sms", "chat")

# Channel names of the rest of the code base (relance.core..Channel) -> template channel.
_CHANNEL_ALIASES: dict[str, TemplateChannel] = {
    "sms": "sms",
    "chat": "chat",
    "telegram": "chat",
    "console": "chat",
    "email": "email",
    "letter": "letter",
}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One message of the catalogue."""

    name: str
    kind: Kind
    requires: tuple[str, ...] = ()
    # False for the few messages that must not reveal anything about a debt
    case_context: bool = True
    # False where an opt-out instruction would be pointless (the opt-out confirmation itself…)
    opt_out_line: bool = True


_SPECS = (
    TemplateSpec("reminder_first", "reminder", ("step_index", "step_count")),
    TemplateSpec("reminder_middle", "reminder", ("step_index", "step_count")),
    TemplateSpec("reminder_last", "reminder", ("step_index", "step_count", "pay_by")),
    TemplateSpec("promise_followup", "reminder", ("promise_amount", "promise_date")),
    TemplateSpec("installment_reminder", "reminder", ("installment", "installment_count")),
    TemplateSpec("installment_missed", "reminder", ("installment", "installment_count")),
    TemplateSpec("plan_broken", "reminder"),
    TemplateSpec("promise_confirmation", "reply", ("promise_amount", "promise_date")),
    TemplateSpec("plan_proposal", "reply", ("installments", "frequency", "plan_total")),
    TemplateSpec("plan_counter_offer", "reply", ("installments", "frequency", "plan_total")),
    TemplateSpec("plan_confirmation", "reply", ("installments", "frequency", "plan_total")),
    TemplateSpec("dispute_ack", "reply"),
    TemplateSpec("dispute_reason_received", "reply"),
    TemplateSpec("hardship", "reply", ("pause_days",)),
    TemplateSpec("already_paid", "reply"),
    TemplateSpec("payment_thanks", "reply", ("paid_amount",)),
    TemplateSpec("wrong_person", "reply", case_context=False, opt_out_line=False),
    # the debtor died: one respectful line, nothing about the debt, no opt-out line (contact stops)
    TemplateSpec("bereavement", "reply", case_context=False, opt_out_line=False),
    TemplateSpec("opt_out_confirmation", "reply", opt_out_line=False),
    TemplateSpec("opt_in_confirmation", "reply"),
    TemplateSpec("help", "reply"),
    TemplateSpec("info", "reply"),
    TemplateSpec("handover", "reply", ("answer_by",)),
    TemplateSpec("clarification", "reply"),
    TemplateSpec("abuse", "reply"),
    TemplateSpec("unknown_sender", "reply", case_context=False, opt_out_line=False),
)

TEMPLATES: dict[str, TemplateSpec] = {spec.name: spec for spec in _SPECS}
NOTICE = TemplateSpec("notice", "letter", ("notice",))
REMINDER_STEPS = ("reminder_first", "reminder_middle", "reminder_last")


def template_channel(channel: str) -> TemplateChannel:
    """The template channel (`sms`, `chat`, `letter`) for a channel name such as `telegram`."""
    try:
        return _CHANNEL_ALIASES[channel]
    except KeyError:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(_CHANNEL_ALIASES)}") from None


def reminder_template_name(step_index: int, step_count: int) -> str:
    """The scenario step's template: the first step is courteous, the last announces the notice.

    `step_index` is 1-based (`Case.last_step + 1`). A one-step scenario gets the courteous first
    reminder: the formal notice that follows is itself the warning.
    """
    if step_count < 1 or not 1 <= step_index <= step_count:
        raise ValueError(f"step {step_index} is outside a scenario of {step_count} step(s)")
    if step_index == 1:
        return "reminder_first"
    if step_index == step_count:
        return "reminder_last"
    return "reminder_middle"


def template_path(name: str, language: str, channel: TemplateChannel) -> str:
    """Loader path of a template."""
    suffix = "html.j2" if channel == "letter" else "txt.j2"
    if channel == "email":  # the body of an e-mail is the long-form chat text (`messages.email` wraps it)
        channel = "chat"
    return f"{language}/{channel}/{name}.{suffix}"


def email_part_path(language: str, part: str) -> str:
    """Loader path of a part of the e-mail family: `subject.txt.j2`, `footer.txt.j2`, `body.html.j2`."""
    return f"{language}/email/{part}"
