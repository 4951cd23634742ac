"""The widget and the patients' REST channel (engine/channels.py): message ids, a resend after
a lost reply, and refusals (413, 429, 400) explained in plain words with the text kept."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Request, Route, expect

from tests.rasa.conftest import TOKEN, Service
from tests.widget.conftest import Widget, bubbles_text, outside_the_browser_loop
from tests.widget.test_widget import sender_id

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

WEBHOOK = "**/webhooks/rest/webhook*"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def user_texts(service: Service, sender: str) -> list[str]:
    def load() -> list[str]:
        tracker = httpx.get(
            f"{service.rasa_url}/conversations/{sender}/tracker",
            params={"token": TOKEN},
            timeout=10,
        ).json()
        return [event["text"] for event in tracker["events"] if event["event"] == "user"]

    return outside_the_browser_loop(load)


def test_each_message_carries_an_id_and_the_sender_in_the_url(widget: Widget) -> None:
    posts: list[Request] = []
    widget.page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    widget.start()
    widget.choose("Yes, that's fine")

    sender = sender_id(widget.page)
    ids = [json.loads(r.post_data or "{}")["metadata"]["message_id"] for r in posts]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(UUID.fullmatch(message_id) for message_id in ids)
    assert all(r.url.endswith(f"/webhooks/rest/webhook?sender={sender}") for r in posts)


def test_a_lost_reply_is_resent_with_the_same_id_and_answered_once(
    widget: Widget, service: Service
) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    sent: list[dict] = []
    widget.page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data or "{}")) if r.method == "POST" else None,
    )

    def deliver_then_drop(route: Route) -> None:
        route.fetch()  # Rasa gets the message and answers...
        route.abort("connectionreset")  # ...but the answer never reaches the browser

    widget.page.route(WEBHOOK, deliver_then_drop)
    widget.say("44")
    expect(widget.error).to_contain_text("can't reach the assistant")
    expect(widget.input).to_have_value("44")
    widget.page.unroute(WEBHOOK)

    widget.send_button.click()  # the patient tries again
    widget.wait_for_reply()

    assert [body["message"] for body in sent] == ["44", "44"]
    assert sent[0]["metadata"]["message_id"] == sent[1]["metadata"]["message_id"]
    expect(widget.error).to_be_empty()
    assert "right now" in widget.last_bot_text().lower()
    assert bubbles_text(widget.patient_bubbles)[-1] == "44"
    # Rasa took the answer once, although it arrived twice.
    assert user_texts(service, sender_id(widget.page)).count("44") == 1


def test_a_message_over_the_limit_is_refused_in_plain_words(widget: Widget) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    patient_lines = bubbles_text(widget.patient_bubbles)
    # The text box stops at 2,000 characters; a pasted page from another client would not.
    widget.input.evaluate("input => input.removeAttribute('maxlength')")
    too_long = "my knee hurts " * 400

    widget.say(too_long)

    expect(widget.error).to_contain_text("too long for the assistant (at most 4,000 characters)")
    expect(widget.input).to_have_value(too_long)  # kept, to shorten
    assert bubbles_text(widget.patient_bubbles) == patient_lines


@pytest.mark.parametrize(
    ("status", "refusal", "words"),
    [
        (
            429,
            {"error": "rate_limited", "message": "Too many messages", "retry_after": 7},
            "Please wait 7 seconds, then press Send again. If you can't wait, please call",
        ),
        (
            400,
            {"error": "invalid_message", "message": "message must be a string of text."},
            "The assistant couldn't read that message.",
        ),
    ],
)
def test_refusals_are_explained_and_the_text_is_kept(
    widget: Widget, status: int, refusal: dict, words: str
) -> None:
    widget.start()
    widget.choose("Yes, that's fine")
    origin = widget.page.evaluate("location.origin")
    widget.page.route(
        WEBHOOK,
        lambda route: route.fulfill(
            status=status,
            json=refusal,
            headers={"Access-Control-Allow-Origin": origin, "Retry-After": "7"},
        ),
    )

    widget.say("44")

    expect(widget.error).to_contain_text(words)
    expect(widget.input).to_have_value("44")
    expect(widget.input).to_be_editable()
