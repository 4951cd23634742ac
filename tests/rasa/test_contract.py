"""Contract test for the two-environment design: rasa 3.6.21 (engine venv) drives a form whose
validation and ask actions run in rasa-sdk 3.21 (app venv), end to end over the REST channel."""

from __future__ import annotations

import httpx
import pytest

from tests.rasa.conftest import TOKEN, Service, texts

pytestmark = pytest.mark.rasa


def test_form_with_validation_action_runs_across_the_two_environments(
    service: Service, sender: str
) -> None:
    assert "is that ok" in texts(service.chat(sender, "hi")).lower()  # the consent question
    assert "how old" in texts(service.chat(sender, "/affirm")).lower()
    # The validation action (rasa-sdk) rejects a non-number and Rasa re-asks.
    rejected = texts(service.chat(sender, "banana"))
    assert "number" in rejected.lower()
    # A valid answer moves on to the rulebook's emergency question, asked by a custom ask action.
    replies = service.chat(sender, "54")
    assert any(reply.get("buttons") for reply in replies)
    tracker = httpx.get(
        f"{service.rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=10
    ).json()
    assert tracker["slots"]["age"] == 54
    assert tracker["slots"]["requested_slot"] == "screen_initial"


# Every route of Rasa 3.6's HTTP API that takes the token (rasa/server.py, `requires_auth`).
PROTECTED_ROUTES = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/{sender}/tracker"),
    ("POST", "/conversations/{sender}/tracker/events"),
    ("PUT", "/conversations/{sender}/tracker/events"),
    ("GET", "/conversations/{sender}/story"),
    ("POST", "/conversations/{sender}/execute"),
    ("POST", "/conversations/{sender}/trigger_intent"),
    ("POST", "/conversations/{sender}/predict"),
    ("POST", "/conversations/{sender}/messages"),
    ("POST", "/model/train"),
    ("POST", "/model/test/stories"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/predict"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
def test_http_api_refuses_requests_without_the_token(
    service: Service, sender: str, method: str, path: str
) -> None:
    url = f"{service.rasa_url}{path.format(sender=sender)}"
    body = {"text": "heel pain", "event": "slot", "name": "urgency", "value": "routine"}
    for params, headers in (
        ({}, {}),  # no token
        ({"token": ""}, {}),
        ({"token": TOKEN.upper()}, {}),
        ({"token": f"{TOKEN} "}, {}),
        ({}, {"Authorization": f"Bearer {TOKEN}"}),  # Rasa reads the token from ?token= only
    ):
        response = httpx.request(method, url, params=params, headers=headers, json=body, timeout=10)
        assert response.status_code == 401, (method, path, params, headers)
    # Nothing reached the conversation.
    tracker = httpx.get(
        f"{service.rasa_url}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=10
    ).json()
    assert not [event for event in tracker["events"] if event["event"] == "slot"]
