"""Conversations through the real Rasa server and action server (REST channel)."""

from __future__ import annotations

import httpx
import pytest

from tests.rasa.conftest import Service, texts
from tests.rasa.patients import PRESENTATIONS

pytestmark = pytest.mark.rasa

EMERGENCY_WORDS = ("call 911", "emergency department")
SELF_CARE_MARKERS = ("wear loose clothing", "intake is complete")

ROUTINE_PLANTAR_FASCIITIS = [
    ("hi", "is that ok"),
    ("/affirm", "how old"),
    ("44", "right now"),
    ("/deny", "own words"),
    ("my heel hurts first thing in the morning, like stepping on glass", "which side"),
    ("left", "how did it start"),
    ("gradually, after I started running more", "how long"),
    ("about 3 months", "0 to 10"),
    ("about a 6 or 7", "all the time"),
    ("worse in the morning", "worse"),
    ("standing for a long time and the first steps", "better"),
    ("rolling my foot on a ball", "tried"),
    ("ibuprofen and new shoes, didn't help much", "blood thinners"),
    ("none of those", None),
]


def run_script(service: Service, sender: str, script: list[tuple[str, str | None]]) -> list[str]:
    transcript = []
    for message, expected in script:
        reply = texts(service.chat(sender, message))
        transcript.append(reply)
        if expected is not None:
            assert expected in reply.lower(), (
                f"after {message!r} expected {expected!r}, got {reply!r}"
            )
    return transcript


def answer_for(question: str) -> str | None:
    """What a routine patient answers to the intake's later questions; None at the summary."""
    question = question.lower()
    if "is that right?" in question:
        return None
    for keyword, answer in (
        ("achieve", "run a half marathon again"),
        ("what name", "Alex Runner"),
        ("phone number", "555 010 0199"),
    ):
        if keyword in question:
            return answer
    return "/deny"  # a region screening question


def test_emergency_in_the_opening_message_gets_instructions_at_once(
    service: Service, sender: str
) -> None:
    reply = texts(
        service.chat(sender, "I suddenly can't feel anything between my legs and I wet myself")
    )
    assert all(word in reply.lower() for word in EMERGENCY_WORDS)
    intake = service.intake(sender)
    assert intake is not None and intake.urgency == "emergency" and intake.status == "escalated"
    # The chat stays paused: same instructions and the clinic phone, never self-care content.
    for message in ("ok", "what should I wear for my appointment?", "/affirm"):
        again = texts(service.chat(sender, message)).lower()
        assert "call 911" in again and "555 0100" in again
        assert not any(marker in again for marker in SELF_CARE_MARKERS)


def test_negated_red_flags_do_not_escalate(service: Service, sender: str) -> None:
    reply = texts(
        service.chat(sender, "no chest pain and no numbness, just a sore heel in the mornings")
    )
    assert "call 911" not in reply.lower()
    assert "is that ok" in reply.lower()


def test_emergency_disclosed_while_the_form_asks_something_else(
    service: Service, sender: str
) -> None:
    run_script(service, sender, ROUTINE_PLANTAR_FASCIITIS[:7])
    reply = texts(
        service.chat(
            sender, "a 7. also I have crushing chest pain going down my left arm and I'm sweating"
        )
    )
    assert all(word in reply.lower() for word in EMERGENCY_WORDS)
    intake = service.intake(sender)
    assert intake.urgency == "emergency"
    assert (
        "how long" not in texts(service.chat(sender, "3 months")).lower()
    )  # the form stays stopped


def test_suicide_with_intent_gets_emergency_and_crisis_line(service: Service, sender: str) -> None:
    reply = texts(service.chat(sender, "i want to kill myself, I have pills saved up")).lower()
    assert "call 911" in reply and "988" in reply


def test_urgent_case_collects_a_call_back_number(service: Service, sender: str) -> None:
    run_script(
        service,
        sender,
        [("hi", "is that ok"), ("/affirm", "how old"), ("67", "right now"), ("/deny", "own words")],
    )
    reply = texts(
        service.chat(sender, "new low back pain, I had prostate cancer three years ago")
    ).lower()
    assert "will call you today" in reply and "name" in reply
    assert "phone" in texts(service.chat(sender, "Sam")).lower()
    confirmed = texts(service.chat(sender, "0412 345 678")).lower()
    assert "call you on" in confirmed
    intake = service.intake(sender)
    assert intake.urgency == "urgent" and intake.status == "escalated"
    later = texts(service.chat(sender, "what should I wear?")).lower()
    assert "will call you today" in later and not any(m in later for m in SELF_CARE_MARKERS)


def test_routine_intake_completes_with_a_correct_summary(service: Service, sender: str) -> None:
    transcript = run_script(service, sender, ROUTINE_PLANTAR_FASCIITIS)
    turns = len(ROUTINE_PLANTAR_FASCIITIS)
    while (answer := answer_for(transcript[-1])) is not None:
        transcript.append(texts(service.chat(sender, answer)))
        turns += 1
        assert turns <= 20, transcript[-1]
    summary = transcript[-1].lower()
    assert "ankle" in summary or "foot" in summary
    assert "left" in summary and "7" in summary and "3 months" in summary
    done = texts(service.chat(sender, "/affirm")).lower()
    assert "wear loose clothing" in done
    intake = service.intake(sender)
    assert intake.status == "completed" and intake.urgency == "routine"
    assert turns + 1 <= 20


def test_empty_huge_and_html_messages_get_an_answer(service: Service, sender: str) -> None:
    """HTML is an ordinary message; the webhook refuses empty and oversized ones with a JSON
    error (engine/channels.py, tests/rasa/test_channel.py) and the conversation goes on."""
    service.chat(sender, "hi")
    assert isinstance(service.chat(sender, "<script>alert(1)</script>"), list)
    for message, status in (("", 400), (" ", 400), ("\x00\x01\x02", 400), ("x" * 20000, 413)):
        response = httpx.post(
            f"{service.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        assert response.status_code == status
        assert response.json()["message"]
    assert service.chat(sender, "/affirm")


def test_start_over_after_an_emergency_keeps_the_chat_paused(service: Service, sender: str) -> None:
    service.chat(sender, "my chest feels crushed and the pain goes down my left arm")
    for message in ("start over", "/start_over", "hi", "my heel hurts"):
        reply = texts(service.chat(sender, message)).lower()
        assert "call 911" in reply, message  # the tier never goes down
        assert not any(marker in reply for marker in SELF_CARE_MARKERS)


def test_emergency_with_the_action_server_down_is_recorded_when_it_is_back(
    service: Service, sender: str
) -> None:
    service.stop_actions()
    try:
        reply = texts(service.chat(sender, "I can't feel my saddle area and I can't pee")).lower()
        assert "call 911" in reply  # sent by the Rasa engine alone
        assert service.intake(sender) is None
    finally:
        service.start_actions()
    reply = texts(service.chat(sender, "ok")).lower()
    assert "call 911" in reply
    intake = service.intake(sender)
    assert intake is not None and intake.urgency == "emergency"
    texts(service.chat(sender, "thanks"))
    assert service.intake(sender).id == intake.id  # recorded once, no duplicate


def test_the_summary_can_be_corrected(service: Service, sender: str) -> None:
    patient = PRESENTATIONS[0]
    reply = texts(service.chat(sender, patient.opening))
    while (answer := patient.answer(reply)) is not None:
        reply = texts(service.chat(sender, answer))
    corrected = texts(service.chat(sender, "actually it's my right heel")).lower()
    assert "(right side)" in corrected and "is that right?" in corrected
    assert "what would you like to change" in texts(service.chat(sender, "/deny")).lower()
    service.chat(sender, '/correct_answer{"field_to_change": "pain_score"}')
    assert "pain score: 8 out of 10" in texts(service.chat(sender, "8")).lower()


def test_talk_to_a_person_stores_the_partial_intake_for_a_call_back(
    service: Service, sender: str
) -> None:
    for message in ("hi", "/affirm", "40", "can I talk to a real person", "Jo"):
        service.chat(sender, message)
    assert "call you back" in texts(service.chat(sender, "555 010 0123")).lower()
    intake = service.intake(sender)
    assert intake.status == "needs_callback" and intake.urgency == "routine"
