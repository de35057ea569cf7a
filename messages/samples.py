"""Sample contexts for every template, and a check of a renderer's templates (overrides included).

Used by the tests, `bench/render.py`, and to validate a creditor's override directory before it
reaches a debtor: `check_templates(Renderer(path))` renders every message in every language and
channel and reports what fails or would not fit in two SMS segments.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from messages.catalog import TEMPLATES, TEXT_CHANNELS
from messages.context import (
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
from messages.formatting import LANGUAGES
from messages.notice import NoticeData, NoticeDebt, Party, SentReminder, notice_data
from relance.core.config import Agency, Creditor
from relance.core.errors import RenderError

SAMPLE_TODAY = date(2026, 11, 27)
MAX_SMS_SEGMENTS = 2


def sample_creditor(**overrides: Any) -> Creditor:
    """A plausible creditor (payment link, email, phone); any field can be overridden."""
    fields: dict[str, Any] = {
        "key": "acme",
        "name": "Acme Plomberie",
        "legal_name": "Acme Plomberie SARL",
        "address": "12 rue des Lilas, 69003 Lyon",
        "city": "Lyon",
        "email": "compta@acme-plomberie.fr",
        "phone": "+33472000000",
        "payment_url": "https://pay.acme.fr/{reference}",
        "contest_contact": "compta@acme-plomberie.fr",
        "registration": "RCS Lyon 123 456 789",
        "legal_form": "SARL au capital de 20 000 €",
        "signatory": {"name": "Claire Dubois", "capacity": "Gérante"},
    }
    fields.update(overrides)
    return Creditor(**fields)


def sample_debts(count: int = 1, *, currency: str = "EUR", amount: Decimal = Decimal("1234.50")) -> list[DebtLine]:
    """`count` debts of `amount` each, due a month apart before `SAMPLE_TODAY`."""
    return [
        DebtLine(f"F-2026-{1041 + i:04d}", amount, currency, SAMPLE_TODAY - timedelta(days=40 + 30 * i))
        for i in range(count)
    ]


def sample_schedule(total: Decimal, count: int = 3, first: date = SAMPLE_TODAY) -> list[InstallmentLine]:
    """Monthly installments summing to `total` (remainder on the last one)."""
    each = (total / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    lines = [InstallmentLine(i + 1, _add_months(first, i), each) for i in range(count)]
    lines[-1] = InstallmentLine(count, lines[-1].due_on, total - each * (count - 1))
    return lines


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def extra_context(name: str, base: dict[str, Any], *, today: date = SAMPLE_TODAY) -> dict[str, Any]:
    """The variables template `name` needs on top of the case context, with plausible values."""
    balance: Decimal = base["balance"]
    schedule = sample_schedule(balance, 3, today + timedelta(days=7))
    extras: dict[str, dict[str, Any]] = {
        "promise_followup": promise_context(balance, today - timedelta(days=2)),
        "promise_confirmation": promise_context(balance, today + timedelta(days=5)),
        "installment_reminder": installment_context(schedule[1], len(schedule)),
        "installment_missed": installment_context(schedule[0], len(schedule)),
        "plan_proposal": plan_context(schedule, "monthly"),
        "plan_counter_offer": plan_context(schedule, "monthly"),
        "plan_confirmation": plan_context(schedule, "monthly"),
        "hardship": hardship_context(),
        "handover": handover_context(today + timedelta(days=1)),
        "payment_thanks": thanks_context(balance / 2),
    }
    return extras.get(name, {})


def sample_context(
    name: str,
    *,
    creditor: Creditor | None = None,
    debts: list[DebtLine] | None = None,
    today: date = SAMPLE_TODAY,
    telegram_link: str | None = None,
    step_index: int = 2,
    step_count: int = 4,
) -> dict[str, Any]:
    """A complete context for template `name` (not the notice)."""
    spec = TEMPLATES[name]
    creditor = creditor or sample_creditor()
    debts = debts or sample_debts()
    if not spec.case_context:
        return {}
    if name.startswith("reminder_"):
        return reminder_context(
            creditor,
            debtor_name="Jeanne Martin",
            debts=debts,
            step_index=step_index,
            step_count=step_count,
            today=today,
            telegram_link=telegram_link,
        )
    base = case_context(creditor, debtor_name="Jeanne Martin", debts=debts, telegram_link=telegram_link)
    base.update(extra_context(name, base, today=today))
    return base


def check_templates(renderer: Any) -> list[str]:
    """Render every template in every language and channel; list failures and oversized SMS."""
    problems = []
    for language in LANGUAGES:
        for name in TEMPLATES:
            for channel in TEXT_CHANNELS:
                try:
                    out = renderer.render(name, locale=language, channel=channel, **sample_context(name))
                except RenderError as exc:
                    problems.append(str(exc))
                    continue
                if channel == "sms" and out.sms.segments > MAX_SMS_SEGMENTS:
                    problems.append(f"{language}/sms/{name}: {out.sms.segments} SMS segments (at most 2)")
        try:
            renderer.render_notice_html(locale=language, **sample_notice_data(language).template_context())
        except RenderError as exc:
            problems.append(str(exc))
    return problems


def sample_notice_data(locale: str = "fr") -> NoticeData:
    """A realistic notice (two invoices, B2B charges, three reminders) for checks and demos."""
    creditor = sample_creditor(
        notice={"b2b": True, "late_interest_rate": Decimal("12.15"), "place": "Lyon"},
        portfolio="business",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    issued = date(2026, 11, 27)
    return notice_data(
        creditor,
        debtor=Party(
            "Martin Rénovation SAS", "4 avenue Foch\n69006 Lyon", registration="RCS Lyon 987 654 321", country="FR"
        ),
        dispatch_on=issued,
        reference="MED-1041-20261127",
        debts=(
            NoticeDebt("F-2026-1041", date(2026, 8, 31), Decimal("1234.50"), Decimal("1234.50")),
            NoticeDebt("F-2026-1077", date(2026, 9, 30), Decimal("860.00"), Decimal("560.00")),
        ),
        currency="EUR",
        issued_on=issued,
        locale=locale,
        reminders=(
            SentReminder(date(2026, 9, 3), "sms", 1),
            SentReminder(date(2026, 9, 10), "telegram", 2),
            SentReminder(date(2026, 9, 20), "sms", 3),
            SentReminder(date(2026, 9, 30), "sms", 4),
        ),
    )


def sample_agency() -> Agency:
    """A plausible French collection agency."""
    return Agency(
        name="Recouvra Conseil SAS",
        legal_form="SAS au capital de 50 000 €",
        registration="RCS Paris 552 100 554",
        address="8 boulevard Haussmann, 75009 Paris",
        phone="+33140000000",
        email="gestion@recouvra.example",
        signatory={"name": "Marc Lefèvre", "capacity": "Chargé de recouvrement"},
    )


def sample_notice_variants() -> dict[str, NoticeData]:
    """One realistic notice per variant (jurisdiction × sender), for tests and docs/notices/."""
    issued = date(2026, 11, 27)
    reminders = (SentReminder(date(2026, 10, 5), "sms", 1), SentReminder(date(2026, 10, 12), "email", 2),
                 SentReminder(date(2026, 10, 22), "sms", 3))  # fmt: skip
    one = (NoticeDebt("C-2026-0412", date(2026, 9, 15), Decimal("600.00"), Decimal("600.00")),)
    two = (
        NoticeDebt("INV-2026-118", date(2026, 8, 31), Decimal("1200.00"), Decimal("1200.00")),
        NoticeDebt("INV-2026-131", date(2026, 9, 30), Decimal("500.00"), Decimal("500.00")),
    )
    common: dict[str, Any] = {"issued_on": issued, "dispatch_on": issued, "reminders": reminders}
    fr_b2b = sample_notice_data("fr")
    fr_agency = notice_data(
        sample_creditor(name="Énergie Verte", legal_name="Énergie Verte SA", legal_form="SA au capital de 1 000 000 €",
                        registration="RCS Nanterre 412 345 678", address="5 rue de la Paix, 92000 Nanterre",
                        city="Paris", portfolio="consumer", sender="agency", email="gestion@recouvra.example",
                        phone="+33141000000",
                        contest_contact="gestion@recouvra.example", payment_url="https://pay.recouvra.example/{reference}"),
        debtor=Party("Jeanne Petit", "14 rue Victor Hugo\n33000 Bordeaux", country="FR"),
        debts=one, currency="EUR", locale="fr", agency=sample_agency(), reference="MED-412-20261127", **common,
    )  # fmt: skip
    fr_consumer = notice_data(
        sample_creditor(portfolio="consumer"), debtor=Party("Paul Moreau", "2 quai Saint-Antoine\n69002 Lyon",
                                                            country="FR"),
        debts=one, currency="EUR", locale="fr", reference="MED-77-20261127", **common,
    )  # fmt: skip
    be_consumer = notice_data(
        sample_creditor(name="Brico Liège", legal_name="Brico Liège SRL", legal_form="SRL",
                        registration="BCE 0123.456.789", address="Rue Féronstrée 10, 4000 Liège", city="Liège",
                        country="BE", portfolio="consumer", notice={"flat_damages": True},
                        email="compta@brico-liege.example", phone="+3242000000",
                        contest_contact="compta@brico-liege.example",
                        payment_url=None, iban="BE68539007547034", bic="GKCCBEBB",
                        signatory={"name": "Sophie Lambert", "capacity": "Gérante"}),
        debtor=Party("Luc Dubois", "Avenue Louise 120\n1050 Bruxelles", country="BE"),
        debts=one, currency="EUR", locale="fr", reference="MED-31-20261127", **common,
    )  # fmt: skip
    gb = sample_creditor(name="Northwind Supplies", legal_name="Northwind Supplies Ltd",
                         legal_form="Private limited company", registration="Company No. 01234567",
                         address="10 King Street, Manchester M2 4LQ", city="Manchester", country="GB",
                         email="accounts@northwind.example", phone="+441610000000",
                         contest_contact="accounts@northwind.example",
                         payment_url="https://pay.northwind.example/{reference}",
                         currency="GBP",
                         signatory={"name": "James Carter", "capacity": "Credit Controller"})  # fmt: skip
    gb_consumer = notice_data(
        gb.model_copy(update={"portfolio": "consumer"}),
        debtor=Party("Emily Clarke", "22 Rose Lane\nLeeds LS1 4AB", country="GB"),
        debts=one, currency="GBP", locale="en", reference="FD-55-20261127", **common,
    )  # fmt: skip
    gb_business = notice_data(
        gb.model_copy(update={"portfolio": "business", "notice": gb.notice.model_copy(
            update={"late_interest_rate": Decimal("12.0")})}),
        debtor=Party("Harbour Builders Ltd", "3 Dock Road\nLiverpool L3 4AA", country="GB"),
        debts=two, currency="GBP", locale="en", reference="FD-56-20261127", **common,
    )  # fmt: skip
    us_agency = notice_data(
        sample_creditor(name="Lakeside Dental", legal_name="Lakeside Dental LLC", legal_form="LLC (New York)",
                        registration="NY DOS ID 4567890", address="200 Park Ave, New York, NY 10166",
                        city="New York", country="US", currency="USD", portfolio="consumer", sender="agency",
                        email="billing@lakeside.example", phone="+12125550199",
                        contest_contact="disputes@empire-recovery.example",
                        payment_url="https://pay.empire-recovery.example/{reference}"),
        debtor=Party("Michael Brown", "45 Elm Street\nBrooklyn, NY 11201", country="US"),
        debts=one, currency="USD", locale="en", reference="FD-90-20261127",
        agency=Agency(name="Empire Recovery Services Inc.", legal_form="Corporation (New York)",
                      registration="NYC DCWP License 2091234-DCA", address="1 Liberty Plaza, New York, NY 10006",
                      phone="+12125550100", signatory={"name": "Laura Chen", "capacity": "Collections Manager"}),
        **common,
    )  # fmt: skip
    return {
        "fr_b2b": fr_b2b,
        "fr_agency_consumer": fr_agency,
        "fr_consumer": fr_consumer,
        "be_consumer": be_consumer,
        "gb_consumer": gb_consumer,
        "gb_business": gb_business,
        "us_agency_consumer": us_agency,
    }
