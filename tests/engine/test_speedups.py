"""engine.speedups and engine.serve change how fast Rasa works, not what it does.

The checks run in the engine venv (rasa 3.6.21) through tests/engine/engine_probe.py, which
records Rasa's behaviour before and after the patches in one process.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.probes import run_probe


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_probe("engine_probe.py", tmp_path_factory.mktemp("engine") / "probe.json")


def test_invalid_action_responses_are_rejected_with_the_same_error(probe: dict) -> None:
    before, after = probe["before"]["validation"], probe["after"]["validation"]
    assert after == before
    rejected = {name for name, outcome in before.items() if "valid" not in outcome}
    assert rejected == {
        "events not a list",
        "event without a name",
        "unknown event name",
        "slot event, name not a string",
        "response not an object",
        "two errors",
    }
    error = after["events not a list"]
    assert error["type"] == "jsonschema.exceptions.ValidationError"
    assert error["path"] == ["events"]
    assert "Failed to validate Action server response from API" in error["message"]


def test_valid_action_responses_still_pass(probe: dict) -> None:
    after = probe["after"]["validation"]
    for name in ("empty", "no events, no responses", "typical"):
        assert after[name] == {"valid": True}


def test_responses_are_validated_without_rebuilding_the_validator(probe: dict) -> None:
    assert probe["counts_before"]["validate"] == 9  # Rasa's path: jsonschema.validate per call
    assert probe["counts_after"]["validate"] == 0


def test_events_resolve_to_the_same_classes(probe: dict) -> None:
    before, after = probe["before"]["resolution"], probe["after"]["resolution"]
    assert after == before
    assert before["slot"] == ["SlotSet", "SlotSet"]
    assert before["(topic)"] is None
    assert before["(unknown, default)"] == "UserUttered"
    assert before["(unknown)"] == "Unknown event name 'no_such'."
    assert [event["event"] for event in after["(stored events)"]] == [
        "action",
        "session_started",
        "user",
        "slot",
        "active_loop",
        "bot",
        "followup",
    ]


def test_known_event_names_are_resolved_without_walking_the_subclasses(probe: dict) -> None:
    assert probe["counts_before"]["walks"] > 20
    # Only the three lookups of unknown names (topic, a default, an error) take Rasa's path.
    assert probe["counts_after"]["walks"] == 3


def test_apply_is_idempotent(probe: dict) -> None:
    assert probe["apply_twice_same_patch"] is True


def test_serve_imports_skops_before_rasa_and_hands_over_to_rasas_cli(probe: dict) -> None:
    assert probe["imported_by_serve"] == {"skops.io": True, "rasa": False, "tensorflow": False}
    assert probe["serve_exit"] == 0
    assert probe["serve_argv0"] == "rasa"
    assert "Rasa Version      :         3.6.21" in probe["stdout"]
