"""An agent's working day in Debian's Chromium (Playwright), over a demo portfolio served by the real app.

The sample portfolio (50 debtors) is imported, the sweep queues the first reminders and the
dispatcher sends them to a fake Twilio; a debtor answers by SMS through the signed webhook. Then, in
the browser: find a case by name and by national phone, read the conversation in order, see a new SMS
arrive on the open case page without reloading, assign the case to a colleague who finds it in
"Mine", add an internal note, and open the dashboard's charts. Screenshots go to `tests/artifacts/`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels.factory import channels_from_settings
from bot.testing.app_server import LoopbackServer
from bot.testing.fake_twilio import FakeTwilio
from messages.render import Renderer
from relance.core import paths
from relance.core.clock import SimulatedClock
from relance.core.config import RelanceConfig, Settings
from relance.core.importer import import_debts
from relance.core.models import Case, Debt, Message
from relance.core.runtime import Runtime, open_runtime
from relance.web.app import create_app
from scheduler.dispatch import Dispatcher
from scheduler.sweep import sweep
from tests.browser.test_console_browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS
from tests.conftest_console import PASSWORD, add_agent

PORTFOLIO = Path(__file__).resolve().parents[2] / "relance" / "data" / "sample_portfolio.csv"
OUR_NUMBER = "+33700000001"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@dataclass
class Day:
    url: str
    runtime: Runtime
    twilio: FakeTwilio

    def sms(self, from_: str, body: str) -> None:
        response = self.twilio.send_inbound(
            paths.public(self.url, paths.TWILIO_SMS), from_=from_, to=OUR_NUMBER, body=body
        )
        assert response.status_code == 200, response.text

    def case_of(self, reference: str) -> Case:
        with self.runtime.session() as session:
            case_id = session.execute(sa.select(Debt.case_id).where(Debt.reference == reference)).scalar_one()
            case = session.get(Case, case_id)
            assert case is not None
            return case


@pytest.fixture
def day(engine: Engine, db_url: str, clock: SimulatedClock) -> Iterator[Day]:
    """The whole app (webhooks + console) on loopback over the imported sample portfolio, reminders sent."""
    with FakeTwilio() as twilio, LoopbackServer() as server:
        settings = Settings(
            database_url=db_url,
            config=Path("/nonexistent/relance.toml"),
            public_url=server.url,
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,
            twilio_from=OUR_NUMBER,
            twilio_api_url=twilio.url,
        )
        config = RelanceConfig()
        runtime = open_runtime(settings, config=config, clock=clock, engine=engine)
        with runtime.session() as session:
            import_debts(session, PORTFOLIO, config, now=clock.now())
            session.commit()
        sweep(engine, config=config, now=clock.now())
        channels = channels_from_settings(settings, config)
        dispatcher = Dispatcher(
            engine, config=config, renderer=Renderer.from_config(config), channels=channels, clock=clock
        )
        asyncio.run(dispatcher.run_once())
        server.serve(create_app(runtime, channels=channels))
        yield Day(server.url, runtime, twilio)


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def signed_in(browser: object, day: Day, email: str) -> object:
    """A page in a fresh browser context (Paris time), signed in as `email`."""
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=day.url, viewport={"width": 1360, "height": 900}, timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/")  # the site's root leads to the console, which asks to sign in
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    return page


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_agents_working_day(day: Day, browser: object) -> None:
    from playwright.sync_api import expect

    add_agent(day.runtime, "alex@example.com", name="Alex Agent")
    add_agent(day.runtime, "sam@example.com", name="Sam Colleague")
    camille = day.case_of("INV-2026-001")  # Camille Martin, 06 12 34 56 10 in the CSV
    day.sms("+33612345610", "Bonjour, je peux payer 150 euros par mois")
    page = signed_in(browser, day, "alex@example.com")

    # every case is in the list; find one by part of the name without accents, and by the phone as written
    page.click("#nav-cases")
    expect(page.locator("#total")).to_have_text("50 cases")
    shot(page, "cases")
    page.fill("#case-search", "RAPHAEL mich")
    page.press("#case-search", "Enter")
    expect(page.locator("table.cases tbody tr")).to_have_count(1)
    expect(page.locator("table.cases .debtor-name")).to_have_text("Raphaël Michel")
    page.fill("header input[name=q]", "06 12 34 56 10")
    page.press("header input[name=q]", "Enter")
    expect(page.locator("table.cases .debtor-name")).to_have_text(["Camille Martin"])

    # the conversation, in order: the reminder, the debtor's answer, what the bot understood, its reply
    page.locator("table.cases .debtor-name").click()
    expect(page.locator("h1")).to_contain_text(f"Case #{camille.id} · Camille Martin")
    bubbles = page.locator("#transcript > li.bubble")
    expect(bubbles).to_have_count(3)
    expect(bubbles.nth(0)).to_contain_text("Bot · sms · reminder")
    expect(bubbles.nth(0).locator(".delivery")).to_have_text("sent")
    expect(bubbles.nth(1)).to_contain_text("je peux payer 150 euros par mois")
    expect(bubbles.nth(1)).to_have_class("bubble bubble-left by-debtor")
    expect(bubbles.nth(2)).to_have_class("bubble bubble-right by-bot")
    shown = page.locator("#transcript").inner_text()  # what is rendered: closed <details> stay out
    assert "body_sha256" not in shown and '"intent"' not in shown and "sent sent" not in shown
    expect(bubbles.nth(1).locator("time")).to_contain_text("CET")  # the agent's zone, from the browser
    shot(page, "conversation")

    # a new SMS appears on the open page, without reloading, within 2 s, with a count of new items
    marker = page.evaluate("() => (window.__notReloaded = true)")
    assert marker is True
    started = time.monotonic()
    day.sms("+33612345610", "Finalement je préfère payer en 3 fois")
    expect(page.locator("#transcript")).to_contain_text("je préfère payer en 3 fois", timeout=2_000)
    assert time.monotonic() - started <= 2.5
    expect(page.locator("#live-count")).to_be_visible()
    expect(page.locator("#live-count")).to_contain_text("new")
    assert page.evaluate("() => window.__notReloaded === true")
    shot(page, "live")

    # the debtor accepts the plan by SMS, and the agent records the first payment received by transfer
    day.sms("+33612345610", "OUI")
    expect(page.locator("#transcript")).to_contain_text("Plan agreed: 3 × 150.00 EUR monthly", timeout=2_000)
    page.fill("#payment-amount", "150,00")
    page.click("#record-payment")
    expect(page.locator(".flash")).to_have_text("Payment recorded.")
    expect(page.locator("#balance")).to_have_text("300.00 EUR")

    # an internal note, then assign the case to a colleague
    page.fill("#note-text", "Called her: she will confirm the plan tonight.")
    page.click("#add-note")
    expect(page.locator(".flash")).to_have_text("Note added (colleagues only, never sent).")
    expect(page.locator("#transcript .note")).to_contain_text("she will confirm the plan tonight")
    page.select_option("#assign-to", label="Sam Colleague")
    page.click("#assign")
    expect(page.locator(".flash")).to_have_text("Assigned to Sam Colleague.")
    expect(page.locator("#holder")).to_have_text("held by Sam Colleague")
    with day.runtime.session() as session:
        assert (
            session.execute(
                sa.select(sa.func.count()).select_from(Message).where(Message.body.contains("Called her"))
            ).scalar_one()
            == 0
        )  # type: ignore[attr-defined]

    sam = signed_in(browser, day, "sam@example.com")
    sam.click("#nav-mine")
    expect(sam.locator("h1")).to_contain_text("My cases")
    expect(sam.locator("table.cases .debtor-name")).to_have_text(["Camille Martin"])
    shot(sam, "mine")

    # the dashboard: charts, totals, every figure a link
    page.click("#nav-dashboard")
    expect(page.locator("svg.chart")).to_have_count(7)
    expect(page.locator("#total-cases data")).to_have_text("50")
    expect(page.locator("#total-collected")).to_contain_text("150.00 EUR")
    expect(page.locator("#chart-plans")).to_contain_text("on track")
    page.locator("#chart-steps svg a").first.click()
    expect(page).to_have_url(re.compile(r"/console/cases\?step=\d+&status=paid"))
    page.go_back()
    shot(page, "dashboard")
