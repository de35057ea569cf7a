"""Replies from a plain mailbox: IMAP polling with imap-tools, IDLE where the server offers it.

Every unseen message of the folder goes through `bot.email_inbound.handle_email` (replies to the
dialogue, delivery status notifications to the bounces) and is marked seen only after its
transaction committed: a crash in between reads it again, and the inbound store recognises the
Message-ID (nothing twice). Between two looks the poller waits in IDLE (the server wakes it when
mail arrives) or sleeps `RELANCE_IMAP_POLL_SECONDS`; a lost connection is opened again with back-off.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.policy import compat32

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags

from bot.email_inbound import handle_email, parse_raw
from messages.render import Renderer
from relance.core.config import Settings
from relance.core.db import session_scope
from relance.core.runtime import Runtime

log = logging.getLogger(__name__)
IDLE_MAX = 25 * 60.0  # RFC 2177: re-issue IDLE at least every 29 minutes


def open_mailbox(settings: Settings, timeout: float = 30.0) -> BaseMailBox:
    """A logged-in mailbox on `RELANCE_IMAP_FOLDER`, with the configured security."""
    assert settings.imap_host and settings.imap_username and settings.imap_password
    host, port = settings.imap_host, settings.imap_port_or_default
    kinds: dict[str, Callable[..., BaseMailBox]] = {
        "tls": MailBox,
        "starttls": MailBoxStartTls,
        "none": MailBoxUnencrypted,
    }
    mailbox = kinds[settings.imap_security](host, port, timeout=timeout)
    password = settings.imap_password.get_secret_value()
    mailbox.login(settings.imap_username, password, initial_folder=settings.imap_folder)
    return mailbox


@dataclass
class ImapPoller:
    """Reads the mailbox into the dialogue; `poll_once` for one look, `run` for the loop."""

    runtime: Runtime
    renderer: Renderer
    stats: dict[str, int] = field(default_factory=lambda: {"read": 0, "errors": 0})

    def poll_once(self, mailbox: BaseMailBox) -> int:
        """Handle every unseen message; returns how many were handled."""
        handled = 0
        for message in mailbox.fetch(AND(seen=False), mark_seen=False, bulk=True):
            raw = message.obj.as_bytes(policy=compat32)
            try:
                self._handle(raw)
            except Exception:
                self.stats["errors"] += 1
                log.exception("imap: message %s could not be handled; it stays unseen", message.uid)
                continue
            if message.uid:
                mailbox.flag(message.uid, MailMessageFlags.SEEN, True)
            handled += 1
        self.stats["read"] += handled
        return handled

    def _handle(self, raw: bytes) -> None:
        rt = self.runtime
        with session_scope(rt.engine) as session:
            handle_email(session, parse_raw(raw), now=rt.now(), config=rt.config, renderer=self.renderer)

    def run_blocking(self, stop: threading.Event) -> None:
        """Poll until `stop` is set: IDLE when offered, else sleep between looks; reconnect with back-off."""
        settings, delay = self.runtime.settings, 1.0
        while not stop.is_set():
            try:
                with open_mailbox(settings) as mailbox:
                    delay = 1.0
                    idle = "IDLE" in tuple(mailbox.client.capabilities or ())
                    while not stop.is_set():
                        self.poll_once(mailbox)
                        if idle:
                            _idle(mailbox, min(settings.imap_poll_seconds, IDLE_MAX), stop)
                        else:
                            stop.wait(settings.imap_poll_seconds)
            except Exception as exc:
                log.warning("imap: %s: %s; reconnecting in %.0f s", type(exc).__name__, exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, 300.0)

    async def run(self) -> None:
        """The loop in a worker thread, stopped when the task is cancelled."""
        stop = threading.Event()
        try:
            await asyncio.to_thread(self.run_blocking, stop)
        finally:
            stop.set()


def _idle(mailbox: BaseMailBox, seconds: float, stop: threading.Event, slice_: float = 1.0) -> bool:
    """Wait in IDLE until the server reports something, `seconds` pass or `stop` is set; True when woken."""
    waited = 0.0
    with mailbox.idle as idle:
        while waited < seconds and not stop.is_set():
            if idle.poll(timeout=slice_):
                return True
            waited += slice_
    return False
