"""What every action needs: the rulebook, the intake store and a snapshot of the conversation."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from rasa_sdk import Tracker

from bot.intake.fields import INTAKE_FIELDS
from bot.intake.regions import load_lexicon
from bot.settings import get_settings
from bot.store import ConversationSnapshot, IntakeStore, SyncResult, TranscriptLine
from bot.triage import Assessment, load_rulebook, max_tier

logger = logging.getLogger(__name__)
# Read at import (action-server start), not in the first request: reading and parsing files
# there would block the event loop while other conversations wait.
settings = get_settings()  # the environment and `.env`
load_lexicon()  # the body-region lexicon (cached); the answer parsers use it on most turns
rulebook = load_rulebook()
_store: IntakeStore | None = None


def store() -> IntakeStore:
    global _store
    if _store is None:
        _store = IntakeStore(settings.database_url, settings=settings)
    return _store


def answers_from(tracker: Tracker) -> dict[str, Any]:
    """The intake answers given so far, plus the screening state the form logic needs."""
    answers = {name: tracker.get_slot(name) for name in INTAKE_FIELDS}
    answers["screening_answers"] = tracker.get_slot("screening_answers") or {}
    return {key: value for key, value in answers.items() if value is not None}


def engine_answers(tracker: Tracker) -> dict[str, Any]:
    """The answers in the shape the triage engine reads (screening answers flattened)."""
    answers = answers_from(tracker)
    answers.update(answers.pop("screening_answers"))
    return answers


def patient_texts(tracker: Tracker) -> list[str]:
    return [
        event["text"]
        for event in tracker.events
        if event.get("event") == "user" and event.get("text") and not event["text"].startswith("/")
    ]


def assess(tracker: Tracker) -> Assessment:
    return rulebook.assess(patient_texts(tracker), engine_answers(tracker))


def transcript_from(tracker: Tracker) -> list[TranscriptLine]:
    lines = []
    for event in tracker.events:
        kind, text = event.get("event"), event.get("text")
        if kind in ("user", "bot") and text:
            lines.append(TranscriptLine(role=kind, text=text, timestamp=event.get("timestamp")))
    return lines


def snapshot(
    tracker: Tracker, status: str | None = None, summary: str | None = None
) -> ConversationSnapshot:
    assessment = assess(tracker)
    tier = max_tier(assessment.tier, tracker.get_slot("urgency") or "routine")
    if tier != "routine":
        status = "escalated"
    return ConversationSnapshot(
        conversation_id=tracker.sender_id,
        answers=engine_answers(tracker),
        transcript=transcript_from(tracker),
        tier=tier,
        red_flags=[asdict(flag) for flag in assessment.flags],
        precautions=[asdict(p) for p in assessment.precautions],
        status=status or tracker.get_slot("intake_status") or "in_progress",
        summary=summary,
    )


async def sync(
    tracker: Tracker, status: str | None = None, summary: str | None = None
) -> SyncResult | None:
    """Writes the conversation to the intake store; returns None if the database is unreachable.

    Failing here must not break the conversation: the tracker still holds every answer and the
    next successful sync writes the complete snapshot (it is idempotent).
    """
    try:
        return await store().sync_conversation(snapshot(tracker, status, summary))
    except Exception as error:
        # Only the error type: the snapshot holds PHI and must never reach a log.
        logger.error(
            "intake store unavailable (%s); will retry on the next turn", type(error).__name__
        )
        return None
