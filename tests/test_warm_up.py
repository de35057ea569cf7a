"""The warm-up a server runs before it listens: it builds what the first messages would, and stores nothing."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.nlu.learned import model
from bot.warm_up import warm_up
from messages.catalog import TEMPLATES, TEXT_CHANNELS
from messages.formatting import LANGUAGES
from messages.render import Renderer
from relance.core.models import Dispute, Flag, Installment, PaymentPlan

TODAY = date(2026, 12, 3)


def test_warm_up_loads_the_model_and_compiles_every_text_template() -> None:
    renderer = Renderer()
    warm_up(renderer, today=TODAY)
    assert model.cache_info().currsize == 1
    # the renderer's own cache: what the first answer of each kind would otherwise compile
    expected = {(name, language, channel) for language in LANGUAGES for name in TEMPLATES for channel in TEXT_CHANNELS}
    assert expected <= set(renderer._templates)
    # the mappers the dialogue's ORM writes use (plans, flags, disputes) are configured already
    assert all(sa.inspect(mapped).configured for mapped in (PaymentPlan, Installment, Flag, Dispute))


def test_a_broken_override_is_reported_and_the_warm_up_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "fr" / "sms").mkdir(parents=True)
    (tmp_path / "fr" / "sms" / "help.txt.j2").write_text("{{ no_such_variable }}", encoding="utf-8")
    renderer = Renderer(tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.warm_up"):
        warm_up(renderer, today=TODAY)
    assert "fr/sms/help.txt.j2" in caplog.text
    assert ("unknown_sender", "en", "chat") in renderer._templates  # the templates after it were warmed too
