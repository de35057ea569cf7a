"""The channel interface: what the dispatcher and the web app need from SMS, Telegram and the console.

Every implementation sends plain text and text with choices, says what it can do
(`Capabilities`), and reports failures with the two errors of `relance.core.errors`:
`TransientChannelError` (retry later: timeouts, 5xx, rate limits) and `PermanentChannelError`
(retrying will not help; `code` says why, e.g. ``21610`` when the recipient opted out on Twilio).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from relance.core.errors import PermanentChannelError


class ChoiceLike(Protocol):
    """A quick reply (as `messages.render.Choice`): `key` comes back to us, `label` is shown."""

    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can carry."""

    max_length: int  # characters per message the provider accepts
    supports_buttons: bool  # choices become tappable buttons (otherwise the text must say what to reply)
    needs_binding: bool  # the debtor must first link their account (Telegram) before we may write


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider's answer to a send: its message id and the status it reported."""

    provider_id: str
    status: str  # a `relance.core.models.MessageStatus` value: "sent" (accepted) or "queued" (provider queue)


class ChannelAdapter(ABC):
    """One way of reaching a debtor; `name` is the `relance.core.models.Channel` value it serves."""

    name: str
    capabilities: Capabilities
    # our sending identity (number, Messaging Service SID, bot id) for per-sender opt-outs
    sender: str | None = None

    @abstractmethod
    async def send_text(self, to: str, text: str) -> SendResult:
        """Send `text` to `to` (an E.164 number or a chat id)."""

    async def send_choices(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        """Send `text` offering `choices`; channels without buttons send the text alone (it says what to reply)."""
        return await self.send_text(to, text)

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections or check credentials; failures are logged by the caller and retried."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def check_text(self, to: str, text: str) -> None:
        """Refuse what no provider would accept: an empty address or text, or a text over the limit."""
        if not to or not str(to).strip():
            raise PermanentChannelError(f"{self.name}: no recipient address", code="no_address")
        if not text or not text.strip():
            raise PermanentChannelError(f"{self.name}: refusing to send an empty message", code="empty")
        if len(text) > self.capabilities.max_length:
            raise PermanentChannelError(
                f"{self.name}: message of {len(text)} characters exceeds the limit of {self.capabilities.max_length}",
                code="too_long",
            )
