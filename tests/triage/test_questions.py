"""Screening questions: the initial question, region questions, and what a yes does."""

from __future__ import annotations

import pytest

from bot.triage import REGION_CODES, load_rulebook

RULEBOOK = load_rulebook()


def test_initial_question_covers_the_emergencies_that_apply_to_everyone():
    question = RULEBOOK.initial_question
    assert question.id == "initial"
    assert question.answer_key == "screen_initial"
    assert question.tier == "emergency"
    assert set(question.rule_codes) == {
        "EMERG_CARDIAC_CHEST_PAIN", "EMERG_BREATHING_DIFFICULTY", "EMERG_STROKE",
        "EMERG_CES_SADDLE", "EMERG_CES_BLADDER_BOWEL", "EMERG_SUICIDE_RISK",
    }  # fmt: skip
    assert question.text.splitlines()[0] == question.ask
    assert [line[2:] for line in question.text.splitlines()[1:]] == list(question.items)
    assert all(line.startswith("- ") for line in question.text.splitlines()[1:])


def test_initial_question_is_short_and_plain():
    question = RULEBOOK.initial_question
    assert len(question.items) <= 6
    assert all(len(item) <= 110 for item in question.items)
    assert len(question.ask) <= 80


def test_every_question_is_readable():
    for question in RULEBOOK.questions:
        assert question.ask.endswith("?"), question.id
        assert question.short_text


@pytest.mark.parametrize(
    ("regions", "age", "expected"),
    [
        (["lower_back"], 40, {"cauda_equina", "spinal_cord", "infection", "serious_illness",
                              "spinal_fracture"}),
        (["buttock"], 40, {"cauda_equina", "serious_illness"}),
        (["neck"], 30, {"spinal_cord", "neck_arterial", "after_needling_chest", "infection",
                        "serious_illness", "spinal_fracture"}),
        (["head"], 30, {"neck_arterial"}),
        (["head"], 72, {"neck_arterial", "giant_cell_arteritis"}),
        (["jaw"], 49, {"cardiac"}),
        (["jaw"], 50, {"giant_cell_arteritis", "cardiac"}),
        (["chest_wall"], 40, {"cardiac", "after_needling_chest"}),
        (["knee"], 40, {"leg_circulation", "leg_fracture", "infection"}),
        (["ankle_foot"], 40, {"leg_circulation", "leg_fracture", "infection"}),
        (["wrist_hand"], 40, {"scaphoid", "infection"}),
        (["abdomen"], 65, {"abdominal"}),
        (["lower_back"], 61, {"cauda_equina", "spinal_cord", "infection", "serious_illness",
                              "spinal_fracture", "abdominal"}),
        (["whole_body"], 40, {"infection", "serious_illness"}),
    ],
)  # fmt: skip
def test_region_questions(regions, age, expected):
    assert {q.id for q in RULEBOOK.region_questions(regions, age)} == expected


def test_age_limited_questions_are_asked_when_the_age_is_unknown():
    assert "giant_cell_arteritis" in {q.id for q in RULEBOOK.region_questions(["head"], None)}


def test_region_questions_are_in_rulebook_order_without_duplicates():
    questions = RULEBOOK.region_questions(["neck", "head", "upper_back"], 70)
    order = [q.id for q in RULEBOOK.questions]
    ids = [q.id for q in questions]
    assert ids == sorted(ids, key=order.index)
    assert len(ids) == len(set(ids))
    assert "initial" not in ids


def test_every_region_gets_at_least_the_initial_question_and_most_get_more():
    unscreened = {r for r in REGION_CODES if not RULEBOOK.region_questions([r], 70)}
    assert unscreened <= {"elbow"}  # only the initial question applies to the elbow


def test_yes_to_a_question_fires_its_rules_with_the_answer_as_evidence():
    assessment = RULEBOOK.assess([], {"screen_cauda_equina": True})
    question = RULEBOOK.question("cauda_equina")
    assert set(assessment.flag_codes) == set(question.rule_codes)
    assert {f.evidence for f in assessment.flags} == {f"answered yes to: {question.short_text}"}
    assert assessment.tier == "emergency"


def test_yes_to_the_initial_question_is_an_emergency():
    assessment = RULEBOOK.assess(["yes"], {"screen_initial": True})
    assert assessment.tier == "emergency"
    assert assessment.response == "emergency_suicide"  # the crisis line is included


@pytest.mark.parametrize("value", [True, "yes", "Yes", "true", "affirm"])
def test_yes_values(value):
    assert RULEBOOK.assess([], {"screen_scaphoid": value}).tier == "urgent"


@pytest.mark.parametrize("value", [False, None, "no", "", 0, "maybe"])
def test_no_or_missing_answers_fire_nothing(value):
    assert RULEBOOK.assess([], {"screen_initial": value}).tier == "routine"


def test_no_to_a_question_does_not_cancel_a_disclosure():
    assessment = RULEBOOK.assess(["I can't feel when I wipe"], {"screen_initial": False})
    assert assessment.tier == "emergency"


def test_text_evidence_is_preferred_over_the_answer():
    assessment = RULEBOOK.assess(["I can't pee"], {"screen_cauda_equina": True})
    flag = next(f for f in assessment.flags if f.code == "EMERG_CES_BLADDER_BOWEL")
    assert flag.evidence == "I can't pee"


def test_screen_region_yes_means_yes_to_the_region_questions():
    answers = {"screen_region": True, "body_regions": ["wrist_hand"], "age": 30}
    assessment = RULEBOOK.assess([], answers)
    assert set(assessment.flag_codes) == {"URG_FRACTURE_SCAPHOID", "EMERG_INFECTION_SYSTEMIC"}


def test_questions_for_rule():
    ids = {q.id for q in RULEBOOK.questions_for_rule("EMERG_CES_SADDLE")}
    assert ids == {"initial", "cauda_equina"}
