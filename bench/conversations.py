"""The conversations the load generator holds: it answers whatever the bot asks next by keyword.

A conversation succeeds only when it reaches its goal (our summary confirmed, the emergency
instructions, the baseline's "carry on"); anything else - an empty reply, an unexpected
escalation, a question no rule answers, a loop - fails it, so lost turns cannot hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_TURNS = 30
MAX_SAME_QUESTION = 3  # the same question this many times in a row: the bot is stuck


@dataclass(frozen=True)
class Rule:
    keyword: str  # found in the bot's last message (lower case)
    answer: str


@dataclass(frozen=True)
class Script:
    """One kind of conversation: its opening, how to answer, and what counts as success."""

    kind: str
    opening: str
    rules: Sequence[Rule]
    goal: str  # success once a reply contains this (lower case) ...
    follow_ups: Sequence[str] = ()  # ... and each of these messages gets a reply with it again
    failures: Sequence[str] = ()  # a reply containing one of these fails the conversation
    yes_no_default: str | None = None  # answer to an unknown question that offers buttons


@dataclass
class Conversation:
    """The state of one conversation; `next_message` decides what the patient says next."""

    script: Script
    turns: int = 0
    reached_goal: bool = False
    follow_ups_sent: int = 0
    failure: str | None = None
    outcome: str = "running"  # then "ok" or "failed"
    _last_question: str = ""
    _same_question: int = 0

    def first_message(self) -> str:
        self.turns = 1
        return self.script.opening

    def next_message(self, replies: list[dict]) -> str | None:
        """The next message to send, or None when the conversation is over (see `outcome`)."""
        texts = [reply["text"] for reply in replies if reply.get("text")]
        if not replies:
            return self.fail("empty reply")
        whole = "\n".join(texts).lower()
        for marker in self.script.failures:
            if marker in whole:
                return self.fail(f"unexpected reply ({marker!r})")
        if self.reached_goal or self.script.goal in whole:
            if self.script.goal not in whole:
                return self.fail("goal state not kept")
            self.reached_goal = True
            if self.follow_ups_sent == len(self.script.follow_ups):
                self.outcome = "ok"
                return None
            self.follow_ups_sent += 1
            return self._send(self.script.follow_ups[self.follow_ups_sent - 1])
        question = texts[-1].lower() if texts else ""
        if question == self._last_question:
            self._same_question += 1
            if self._same_question >= MAX_SAME_QUESTION:
                return self.fail("stuck on one question")
        else:
            self._last_question, self._same_question = question, 1
        answer = self._answer(question, has_buttons=any(reply.get("buttons") for reply in replies))
        if answer is None:
            return self.fail("no rule answers the bot's question")
        return self._send(answer)

    def _answer(self, question: str, has_buttons: bool) -> str | None:
        for rule in self.script.rules:
            if rule.keyword in question:
                return rule.answer
        return self.script.yes_no_default if has_buttons else None

    def _send(self, message: str) -> str | None:
        if self.turns >= MAX_TURNS:
            return self.fail(f"no goal after {MAX_TURNS} turns")
        self.turns += 1
        return message

    def fail(self, reason: str) -> None:
        self.failure, self.outcome = reason, "failed"
        return None


# Our consent and first screening questions, shared by both of our scripts.
_OPENING_RULES = (
    Rule("is that ok", "/affirm"),
    Rule("for yourself, or as a parent", "myself"),
    Rule("right now", "/deny"),  # the initial emergency screening question
)

ROUTINE_INTAKE = Script(
    kind="routine",
    opening="hi",
    rules=(
        # The summary read-back (it repeats earlier answers, so it is recognised first): confirm.
        Rule("what you've told us", "/affirm"),
        Rule("here's what i have", "/affirm"),
        Rule("is that right?", "/affirm"),
        *_OPENING_RULES,
        Rule("how old", "44"),
        Rule("own words", "my heel hurts first thing in the morning, like stepping on glass"),
        Rule("where is the pain", "my left heel"),
        Rule("which side", "left"),
        Rule("how did it start", "gradually, after I started running more"),
        Rule("how long", "about 3 months"),
        Rule("0 to 10", "about a 6 or 7"),
        Rule("0 (no pain)", "7"),
        Rule("all the time", "worse in the morning"),
        Rule("makes it worse", "standing for a long time and the first steps"),
        Rule("makes it better", "rolling my foot on a ball"),
        Rule("tried so far", "ibuprofen and new shoes, didn't help much"),
        Rule("blood thinners", "none of those"),
        Rule("achieve", "run a half marathon again"),
        Rule("what name", "Alex Runner"),
        Rule("phone number", "555 010 0199"),
    ),
    goal="intake is complete",
    failures=("emergency department", "will call you today", "nothing will be stored"),
    yes_no_default="/deny",  # region screening questions: a routine patient has none of these
)

EMERGENCY_ESCALATION = Script(
    kind="emergency",
    opening="hi",
    rules=(
        *_OPENING_RULES,
        Rule("how old", "52"),
        Rule("own words", "I suddenly can't feel anything between my legs and I wet myself"),
    ),
    goal="emergency department",
    follow_ups=("ok",),  # the chat stays paused on the instructions
    failures=("intake is complete",),
)

BASELINE_HAPPY = Script(
    kind="happy",
    opening="hi",
    rules=(Rule("how are you", "great"),),
    goal="carry on",
)

BASELINE_SAD = Script(
    kind="sad",
    opening="hello",
    rules=(Rule("how are you", "I am sad"), Rule("did that help", "yes")),
    goal="carry on",
)


def our_mix(index: int) -> Script:
    """Three routine intakes to one emergency: the emergency path is short but must be in."""
    return EMERGENCY_ESCALATION if index % 4 == 3 else ROUTINE_INTAKE


def baseline_mix(index: int) -> Script:
    """Rasa's `rasa init` stories: happy path and sad path, alternately."""
    return BASELINE_SAD if index % 2 else BASELINE_HAPPY
