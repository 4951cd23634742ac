"""Browser tests of the patient chat widget.

Everything is real: Rasa and the action server (`service`, started once per session by
tests/rasa/conftest.py, with CORS open to the web app's origin only), the staff web app serving
the demo page under its strict Content-Security-Policy, and Debian's chromium driven by
Playwright (the system browser: nothing is downloaded).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright

from bot.store import migrate
from tests.rasa.conftest import Service, service, wait_healthy, web_app_port  # noqa: F401

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
REPLY_TIMEOUT_MS = 30_000
# Served from the page's own origin (by a Playwright route), so `script-src 'self'` allows it.
AXE_URL_PATH = "/__test__/axe.min.js"


@dataclass
class DemoSite:
    base_url: str
    rasa_url: str
    log_path: Path


@pytest.fixture(scope="session")
def demo_site(
    service: Service,  # noqa: F811 - the fixture imported above
    web_app_port: int,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DemoSite]:
    """The staff web app, whose `/` is the demo clinic page embedding the widget."""
    workdir = tmp_path_factory.mktemp("demo-site")
    database_url = f"sqlite+aiosqlite:///{workdir / 'web.sqlite3'}"
    outside_the_browser_loop(migrate, database_url)
    base_url = f"http://127.0.0.1:{web_app_port}"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PHYSIO_ENV": "development",
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": base_url,
        "ALLOWED_ORIGINS": json.dumps([base_url]),
        "RASA_URL": service.rasa_url,
    }
    log_path = workdir / "web.log"
    command = [sys.executable, "-m", "sanic", "bot.web.app:create_app", "--factory",
               "--single-process", "--host", "127.0.0.1", "--port", str(web_app_port)]  # fmt: skip
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=workdir, env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(f"{base_url}/health", process, log_path)
        yield DemoSite(base_url, service.rasa_url, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def outside_the_browser_loop(function: Callable[..., T], *args: object) -> T:
    """Playwright's sync API keeps an event loop running in this thread, so code that calls
    `asyncio.run` (the store, migrations) runs in a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


@pytest.fixture(scope="module")  # its event loop must not outlive these tests
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """What must never happen on the page: policy violations and uncaught script errors."""

    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # axe-core itself adds a <style> while it checks; that one is the test tool's, not ours.
        from_axe = message.location.get("url", "").endswith(AXE_URL_PATH)
        if "Content Security Policy" in message.text and not from_axe:
            self.csp_violations.append(message.text)

    def on_page_error(self, error: Exception) -> None:
        self.script_errors.append(str(error))


class Widget:
    """The chat widget on a page, driven the way a patient does: through roles and labels."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.get_by_role("button", name="Chat with us")
        self.panel = page.get_by_role("dialog")
        self.input = self.panel.get_by_role("textbox", name="Your message")
        self.send_button = self.panel.get_by_role("button", name="Send", exact=True)
        self.replies = self.panel.get_by_role("group", name="Suggested answers").get_by_role(
            "button"
        )
        self.bot_bubbles = page.locator(".pw-group-bot .pw-bubble")
        self.patient_bubbles = page.locator(".pw-group-patient .pw-bubble")
        self.typing = page.locator(".pw-typing")
        self.error = page.locator(".pw-error")
        self.emergency = page.locator(".pw-emergency")
        self.urgent = page.locator(".pw-urgent")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def start(self) -> None:
        """Open, read the notice, press Start: the assistant asks for consent first."""
        if not self.panel.is_visible():
            self.open()
        expect(self.panel.get_by_role("heading", name="Before you start")).to_be_visible()
        self.panel.get_by_role("button", name="Start", exact=True).click()
        self.wait_for_reply()
        expect(self.bot_bubbles.last).to_contain_text("Is that OK?")

    def wait_for_reply(self) -> None:
        expect(self.typing).to_be_empty(timeout=REPLY_TIMEOUT_MS)

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_reply()

    def choose(self, title: str) -> None:
        self.replies.filter(has_text=title).first.click()
        self.wait_for_reply()

    def reply_titles(self) -> list[str]:
        return self.replies.all_inner_texts()

    def last_bot_text(self) -> str:
        return self.bot_bubbles.last.inner_text()

    def screenshot(self, name: str) -> None:
        # The conversation scrolls smoothly to its end; take the picture once it got there.
        self.page.wait_for_function(
            """() => {
                const root = document.getElementById("physio-intake-widget").shadowRoot;
                const scroller = root.querySelector(".pw-scroller");
                return scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
            }""",
            timeout=5_000,
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"))

    def axe_violations(self) -> list[dict]:
        """axe-core (WCAG 2.0/2.1 A and AA rules) on the whole page, shadow DOM included."""
        self.page.add_script_tag(url=AXE_URL_PATH)
        return self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                    "best-practice"]},
                });
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.map((n) => n.target.join(" ")),
                }));
            }"""
        )


def new_widget_page(browser: Browser, demo_site: DemoSite, problems: PageProblems, **context):
    context.setdefault("viewport", DESKTOP)
    browser_context = browser.new_context(**context)
    page = browser_context.new_page()
    page.on("console", problems.on_console)
    page.on("pageerror", problems.on_page_error)
    page.route(
        f"**{AXE_URL_PATH}",
        lambda route: route.fulfill(path=AXE_SCRIPT, content_type="text/javascript"),
    )
    return browser_context, page


@pytest.fixture
def problems() -> Iterator[PageProblems]:
    found = PageProblems()
    yield found
    assert not found.csp_violations, found.csp_violations
    assert not found.script_errors, found.script_errors


@pytest.fixture
def page(browser: Browser, demo_site: DemoSite, problems: PageProblems) -> Iterator[Page]:
    browser_context, page = new_widget_page(browser, demo_site, problems)
    yield page
    browser_context.close()


@pytest.fixture
def widget(page: Page, demo_site: DemoSite) -> Widget:
    page.goto(demo_site.base_url + "/")
    return Widget(page)


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def bubbles_text(locator: Locator) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]
