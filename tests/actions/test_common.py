"""The actions' store access: a database outage never breaks the conversation or leaks PHI."""

from __future__ import annotations

import logging

import pytest
from rasa_sdk import Tracker

from actions import common

PATIENT_TEXT = "Zebediah Quux, 555 0199, my chest feels crushed"


def tracker() -> Tracker:
    events = [{"event": "user", "text": PATIENT_TEXT, "timestamp": 1.0, "parse_data": {}}]
    slots = {"contact_name": "Zebediah Quux", "urgency": "emergency"}
    return Tracker("conv-1", slots, {}, events, False, None, {}, "action_listen")


class BrokenStore:
    async def sync_conversation(self, snapshot: object) -> None:
        raise ConnectionError(f"cannot write {snapshot!r}")


async def test_sync_returns_none_when_the_database_is_down_and_logs_no_phi(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(common, "_store", BrokenStore())
    with caplog.at_level(logging.DEBUG):
        assert await common.sync(tracker(), status="escalated") is None
    assert "ConnectionError" in caplog.text
    assert (
        "Zebediah" not in caplog.text and "0199" not in caplog.text and "chest" not in caplog.text
    )


def test_snapshot_carries_the_engine_assessment_and_never_lowers_the_tier() -> None:
    snapshot = common.snapshot(tracker())
    assert snapshot.tier == "emergency" and snapshot.status == "escalated"
    assert any(flag["code"].startswith("EMERG_CARDIAC") for flag in snapshot.red_flags)
    calm = Tracker("conv-2", {"urgency": "urgent"}, {}, [], False, None, {}, "action_listen")
    assert common.snapshot(calm).tier == "urgent"  # the guard's recorded tier is kept
