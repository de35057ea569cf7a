"""The agent console in a real browser: Debian's Chromium driven by Playwright, the app under uvicorn.

One agent's day on one case: sign in, open the queue, take over a flagged case, reply (and reply
again after hours, queued for the morning), see both in the transcript, draft and download the
formal notice, mark it sent, export the case file. Screenshots go to `tests/artifacts/`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from relance.core.casefile import verify_casefile
from relance.core.clock import SimulatedClock
from relance.core.runtime import Runtime
from tests.conftest_console import PASSWORD, add_agent, console_app, flagged_case

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    """The console under uvicorn, in a thread, on an ephemeral loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(console_app(runtime), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def page(live_server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(
            base_url=live_server, accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_an_agent_works_a_flagged_case_in_the_browser(runtime: Runtime, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    add_agent(runtime, "alex@example.com", name="Alex Agent")
    case = flagged_case(runtime, reason="no_response", name="Camille Martin", reference="INV-2026-0042")
    flagged_case(runtime, reason="unclear", name="Other Debtor")

    # sign in: the queue sends us to the login page first
    page.goto("/console/")
    expect(page).to_have_url(f"{page.url.split('/console')[0]}/console/login?next=/console/")
    page.fill("input[name=email]", "alex@example.com")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "1-login")
    page.click("button[type=submit]")

    # the queue: most urgent first, counts per reason
    expect(page.locator("h1")).to_have_text("Flagged cases")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Camille Martin")
    expect(rows.first).to_contain_text("formal notice")
    expect(page.locator(".counts")).to_contain_text("no response 1")
    shot(page, "2-queue")

    # take over, then reply
    rows.first.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(f"Case #{case.id}")
    page.click("#take-over")
    expect(page.locator(".flash")).to_contain_text("You hold this case")
    expect(page.locator("#holder")).to_have_text("held by Alex Agent (you)")
    page.fill("#reply-text", "Bonjour Camille, je suis Alex. Pouvons-nous convenir d'un échéancier ?")
    page.click("#send-reply")
    expect(page.locator(".flash")).to_have_text("Reply queued on sms: it goes now.")
    transcript = page.locator("#transcript")
    expect(transcript.locator(".by-agent")).to_contain_text("Pouvons-nous convenir d'un échéancier ?")
    expect(transcript.locator(".by-agent .who")).to_contain_text("Alex Agent · sms")

    # after hours, a reply waits for the debtor's morning, and the page says when
    assert isinstance(runtime.clock, SimulatedClock)
    runtime.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
    page.reload()
    page.fill("#reply-text", "Je vous rappelle demain matin.")
    page.click("#send-reply")
    expect(page.locator(".flash")).to_contain_text("will go at Tue 24 Nov 08:00 (Europe/Paris)")
    expect(transcript.locator(".by-agent").last.locator(".goes-at")).to_contain_text("Tue 24 Nov 08:00")
    shot(page, "3-case-replied")

    # formal notice: draft, download, mark sent
    page.click("#generate-notice")
    expect(page.locator(".flash")).to_contain_text("drafted")
    with page.expect_download() as download_info:
        page.locator("a[id^=download-notice-]").click()
    pdf = tmp_path / "notice.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.fill("#tracking-number", "1A 234 567 8901 2")
    shot(page, "4-notice-drafted")
    page.locator("button[id^=mark-sent-]").click()
    expect(page.locator(".flash")).to_contain_text("Formal notice marked sent; the deadline is")
    expect(page.locator("#case-status")).to_have_text("formal notice sent")
    expect(page.locator(".notice-status")).to_have_text("sent")
    shot(page, "5-notice-sent")

    # the case file, verified
    with page.expect_download() as casefile_info:
        page.click("#casefile")
    archive = tmp_path / "case.zip"
    casefile_info.value.save_as(archive)
    assert casefile_info.value.suggested_filename == f"case-{case.id}.zip"
    assert verify_casefile(archive.read_bytes()) == []

    # every page has its logout button
    page.click("#logout")
    expect(page.locator(".flash")).to_have_text("You are signed out.")
    page.goto(f"/console/cases/{case.id}")
    expect(page.locator("h1")).to_have_text("Sign in")
    shot(page, "6-signed-out")
