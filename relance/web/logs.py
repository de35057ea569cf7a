"""Logging for the server: secrets never reach a log line, phone numbers are masked.

HTTP client libraries log request URLs, and the Telegram Bot API puts the bot token in every URL
(`…/bot<token>/sendMessage`); python-telegram-bot also logs its base URL at DEBUG. So besides
keeping `httpx` at WARNING, every log record is checked against the configured secrets and any
occurrence is replaced, whatever logger produced it. Our own code masks phone numbers with
`mask_phone` before logging them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from pydantic import SecretStr

from relance.core.config import Settings

REDACTED = "[redacted]"
_installed: list[RedactingFactory] = []


def mask_phone(phone: str | None) -> str:
    """`+33612345678` -> `+336•••••678`: enough to tell numbers apart in logs, not to dial one."""
    if not phone:
        return "-"
    if len(phone) <= 6:
        return "•" * len(phone)
    return phone[:4] + "•" * (len(phone) - 7) + phone[-3:]


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value of the settings (and the secret half of the bot token)."""
    values = []
    for value in settings.model_dump().values():
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    if settings.telegram_token is not None and ":" in settings.telegram_token.get_secret_value():
        values.append(settings.telegram_token.get_secret_value().split(":", 1)[1])
    return values


class RedactingFactory:
    """A log record factory that removes secrets from the formatted message of every record."""

    def __init__(self, previous: logging._LogRecordFactory, secrets: Iterable[str]) -> None:  # type: ignore[name-defined]
        self.previous = previous
        # longest first, so a token is replaced whole before its secret half is looked for
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        if not self.secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return record
        cleaned = self.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def install_redaction(secrets: Iterable[str]) -> RedactingFactory:
    """Redact these secrets from every log record created from now on (idempotent per process)."""
    for factory in _installed:
        logging.setLogRecordFactory(factory.previous)
    _installed.clear()
    factory = RedactingFactory(logging.getLogRecordFactory(), secrets)
    logging.setLogRecordFactory(factory)
    _installed.append(factory)
    return factory


# Loggers that speak for every routine step (a job run every 5 s, every HTTP request a client makes):
# at WARNING unless the operator asks for --verbose.
CHATTY = ("apscheduler", "httpx", "httpcore", "twilio.http_client", "telegram", "uvicorn.access")


def configure_logging(settings: Settings, *, verbose: bool = False) -> None:
    """One readable line per thing that happened, on stderr through Rich; secrets redacted.

    The level comes from `RELANCE_LOG_LEVEL` (DEBUG with `verbose`). The console channel writes the
    messages it stands in for on stdout, in panels, apart from this log.
    """
    from rich.console import Console
    from rich.logging import RichHandler

    handler = RichHandler(
        console=Console(stderr=True),
        show_path=False,
        rich_tracebacks=True,
        markup=False,
        log_time_format="%H:%M:%S",
    )
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else settings.log_level.upper())
    install_redaction(settings_secrets(settings))
    for noisy in CHATTY:
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)
