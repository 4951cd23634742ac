"""The intake form's domain logic: which question comes next and how an answer is accepted.

Pure Python (no Rasa); `actions/intake_form.py` is a thin adapter around it. The order is
SOCRATES-style for physiotherapy, with the rulebook's emergency screening question asked
early and the region-specific screening question once the body region is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.intake.parsing import (
    is_skip,
    is_unknown_answer,
    parse_age,
    parse_duration,
    parse_onset,
    parse_pain_score,
    parse_phone,
    parse_yes_no,
)
from bot.intake.regions import extract_regions, parse_side
from bot.triage import Rulebook, ScreeningQuestion

NOT_GIVEN = "not given"
# (slot, text, answers so far, rulebook) -> slot updates, or None when the text doesn't answer it
Parser = Callable[[str, str, Mapping[str, Any], Rulebook], dict[str, Any] | None]
MAX_ANSWER_CHARS = 2000
# Regions where left/right matters; central regions get side "central" without asking.
LATERAL_REGIONS = frozenset(
    {
        "jaw",
        "shoulder",
        "upper_arm",
        "elbow",
        "forearm",
        "wrist_hand",
        "hip",
        "buttock",
        "thigh",
        "knee",
        "lower_leg",
        "ankle_foot",
        "chest_wall",
    }
)
# Answers a patient may skip; red-flag screening questions are never skippable.
SKIPPABLE = frozenset(
    {
        "respondent",
        "onset",
        "duration",
        "pain_score",
        "pain_pattern",
        "aggravating",
        "easing",
        "treatments_tried",
        "health_history",
        "goals",
        "contact_name",
        "body_regions",
        "side",
    }
)
SCREENING_FIELDS = frozenset({"screen_initial", "screen_region"})
# After this many unusable answers we stop re-asking the same way (no loops).
MAX_FAILED_ATTEMPTS = 2

WHY_WE_ASK = {
    "age": "Age changes which conditions are more likely and what is safe, for example for dry needling.",
    "respondent": "If you're answering for a child, the clinic needs a parent or guardian's consent.",
    "screen_initial": "These symptoms can be signs of a problem that needs help faster than a physio visit, so we always check them first.",
    "screen_region": "For pain in this area a few symptoms mean you should be seen urgently, so we always check them.",
    "complaint": "Your own words help the physiotherapist understand what matters most to you.",
    "body_regions": "Knowing exactly where it hurts lets the physiotherapist plan your assessment.",
    "side": "So the clinician examines the right side.",
    "onset": "How it started (an injury or gradually) points to different causes and treatments.",
    "duration": "How long you've had it changes what is likely going on and how it is treated.",
    "pain_score": "The score lets us see how much it affects you and track your progress.",
    "pain_pattern": "Whether pain is constant, comes and goes, or is worse at night helps tell causes apart.",
    "aggravating": "What makes it worse tells the clinician which structures are involved.",
    "easing": "What eases it helps plan treatment and advice.",
    "treatments_tried": "So we don't repeat what didn't work, and know how you responded to needling before.",
    "health_history": "Some medicines and conditions (like blood thinners or pregnancy) change whether and how dry needling is done safely.",
    "goals": "Treatment is planned around what you want to get back to.",
    "contact_name": "So the clinic knows who to ask for.",
    "contact_phone": "So a clinician can call you if something needs checking before your visit.",
}

REPROMPTS = {
    "age": "Please tell me the age as a number, for example 42.",
    "screen_initial": "I need a clear yes or no for this one, as it's about your safety. Is any of that happening to you now?",
    "screen_region": "I need a clear yes or no for this one, as it's about your safety. Have you noticed any of those?",
    "body_regions": "Where on your body is it? For example: neck, lower back, left knee, right heel, jaw.",
    "side": "Is it your left side, right side, or both?",
    "pain_score": "Please give a number from 0 to 10.",
    "contact_phone": "That doesn't look like a phone number. Please type it with the area code, for example 555 010 0123.",
    "complaint": "Please tell me a little about what's bothering you.",
}


@dataclass(frozen=True)
class AnswerOutcome:
    """Slot updates for one answer; `reprompt` is set when the answer wasn't usable."""

    updates: dict[str, Any] = field(default_factory=dict)
    reprompt: str | None = None

    @property
    def accepted(self) -> bool:
        return self.reprompt is None


def pending_region_questions(
    answers: Mapping[str, Any], rulebook: Rulebook
) -> list[ScreeningQuestion]:
    """The region screening questions for the complaint's regions not yet answered."""
    age = answers.get("age") if isinstance(answers.get("age"), int) else None
    done = answers.get("screening_answers") or {}
    regions = answers.get("body_regions") or []
    return [q for q in rulebook.region_questions(regions, age) if q.answer_key not in done]


def region_screening_text(answers: Mapping[str, Any], rulebook: Rulebook) -> str:
    """All of the region's safety questions as one yes/no question: most patients answer "no"
    in one turn, and a "yes" escalates at once (the guard reads `screen_region`), so nothing
    is lost if the patient leaves before saying which item applied."""
    pending = pending_region_questions(answers, rulebook)
    if len(pending) == 1:
        return pending[0].text
    items = []
    for question in pending:
        items += question.items or [question.short_text]
    bullets = "\n".join(f"- {item}" for item in items)
    return f"A few safety questions for this area. Since it started, have you had any of these?\n{bullets}"


def required_fields(answers: Mapping[str, Any], rulebook: Rulebook) -> list[str]:
    """The intake's questions in order, given what is known so far."""
    fields = ["age"]
    age = answers.get("age")
    if isinstance(age, int) and age < 18:
        fields.append("respondent")
    fields += ["screen_initial", "complaint"]
    regions = answers.get("body_regions")
    if not regions:
        fields.append("body_regions")
    elif LATERAL_REGIONS.intersection(regions):
        fields.append("side")
    fields += [
        "onset",
        "duration",
        "pain_score",
        "pain_pattern",
        "aggravating",
        "easing",
        "treatments_tried",
        "health_history",
    ]
    age = age if isinstance(age, int) else None
    if rulebook.region_questions(regions or [], age):
        fields.append("screen_region")
    fields += ["goals", "contact_name", "contact_phone"]
    return fields


def accept_answer(
    slot: str, text: str, answers: Mapping[str, Any], failed_attempts: int, rulebook: Rulebook
) -> AnswerOutcome:
    """Parses `text` as the answer to `slot`; never raises on bad input."""
    text = (text or "").strip()[:MAX_ANSWER_CHARS]
    gave_up = failed_attempts + 1 >= MAX_FAILED_ATTEMPTS
    if (is_skip(text) or is_unknown_answer(text)) and slot not in SCREENING_FIELDS:
        if slot in SKIPPABLE or gave_up:
            return AnswerOutcome({slot: NOT_GIVEN})
        return AnswerOutcome(reprompt=REPROMPTS.get(slot, WHY_WE_ASK.get(slot)))

    parser = _PARSERS.get(slot, _free_text)
    updates = parser(slot, text, answers, rulebook)
    if updates is not None:
        return AnswerOutcome(updates)
    if gave_up and slot not in SCREENING_FIELDS:
        return AnswerOutcome({slot: text or NOT_GIVEN})
    return AnswerOutcome(
        reprompt=REPROMPTS.get(slot, "Sorry, I didn't catch that. Could you put it another way?")
    )


def _free_text(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    return {slot: text} if text else None


def _respondent(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    lowered = text.lower()
    if any(
        word in lowered
        for word in ("parent", "guardian", "mum", "mom", "dad", "my son", "my daughter", "child")
    ):
        return {"respondent": "parent_or_guardian"}
    return {"respondent": "self"} if text else None


def _screening(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    answer = parse_yes_no(text)
    if answer is None:
        return None
    screening = dict(answers.get("screening_answers") or {})
    if slot == "screen_initial":
        screening[rulebook.initial_question.answer_key] = answer
    else:
        for question in pending_region_questions(answers, rulebook):
            screening[question.answer_key] = answer
    return {slot: answer, "screening_answers": screening}


def _complaint(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    if len(text) < 2:
        return None
    updates: dict[str, Any] = {"complaint": text}
    updates.update(_regions_and_side(text, answers))
    return updates


def _body_regions(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    updates = _regions_and_side(text, answers)
    return updates if updates.get("body_regions") else None


def _regions_and_side(text: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    mentions = extract_regions(text)
    if not mentions:
        return {}
    codes = list(dict.fromkeys(m.code for m in mentions))
    updates: dict[str, Any] = {"body_regions": codes}
    sides = {m.side for m in mentions if m.side}
    if len(sides) == 1:
        updates["side"] = sides.pop()
    elif len(sides) > 1:
        updates["side"] = "both"
    elif not LATERAL_REGIONS.intersection(codes):
        updates["side"] = "central"
    return updates


def corrections_from(text: str) -> dict[str, Any]:
    """Answers a free-text correction changes: "actually it's my left knee", "more like an 8"."""
    updates = _regions_and_side(text, {})
    score = parse_pain_score(text)
    if score is not None and not updates:
        updates["pain_score"] = score
    return updates


def _onset(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    onset = parse_onset(text)
    if not text:
        return None
    return {"onset": onset.kind or text, "mechanism": text if onset.mechanism else None}


def _duration(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    if not text:
        return None
    normalised, days = parse_duration(text)
    return {"duration": normalised or text, "duration_days": days}


def _name(
    slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
) -> dict[str, Any] | None:
    name = " ".join(text.split())[:100]
    return {"contact_name": name} if name else None


def _single(parse: Callable[[str], Any]) -> Parser:
    """A parser whose one value, when the text gives one, fills the slot it answers."""

    def parser(
        slot: str, text: str, answers: Mapping[str, Any], rulebook: Rulebook
    ) -> dict[str, Any] | None:
        value = parse(text)
        return None if value is None else {slot: value}

    return parser


_PARSERS: dict[str, Parser] = {
    "age": _single(parse_age),
    "respondent": _respondent,
    "screen_initial": _screening,
    "screen_region": _screening,
    "complaint": _complaint,
    "body_regions": _body_regions,
    "side": _single(parse_side),
    "onset": _onset,
    "duration": _duration,
    "pain_score": _single(parse_pain_score),
    "contact_phone": _single(parse_phone),
    "contact_name": _name,
}
