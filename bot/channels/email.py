"""E-mail through SMTP (any provider: the creditor's server, Postmark, Mailgun, SES, Brevo), with aiosmtplib.

Each e-mail has a plain-text and an HTML part, `Reply-To` the mailbox whose replies Relance reads,
a `Message-ID` naming its case and outbox message (`<relance.c<case>.m<message>.<random>@domain>`)
so that a reply finds its case through `In-Reply-To`/`References`, and `List-Unsubscribe` with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) pointing to a signed link on
`relance serve` (plus a `mailto:` to the reply address, read like any reply).

Security: `starttls` (default, port 587), `tls` (implicit TLS, port 465) or `none` (a local relay).
Errors: a 5xx answer about the recipient is a hard bounce (`PermanentChannelError`, code
`hard_bounce`): e-mail stops for that address only; other 5xx answers are permanent, 4xx answers,
timeouts and network errors transient.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses, parseaddr

import aiosmtplib

from bot.channels.base import Capabilities, ChannelAdapter, ChoiceLike, SendResult
from bot.email_links import UnsubscribeLinks
from relance.core.config import Settings
from relance.core.errors import ChannelError, PermanentChannelError, TransientChannelError

log = logging.getLogger(__name__)

EMAIL_CAPABILITIES = Capabilities(max_length=100_000, supports_buttons=False, needs_binding=False)
# Message-IDs we write: the case and the outbox message, then a random part
OUR_MESSAGE_ID = re.compile(r"<relance\.c(\d+)\.m(\d+)\.[0-9a-f]+@[^>]+>")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an e-mail (the formal notice's PDF)."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class OutgoingEmail:
    """One e-mail to send; `case_id`/`message_id` name it in its Message-ID."""

    to: str
    subject: str
    text: str
    html: str | None = None
    case_id: int | None = None
    message_id: int | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    unsubscribe_url: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class EmailSent(SendResult):
    """What the SMTP server accepted: the Message-ID header and the exact bytes that left."""

    header_id: str = ""
    raw: bytes = b""
    smtp_reply: str = ""
    subject: str = ""


def is_address(value: str) -> bool:
    """A plausible single e-mail address (what the import and the dispatcher accept)."""
    return bool(_ADDRESS.match(value.strip()))


def ids_in(header_values: Sequence[str | None]) -> list[str]:
    """Every `<…>` message id in `In-Reply-To`/`References` values, in order."""
    found: list[str] = []
    for value in header_values:
        found.extend(re.findall(r"<[^<>\s]+>", value or ""))
    return found


def smtp_error(exc: Exception) -> ChannelError:
    """Classify an aiosmtplib or network failure."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        code = codes[0] if codes else 550
        text = f"smtp: recipient refused ({'; '.join(f'{r.code} {r.message}' for r in exc.recipients)})"
        return (
            PermanentChannelError(text, code="hard_bounce")
            if code >= 500
            else TransientChannelError(text, code=f"smtp_{code}")
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return TransientChannelError(f"smtp: authentication failed ({exc.code} {exc.message})", code="smtp_auth")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
        return TransientChannelError(f"smtp: {type(exc).__name__}: {exc}", code="network")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"smtp: {exc.code} {exc.message}"
        if exc.code >= 500:
            return PermanentChannelError(text, code=f"smtp_{exc.code}")
        return TransientChannelError(text, code=f"smtp_{exc.code}")
    if isinstance(exc, OSError | TimeoutError):
        return TransientChannelError(f"smtp: network error ({type(exc).__name__}: {exc})", code="network")
    return TransientChannelError(f"smtp: unexpected {type(exc).__name__}: {exc}", code="unexpected")


class SmtpEmailChannel(ChannelAdapter):
    """E-mail from one address through one SMTP server."""

    name = "email"
    capabilities = EMAIL_CAPABILITIES

    def __init__(
        self,
        *,
        host: str,
        port: int,
        from_address: str,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        reply_to: str | None = None,
        timeout: float = 30.0,
        links: UnsubscribeLinks | None = None,
    ) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"smtp security must be starttls, tls or none, not {security!r}")
        name, address = parseaddr(from_address)
        if not is_address(address):
            raise ValueError(f"RELANCE_SMTP_FROM: {from_address!r} is not an e-mail address")
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.username, self.password = username, password
        self.from_header = str(Address(display_name=name, addr_spec=address)) if name else address
        self.from_address = address
        self.reply_to = reply_to or from_address
        self.domain = address.rsplit("@", 1)[1]
        self.sender = address
        self.links = links

    @classmethod
    def from_settings(cls, settings: Settings, links: UnsubscribeLinks | None = None) -> SmtpEmailChannel:
        assert settings.smtp_host and settings.smtp_from
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port_or_default,
            from_address=settings.smtp_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            reply_to=settings.smtp_reply_to,
            timeout=settings.smtp_timeout,
            links=links,
        )

    def unsubscribe_url(self, address: str) -> str | None:
        """The signed one-click link for `address` (None without a public URL)."""
        return self.links.url(address) if self.links is not None else None

    def new_message_id(self, case_id: int | None, message_id: int | None) -> str:
        random = secrets.token_hex(6)
        if case_id is None or message_id is None:
            return f"<relance.{random}@{self.domain}>"
        return f"<relance.c{case_id}.m{message_id}.{random}@{self.domain}>"

    def build(self, mail: OutgoingEmail) -> EmailMessage:
        """The MIME message: text and HTML alternatives, attachments, threading and unsubscribe headers."""
        msg = EmailMessage(policy=SMTP)
        msg["From"] = self.from_header
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = self.new_message_id(mail.case_id, mail.message_id)
        msg["Reply-To"] = self.reply_to
        if mail.in_reply_to:
            msg["In-Reply-To"] = mail.in_reply_to
            msg["References"] = " ".join(dict.fromkeys((*mail.references, mail.in_reply_to)))
        unsubscribe = [f"<mailto:{parseaddr(self.reply_to)[1]}?subject=unsubscribe>"]
        if mail.unsubscribe_url:
            unsubscribe.insert(0, f"<{mail.unsubscribe_url}>")
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["List-Unsubscribe"] = ", ".join(unsubscribe)
        for name, value in mail.headers:
            msg[name] = value
        msg.set_content(mail.text)
        if mail.html:
            msg.add_alternative(mail.html, subtype="html")
        for item in mail.attachments:
            maintype, subtype = item.mime_type.split("/", 1)
            msg.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
        return msg

    async def send_email(self, mail: OutgoingEmail) -> EmailSent:
        """Send `mail`; returns the Message-ID and raw bytes the server accepted."""
        self.check_text(mail.to, mail.text)
        if not is_address(mail.to):
            raise PermanentChannelError(f"email: {mail.to!r} is not an e-mail address", code="bad_address")
        message = self.build(mail)
        raw = message.as_bytes()
        try:
            _, reply = await aiosmtplib.send(
                raw,
                sender=self.from_address,
                recipients=[mail.to],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=self.timeout,
            )
        except Exception as exc:
            raise smtp_error(exc) from exc
        header_id = str(message["Message-ID"])
        # provider ids are short (64): the Message-ID's left part names the message well enough
        provider_id = header_id.strip("<>").split("@", 1)[0][:64]
        return EmailSent(
            provider_id=provider_id, status="sent", header_id=header_id, raw=raw, smtp_reply=reply, subject=mail.subject
        )

    async def send_text(self, to: str, text: str) -> SendResult:
        """A text without a subject of its own (the first line is the subject)."""
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return await self.send_email(OutgoingEmail(to=to, subject=first[:78], text=text))

    async def send_choices(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        return await self.send_text(to, text)

    async def start(self) -> None:
        """Check that the server answers (and accepts the credentials)."""
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            timeout=self.timeout,
        )
        try:
            await client.connect()
            if self.username and self.password:
                await client.login(self.username, self.password)
            await client.quit()
        except Exception as exc:
            raise smtp_error(exc) from exc


def addresses_in(value: str | None) -> list[str]:
    """The bare addresses of a header such as `From` or `To`, lower case."""
    return [addr.strip().lower() for _, addr in getaddresses([value or ""]) if addr]
