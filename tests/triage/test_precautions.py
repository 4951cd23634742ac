"""Dry-needling precautions: every code from shared/conventions.md, from free text or age."""

from __future__ import annotations

import pytest

from bot.triage import PRECAUTION_CODES, load_rulebook

RULEBOOK = load_rulebook()

# code -> (disclosures, denials)
PRECAUTION_EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "anticoagulant": (
        ["I'm on warfarin", "I take apixaban", "on Eliquis for AF", "xarelto daily",
         "rivaroxaban 20mg", "clopidogrel after my stent", "I take blood thinners",
         "I have a bleeding disorder", "warferin"],
        ["I'm not on blood thinners", "no warfarin or other anticoagulants"],
    ),
    "pregnancy": (
        ["I'm pregnant", "I am 20 weeks pregnant", "currently in my third trimester"],
        ["I'm not pregnant"],
    ),
    "needle_phobia": (
        ["I'm scared of needles", "I have a real fear of needles", "needle phobic here"],
        ["I'm not scared of needles"],
    ),
    "lymphedema": (
        ["I have lymphoedema in my left arm", "lymphedema after cancer surgery",
         "had my lymph nodes removed"],
        ["no lymphoedema"],
    ),
    "immunocompromised": (
        ["I'm on chemo", "I'm immunosuppressed after a kidney transplant",
         "I take methotrexate"],
        ["I'm not immunocompromised"],
    ),
    "diabetes": (
        ["I have type 2 diabetes", "I'm diabetic", "on insulin", "diabetis"],
        ["I don't have diabetes"],
    ),
    "metal_allergy": (
        ["I have a nickel allergy", "I'm allergic to metal"],
        ["no metal allergy"],
    ),
    "recent_surgery": (
        ["I had surgery last month", "had an operation on my knee 3 weeks ago",
         "I had a hip replacement in March"],
        ["I haven't had surgery"],
    ),
    "local_infection": (
        ["there is an open wound on my shin", "I have cellulitis on my leg",
         "a skin infection near the sore spot"],
        ["no infection or open wounds"],
    ),
    "pacemaker_or_implant": (
        ["I have a pacemaker", "I've got a metal plate in my ankle", "knee replacement in 2020"],
        ["I don't have a pacemaker"],
    ),
    "epilepsy": (
        ["I have epilepsy", "I get seizures", "epileptic but controlled"],
        ["I don't have epilepsy"],
    ),
}  # fmt: skip


def codes(texts: list[str], answers: dict | None = None) -> tuple[str, ...]:
    return tuple(p.code for p in RULEBOOK.assess(texts, answers or {}).precautions)


def test_every_precaution_code_is_defined_and_tested():
    assert {p.code for p in RULEBOOK.precautions} == set(PRECAUTION_CODES)
    assert set(PRECAUTION_EXAMPLES) | {"under_18"} == set(PRECAUTION_CODES)


@pytest.mark.parametrize(
    ("code", "text"),
    [(code, text) for code, (positive, _) in PRECAUTION_EXAMPLES.items() for text in positive],
)
def test_precaution_disclosed_in_free_text(code, text):
    assessment = RULEBOOK.assess(["my knee hurts", text], {})
    match = next(p for p in assessment.precautions if p.code == code)
    assert match.evidence == text


@pytest.mark.parametrize(
    ("code", "text"),
    [(code, text) for code, (_, negated) in PRECAUTION_EXAMPLES.items() for text in negated],
)
def test_precaution_denied_is_not_flagged(code, text):
    assert code not in codes([text])


@pytest.mark.parametrize(("age", "flagged"), [(12, True), (17, True), (18, False), (45, False)])
def test_under_18_comes_from_the_age_answer(age, flagged):
    assessment = RULEBOOK.assess(["sore knee"], {"age": age})
    assert ("under_18" in [p.code for p in assessment.precautions]) is flagged
    if flagged:
        assert assessment.precautions[-1].evidence == f"age {age}"


def test_under_18_from_a_stated_age_when_no_answer_yet():
    assert "under_18" in codes(["I'm 16 and my knee hurts after football"])


def test_absolute_and_relative_kinds_follow_the_reference():
    kinds = {p.code: p.kind for p in RULEBOOK.precautions}
    assert {c for c, k in kinds.items() if k == "absolute"} == {"needle_phobia", "lymphedema"}


def test_precautions_do_not_raise_the_tier():
    texts = ["I'm on warfarin, pregnant, diabetic and scared of needles", "my heel hurts"]
    assessment = RULEBOOK.assess(texts, {"age": 16})
    assert assessment.tier == "routine"
    assert set(codes(texts, {"age": 16})) == {
        "anticoagulant", "pregnancy", "diabetes", "needle_phobia", "under_18"
    }  # fmt: skip
