"""Relance: polite, compliant debt-collection reminders with a human hand-off."""

__version__ = "0.1.0"
