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


def test_http_api_refuses_requests_without_the_token(service: Service, sender: str) -> None:
    response = httpx.get(f"{service.rasa_url}/conversations/{sender}/tracker", timeout=10)
    assert response.status_code == 401
    parse = httpx.post(f"{service.rasa_url}/model/parse", json={"text": "heel pain"}, timeout=10)
    assert parse.status_code == 401
