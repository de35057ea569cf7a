"""The formal notice (mise en demeure) as a PDF.

`NoticeData` is everything the letter states, as plain values (no database): who writes to whom,
each debt, the charges claimed (`messages.late_charges`), the total, the deadline, the
consequence, date and place, and the reminders already sent. `notice_data` builds it from the
creditor's configuration; `render_notice_pdf` lays out the `notice` template (HTML, autoescaped)
with fpdf2 in DejaVu Sans, embedded so that €, accents and narrow no-break spaces print.
The same data gives the same bytes (the PDF's dates are the notice date), so the SHA-256 stored
with a notice identifies its content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import TextStyle
from fpdf.html import HTML2FPDF

from messages.context import format_iban, payment_link
from messages.formatting import resolve_locale
from messages.late_charges import ChargeableDebt, LateCharges, compute_charges
from messages.render import Renderer
from relance.core.config import Creditor

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True, slots=True)
class Party:
    """A creditor or debtor as the letter names them."""

    name: str
    address: str = ""
    registration: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def address_lines(self) -> list[str]:
        """The address split on newlines and commas, as printed on an envelope."""
        parts = [p.strip() for line in self.address.splitlines() for p in line.split(",")]
        return [p for p in parts if p]


@dataclass(frozen=True, slots=True)
class NoticeDebt:
    """One unpaid invoice of the notice."""

    reference: str
    due_date: date
    amount: Decimal  # invoiced amount
    balance: Decimal  # still due


@dataclass(frozen=True, slots=True)
class SentReminder:
    """A reminder already sent, for the letter's history."""

    sent_on: date
    channel: str  # sms, telegram, console, letter…
    step: int | None = None


@dataclass(frozen=True)
class NoticeData:
    """Everything the formal notice states."""

    locale: str
    creditor: Party
    debtor: Party
    debts: tuple[NoticeDebt, ...]
    currency: str
    issued_on: date
    place: str
    deadline: date
    reminders: tuple[SentReminder, ...] = ()
    charges: LateCharges | None = None
    pay_link: str | None = None
    iban: str | None = None
    bic: str | None = None
    contact: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def principal(self) -> Decimal:
        """What remains due on the invoices themselves."""
        return sum((d.balance for d in self.debts), Decimal(0))

    @property
    def total(self) -> Decimal:
        """Principal plus the interest and fees claimed."""
        return self.principal + (self.charges.total if self.charges else Decimal(0))

    @property
    def deadline_days(self) -> int:
        return (self.deadline - self.issued_on).days

    def template_context(self) -> dict[str, Any]:
        """Variables of the `notice` template."""
        return {
            "notice": self,
            "creditor": self.creditor,
            "debtor": self.debtor,
            "debts": self.debts,
            "charges": self.charges,
            "reminders": sorted(self.reminders, key=lambda r: r.sent_on),
            "currency": self.currency,
            "principal": self.principal,
            "total": self.total,
            "issued_on": self.issued_on,
            "deadline": self.deadline,
            "deadline_days": self.deadline_days,
            "place": self.place,
            "pay_link": self.pay_link,
            "iban": self.iban,
            "bic": self.bic,
            "contact": self.contact,
            **self.extra,
        }


def creditor_party(creditor: Creditor) -> Party:
    """The creditor's identity as the letter heads it (legal name when configured)."""
    return Party(
        name=creditor.legal_name or creditor.name,
        address=creditor.address,
        registration=creditor.registration,
        email=creditor.email,
        phone=creditor.phone,
    )


def notice_data(
    creditor: Creditor,
    *,
    debtor: Party,
    debts: Sequence[NoticeDebt],
    currency: str,
    issued_on: date,
    locale: str,
    reminders: Sequence[SentReminder] = (),
) -> NoticeData:
    """A notice under the creditor's `NoticePolicy`: deadline, place and charges filled in."""
    if not debts:
        raise ValueError("a formal notice needs at least one unpaid debt")
    policy = creditor.notice
    chargeable = [ChargeableDebt(d.reference, d.balance, d.due_date) for d in debts]
    return NoticeData(
        locale=locale,
        creditor=creditor_party(creditor),
        debtor=debtor,
        debts=tuple(debts),
        currency=currency,
        issued_on=issued_on,
        place=policy.place or creditor.city or "",
        deadline=issued_on + timedelta(days=policy.deadline_days),
        reminders=tuple(reminders),
        charges=compute_charges(chargeable, policy, as_of=issued_on, currency=currency),
        pay_link=payment_link(creditor, debts[0].reference),
        iban=format_iban(creditor.iban),
        bic=creditor.bic,
        contact=creditor.contest_instructions,
    )


class _LetterHTML(HTML2FPDF):
    """fpdf2's HTML renderer, with table bodies in the regular weight."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and self.table is not None and not self.table.rows:
            # fpdf2 2.8 styles a table's body with the font current at its first row, which a
            # <b> opening an earlier paragraph can leave bold: start every table regular.
            self.pdf.set_font(style="")
        super().handle_starttag(tag, attrs)


class _NoticePDF(FPDF):
    """A4 letter with a discreet footer: who writes, page n/N."""

    HTML2FPDF_CLASS = _LetterHTML
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7.5)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def _new_pdf(data: NoticeData, title: str) -> _NoticePDF:
    pdf = _NoticePDF(format="A4")
    pdf.footer_text = data.creditor.name
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_font(FONT, size=10)
    stamp = datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, tzinfo=UTC)
    pdf.set_creation_date(stamp)
    pdf.set_title(title)
    pdf.set_author(data.creditor.name)
    pdf.set_creator("Relance")
    pdf.set_lang(resolve_locale(data.locale)[0])
    return pdf


_TAG_STYLES = {
    "h1": TextStyle(font_family=FONT, font_style="B", font_size_pt=14, color=(0, 0, 0), t_margin=4, b_margin=2),
    "h2": TextStyle(font_family=FONT, font_style="B", font_size_pt=11, color=(0, 0, 0), t_margin=3, b_margin=1),
}


def render_notice_html(data: NoticeData, renderer: Renderer | None = None) -> str:
    """The letter as HTML (the `notice` template of the data's language)."""
    return (renderer or default_renderer()).render_notice_html(locale=data.locale, **data.template_context())


def render_notice_pdf(data: NoticeData, renderer: Renderer | None = None) -> bytes:
    """The formal notice as PDF bytes."""
    html = render_notice_html(data, renderer)
    title = "Mise en demeure" if resolve_locale(data.locale)[0] == "fr" else "Formal notice"
    pdf = _new_pdf(data, f"{title} · {data.debtor.name}")
    pdf.add_page()
    pdf.write_html(
        html, font_family=FONT, tag_styles=_TAG_STYLES, table_line_separators=True, li_prefix_color=(0, 0, 0)
    )
    return bytes(pdf.output())


_DEFAULT: list[Renderer] = []


def default_renderer() -> Renderer:
    """A shared renderer of the built-in templates."""
    if not _DEFAULT:
        _DEFAULT.append(Renderer())
    return _DEFAULT[0]
