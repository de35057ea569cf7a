"""The formal notice (mise en demeure) as a PDF, per jurisdiction and per sender.

`NoticeData` is everything the letter states, as plain values (no database): who writes to whom
(the creditor, or an agency on its behalf), each debt, the charges the law of the jurisdiction
allows (`messages.late_charges`), the total, the deadline counted from receipt, the consequence,
date and place, the reminders actually sent, and the signatory. `notice_data` builds it from the
creditor's configuration; `render_notice_pdf` lays out the `notice` template (HTML, autoescaped)
with fpdf2 in DejaVu Sans, embedded so that €, accents and narrow no-break spaces print.
The same data gives the same bytes (the PDF's dates are the notice date), so the SHA-256 stored
with a notice identifies its content.

Variants (`NoticeData.variant`; legal sources in docs/notices/README.md):
- `fr_b2b`: FR, creditor to a business: per-invoice interest and the 40 € indemnity (L441-10, D441-5);
- `fr_consumer`: FR, creditor to a consumer: principal; legal interest from the notice (C. civ. 1231-6);
- `fr_agency`: FR, an agency for the creditor: the mentions of CPCE R124-4 and L111-8 reproduced;
- `be_consumer`: BE consumer (CDE Book XIX): at least 14 days from the 3rd working day after posting,
  capped flat damages announced when the creditor's terms provide them;
- `final_demand`: GB/US, in English: "final demand / notice before action" (GB consumers: 30 days,
  Pre-Action Protocol for Debt Claims; a US agency adds the Regulation F debt-collector disclosure);
- `generic`: any other combination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import holidays
from fpdf import FPDF
from fpdf.fonts import TextStyle
from fpdf.html import HTML2FPDF

from messages.context import format_iban, payment_link
from messages.formatting import resolve_locale
from messages.late_charges import ChargeableDebt, LateCharges, be_damages_cap, charges_for
from messages.render import Renderer
from relance.core.config import Agency, Creditor

LAWS = ("FR", "BE", "GB", "US")  # jurisdictions with a notice of their own; others get the generic one
MIN_DEADLINE_DAYS = {("BE", "consumer"): 14, ("GB", "consumer"): 30}

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
    legal_form: str | None = None
    country: str | None = None

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


@dataclass(frozen=True, slots=True)
class Signatory:
    """Who signs: a named person and their capacity."""

    name: str
    capacity: str


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
    deadline_days: int
    reminders: tuple[SentReminder, ...] = ()
    charges: LateCharges | None = None
    pay_link: str | None = None
    iban: str | None = None
    bic: str | None = None
    contact: str | None = None
    jurisdiction: str = "FR"
    consumer: bool = False
    agency: Party | None = None  # set when an agency sends the notice for the creditor
    signatory: Signatory | None = None
    dispatch_on: date | None = None  # the day the letter is posted, when known
    receipt_days: int = 3  # days a posted letter takes to arrive (the "at the latest" date)
    damages_cap: Decimal | None = None  # BE consumers: flat damages announced (legal cap)
    reference: str | None = None  # the letter's reference (R124-4: recalled in later steps)
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
    def variant(self) -> str:
        """Which letter the law calls for (see the module docstring)."""
        if self.agency is not None and self.jurisdiction == "FR":
            return "fr_agency"
        if self.jurisdiction == "FR":
            return "fr_consumer" if self.consumer else "fr_b2b"
        if self.jurisdiction == "BE" and self.consumer:
            return "be_consumer"
        if self.jurisdiction in ("GB", "US"):
            return "final_demand"
        return "generic"

    @property
    def received_on(self) -> date:
        """The day the letter is taken as received: the deadline runs from it."""
        posted = self.dispatch_on or self.issued_on
        if self.variant == "be_consumer":
            return working_days_after(posted, 3, "BE")  # CDE XIX.2: from the 3rd working day after posting
        return posted + timedelta(days=self.receipt_days)

    @property
    def deadline(self) -> date:
        """The last day to pay: `deadline_days` from receipt (an estimate when the dispatch date is unknown)."""
        return self.received_on + timedelta(days=self.deadline_days)

    @property
    def sender(self) -> Party:
        """Who writes and signs: the agency when one sends the notice, else the creditor."""
        return self.agency or self.creditor

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
            "deadline_known": self.dispatch_on is not None,
            "deadline_days": self.deadline_days,
            "place": self.place,
            "variant": self.variant,
            "jurisdiction": self.jurisdiction,
            "consumer": self.consumer,
            "agency": self.agency,
            "sender": self.sender,
            "signatory": self.signatory,
            "damages_cap": self.damages_cap,
            "reference": self.reference,
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
        legal_form=creditor.legal_form,
        country=creditor.country.upper(),
    )


def agency_party(agency: Agency) -> Party:
    """The collection agency as the letter heads it."""
    return Party(
        name=agency.name,
        address=agency.address,
        registration=agency.registration,
        email=agency.email,
        phone=agency.phone,
        legal_form=agency.legal_form,
    )


def jurisdiction_of(creditor: Creditor, debtor_country: str | None) -> str:
    """The law the notice follows: the debtor's country when it has a notice of its own, else the creditor's."""
    country = (debtor_country or "").upper()
    return country if country in LAWS else creditor.country.upper()


def working_days_after(day: date, count: int, country: str) -> date:
    """The `count`-th working day (Monday-Friday, not a public holiday of `country`) after `day`."""
    off = holidays.country_holidays(country, years=range(day.year, day.year + 2))
    current, left = day, count
    while left:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            left -= 1
    return current


def notice_data(
    creditor: Creditor,
    *,
    debtor: Party,
    debts: Sequence[NoticeDebt],
    currency: str,
    issued_on: date,
    locale: str,
    reminders: Sequence[SentReminder] = (),
    agency: Agency | None = None,
    signatory: Signatory | None = None,
    dispatch_on: date | None = None,
    reference: str | None = None,
) -> NoticeData:
    """A notice under the creditor's rules and the law of its jurisdiction: deadline, place, charges filled in.

    `agency`: the agency's identity, used when the creditor's `sender` is `agency`. `signatory`
    overrides the configured one (the agent who sends the notice).
    """
    if not debts:
        raise ValueError("a formal notice needs at least one unpaid debt")
    policy = creditor.notice
    jurisdiction = jurisdiction_of(creditor, debtor.country)
    consumer = not creditor.business
    chargeable = [ChargeableDebt(d.reference, d.balance, d.due_date) for d in debts]
    sender_agency = agency if creditor.sender == "agency" else None
    kind = "consumer" if consumer else "business"
    days = max(policy.deadline_days, MIN_DEADLINE_DAYS.get((jurisdiction, kind), 0))
    damages = None
    if jurisdiction == "BE" and consumer and policy.flat_damages:
        damages = sum((be_damages_cap(d.balance, currency) for d in debts), Decimal(0))
    configured = sender_agency.signatory if sender_agency is not None else creditor.signatory
    return NoticeData(
        locale=locale,
        creditor=creditor_party(creditor),
        debtor=debtor,
        debts=tuple(debts),
        currency=currency,
        issued_on=issued_on,
        place=policy.place or creditor.city or "",
        deadline_days=days,
        reminders=tuple(reminders),
        charges=charges_for(
            chargeable, policy, jurisdiction=jurisdiction, business=not consumer, as_of=issued_on, currency=currency
        ),
        pay_link=payment_link(creditor, debts[0].reference),
        iban=format_iban(creditor.iban),
        bic=creditor.bic,
        contact=creditor.contest_instructions,
        jurisdiction=jurisdiction,
        consumer=consumer,
        agency=agency_party(sender_agency) if sender_agency is not None else None,
        signatory=signatory or (Signatory(configured.name, configured.capacity) if configured else None),
        dispatch_on=dispatch_on,
        receipt_days=policy.receipt_days,
        damages_cap=damages,
        reference=reference,
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
    pdf.footer_text = data.sender.name + (f" · {data.reference}" if data.reference else "")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_font(FONT, size=10)
    stamp = datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, tzinfo=UTC)
    pdf.set_creation_date(stamp)
    pdf.set_title(title)
    pdf.set_author(data.sender.name)
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
    title = "Mise en demeure" if resolve_locale(data.locale)[0] == "fr" else "Final demand"
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
