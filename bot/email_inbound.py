"""An inbound e-mail, from the raw message (IMAP, Mailgun's `body-mime`) or Mailgun's parsed fields, to the dialogue.

The reply text is what the debtor wrote, without the quoted history and the signature
(`bot.nlu.reply_text.extract_reply`); an empty reply falls back to the subject (the `mailto:`
unsubscribe of `List-Unsubscribe` sends "unsubscribe" as subject). The case is found by
`In-Reply-To`/`References` (our Message-IDs), then by the sender's address. Then it goes through
the same `bot.inbound.receive` as an SMS: opt-out keywords, the dialogue, replies stored in the
outbox on the e-mail channel, which the dispatcher sends threaded under the debtor's e-mail.
Automatic replies (out of office, `Auto-Submitted`) and strangers' e-mails are kept, never answered. Delivery status
notifications and complaint reports go to `bot.email_bounces`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

from sqlmodel import Session

from bot.channels.email import ids_in
from bot.email_bounces import Bounce, dsn_bounces, record_bounce
from bot.email_links import normalise_address
from bot.email_store import case_for_address, case_for_references, record_email
from bot.inbound import Disposition, Inbound, Outcome, receive, store_inbound
from bot.nlu.reply_text import extract_reply
from messages.render import Renderer
from relance.core.config import RelanceConfig
from relance.core.models import MessageStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedEmail:
    """What Relance reads of an e-mail."""

    header_id: str
    sender: str  # the From address, lower case
    recipient: str | None
    subject: str
    body: str  # the whole text part
    in_reply_to: str | None
    references: tuple[str, ...]
    raw: bytes
    automatic: bool = False
    bounces: list[Bounce] = field(default_factory=list)

    @property
    def reply(self) -> str:
        """The new text: without quoted history and signature; the subject when the body says nothing."""
        text = extract_reply(self.body)
        if text:
            return text
        subject = self.subject.strip()
        while subject[:3].lower() == "re:":
            subject = subject[3:].strip()
        return subject

    @property
    def provider_id(self) -> str:
        """A short, stable id of the e-mail (its Message-ID, hashed: ids are longer than the column)."""
        return "email:" + hashlib.sha256(self.header_id.encode()).hexdigest()[:40]


def _text_of(mime: EmailMessage) -> str:
    part = mime.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", content))
    return str(content)


def _automatic(mime: EmailMessage) -> bool:
    auto = str(mime.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(mime.get("Precedence", "")).strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "auto_reply") or "X-Autoreply" in mime


def parse_raw(raw: bytes) -> ParsedEmail:
    """Parse an RFC 5322 message."""
    mime = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mime, EmailMessage)
    header_id = str(mime.get("Message-ID", "")).strip()
    if not header_id:
        header_id = f"<no-id.{hashlib.sha256(raw).hexdigest()[:32]}@relance.invalid>"
    in_reply_to = str(mime.get("In-Reply-To", "")).strip() or None
    return ParsedEmail(
        header_id=header_id,
        sender=normalise_address(parseaddr(str(mime.get("From", "")))[1]),
        recipient=normalise_address(parseaddr(str(mime.get("To", "")))[1]) or None,
        subject=str(mime.get("Subject", "")),
        body=_text_of(mime),
        in_reply_to=in_reply_to,
        references=tuple(ids_in([str(mime.get("References", "")), in_reply_to])),
        raw=raw,
        automatic=_automatic(mime),
        bounces=dsn_bounces(mime),
    )


def parse_mailgun(form: dict[str, str]) -> ParsedEmail | None:
    """A message Mailgun forwarded (routes); None when a required field (sender, Message-Id) is missing."""
    if form.get("body-mime"):
        return parse_raw(form["body-mime"].encode("utf-8"))
    headers = _mailgun_headers(form)
    header_id = form.get("Message-Id") or headers.get("message-id") or ""
    sender = parseaddr(form.get("from") or form.get("sender") or "")[1]
    if not header_id or "@" not in sender:
        return None
    mime = EmailMessage()
    for name in ("From", "To", "Subject", "Date", "Message-Id", "In-Reply-To", "References"):
        value = headers.get(name.lower()) or form.get(name) or form.get(name.lower())
        value = " ".join((value or "").split())  # unfolded: a header value holds no line break
        if value:
            mime[name] = value
    mime.set_content(form.get("body-plain", ""))
    return parse_raw(mime.as_bytes())


def _mailgun_headers(form: dict[str, str]) -> dict[str, str]:
    try:
        pairs = json.loads(form.get("message-headers") or "[]")
    except ValueError:
        return {}
    return {str(p[0]).lower(): str(p[1]) for p in pairs if isinstance(p, list) and len(p) == 2}


def handle_email(
    session: Session, parsed: ParsedEmail, *, now: datetime, config: RelanceConfig, renderer: Renderer
) -> Outcome:
    """Store, understand and answer one inbound e-mail (flushed, not committed); bounces are recorded as such."""
    if parsed.bounces:
        for bounce in parsed.bounces:
            record_bounce(session, bounce, at=now, preferred=config.channels.preferred, raw=parsed.raw)
        return Outcome(Disposition.SILENT)
    case = case_for_references(session, parsed.references) or case_for_address(session, parsed.sender)
    inbound = Inbound(
        channel="email",
        address=parsed.sender,
        sender=None,  # an e-mail opt-out holds for every sending address
        text=parsed.reply,
        provider_id=parsed.provider_id,
        recipient=parsed.recipient,
    )
    if parsed.automatic:
        message_id = store_inbound(session, inbound.storable(), case, now)
        outcome = Outcome(Disposition.SILENT, [], case.id if case else None, message_id)
    else:
        # strangers are not answered by e-mail: a From can be forged, and an answer would be backscatter
        outcome = receive(
            session, inbound, case=case, now=now, config=config, renderer=renderer,
            reply_status=MessageStatus.QUEUED, answer_strangers=False,  # the dispatcher sends replies, threaded
        )  # fmt: skip
    if outcome.disposition != Disposition.DUPLICATE:
        record_email(
            session, direction="in", header_id=parsed.header_id, address=parsed.sender, raw=parsed.raw, at=now,
            case_id=outcome.case_id, message_id=outcome.message_id, in_reply_to=" ".join(parsed.references) or None,
            subject=parsed.subject,
        )  # fmt: skip
    return outcome
