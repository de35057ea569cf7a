"""`relance channels test`: one clearly labelled test message through a configured provider.

The first thing to run after setting up a real account: it says what the provider answered (the
message id, the SMTP server's reply) or why it refused, with the settings to look at.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from bot.channels.base import ChannelAdapter, SendResult
from bot.channels.console import ConsoleChannel
from bot.channels.email import EmailSent, OutgoingEmail, SmtpEmailChannel, is_address
from bot.channels.factory import email_channel, sms_channel, telegram_channel
from messages.email import email_parts, email_subject
from messages.render import Renderer
from relance.cli.common import console, err_console
from relance.core.config import RelanceConfig, Settings, load_config, load_settings
from relance.core.errors import ChannelError

channels_app = typer.Typer(help="Check the channels (SMS, Telegram, e-mail).", no_args_is_help=True)

SETTINGS_OF = {
    "sms": "RELANCE_TWILIO_ACCOUNT_SID, RELANCE_TWILIO_AUTH_TOKEN and RELANCE_TWILIO_FROM",
    "telegram": "RELANCE_TELEGRAM_TOKEN",
    "email": "RELANCE_SMTP_HOST and RELANCE_SMTP_FROM (and RELANCE_SMTP_PORT, RELANCE_SMTP_SECURITY…)",
}
TEST_TEXT = (
    "[TEST] Relance: message d'essai / test message.\n\n"
    "Ce message vérifie que le canal {channel} est bien configuré. Aucune action n'est nécessaire.\n"
    "This message checks that the {channel} channel is set up. No action is needed.\n\n"
    "Envoyé le / sent at {at}."
)


class ChannelChoice(StrEnum):
    sms = "sms"
    telegram = "telegram"
    email = "email"


def _adapter(channel: str, settings: Settings, config: RelanceConfig) -> ChannelAdapter:
    if channel == "sms":
        return sms_channel(settings, config)
    if channel == "telegram":
        return telegram_channel(settings, config)
    return email_channel(settings, config)  # no database: the test message carries no one-click link


async def _send(adapter: ChannelAdapter, channel: str, to: str, renderer: Renderer) -> SendResult:
    text = TEST_TEXT.format(channel=channel, at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    try:
        if isinstance(adapter, SmtpEmailChannel):
            subject = email_subject(renderer, "test", locale="fr")
            parts = email_parts(
                renderer, text=text, subject=subject, locale="fr", sender_name="Relance", unsubscribe_url=None
            )
            mail = OutgoingEmail(
                to=to, subject=subject, text=parts.text, html=parts.html, headers=(("X-Relance-Test", "yes"),)
            )
            return await adapter.send_email(mail)
        return await adapter.send_text(to, text)
    finally:
        await adapter.close()


@channels_app.command("test")
def test_channel(
    channel: Annotated[ChannelChoice, typer.Option("--channel", help="Which channel to check.")],
    to: Annotated[str, typer.Option("--to", help="Where to send: a phone (E.164), a chat id or an e-mail address.")],
) -> None:
    """Send one test message through the configured provider and show what it answered."""
    settings = load_settings()
    config = load_config(settings.config)
    name = channel.value
    if name == "email" and not is_address(to):
        err_console.print(f"[red]--to:[/red] {to!r} is not an e-mail address", highlight=False)
        raise typer.Exit(2)
    adapter = _adapter(name, settings, config)
    if isinstance(adapter, ConsoleChannel):
        err_console.print(f"[red]{name} is not configured:[/red] set {SETTINGS_OF[name]}.", highlight=False)
        raise typer.Exit(2)
    try:
        result = asyncio.run(_send(adapter, name, to, Renderer.from_config(config)))
    except ChannelError as exc:
        kind = "temporary" if exc.__class__.__name__.startswith("Transient") else "permanent"
        err_console.print(f"[red]{name}: the provider refused ({kind}, code {exc.code}):[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(f"[green]{name}: test message accepted[/green] for {to}", highlight=False)
    console.print(f"  provider id: {result.provider_id}", highlight=False)
    console.print(f"  status: {result.status}", highlight=False)
    if isinstance(result, EmailSent):
        server = f"{settings.smtp_host}:{settings.smtp_port_or_default} ({settings.smtp_security})"
        console.print(f"  server: {server}", highlight=False)
        console.print(f"  Message-ID: {result.header_id}", highlight=False)
        console.print(f"  server reply: {result.smtp_reply.strip()}", highlight=False)
