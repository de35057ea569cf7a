"""The formal notice per jurisdiction and sender, read back from the PDF (pypdf); refusals; config warnings."""

from __future__ import annotations

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

from messages.drafting import OVERRIDE_EVENT, NoticeRefused, create_notice, notice_refusals
from messages.late_charges import be_damages_cap, uk_fixed_sum
from messages.notice import NoticeData, Signatory, render_notice_pdf, working_days_after
from messages.samples import sample_notice_variants
from relance.core.config import RelanceConfig, notice_warnings
from relance.core.db import make_engine
from relance.core.models import (
    Case,
    Debtor,
    Dispute,
    Event,
    FormalNotice,
    Message,
    OptOut,
    PaymentPlan,
    PromiseToPay,
)
from tests import factories

VARIANTS = sample_notice_variants()


def text_of(data: NoticeData) -> str:
    pdf = render_notice_pdf(data)
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", re.sub(r"[\u00a0\u202f]", " ", raw))


def assert_all(text: str, *expected: str) -> None:
    for phrase in expected:
        assert phrase in text, phrase


def assert_none(text: str, *absent: str) -> None:
    for phrase in absent:
        assert phrase not in text, phrase


def test_every_variant_is_the_one_the_law_calls_for() -> None:
    assert {k: v.variant for k, v in VARIANTS.items()} == {
        "fr_b2b": "fr_b2b",
        "fr_agency_consumer": "fr_agency",
        "fr_consumer": "fr_consumer",
        "be_consumer": "be_consumer",
        "gb_consumer": "final_demand",
        "gb_business": "final_demand",
        "us_agency_consumer": "final_demand",
    }


def test_fr_b2b_creditor() -> None:
    text = text_of(VARIANTS["fr_b2b"])
    assert_all(
        text,
        "Acme Plomberie SARL", "SARL au capital de 20 000 €", "RCS Lyon 123 456 789", "12 rue des Lilas",
        "Claire Dubois, Gérante", "Signature",
        "F-2026-1041 88 36,16 € 40,00 €", "F-2026-1077 58 10,81 € 40,00 €",  # per invoice: interest and 40 €
        "taux annuel de 12,15 %", "L441-10 II", "D441-5",
        "1 794,50 € en principal, 46,97 € d'intérêts, 80,00 € d'indemnités forfaitaires",
        "délai de 8 jours à compter de sa réception, soit au plus tard le mardi 8 décembre 2026",
        "Malgré les 4 relances amiables", "SMS du 3 septembre 2026 (relance n° 1)",
        "Message Telegram du 10 septembre 2026 (relance n° 2)",
    )  # fmt: skip
    assert_none(text, "à compter de la date de cette lettre", "L111-8")


def test_fr_consumer_by_an_agency_carries_the_r124_4_mentions() -> None:
    text = text_of(VARIANTS["fr_agency_consumer"])
    assert_all(
        text,
        # 1° the agency: name, address, registration, and that it does amicable recovery
        "Recouvra Conseil SAS", "8 boulevard Haussmann", "RCS Paris 552 100 554",
        "activité de recouvrement amiable de créances",
        # 2° the creditor: name and address
        "Énergie Verte SA", "5 rue de la Paix, 92000 Nanterre",
        # 3° basis and breakdown of the sums (no collection costs: they stay with the creditor)
        "Fondement", "Facture C-2026-0412", "principal 600,00 €", "intérêts : néant",
        "frais de recouvrement amiable : néant",
        # 4° what to pay and how
        "mettons en demeure de régler cette somme", "Pour régler : en ligne sur https://pay.recouvra.example/C-2026-0412",
        # 5° L111-8, second and third paragraphs, reproduced
        "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du créancier",
        "Cependant, le créancier qui justifie du caractère nécessaire des démarches",
        # the letter's reference, the signatory of the agency
        "Nos références : MED-412-20261127", "Marc Lefèvre, Chargé de recouvrement", "mandataire de Énergie Verte SA",
        "à compter de sa réception, soit au plus tard le mardi 8 décembre 2026",
    )  # fmt: skip
    assert_none(text, "40,00 €", "L441-10", "injonction de payer sans autre avis")


def test_fr_consumer_from_the_creditor_claims_no_flat_fee() -> None:
    text = text_of(VARIANTS["fr_consumer"])
    assert_all(text, "article 1231-6 du Code civil", "Claire Dubois, Gérante", "Montant total dû : 600,00 €")
    assert_none(text, "L441-10", "Indemnité forfaitaire", "40,00 €")


def test_be_consumer_follows_book_xix() -> None:
    data = VARIANTS["be_consumer"]
    assert data.deadline_days == 14  # configured 8: the law's 14 calendar days win
    # posted Friday 27 November 2026: the period starts on the 3rd working day (Wednesday 2 December)
    assert data.received_on == date(2026, 12, 2) and data.deadline == date(2026, 12, 16)
    text = text_of(data)
    assert_all(
        text,
        "Brico Liège SRL", "BCE 0123.456.789", "Livre XIX du Code de droit économique",
        "le premier rappel vous a été adressé sans frais",
        "délai de 14 jours calendrier, qui prend cours le troisième jour ouvrable suivant l'envoi",
        "au plus tard le mercredi 16 décembre 2026",
        "soit au plus 70,00 €",  # the cap on 600 €: 65 € + 5 % of 100 €
        "Sophie Lambert, Gérante",
    )  # fmt: skip
    assert_none(text, "L441-10", "Intérêts de retard")


def test_gb_consumer_final_demand_gives_thirty_days_and_claims_nothing_more() -> None:
    data = VARIANTS["gb_consumer"]
    assert data.deadline_days == 30
    text = text_of(data)
    assert_all(
        text,
        "FINAL DEMAND — NOTICE BEFORE ACTION", "Northwind Supplies Ltd", "Company No. 01234567",
        "within 30 days from receipt of this letter, at the latest on Wednesday, December 30, 2026",
        "Pre-Action Protocol for Debt Claims", "MoneyHelper", "James Carter, Credit Controller",
        "Total amount due: £600.00",
    )  # fmt: skip
    assert_none(text, "Late Payment", "recovery fee", "L441-10", "French", "order for payment")


def test_gb_business_final_demand_adds_the_late_payment_act_fixed_sums() -> None:
    text = text_of(VARIANTS["gb_business"])
    assert_all(
        text,
        "Late Payment of Commercial Debts (Interest) Act 1998", "INV-2026-118 88 £34.72 £70.00",
        "INV-2026-131 58 £9.53 £40.00", "£110.00 fixed sums", "Total amount due: £1,854.25",
    )  # fmt: skip


def test_us_agency_final_demand_discloses_a_debt_collector_and_threatens_nothing() -> None:
    text = text_of(VARIANTS["us_agency_consumer"])
    assert_all(
        text,
        "This communication is from a debt collector", "Empire Recovery Services Inc.", "Lakeside Dental LLC",
        "acting on behalf of", "Laura Chen, Collections Manager", "collection costs: none",
        "may consider the lawful options",
    )  # fmt: skip
    assert_none(text, "without further notice", "recovery fee", "Pre-Action Protocol")


def test_english_reader_of_a_french_agency_gets_the_mentions_and_l111_8() -> None:
    data = VARIANTS["fr_agency_consumer"]
    english = NoticeData(**{**{f: getattr(data, f) for f in data.__dataclass_fields__}, "locale": "en"})
    text = text_of(english)
    assert_all(
        text,
        "A debt collection agency acting on behalf of", "Basis", "collection costs: none",
        "Les frais de recouvrement entrepris sans titre exécutoire", "remain payable by the creditor",
        "within 8 days from receipt of this letter",
    )  # fmt: skip


def test_signatory_can_be_overridden_and_missing_one_leaves_a_line() -> None:
    data = VARIANTS["fr_consumer"]
    other = NoticeData(**{**{f: getattr(data, f) for f in data.__dataclass_fields__},
                          "signatory": Signatory("Hugo Bernard", "Juriste")})  # fmt: skip
    assert "Hugo Bernard, Juriste" in text_of(other)
    blank = NoticeData(**{**{f: getattr(data, f) for f in data.__dataclass_fields__}, "signatory": None})
    assert "Nom et qualité du signataire : ____" in text_of(blank)


@pytest.mark.parametrize(
    ("balance", "cap"),
    [("100", "20.00"), ("150", "20.00"), ("150.01", "30.00"), ("300", "45.00"), ("500", "65.00"),
     ("1000", "90.00"), ("38500", "1965.00"), ("100000", "2000.00")],
)  # fmt: skip
def test_be_damages_cap_follows_the_bands(balance: str, cap: str) -> None:
    assert be_damages_cap(Decimal(balance)) == Decimal(cap)


def test_uk_fixed_sums() -> None:
    assert [uk_fixed_sum(Decimal(x)) for x in ("999.99", "1000", "9999.99", "10000")] == [40, 70, 70, 100]


def test_working_days_skip_weekends_and_belgian_holidays() -> None:
    assert working_days_after(date(2026, 11, 27), 3, "BE") == date(2026, 12, 2)
    # 24 December 2026 is a Thursday; 25 December (Christmas) is skipped
    assert working_days_after(date(2026, 12, 23), 3, "BE") == date(2026, 12, 29)


# --------------------------------------------------------------------------- refusals


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _case(session: Session) -> Case:
    case = factories.case_with_debt(session, amount="600.00", due=date(2026, 9, 1), reference="F-500", locale="fr")
    session.flush()
    return case


@pytest.mark.parametrize("obstacle", ["dispute", "plan", "promise", "opt_out"])
def test_drafting_is_refused_with_the_reason_unless_overridden(session: Session, obstacle: str) -> None:
    case = _case(session)
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None and debtor.phone
    if obstacle == "dispute":
        session.add(Dispute(case_id=case.id, status="open", opened_at=NOW))  # type: ignore[arg-type]
    elif obstacle == "plan":
        session.add(PaymentPlan(case_id=case.id, total=Decimal("600"), currency="EUR", installment_count=3,  # type: ignore[arg-type]
                                frequency="monthly", status="active", created_at=NOW))  # fmt: skip
    elif obstacle == "promise":
        session.add(PromiseToPay(case_id=case.id, amount=Decimal("600"), currency="EUR", due_on=date(2026, 12, 1),  # type: ignore[arg-type]
                                 created_at=NOW))  # fmt: skip
    else:
        session.add(OptOut(debtor_id=debtor.id, channel="sms", address=debtor.phone, source="keyword", created_at=NOW))
    session.flush()
    expected = {"dispute": "dispute", "plan": "payment plan", "promise": "promise", "opt_out": "opted out"}[obstacle]
    assert any(expected in r for r in notice_refusals(session, case))
    with pytest.raises(NoticeRefused, match=expected):
        create_notice(session, case, RelanceConfig(), NOW.date(), now=NOW)
    assert session.execute(sa.select(FormalNotice)).first() is None
    notice = create_notice(session, case, RelanceConfig(), NOW.date(), now=NOW, override="debtor's lawyer asked for it")
    session.commit()
    assert notice.pdf
    (event,) = session.execute(sa.select(Event).where(Event.kind == OVERRIDE_EVENT)).scalars()
    assert event.data["reason"] == "debtor's lawyer asked for it" and expected in event.data["refusals"][0]


def test_nothing_stands_in_the_way_of_a_plain_case(session: Session) -> None:
    case = _case(session)
    session.add(Dispute(case_id=case.id, status="rejected", opened_at=NOW))  # type: ignore[arg-type]
    session.flush()
    assert notice_refusals(session, case) == []


def _cli_case(url: str, *, disputed: bool) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        case = factories.case_with_debt(
            session, amount="1200.00", due=date(2026, 9, 1), reference="F-700", name="Martin SAS", locale="fr"
        )
        for step, day in ((1, 4), (2, 11)):
            at = datetime(2026, 9, day, 9, tzinfo=UTC)
            session.add(Message(case_id=case.id, debtor_id=case.debtor_id, direction="out", channel="sms",
                                author="bot", kind="reminder", step=step, body="…", status="delivered",
                                created_at=at, sent_at=at))  # fmt: skip
        if disputed:
            session.add(Dispute(case_id=case.id, status="open", opened_at=NOW))  # type: ignore[arg-type]
        session.commit()
    engine.dispose()


B2B_TOML = """
[[creditors]]
key = "default"
name = "Acme"
legal_name = "Acme Plomberie SARL"
legal_form = "SARL au capital de 20 000 €"
registration = "RCS Lyon 123 456 789"
address = "12 rue des Lilas, 69003 Lyon"
city = "Lyon"
portfolio = "business"
payment_url = "https://pay.acme.example/{reference}"
signatory = { name = "Claire Dubois", capacity = "Gérante" }
[creditors.notice]
late_interest_rate = "12.15"
"""


def test_relance_notice_on_a_fr_b2b_case(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cli_case(sqlite_url, disputed=False)
    (tmp_path / "relance.toml").write_text(B2B_TOML, encoding="utf-8")
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "relance.toml"))
    from relance.cli import app

    out = tmp_path / "n.pdf"
    result = CliRunner().invoke(app, ["notice", "F-700", "--out", str(out), "--date", "2026-11-23"])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", " ", re.sub(r"[\u00a0\u202f]", " ", "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)))  # fmt: skip
    assert_all(
        text, "RCS Lyon 123 456 789", "Claire Dubois, Gérante", "40,00 €", "taux annuel de 12,15 %",
        "à compter de sa réception, soit au plus tard le vendredi 4 décembre 2026",
        "Malgré les 2 relances amiables", "SMS du 4 septembre 2026 (relance n° 1)",
    )  # fmt: skip
    signed = CliRunner().invoke(
        app, ["notice", "F-700", "--out", str(out), "--date", "2026-11-23", "--signatory", "Hugo Bernard, Juriste"]
    )
    assert signed.exit_code == 0, signed.output
    assert "Hugo Bernard" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)


def test_relance_notice_refuses_a_disputed_case(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_case(sqlite_url, disputed=True)
    monkeypatch.setenv("RELANCE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "absent.toml"))
    from relance.cli import app

    out = tmp_path / "n.pdf"
    refused = CliRunner().invoke(app, ["notice", "F-700", "--out", str(out)])
    assert refused.exit_code == 1
    assert "dispute" in refused.output and "--override" in refused.output
    assert not out.exists()
    forced = CliRunner().invoke(app, ["notice", "F-700", "--out", str(out), "--override", "dispute rejected by phone"])
    assert forced.exit_code == 0, forced.output
    assert out.exists() and "overridden" in forced.output
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        (event,) = session.execute(sa.select(Event).where(Event.kind == OVERRIDE_EVENT)).scalars()
    engine.dispose()
    assert event.data["reason"] == "dispute rejected by phone"


# --------------------------------------------------------------------------- configuration


def test_config_check_warns_about_an_incomplete_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = notice_warnings(RelanceConfig())
    assert any("legal_form" in w for w in defaults) and any("signatory" in w for w in defaults)
    assert any("registration" in w for w in defaults) and any("portfolio" in w for w in defaults)
    (tmp_path / "relance.toml").write_text(B2B_TOML, encoding="utf-8")
    monkeypatch.setenv("RELANCE_CONFIG", str(tmp_path / "relance.toml"))
    from relance.cli import app

    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output  # a complete FR B2B creditor
    unsigned = B2B_TOML.replace('signatory = { name = "Claire Dubois", capacity = "Gérante" }\n', "")
    (tmp_path / "relance.toml").write_text(unsigned, encoding="utf-8")
    warned = CliRunner().invoke(app, ["config", "check"])
    assert "signatory is not set" in warned.output


def test_an_agency_sender_needs_the_agency(tmp_path: Path) -> None:
    from relance.core.config import load_config
    from relance.core.errors import ConfigError

    path = tmp_path / "relance.toml"
    path.write_text('[[creditors]]\nkey = "a"\nname = "A"\niban = "FR76 3000"\nsender = "agency"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="agency"):
        load_config(path)
