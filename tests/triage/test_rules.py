"""Table-driven tests for every rule: positive, negated, misspelled, and disclosed mid-
conversation among unrelated messages (vectors in rule_examples.yml)."""

from __future__ import annotations

import random

import pytest

from bot.triage import load_rulebook, tier_rank
from tests.triage.helpers import KINDS, UNRELATED_MESSAGES, case_id, load_examples

RULEBOOK = load_rulebook()
EXAMPLES = load_examples()


def _cases(kind: str) -> list:
    return [
        pytest.param(code, case, id=case_id(code, kind, index))
        for code, kinds in EXAMPLES.items()
        for index, case in enumerate(kinds[kind])
    ]


def test_every_rule_has_positive_negated_and_misspelled_examples():
    assert set(EXAMPLES) == {rule.code for rule in RULEBOOK.rules}
    for code, kinds in EXAMPLES.items():
        for kind in KINDS:
            assert kinds[kind], f"{code} has no {kind} example"


@pytest.mark.parametrize(("code", "case"), _cases("positive"))
def test_positive_example_fires_the_rule(code, case):
    assessment = RULEBOOK.assess(case["texts"], case["answers"])
    assert code in assessment.flag_codes
    assert tier_rank(assessment.tier) >= tier_rank(RULEBOOK.rule(code).tier)


@pytest.mark.parametrize(("code", "case"), _cases("positive"))
def test_positive_example_fires_mid_conversation(code, case):
    """Disclosed among unrelated answers, in any position, the flag still fires."""
    shuffler = random.Random(code)
    messages = list(UNRELATED_MESSAGES)
    for text in case["texts"]:
        messages.insert(shuffler.randrange(len(messages) + 1), text)
    assessment = RULEBOOK.assess(messages, case["answers"])
    assert code in assessment.flag_codes


@pytest.mark.parametrize(("code", "case"), _cases("positive"))
def test_evidence_quotes_the_patient(code, case):
    """Evidence is the patient's own sentence (or, for combinations, sentences and answers)."""
    flag = next(f for f in RULEBOOK.assess(case["texts"], case["answers"]).flags if f.code == code)
    for part in flag.evidence.split(" | "):
        from_text = any(part in text for text in case["texts"])
        from_answers = part.startswith(("age ", "body region: ", "pain score "))
        assert from_text or from_answers, part


@pytest.mark.parametrize(("code", "case"), _cases("negated"))
def test_negated_example_does_not_fire_the_rule(code, case):
    assert code not in RULEBOOK.assess(case["texts"], case["answers"]).flag_codes


@pytest.mark.parametrize(("code", "case"), _cases("misspelled"))
def test_misspelled_example_fires_the_rule(code, case):
    assert code in RULEBOOK.assess(case["texts"], case["answers"]).flag_codes


def test_an_emergency_rule_makes_the_assessment_emergency_with_its_response():
    assessment = RULEBOOK.assess(["I want to kill myself", "and my chest feels crushed"], {})
    assert assessment.tier == "emergency"
    assert assessment.response == "emergency_suicide"
    assert assessment.responses == ("emergency_suicide", "emergency")


def test_urgent_mental_health_response():
    assessment = RULEBOOK.assess(["some days I wish I was dead"], {})
    assert assessment.tier == "urgent"
    assert assessment.response == "urgent_mental_health"


def test_flags_are_ordered_by_tier_then_rulebook_order():
    assessment = RULEBOOK.assess(["chest pain", "I can't pee", "I wish I was dead"], {})
    ranks = [tier_rank(flag.tier) for flag in assessment.flags]
    assert ranks == sorted(ranks, reverse=True)
    assert assessment.flag_codes[0] == "EMERG_CES_BLADDER_BOWEL"


def test_routine_assessment_has_no_flags_and_no_response():
    assessment = RULEBOOK.assess(["my heel hurts in the morning"], {"age": 40})
    assert assessment.tier == "routine"
    assert assessment.flags == ()
    assert assessment.response is None
