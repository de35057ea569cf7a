"""The recording channel: keeps every message it is given, for tests, the simulation and crash tests.

It behaves like a provider (ids, capabilities, the same `check_text` refusals) and can be told to
fail (`fail_next`). Misuse fails loudly with `RecordingMisuse`: sending after `close`, arguments of
the wrong type, or an address that the channel it stands for could never have (an SMS to something
that is not E.164, a Telegram message to something that is not a chat id). With a `path`, each
message is appended to a JSON-lines file and flushed to disk before `send` returns, so a crash test
can tell exactly what left before the process died.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.channels.base import Capabilities, ChannelAdapter, ChoiceLike, SendResult
from bot.channels.console import CONSOLE_CAPABILITIES
from bot.channels.email import EMAIL_CAPABILITIES, is_address
from bot.channels.sms import SMS_CAPABILITIES
from bot.channels.telegram import TELEGRAM_CAPABILITIES
from relance.core.errors import ChannelError

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_CHAT_ID = re.compile(r"-?\d{1,20}")
DEFAULT_CAPABILITIES = {
    "sms": SMS_CAPABILITIES,
    "telegram": TELEGRAM_CAPABILITIES,
    "email": EMAIL_CAPABILITIES,
    "console": CONSOLE_CAPABILITIES,
}


class RecordingMisuse(AssertionError):
    """The channel was used in a way no real provider would allow: a bug in the caller."""


@dataclass(frozen=True)
class Recorded:
    """One message the channel was given."""

    channel: str
    to: str
    text: str
    choices: tuple[tuple[str, str], ...]
    provider_id: str


@dataclass
class RecordingChannel(ChannelAdapter):
    """An in-memory (optionally file-backed) channel standing in for `name`."""

    name: str = "sms"
    path: Path | None = None
    status: str = "sent"
    capabilities: Capabilities = None  # type: ignore[assignment]  # default: the real channel's
    sender: str | None = "recording"
    sent: list[Recorded] = field(default_factory=list)
    _failures: deque[ChannelError] = field(default_factory=deque, repr=False)
    _closed: bool = field(default=False, repr=False)
    # provider ids: a random prefix per channel and a counter (a UUID per message cost more than the rest)
    _id_prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:16], repr=False)
    _ids: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def __post_init__(self) -> None:
        if self.name not in DEFAULT_CAPABILITIES:
            raise RecordingMisuse(f"unknown channel name {self.name!r}")
        if self.capabilities is None:
            self.capabilities = DEFAULT_CAPABILITIES[self.name]

    def fail_next(self, *errors: ChannelError) -> None:
        """The next sends raise these errors, in order (then sending works again)."""
        self._failures.extend(errors)

    async def send_text(self, to: str, text: str) -> SendResult:
        return self._record(to, text, ())

    async def send_choices(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        if not all(isinstance(c.key, str) and isinstance(c.label, str) for c in choices):
            raise RecordingMisuse("choices need string keys and labels")
        shown = tuple((c.key, c.label) for c in choices) if self.capabilities.supports_buttons else ()
        return self._record(to, text, shown)

    async def close(self) -> None:
        self._closed = True

    def texts_to(self, to: str) -> list[str]:
        """The texts sent to one address, in order."""
        return [r.text for r in self.sent if r.to == to]

    def _record(self, to: str, text: str, choices: tuple[tuple[str, str], ...]) -> SendResult:
        self._check_use(to, text)
        self.check_text(to, text)
        if self._failures:
            raise self._failures.popleft()
        entry = Recorded(self.name, to, text, choices, f"rec-{self._id_prefix}{next(self._ids):016x}")
        if self.path is not None:
            _append_durably(self.path, entry)
        self.sent.append(entry)
        return SendResult(provider_id=entry.provider_id, status=self.status)

    def _check_use(self, to: object, text: object) -> None:
        if self._closed:
            raise RecordingMisuse(f"{self.name}: send after close")
        if not isinstance(to, str) or not isinstance(text, str):
            kinds = f"{type(to).__name__}, {type(text).__name__}"
            raise RecordingMisuse(f"{self.name}: to and text must be str, got {kinds}")
        if self.name == "sms" and not _E164.fullmatch(to):
            raise RecordingMisuse(f"sms: {to!r} is not an E.164 number")
        if self.name == "telegram" and not _CHAT_ID.fullmatch(to):
            raise RecordingMisuse(f"telegram: {to!r} is not a chat id")
        if self.name == "email" and not is_address(to):
            raise RecordingMisuse(f"email: {to!r} is not an e-mail address")


@dataclass
class KeyedRecordingChannel(RecordingChannel):
    """A recording channel that deduplicates by idempotency key, as a provider accepting one would.

    The dispatcher gives a message's key to adapters with `send_keyed`; a second send with the same
    key returns the first send's result and records nothing. With such adapters only, the
    dispatcher records a claimed batch's outcomes in one transaction (`scheduler.dispatch`).
    """

    _by_key: dict[str, SendResult] = field(default_factory=dict, repr=False)
    _key: str | None = field(default=None, repr=False)

    async def send_keyed(self, to: str, text: str, choices: Sequence[ChoiceLike], *, key: str) -> SendResult:
        """Send once per `key`."""
        if key in self._by_key:
            self._check_use(to, text)
            return self._by_key[key]
        self._key = key
        try:
            return await (self.send_choices(to, text, choices) if choices else self.send_text(to, text))
        finally:
            self._key = None

    def _record(self, to: str, text: str, choices: tuple[tuple[str, str], ...]) -> SendResult:
        result = super()._record(to, text, choices)
        if self._key is not None:  # the key is kept the moment the message is accepted, as a provider would
            self._by_key[self._key] = result
        return result


def _append_durably(path: Path, entry: Recorded) -> None:
    line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
    with path.open("a+b") as fh:
        # a process killed in the middle of a write leaves a torn last line: start a new one, or this entry
        # would be glued to it and both lost to `read_recording`
        if fh.seek(0, os.SEEK_END):
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                line = b"\n" + line
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_recording(path: Path) -> list[Recorded]:
    """The messages a file-backed recording channel wrote (a torn last line, from a crash, is ignored)."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        raw["choices"] = tuple(tuple(c) for c in raw.get("choices", ()))
        entries.append(Recorded(**raw))
    return entries
