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
ChannelName = Literal["sms", "telegram", "email", "console"]
SmtpSecurity = Literal["starttls", "tls", "none"]

PLACEHOLDER_SECRETS = {"changeme", "change-me", "changethis", "secret", "xxx", "todo", "placeholder"}


def _currency(code: str) -> str:
    code = code.strip().upper()
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, AfterValidator(_currency)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ScenarioAnchor = Literal["due_date", "first_contact", "placement"]
SenderType = Literal["creditor", "agency"]
Portfolio = Literal["business", "consumer"]


class Scenario(_Strict):
    """Reminder steps in days after the anchor (`scheduler.scenario`), then escalation."""

    steps: tuple[int, ...] = (3, 10, 20, 30)
    escalate_after_days: int = Field(10, ge=0)
    # what the days count from: the due date (own invoices), the import (placement) or the first message sent
    anchor: ScenarioAnchor = "due_date"
    # reminders that must actually have left before a case is flagged for the formal notice
    min_reminders_before_notice: int = Field(2, ge=1)

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

    @model_validator(mode="after")
    def _enough_steps(self) -> Scenario:
        if len(self.steps) < self.min_reminders_before_notice:
            raise ValueError(
                f"min_reminders_before_notice ({self.min_reminders_before_notice}) is more than the scenario's"
                f" {len(self.steps)} step(s): no case could ever be escalated to a formal notice"
            )
        return self


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
    # days a letter takes to reach the debtor once posted: the "at the latest on" date of the deadline
    receipt_days: int = Field(3, ge=0, le=30)
    # Belgian consumer debts: claim the flat damages of Book XIX (capped by the balance bands of the law)
    flat_damages: bool = False


class Signatory(_Strict):
    """Who signs the formal notice: a named person and their capacity."""

    name: str = Field(min_length=1)
    capacity: str = Field(min_length=1)


class Agency(_Strict):
    """The collection agency sending notices on behalf of creditors (`sender = "agency"`)."""

    name: str = Field(min_length=1)
    legal_form: str | None = None
    registration: str | None = None
    address: str = ""
    phone: str | None = None
    email: str | None = None
    signatory: Signatory | None = None


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
    legal_form: str | None = None
    # the creditor's country (ISO 3166 alpha-2): the notice's law when the debtor's country has none built in
    country: str = Field("FR", pattern=r"^[A-Za-z]{2}$")
    # who sends the formal notice: the creditor itself, or the agency (`[agency]`) on its behalf
    sender: SenderType = "creditor"
    # what kind of debtors the portfolio holds (business: B2B charges; consumer: consumer law)
    portfolio: Portfolio | None = None
    signatory: Signatory | None = None
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

    @property
    def business(self) -> bool:
        """Whether the debtors are businesses (B2B), from `portfolio` or else `notice.b2b`."""
        return self.portfolio == "business" if self.portfolio is not None else self.notice.b2b


class Channels(_Strict):
    """Which channels are used and in what order."""

    preferred: tuple[ChannelName, ...] = ("telegram", "sms", "email")
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
    agency: Agency | None = None

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
        agency_senders = [c.key for c in self.creditors if c.sender == "agency"]
        if agency_senders and self.agency is None:
            raise ValueError(
                f'creditor(s) {", ".join(agency_senders)} have sender = "agency" but no [agency] section'
                " names the agency (name, address, registration) that signs their notices"
            )
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

    # evidence signing (Ed25519): the private key as PEM text, else the file (`relance keys init`)
    signing_key: SecretStr | None = None
    signing_key_file: Path = Path("relance-signing-key.pem")
    # an RFC 3161 time-stamping authority for case files (none by default)
    tsa_url: str | None = None

    # console sign-in throttling
    sign_in_address_budget: int = Field(30, ge=1, le=10_000)  # failures per client address per window
    sign_in_window_minutes: int = Field(15, ge=1, le=24 * 60)
    sign_in_free_attempts: int = Field(3, ge=0, le=100)  # failures per e-mail before answers slow down
    sign_in_max_delay_seconds: float = Field(2.0, ge=0, le=30)

    # the largest payment an agent may record in one go (any currency's major unit)
    max_payment_amount: Decimal = Field(Decimal("10000000"), gt=0, le=Decimal("100000000000000"))

    # e-mail out (SMTP: the creditor's server, Postmark, Mailgun, SES, Brevo…)
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)  # default: 587 (starttls), 465 (tls), 25 (none)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None  # e.g. "ACME Recouvrement <relance@acme.example>"
    smtp_security: SmtpSecurity = "starttls"
    smtp_reply_to: str | None = None  # the mailbox whose replies Relance reads (default: smtp_from)
    smtp_timeout: float = Field(30.0, gt=0)
    # e-mail in: a provider's signed inbound webhook (Mailgun routes), and/or an IMAP mailbox
    mailgun_signing_key: SecretStr | None = None
    imap_host: str | None = None
    imap_port: int | None = Field(None, ge=1, le=65535)  # default: 993 (tls), 143 (starttls, none)
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_security: SmtpSecurity = "tls"
    imap_folder: str = "INBOX"
    imap_poll_seconds: float = Field(60.0, gt=0)
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
        "signing_key",
        "smtp_password",
        "mailgun_signing_key",
        "imap_password",
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
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def imap_enabled(self) -> bool:
        return bool(self.imap_host and self.imap_username and self.imap_password)

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"starttls": 587, "tls": 465, "none": 25}[self.smtp_security]

    @property
    def imap_port_or_default(self) -> int:
        return self.imap_port or (993 if self.imap_security == "tls" else 143)

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_api_key is not None


def notice_warnings(config: RelanceConfig) -> list[str]:
    """What would make a creditor's formal notice incomplete (for `relance config check`)."""
    out: list[str] = []
    for c in config.creditors:
        out.extend(f"creditor {c.key!r}: {w}" for w in _creditor_notice_gaps(c, config.agency))
    return out


def _creditor_notice_gaps(c: Creditor, agency: Agency | None) -> list[str]:
    gaps = []
    if not c.legal_name:
        gaps.append("legal_name is not set: the notice names the creditor by its trading name only")
    if not c.legal_form:
        gaps.append('legal_form is not set (e.g. "SAS au capital de 10 000 €", "Ltd", "SRL")')
    if not c.registration:
        gaps.append("registration is not set (SIREN/RCS, BCE/KBO number, Companies House number…)")
    if not c.address.strip():
        gaps.append("address is not set: the notice must give the creditor's address")
    if not (c.notice.place or c.city):
        gaps.append("neither city nor notice.place is set: the letter has no place")
    if c.portfolio is None:
        gaps.append('portfolio is not set ("business" or "consumer"): it decides the charges and the law applied')
    if c.sender == "creditor" and c.signatory is None:
        gaps.append("signatory is not set: the notice will have a blank signatory line")
    if c.sender == "agency" and agency is not None:
        if agency.signatory is None:
            gaps.append("agency.signatory is not set: the notice will have a blank signatory line")
        if not agency.address.strip() or not agency.registration:
            gaps.append("agency.address and agency.registration are needed (CPCE R124-4 1°)")
    country = c.country.upper()
    if country == "FR" and c.business and c.notice.late_interest_rate is None:
        gaps.append(
            "notice.late_interest_rate is not set: no late interest is claimed (L441-10 II: your terms' rate,"
            " else the ECB rate + 10 points)"
        )
    if country == "GB" and not c.business:
        gaps.append(
            "GB consumers: enclose the Pre-Action Protocol for Debt Claims Information Sheet and Reply Form"
            " with the notice (not generated)"
        )
    if country == "US" and c.sender == "agency":
        gaps.append("US agency: the Regulation F validation notice (12 CFR 1006.34) is not generated; send it first")
    return gaps


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
            out[name] = str(value) if isinstance(value, Path | Decimal) else value  # JSON has no Decimal
    return out


def mask_url_password(url: str) -> str:
    """Hide the password of a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
