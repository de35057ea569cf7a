"""Channels: how messages reach debtors (SMS, Telegram, console) behind one interface."""

from bot.channels.base import Capabilities, ChannelAdapter, SendResult
from bot.channels.factory import channels_from_settings

__all__ = ["Capabilities", "ChannelAdapter", "SendResult", "channels_from_settings"]
