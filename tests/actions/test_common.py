"""The actions' store access: a database outage never breaks the conversation or leaks PHI."""

from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa_sdk import Tracker

from actions import common

ROOT = Path(__file__).resolve().parents[2]
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


# Handles the answers of one routine intake with an audit hook on file opens, in a fresh process
# (an audit hook cannot be removed), from a directory with its own `.env`. Modules imported on
# first use (the database driver when the store is created) are Python's own one-off reads.
NO_FILE_READ_PER_REQUEST = """
import sys
from actions import common
from bot.intake.flow import accept_answer, region_screening_text
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                   if event == "open" and not str(args[0]).endswith((".py", ".pyc", ".so"))
                   else None)
answers = {}
for slot, text in [("complaint", "my knee hurts"), ("body_regions", "left knee"), ("side", "left"),
                   ("duration", "3 weeks"), ("pain_score", "6"), ("age", "45")]:
    answers.update(accept_answer(slot, text, answers, 0, common.rulebook).updates)
region_screening_text(answers, common.rulebook)
common.store()
print(repr((opened, answers["body_regions"], common.store()._settings.clinic_name)))
"""


def test_no_file_is_read_while_handling_requests(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CLINIC_NAME=Probe Clinic\n")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'intake.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, "-c", NO_FILE_READ_PER_REQUEST],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    opened, regions, clinic_name = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert opened == []  # the lexicon and `.env` were read when actions.common was imported
    assert regions == ["knee"]
    assert clinic_name == "Probe Clinic"  # `.env` is still read
