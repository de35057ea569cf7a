"""relance.toml and environment settings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from relance.core.config import RelanceConfig, load_config, load_settings, masked_settings
from relance.core.errors import ConfigError


def test_defaults_need_no_file(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml")
    creditor = config.creditor()
    assert creditor.scenario.steps == (3, 10, 20, 30)
    assert creditor.scenario.escalate_after_days == 10
    assert creditor.plan_policy.max_installments == 6
    assert creditor.plan_policy.min_installment == Decimal(20)
    assert creditor.tolerance == Decimal(5)
    assert config.caps.max_per_rolling_7_days == 3
    fr = config.contact.for_country("FR")
    assert (fr.start.hour, fr.end.hour, 7 in fr.weekdays) == (8, 20, False)
    assert config.contact.for_country("us").end.hour == 21


def test_file_overrides_and_keeps_default_jurisdictions(tmp_path: Path) -> None:
    path = tmp_path / "relance.toml"
    path.write_text(
        """
[[creditors]]
key = "acme"
name = "ACME SARL"
iban = "FR76 3000 6000 0112 3456 7890 189"
currency = "eur"
scenario = { steps = [5, 15], escalate_after_days = 7 }
[creditors.plan_policy]
max_installments = 4
min_installment = "30"

[contact.jurisdictions.DE]
start = "09:00"
end = "18:00"
weekdays = [1, 2, 3, 4, 5]

[templates]
directory = "my_templates"
""",
        encoding="utf-8",
    )
    config = load_config(path)
    acme = config.creditor("acme")
    assert acme.currency == "EUR" and acme.scenario.steps == (5, 15)
    assert acme.plan_policy.max_installments == 4 and acme.plan_policy.min_installment == Decimal(30)
    assert config.contact.for_country("DE").end.hour == 18
    assert config.contact.for_country("FR").end.hour == 20
    assert config.templates.directory == (tmp_path / "my_templates").resolve()


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[[creditors]]\nkey="a"\nname="A"\niban="X"\n[creditors.plan_policy]\nmax_installments = 0\n',
            "creditors.0.plan_policy.max_installments",
        ),
        ('[[creditors]]\nkey="a"\nname="A"\niban="X"\ncurrency="EURO"\n', "creditors.0.currency"),
        ('[[creditors]]\nkey="a"\nname="A"\n', "payment_url or iban"),
        ('[[creditors]]\nkey="a"\nname="A"\niban="X"\nscenario={steps=[10,3]}\n', "strictly increasing"),
        ('[caps]\nmax_per_rolling_7_days = "lots"\n', "caps.max_per_rolling_7_days"),
        ('[contact.jurisdictions.FR]\nstart = "21:00"\nend = "08:00"\n', "contact.jurisdictions.FR"),
        ("[unknown_section]\nx = 1\n", "unknown_section"),
        ("this is not toml = = =", "not valid TOML"),
    ],
)
def test_invalid_file_names_key_path_and_reason(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "relance.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_secrets_masked_and_placeholders_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELANCE_TWILIO_AUTH_TOKEN", "s3cr3t-token-value")
    monkeypatch.setenv("RELANCE_DATABASE_URL", "postgresql+psycopg://relance:hunter2@db/relance")
    shown = masked_settings(load_settings())
    assert shown["twilio_auth_token"] == "********"
    assert "hunter2" not in str(shown) and "s3cr3t" not in str(shown)
    monkeypatch.setenv("RELANCE_TELEGRAM_TOKEN", "changeme")
    with pytest.raises(ConfigError, match="RELANCE_TELEGRAM_TOKEN"):
        load_settings()


def test_unknown_creditor_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown creditor 'nope'"):
        RelanceConfig().creditor("nope")
