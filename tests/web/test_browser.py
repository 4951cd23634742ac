"""End to end in Debian's Chromium: sign in, see a new emergency appear live, open it,
acknowledge it, export FHIR; stored script in patient text stays inert; no CSP violations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.conftest import PASSWORD, WebServer
from tests.web.helpers import CAUDA_EQUINA, snapshot

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_clinician_sees_a_new_emergency_live_and_handles_it(
    web_server: WebServer, page: Page
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)  # fmt: skip
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))

    page.goto(f"{web_server.base_url}/staff/")
    page.get_by_label("E-mail").fill(web_server.email("clinician"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Intake queue")).to_be_visible()
    expect(page.locator("#live-state")).to_have_text("Live")

    # The action server (another process) records an emergency while the page is open.
    answers = {**snapshot().answers, "complaint": XSS, "contact_name": "Robin Testcase"}
    flag = {**CAUDA_EQUINA, "evidence": XSS}
    intake_id = web_server.sync(
        snapshot("emergency", answers=answers, red_flags=[flag], summary=XSS)
    ).intake_id

    banner = page.locator("#alert-banner")
    expect(banner).to_be_visible()
    alert_link = banner.get_by_role("link", name=re.compile(rf"EMERGENCY intake #{intake_id}\b"))
    expect(alert_link).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text(f"New emergency intake number {intake_id}")
    expect(page.locator(f'tr[data-intake-id="{intake_id}"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "queue-live-emergency.png"), full_page=True)

    alert_link.click()
    expect(page.get_by_role("heading", name=f"Intake #{intake_id}")).to_be_visible()
    expect(page.locator(".flag-card blockquote").first).to_contain_text("<script>window.__xss")
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "intake-detail.png"), full_page=True)

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".status-line")).to_contain_text("Acknowledged")
    expect(page.locator(".time-to-ack")).to_have_text(re.compile(r"under a minute|\d+ min"))
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    # This intake has left the banner (other tests' alerts may remain).
    expect(alert_link).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export FHIR").click()
    exported = json.loads(Path(download_info.value.path()).read_text())
    response = QuestionnaireResponse.model_validate(exported)
    assert response.id == f"intake-{intake_id}"
    page.screenshot(path=str(ARTIFACTS / "intake-acknowledged.png"), full_page=True)

    assert page.evaluate("window.__xss") is None
    assert problems == []


def test_front_desk_sees_no_clinical_actions(web_server: WebServer, page: Page) -> None:
    intake_id = web_server.sync(snapshot("urgent")).intake_id
    page.goto(f"{web_server.base_url}/staff/intakes/{intake_id}")
    page.get_by_label("E-mail").fill(web_server.email("front_desk"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name=f"Intake #{intake_id}")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    expect(page.get_by_role("link", name="Export FHIR")).to_have_count(0)
    expect(page.get_by_role("button", name="Add note")).to_be_visible()
