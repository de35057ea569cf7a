"""The console channel: messages are written to the terminal (Rich) or appended to a JSON-lines file.

It is what runs when no provider is configured, so that everything works out of the box: the
factory gives one console channel per channel name it stands in for (`sms`, `telegram`), with that
channel's capabilities, and the operator reads what would have been sent.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from bot.channels.base import Capabilities, ChannelAdapter, ChoiceLike, SendResult

CONSOLE_CAPABILITIES = Capabilities(max_length=4096, supports_buttons=True, needs_binding=False)


class ConsoleChannel(ChannelAdapter):
    """Writes each message instead of sending it."""

    def __init__(
        self,
        *,
        name: str = "console",
        capabilities: Capabilities = CONSOLE_CAPABILITIES,
        path: Path | None = None,
        console: Console | None = None,
    ) -> None:
        self.name = name
        self.capabilities = capabilities
        self.sender = "console"
        self.path = path
        # stdout, in panels: the operator reads these apart from the log, which goes to stderr
        self.console = console or Console()
        self._lock = asyncio.Lock()

    async def send_text(self, to: str, text: str) -> SendResult:
        return await self._write(to, text, ())

    async def send_choices(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        shown = choices if self.capabilities.supports_buttons else ()
        return await self._write(to, text, shown)

    async def _write(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> SendResult:
        self.check_text(to, text)
        provider_id = f"console-{uuid.uuid4().hex[:16]}"
        async with self._lock:
            if self.path is not None:
                await asyncio.to_thread(self._append, provider_id, to, text, choices)
            else:
                self._show(to, text, choices)
        return SendResult(provider_id=provider_id, status="delivered")

    def _append(self, provider_id: str, to: str, text: str, choices: Sequence[ChoiceLike]) -> None:
        record = {
            "at": datetime.now(UTC).isoformat(),
            "channel": self.name,
            "to": to,
            "text": text,
            "choices": [{"key": c.key, "label": c.label} for c in choices],
            "provider_id": provider_id,
        }
        assert self.path is not None
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _show(self, to: str, text: str, choices: Sequence[ChoiceLike]) -> None:
        body = Text(text)
        for choice in choices:
            body.append(f"\n  [{choice.key}] {choice.label}", style="bold")
        title = f"[bold]{escape(self.name)}[/bold] → {escape(str(to))} · not sent (console channel)"
        self.console.print(Panel(body, title=title, title_align="left", border_style="cyan", expand=False))
