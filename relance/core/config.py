"""Configuration: `relance.toml` for the business rules, environment variables for secrets.

`Settings` (pydantic-settings, prefix ``RELANCE_``) holds every knob that differs between
deployments and every secret; `RelanceConfig` is the parsed `relance.toml` (creditors, scenario,
plan policy, contact policy, channels, template overrides). Both have built-in defaults so that
nothing is needed to start. Nothing else in the code base reads `os.environ`.
"""

from __future__ import annotations

import tomllib
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from relance.core.errors import ConfigError
from relance.core.money import is_currency

Frequency = Literal["weekly", "biweekly", "monthly"]
ChannelName = Literal["sms", "telegram", "console"]

PLACEHOLDER_SECRETS = {"changeme", "change-me", "changethis", "secret", "xxx", "todo", "placeholder"}


def _currency(code: str) -> str:
    code = code.strip().upper()
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, AfterValidator(_currency)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scenario(_Strict):
    """Reminder steps in days after the due date, then escalation."""

    steps: tuple[int, ...] = (3, 10, 20, 30)
    escalate_after_days: int = Field(10, ge=0)

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: tuple[int, ...]) -> tuple[int, ...]:
        if not steps:
            raise ValueError("a scenario needs at least one step")
        if any(s < 0 for s in steps):
            raise ValueError("steps are days after the due date and cannot be negative")
        if list(steps) != sorted(set(steps)):
            raise ValueError("steps must be strictly increasing")
        return steps


class PlanPolicy(_Strict):
    """What an installment plan may look like."""

    max_installments: int = Field(6, ge=1, le=60)
    min_installment: Decimal = Field(Decimal("20"), ge=0)
    first_payment_within_days: int = Field(30, ge=0, le=365)
    frequencies: tuple[Frequency, ...] = ("monthly", "biweekly", "weekly")
    default_frequency: Frequency = "monthly"

    @model_validator(mode="after")
    def _default_allowed(self) -> PlanPolicy:
        if not self.frequencies:
            raise ValueError("frequencies: at least one frequency must be allowed")
        if self.default_frequency not in self.frequencies:
            raise ValueError(f"default_frequency {self.default_frequency!r} is not in frequencies")
        return self


class Caps(_Strict):
    """How often a case may be reminded."""

    max_per_rolling_7_days: int = Field(3, ge=1)
    min_hours_between: int = Field(48, ge=0)
    quiet_hours_after_inbound: int = Field(72, ge=0)
    reply_grace_minutes: int = Field(15, ge=0, le=60)


class Window(_Strict):
    """Allowed contact hours, in the debtor's local time."""

    start: time = time(8, 0)
    end: time = time(20, 0)
    # ISO weekdays, Monday = 1 … Sunday = 7
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    public_holidays: bool = True

    @model_validator(mode="after")
    def _sane(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start (windows do not cross midnight)")
        if any(d < 1 or d > 7 for d in self.weekdays):
            raise ValueError("weekdays are ISO numbers, 1 (Monday) to 7 (Sunday)")
        return self


def _default_jurisdictions() -> dict[str, Window]:
    # product.md: FR and BE 08-20 Mon-Sat; US (Regulation F) and GB (FCA CONC 7) 08-21 Mon-Sat.
    return {
        "FR": Window(start=time(8), end=time(20)),
        "BE": Window(start=time(8), end=time(20)),
        "US": Window(start=time(8), end=time(21)),
        "GB": Window(start=time(8), end=time(21)),
    }


class ContactPolicy(_Strict):
    """Legal windows per jurisdiction and the fallback for countries not listed."""

    jurisdictions: dict[str, Window] = Field(default_factory=_default_jurisdictions)
    fallback: Window = Window(start=time(9), end=time(19))

    @field_validator("jurisdictions")
    @classmethod
    def _upper(cls, value: dict[str, Window]) -> dict[str, Window]:
        merged = _default_jurisdictions()
        merged.update({k.upper(): v for k, v in value.items()})
        return merged

    def for_country(self, country: str | None) -> Window:
        return self.jurisdictions.get((country or "").upper(), self.fallback)


class NoticePolicy(_Strict):
    """Formal notice (mise en demeure) rules."""

    deadline_days: int = Field(8, ge=1, le=90)
    # French B2B: flat recovery indemnity (Code de commerce L441-10) and late interest.
    b2b: bool = False
    recovery_fee: Decimal = Field(Decimal("40"), ge=0)
    late_interest_rate: Decimal | None = Field(
        None, ge=0, description="yearly rate in percent; None = no late interest"
    )
    place: str | None = None


class Creditor(_Strict):
    """One creditor and its rules."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    legal_name: str | None = None
    address: str = ""
    city: str = ""
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    registration: str | None = None
    payment_url: str | None = None
    iban: str | None = None
    bic: str | None = None
    contest_contact: str | None = None
    currency: Currency = "EUR"
    tolerance: Decimal = Field(Decimal("5"), ge=0)
    scenario: Scenario = Scenario()
    plan_policy: PlanPolicy = PlanPolicy()
    window: Window = Window(start=time(8), end=time(21), weekdays=(1, 2, 3, 4, 5, 6, 7))
    notice: NoticePolicy = NoticePolicy()

    @model_validator(mode="after")
    def _how_to_pay(self) -> Creditor:
        if not self.payment_url and not self.iban:
            raise ValueError("a creditor needs payment_url or iban (debtors must be told how to pay)")
        return self

    @property
    def contest_instructions(self) -> str:
        return self.contest_contact or self.email or self.phone or self.website or self.name


class Channels(_Strict):
    """Which channels are used and in what order."""

    preferred: tuple[ChannelName, ...] = ("telegram", "sms")
    console_path: Path | None = None


class Templates(_Strict):
    """Creditor overrides of the built-in templates."""

    directory: Path | None = None


def _default_creditors() -> tuple[Creditor, ...]:
    return (
        Creditor(
            key="default",
            name="Example Creditor",
            address="1 rue de l'Exemple, 75001 Paris",
            city="Paris",
            email="recouvrement@example.com",
            phone="+33100000000",
            payment_url="https://pay.example.com/{reference}",
            contest_contact="recouvrement@example.com",
        ),
    )


class RelanceConfig(_Strict):
    """The whole of `relance.toml`."""

    creditors: tuple[Creditor, ...] = Field(default_factory=_default_creditors)
    default_creditor: str | None = None
    contact: ContactPolicy = ContactPolicy()
    caps: Caps = Caps()
    channels: Channels = Channels()
    templates: Templates = Templates()

    @model_validator(mode="after")
    def _creditor_keys(self) -> RelanceConfig:
        keys = [c.key for c in self.creditors]
        if not keys:
            raise ValueError("creditors: at least one creditor is required")
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"creditors: duplicate key(s) {', '.join(dupes)}")
        if self.default_creditor is not None and self.default_creditor not in keys:
            raise ValueError(f"default_creditor {self.default_creditor!r} is not a configured creditor")
        return self

    def creditor(self, key: str | None = None) -> Creditor:
        """The creditor with `key`, or the default one."""
        wanted = key or self.default_creditor or self.creditors[0].key
        for c in self.creditors:
            if c.key == wanted:
                return c
        raise ConfigError(f"unknown creditor {wanted!r}; configured: {', '.join(c.key for c in self.creditors)}")


class Settings(BaseSettings):
    """Deployment settings and secrets, from `RELANCE_*` environment variables (or `.env`)."""

    model_config = SettingsConfigDict(env_prefix="RELANCE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///relance.db"
    config: Path = Path("relance.toml")
    public_url: str | None = None
    secret_key: SecretStr | None = None
    log_level: str = "INFO"

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = "https://api.twilio.com"

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_url: str | None = None  # a local Stripe-speaking server in tests; Stripe's own by default
    stripe_webhook_tolerance: int = 300  # seconds a signed Stripe event stays acceptable (replay window)
    stripe_payment_methods: str = "card,sepa_debit"  # Checkout's payment_method_types

    api_rate_limit: int = 600  # REST API requests per minute and per key

    @field_validator(
        "secret_key",
        "twilio_auth_token",
        "telegram_token",
        "telegram_webhook_secret",
        "stripe_api_key",
        "stripe_webhook_secret",
        mode="after",
    )
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("is a placeholder; set a real secret or leave it unset")
        return value

    @property
    def sms_enabled(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        )

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_api_key is not None


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One line per problem: `source: key.path: reason`."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"{source}: {path}: {err['msg']}")
    return "\n".join(lines)


def load_config(path: Path | None) -> RelanceConfig:
    """Parse `relance.toml`; a missing file gives the built-in defaults."""
    if path is None or not path.exists():
        return RelanceConfig()
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        config = RelanceConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path))) from exc
    if config.templates.directory is not None and not config.templates.directory.is_absolute():
        directory = (path.parent / config.templates.directory).resolve()
        config = config.model_copy(update={"templates": Templates(directory=directory)})
    return config


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; invalid values fail with the variable name and the reason."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "RELANCE_" + ".".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from exc


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The effective settings with every secret masked (for `relance config check`)."""
    out: dict[str, Any] = {}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            out[name] = "********" if value.get_secret_value() else ""
        elif name == "database_url" and isinstance(value, str):
            out[name] = mask_url_password(value)
        else:
            out[name] = str(value) if isinstance(value, Path) else value
    return out


def mask_url_password(url: str) -> str:
    """Hide the password of a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
