"""The formal notice: text extracted from the PDF, the data gathered from the database, the CLI."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlmodel import Session
from typer.testing import CliRunner

from messages.drafting import build_notice_data, create_notice
from messages.notice import (
    NoticeDebt,
    Party,
    SentReminder,
    notice_data,
    render_notice_pdf,
)
from messages.samples import sample_creditor, sample_notice_data
from relance.core.config import NoticePolicy, RelanceConfig
from relance.core.db import make_engine
from relance.core.models import Case, Debt, Debtor, Event, FormalNotice, Message
from tests import factories


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, with every kind of space made a plain one."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def flat(text: str) -> str:
    """Lines joined, so that phrases wrapped by the layout can be searched."""
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- the letter


def test_french_notice_states_everything() -> None:
    pdf = render_notice_pdf(sample_notice_data("fr"))
    assert pdf.startswith(b"%PDF-")
    text = flat(pdf_text(pdf))
    for expected in (
        "Acme Plomberie SARL",  # creditor (legal name), address, registration, contact
        "12 rue des Lilas",
        "69003 Lyon",
        "RCS Lyon 123 456 789",
        "compta@acme-plomberie.fr",
        "Martin Rénovation SAS",  # debtor and address
        "4 avenue Foch",
        "Lyon, le 27 novembre 2026",  # place and date
        "mise en demeure de payer",
        # each debt: reference, due date, amount, balance
        "F-2026-1041 31 août 2026 1 234,50 € 1 234,50 €",
        "F-2026-1077 30 septembre 2026 860,00 € 560,00 €",
        # charges per invoice: days late, interest, flat fee
        "F-2026-1041 88 36,16 € 40,00 €",
        "F-2026-1077 58 10,81 € 40,00 €",
        "taux annuel de 12,15 %",
        "L441-10",
        "Montant total dû : 1 921,47 €",
        "dont 1 794,50 € en principal, 46,97 € d'intérêts, 80,00 € d'indemnités forfaitaires",
        # from receipt: posted on the 27th, taken as received 3 days later, then 8 days
        "délai de 8 jours à compter de sa réception, soit au plus tard le mardi 8 décembre 2026",
        "SARL au capital de 20 000 €",  # legal form
        "Nos références : MED-1041-20261127",
        "Claire Dubois, Gérante",  # the signatory
        "Signature",
        "injonction de payer",  # the consequence
        "https://pay.acme.fr/F-2026-1041",
        "FR76 3000 6000 0112 3456 7890 189",
        # the reminders already sent, with their dates
        "SMS du 3 septembre 2026 (relance n° 1)",
        "Message Telegram du 10 septembre 2026 (relance n° 2)",
        "SMS du 20 septembre 2026 (relance n° 3)",
        "SMS du 30 septembre 2026 (relance n° 4)",
    ):
        assert expected in text, expected


def test_english_notice_states_everything() -> None:
    text = flat(pdf_text(render_notice_pdf(sample_notice_data("en"))))
    for expected in (
        "formal notice to pay",
        "Lyon, November 27, 2026",
        "F-2026-1041 August 31, 2026 €1,234.50 €1,234.50",
        "Total amount due: €1,921.47",
        "within 8 days from receipt of this letter, at the latest on Tuesday, December 8, 2026",
        "Claire Dubois, Gérante",
        "order for payment procedure",
        "Text message of September 3, 2026 (reminder no. 1)",
        "Telegram message of September 10, 2026 (reminder no. 2)",
    ):
        assert expected in text, expected


def test_same_data_same_bytes() -> None:
    data = sample_notice_data("fr")
    first = render_notice_pdf(data)
    assert render_notice_pdf(data) == first
    assert b"DejaVu" in first  # the font is embedded: € and narrow spaces print


def _plain_notice(**policy: object) -> bytes:
    creditor = sample_creditor(notice=NoticePolicy(**policy))  # type: ignore[arg-type]
    data = notice_data(
        creditor,
        debtor=Party("Jeanne Martin", "3 place Bellecour, 69002 Lyon"),
        debts=[NoticeDebt("F-9", date(2026, 3, 1), Decimal("250"), Decimal("250"))],
        currency="EUR",
        issued_on=date(2026, 4, 1),
        locale="fr",
    )
    return render_notice_pdf(data)


def test_without_charges_or_reminders() -> None:
    text = flat(pdf_text(_plain_notice()))
    assert "Montant total dû : 250,00 €" in text
    assert "Intérêts" not in text and "Indemnité" not in text
    assert "Sauf erreur de notre part" in text
    assert "Pour mémoire" not in text
    assert "3 place Bellecour" in text and "69002 Lyon" in text


def test_deadline_is_configurable() -> None:
    text = flat(pdf_text(_plain_notice(deadline_days=15)))
    # no dispatch date known: the deadline runs from receipt, and no date is promised
    assert "délai de 15 jours à compter de sa réception." in text
    assert "au plus tard" not in text


def test_long_notice_spans_pages_and_keeps_every_debt() -> None:
    debts = [NoticeDebt(f"INV-{i:04d}", date(2026, 1, 1), Decimal("100.10"), Decimal("100.10")) for i in range(60)]
    data = notice_data(
        sample_creditor(),
        debtor=Party("Jeanne Martin"),
        debts=debts,
        currency="EUR",
        issued_on=date(2026, 4, 1),
        locale="en",
        reminders=[SentReminder(date(2026, 1, 4), "sms", 1)],
    )
    pdf = render_notice_pdf(data)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    text = pdf_text(pdf)
    assert all(f"INV-{i:04d}" in text for i in range(60))
    assert "€6,006.00" in text


def test_a_notice_needs_a_debt() -> None:
    with pytest.raises(ValueError, match="at least one"):
        notice_data(
            sample_creditor(), debtor=Party("X"), debts=[], currency="EUR", issued_on=date(2026, 1, 1), locale="fr"
        )


# --------------------------------------------------------------------------- from the database


AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _case_with_history(session: Session) -> Case:
    """A case with two debts (one paid), sent and failed reminders, and other messages."""
    case = factories.case_with_debt(
        session, amount="600.00", due=date(2026, 9, 1), reference="F-100", name="Camille Martin", locale="fr"
    )
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    debtor.address = "8 rue Mercière\n69002 Lyon"
    session.add(
        Debt(
            creditor_id=case.creditor_id,
            case_id=case.id,
            reference="F-101",
            amount=Decimal("300.00"),  # type: ignore[arg-type]
            balance=Decimal("120.00"),
            currency="EUR",
            due_date=date(2026, 9, 15),
            created_at=AT,
            updated_at=AT,
        )
    )
    session.add(
        Debt(
            creditor_id=case.creditor_id,
            case_id=case.id,
            reference="F-099",
            amount=Decimal("80.00"),  # type: ignore[arg-type]
            balance=Decimal("0"),
            currency="EUR",
            due_date=date(2026, 8, 1),
            status="paid",
            created_at=AT,
            updated_at=AT,
        )
    )

    def message(kind: str, status: str, sent: datetime | None, step: int | None = None, direction: str = "out") -> None:
        session.add(
            Message(
                case_id=case.id,
                debtor_id=case.debtor_id,
                direction=direction,
                channel="sms",
                author="bot",
                kind=kind,
                step=step,
                body="…",
                status=status,
                created_at=sent or AT,
                sent_at=sent,
            )
        )

    message("reminder", "delivered", datetime(2026, 9, 4, 8, 30, tzinfo=UTC), 1)
    message("reminder", "sent", datetime(2026, 9, 11, 22, 30, tzinfo=UTC), 2)  # 00:30 on the 12th in Paris
    message("reminder", "failed", None, 3)  # never reached the debtor
    message("reminder", "queued", None, 3)
    message("reply", "sent", datetime(2026, 9, 12, 9, 0, tzinfo=UTC))
    message("inbound", "received", datetime(2026, 9, 12, 8, 0, tzinfo=UTC), direction="in")
    session.flush()
    return case


def test_build_notice_data_reads_debts_debtor_and_sent_reminders(session: Session) -> None:
    case = _case_with_history(session)
    data = build_notice_data(session, case, RelanceConfig(), date(2026, 11, 23))
    assert [(d.reference, d.balance) for d in data.debts] == [
        ("F-100", Decimal("600.00")),
        ("F-101", Decimal("120.00")),
    ]
    assert data.principal == Decimal("720.00") and data.total == Decimal("720.00")
    assert data.debtor.name == "Camille Martin" and data.debtor.address_lines == ["8 rue Mercière", "69002 Lyon"]
    assert [(r.sent_on, r.channel, r.step) for r in data.reminders] == [
        (date(2026, 9, 4), "sms", 1),
        (date(2026, 9, 12), "sms", 2),  # the debtor's calendar day (Europe/Paris)
    ]
    assert data.deadline == date(2026, 12, 4)  # 3 days to arrive, then 8 days
    assert data.locale == "fr" and data.creditor.name == "Example Creditor"
    text = flat(pdf_text(render_notice_pdf(data)))
    assert "F-100" in text and "F-101" in text and "F-099" not in text
    assert "SMS du 4 septembre 2026" in text and "SMS du 12 septembre 2026" in text


def test_create_notice_stores_the_pdf_its_hash_and_an_event(session: Session) -> None:
    case = _case_with_history(session)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    notice = create_notice(session, case, RelanceConfig(), date(2026, 11, 23), now=now)
    session.commit()
    stored = session.get(FormalNotice, notice.id)
    assert stored is not None and stored.pdf is not None
    assert stored.pdf_sha256 == hashlib.sha256(stored.pdf).hexdigest()
    assert (stored.status, stored.total, stored.currency, stored.deadline) == (
        "draft",
        Decimal("720.00"),
        "EUR",
        date(2026, 12, 4),
    )
    assert "F-101" in pdf_text(stored.pdf)
    event = session.execute(
        sa.select(Event).where(Event.case_id == case.id, Event.kind == "notice_drafted")
    ).scalar_one()
    assert event.data["pdf_sha256"] == stored.pdf_sha256 and event.data["notice_id"] == stored.id
    assert event.actor == "system"


def test_relance_notice_command_writes_the_pdf(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        _case_with_history(session)
        session.commit()
    engine.dispose()
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "absent.toml"))
    from relance.cli import app

    out = tmp_path / "notice.pdf"
    result = CliRunner().invoke(app, ["notice", "F-101", "--out", str(out), "--date", "2026-11-23"])
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "deadline 2026-12-04" in output and "8 days from receipt" in output
    text = flat(pdf_text(out.read_bytes()))
    assert "Camille Martin" in text and "F-100" in text and "Paris, le 23 novembre 2026" in text
    assert "à compter de sa réception, soit au plus tard le vendredi 4 décembre 2026" in text


def test_relance_notice_command_refuses_a_bad_date(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "absent.toml"))
    from relance.cli import app

    result = CliRunner().invoke(app, ["notice", "F-101", "--out", str(tmp_path / "x.pdf"), "--date", "tomorrow"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
