"""The keyword-driven conversations: they must fail loudly on anything but their goal."""

from __future__ import annotations

from bench.conversations import (
    BASELINE_SAD,
    EMERGENCY_ESCALATION,
    MAX_SAME_QUESTION,
    ROUTINE_INTAKE,
    Conversation,
)

YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def bot(*texts: str, buttons: bool = False) -> list[dict]:
    replies = [{"recipient_id": "x", "text": text} for text in texts]
    if buttons:
        replies[-1]["buttons"] = YES_NO
    return replies


def test_routine_answers_by_the_last_question_and_succeeds_at_the_goal() -> None:
    conversation = Conversation(ROUTINE_INTAKE)
    assert conversation.first_message() == "hi"
    assert conversation.next_message(bot("Hi, I'm the assistant.", "Is that OK?")) == "/affirm"
    assert conversation.next_message(bot("Thanks.", "Which side is it on?")) == "left"
    # The summary repeats earlier answers ("worse", "tried"): it is recognised first.
    summary = "Here's what I have:\nWorse: standing\nTried: ibuprofen\nIs that right?"
    assert conversation.next_message(bot(summary, buttons=True)) == "/affirm"
    assert conversation.next_message(bot("Thank you, your intake is complete.")) is None
    assert conversation.outcome == "ok" and conversation.failure is None
    assert conversation.turns == 4


def test_an_unknown_yes_no_question_gets_the_default_and_an_unknown_open_one_fails() -> None:
    conversation = Conversation(ROUTINE_INTAKE)
    conversation.first_message()
    assert conversation.next_message(bot("Any night sweats?", buttons=True)) == "/deny"
    assert conversation.next_message(bot("What is your favourite colour?")) is None
    assert conversation.outcome == "failed"
    assert conversation.failure == "no rule answers the bot's question"


def test_an_empty_reply_fails_the_conversation() -> None:
    conversation = Conversation(ROUTINE_INTAKE)
    conversation.first_message()
    assert conversation.next_message([]) is None
    assert (conversation.outcome, conversation.failure) == ("failed", "empty reply")


def test_an_escalation_in_a_routine_intake_is_a_failure() -> None:
    conversation = Conversation(ROUTINE_INTAKE)
    conversation.first_message()
    assert conversation.next_message(bot("Please go to the nearest emergency department.")) is None
    assert conversation.outcome == "failed" and "emergency department" in conversation.failure


def test_the_same_question_again_and_again_is_a_stuck_conversation() -> None:
    conversation = Conversation(ROUTINE_INTAKE)
    conversation.first_message()
    for _ in range(MAX_SAME_QUESTION - 1):
        assert conversation.next_message(bot("How old are you?")) == "44"
    assert conversation.next_message(bot("How old are you?")) is None
    assert conversation.failure == "stuck on one question"


def test_emergency_needs_the_instructions_again_after_the_follow_up() -> None:
    conversation = Conversation(EMERGENCY_ESCALATION)
    conversation.first_message()
    assert "wet myself" in conversation.next_message(bot("In your own words, what's the problem?"))
    instructions = "Please call 911 now or go to the nearest emergency department."
    assert conversation.next_message(bot(instructions)) == "ok"
    assert conversation.next_message(bot("How long have you had it?")) is None
    assert conversation.failure == "goal state not kept"


def test_emergency_succeeds_when_the_chat_stays_paused() -> None:
    conversation = Conversation(EMERGENCY_ESCALATION)
    conversation.first_message()
    paused = "This chat is paused. Please call 911 or go to the nearest emergency department."
    assert conversation.next_message(bot(paused)) == "ok"
    assert conversation.next_message(bot(paused)) is None
    assert conversation.outcome == "ok"


def test_baseline_sad_path() -> None:
    conversation = Conversation(BASELINE_SAD)
    assert conversation.first_message() == "hello"
    assert conversation.next_message(bot("Hey! How are you?")) == "I am sad"
    cheer = bot("Here is something to cheer you up:", "Did that help you?")
    assert conversation.next_message(cheer) == "yes"
    assert conversation.next_message(bot("Great, carry on!")) is None
    assert conversation.outcome == "ok"
