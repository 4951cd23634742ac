"""The patient chat widget end to end: demo page → widget → real Rasa → action server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.rasa.conftest import Service
from tests.widget.conftest import (
    DESKTOP,
    PHONE,
    DemoSite,
    PageProblems,
    Widget,
    bubbles_text,
    new_widget_page,
    outside_the_browser_loop,
    serious,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

CLINIC_TEL = "tel:+15550100"
EMERGENCY_TEL = "tel:911"
CANT_REACH = "Sorry, we can't reach the assistant right now."
MAX_TURNS = 25

CONFIRM_SUMMARY = "Yes, that's right"
# What a routine patient (plantar heel pain) answers, keyed by words of the question; where the
# assistant offers buttons with one of these titles, the patient presses the button instead.
ROUTINE_ANSWERS = [
    ("how old", "44"),
    ("right now", "No"),
    ("own words", "my heel hurts first thing in the morning, like stepping on glass"),
    ("which side", "Left"),
    ("how did it start", "Gradually"),
    ("how long", "about 3 months"),
    ("0 to 10", "about a 6 or 7"),
    ("all the time", "Stiff in the morning"),
    ("makes it worse", "standing for a long time and the first steps"),
    ("makes it better", "rolling my foot on a ball"),
    ("tried so far", "ibuprofen and new shoes, didn't help much"),
    ("blood thinners", "none of those"),
    ("achieve", "run a half marathon again"),
    ("what name", "Alex Runner"),
    ("phone number", "555 010 0199"),
]


def answer(widget: Widget) -> None:
    """Answer the assistant's latest question the way the routine patient would."""
    question = widget.last_bot_text().lower()
    titles = widget.reply_titles()
    if CONFIRM_SUMMARY in titles:  # the read-back (it quotes the answers, so match no words)
        widget.screenshot("desktop-summary")
        widget.choose(CONFIRM_SUMMARY)
        return
    text = next((reply for key, reply in ROUTINE_ANSWERS if key in question), None)
    if text is None and "No" in titles:
        text = "No"  # a screening question about the region: nothing alarming
    assert text is not None, f"unexpected question: {question!r}"
    if text in titles:
        widget.choose(text)
    else:
        widget.say(text)
    expect(widget.error).to_be_empty()


def sender_id(page: Page) -> str:
    return page.evaluate(
        """() => {
            const key = Object.keys(sessionStorage).find((k) => k.startsWith("physio-intake"));
            return JSON.parse(sessionStorage.getItem(key)).sender;
        }"""
    )


def test_routine_intake_from_notice_to_next_steps(widget: Widget, service: Service) -> None:
    widget.screenshot("desktop-closed")
    widget.open()
    # The privacy notice comes before anything is sent, with the emergency number.
    expect(widget.panel.get_by_text("Nothing is sent until you press Start")).to_be_visible()
    expect(widget.panel.locator(f'a[href="{EMERGENCY_TEL}"]')).to_be_visible()
    expect(widget.input).to_be_hidden()
    widget.screenshot("desktop-notice")

    widget.start()
    # Consent is asked first, with real buttons; the button's title becomes the patient's line.
    assert widget.reply_titles() == ["Yes, that's fine", "No, thanks"]
    widget.choose("Yes, that's fine")
    assert bubbles_text(widget.patient_bubbles) == ["Yes, that's fine"]
    assert "how old" in widget.last_bot_text().lower()

    for _ in range(MAX_TURNS):
        if "intake is complete" in widget.last_bot_text().lower():
            break
        answer(widget)
    else:
        pytest.fail(f"no end after {MAX_TURNS} answers; last: {widget.last_bot_text()!r}")
    widget.screenshot("desktop-complete")

    intake = outside_the_browser_loop(service.intake, sender_id(widget.page))
    assert intake is not None and intake.status == "completed" and intake.urgency == "routine"
    # Messages are grouped by speaker and every group carries a time.
    groups = widget.page.locator(".pw-group")
    assert groups.count() >= 2 * 10
    assert widget.page.locator(".pw-group time[datetime]").count() == groups.count()


def test_emergency_pins_instructions_and_pauses_the_chat(widget: Widget, service: Service) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    widget.say("I have crushing chest pain going down my left arm and I'm sweating")

    banner = widget.emergency
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("call 911")
    expect(banner.get_by_role("link", name="Call 911")).to_have_attribute("href", EMERGENCY_TEL)
    expect(banner.get_by_role("link", name="Call the clinic")).to_have_attribute("href", CLINIC_TEL)
    # Paused: nothing to type or press, and no one-click "start over" past the instructions.
    expect(widget.input).to_be_disabled()
    expect(widget.send_button).to_be_disabled()
    expect(widget.replies).to_have_count(0)
    expect(widget.panel.get_by_role("button", name="Start over")).to_be_hidden()
    expect(banner).to_be_focused()
    widget.screenshot("desktop-emergency")

    intake = outside_the_browser_loop(service.intake, sender_id(widget.page))
    assert intake is not None and intake.urgency == "emergency"

    # Still there after a reload (the transcript and state live in sessionStorage).
    widget.page.reload()
    expect(widget.panel).to_be_visible()
    expect(banner).to_contain_text("call 911")
    expect(widget.input).to_be_disabled()
    widget.page.set_viewport_size(PHONE)
    widget.screenshot("phone-emergency")


def test_urgent_escalation_shows_the_call_back_banner(widget: Widget) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    widget.say("67")
    widget.choose("No")
    widget.say("new low back pain, I had prostate cancer three years ago")
    expect(widget.urgent).to_contain_text("A clinician will call you today.")
    expect(widget.urgent.locator(f'a[href="{EMERGENCY_TEL}"]')).to_be_visible()
    expect(widget.input).to_be_enabled()  # the call-back number is still to be collected
    expect(widget.emergency).to_be_empty()


def test_reload_mid_intake_resumes_the_same_conversation(widget: Widget) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    widget.say("44")
    before_bot = bubbles_text(widget.bot_bubbles)
    before_patient = bubbles_text(widget.patient_bubbles)
    titles = widget.reply_titles()
    sender = sender_id(widget.page)
    assert "right now" in before_bot[-1].lower() and titles == ["Yes", "No"]

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open, it stays open
    assert bubbles_text(widget.bot_bubbles) == before_bot
    assert bubbles_text(widget.patient_bubbles) == before_patient
    assert widget.reply_titles() == titles
    assert sender_id(widget.page) == sender

    # Rasa carries on from the same place: the next question, not the consent again.
    widget.choose("No")
    assert "own words" in widget.last_bot_text().lower()


def test_unreachable_assistant_shows_the_phone_and_keeps_the_answer(
    widget: Widget, service: Service
) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    patient_lines = bubbles_text(widget.patient_bubbles)
    service.stop_rasa()
    try:
        widget.say("44")
        expect(widget.error).to_contain_text(CANT_REACH)
        expect(widget.error.get_by_role("link", name="+1 555 0100")).to_have_attribute(
            "href", CLINIC_TEL
        )
        # Whoever can't reach the assistant may be the patient with the emergency.
        expect(widget.error.get_by_role("link", name="911")).to_have_attribute(
            "href", EMERGENCY_TEL
        )
        expect(widget.error).to_have_attribute("role", "alert")
        expect(widget.input).to_have_value("44")  # nothing the patient typed is lost
        assert bubbles_text(widget.patient_bubbles) == patient_lines  # not shown as sent
        widget.screenshot("desktop-error")
        widget.page.set_viewport_size(PHONE)
        widget.screenshot("phone-error")
    finally:
        service.start_rasa()

    # Back up: pressing Send again delivers the same answer and the intake continues.
    widget.send_button.click()
    widget.wait_for_reply()
    expect(widget.error).to_be_empty()
    expect(widget.input).to_have_value("")
    assert bubbles_text(widget.patient_bubbles)[-1] == "44"
    assert "right now" in widget.last_bot_text().lower()


def test_start_over_begins_a_new_conversation(widget: Widget) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    first_sender = sender_id(widget.page)
    widget.panel.get_by_role("button", name="Start over").click()
    widget.panel.get_by_role("button", name="Cancel").click()
    expect(widget.bot_bubbles).not_to_have_count(0)

    widget.panel.get_by_role("button", name="Start over").click()
    widget.panel.get_by_role("button", name="Yes, start over").click()
    expect(widget.bot_bubbles).to_have_count(0)
    expect(widget.panel.get_by_role("button", name="Start", exact=True)).to_be_focused()
    assert sender_id(widget.page) != first_sender
    widget.panel.get_by_role("button", name="Start", exact=True).click()
    widget.wait_for_reply()
    expect(widget.bot_bubbles.last).to_contain_text("Is that OK?")


def test_only_the_configured_origin_may_talk_to_rasa(widget: Widget, demo_site: DemoSite) -> None:
    """Rasa's CORS allows the web app's origin only: the same page from another origin fails."""
    other_origin = demo_site.base_url.replace("127.0.0.1", "localhost")
    widget.page.goto(other_origin + "/")
    widget.open()
    widget.panel.get_by_role("button", name="Start", exact=True).click()
    widget.wait_for_reply()
    expect(widget.error).to_contain_text(CANT_REACH)


def test_patient_and_bot_text_are_rendered_as_text(widget: Widget) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    markup = '<img src="x" id="injected"><b>bold</b> & <script>window.owned = 1</script>'
    widget.say(markup)
    assert bubbles_text(widget.patient_bubbles)[-1] == markup
    assert widget.page.locator("#injected, .pw-log b, .pw-log img, .pw-log script").count() == 0
    assert widget.page.evaluate("() => window.owned") is None


def test_keyboard_only_with_visible_focus(widget: Widget) -> None:
    page = widget.page
    keyboard_focus_outline = """() => {
        let element = document.activeElement;
        while (element && element.shadowRoot && element.shadowRoot.activeElement) {
            element = element.shadowRoot.activeElement;
        }
        const style = getComputedStyle(element);
        return {text: element.textContent.trim(), outline: style.outlineStyle,
                width: parseFloat(style.outlineWidth)};
    }"""
    widget.launcher.focus()
    page.keyboard.press("Enter")
    focused = page.evaluate(keyboard_focus_outline)
    assert focused["text"] == "Start"
    assert focused["outline"] == "solid" and focused["width"] >= 2

    page.keyboard.press("Enter")
    widget.wait_for_reply()
    # The consent buttons are reachable by keyboard from the text box (Shift+Tab).
    expect(widget.input).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(keyboard_focus_outline)["text"] == "Yes, that's fine"
    page.keyboard.press("Enter")
    widget.wait_for_reply()
    expect(widget.input).to_be_focused()  # the pressed button is gone; focus is not lost
    assert "how old" in widget.last_bot_text().lower()

    page.keyboard.type("44")
    page.keyboard.press("Enter")
    widget.wait_for_reply()
    assert bubbles_text(widget.patient_bubbles)[-1] == "44"

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_new_bot_messages_are_announced_in_a_live_region(widget: Widget) -> None:
    widget.start()
    live = widget.page.locator('.pw-root [aria-live="polite"]')
    expect(live).to_contain_text("Is that OK?")
    widget.choose("Yes, that's fine")
    expect(live).to_contain_text("How old are you?")


def test_fits_a_320_pixel_screen(browser: Browser, demo_site: DemoSite, problems: PageProblems):
    context, page = new_widget_page(browser, demo_site, problems, viewport=PHONE)
    try:
        page.goto(demo_site.base_url + "/")
        widget = Widget(page)
        widget.screenshot("phone-closed")
        widget.start()
        widget.choose("Yes, that's fine")
        widget.say("44")
        box = widget.panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        for button in widget.replies.all():
            button_box = button.bounding_box()
            assert button_box["x"] + button_box["width"] <= PHONE["width"]
            assert button_box["height"] >= 44  # touch target
        widget.screenshot("phone-conversation")
    finally:
        context.close()


def test_reduced_motion_stops_the_typing_animation(
    browser: Browser, demo_site: DemoSite, problems: PageProblems
) -> None:
    context, page = new_widget_page(browser, demo_site, problems, reduced_motion="reduce")
    try:
        page.goto(demo_site.base_url + "/")
        widget = Widget(page)
        widget.open()
        # Hold the reply back so the typing indicator can be inspected.
        page.route("**/webhooks/rest/webhook*", lambda route: None)
        widget.panel.get_by_role("button", name="Start", exact=True).click()
        dot = page.locator(".pw-dots span").first
        expect(dot).to_be_attached()
        assert dot.evaluate("(node) => getComputedStyle(node).animationName") == "none"
    finally:
        context.close()


@pytest.fixture
def axe_widget(browser: Browser, demo_site: DemoSite, problems: PageProblems) -> Iterator:
    contexts = []

    def make(viewport: dict[str, int]) -> Widget:
        context, page = new_widget_page(browser, demo_site, problems, viewport=viewport)
        contexts.append(context)
        page.goto(demo_site.base_url + "/")
        return Widget(page)

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_violations(axe_widget, viewport: dict[str, int]) -> None:
    widget: Widget = axe_widget(viewport)
    found = {"closed": widget.axe_violations()}
    widget.open()
    found["notice"] = widget.axe_violations()
    widget.start()
    widget.choose("Yes, that's fine")
    found["conversation with buttons"] = widget.axe_violations()
    widget.page.route("**/webhooks/rest/webhook*", lambda route: route.abort("connectionrefused"))
    widget.say("44")
    expect(widget.error).to_contain_text(CANT_REACH)
    found["error"] = widget.axe_violations()
    widget.page.unroute("**/webhooks/rest/webhook*")
    widget.say("My chest feels crushed and I can't breathe")
    expect(widget.emergency).to_be_visible()
    found["emergency"] = widget.axe_violations()
    report = {state: serious(violations) for state, violations in found.items()}
    assert not any(report.values()), report
