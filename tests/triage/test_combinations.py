"""Combination rules ("triage tuples"): every part is needed, parts may come from different
messages and from the intake answers, and age limits are exact."""

from __future__ import annotations

import pytest

from bot.triage import load_rulebook

RULEBOOK = load_rulebook()

GCA_TEXTS = ["I've started getting headaches", "my jaw aches when I chew"]


def codes(texts: list[str], answers: dict | None = None) -> tuple[str, ...]:
    return RULEBOOK.assess(texts, answers or {}).flag_codes


@pytest.mark.parametrize(("age", "fires"), [(49, False), (50, True), (51, True), (80, True)])
def test_gca_needs_age_50_or_over(age, fires):
    assert ("URG_GCA" in codes(GCA_TEXTS, {"age": age})) is fires


def test_gca_needs_age_known():
    assert "URG_GCA" not in codes(GCA_TEXTS)
    assert "URG_GCA" in codes([*GCA_TEXTS, "I am 67 years old"])


@pytest.mark.parametrize(
    "texts",
    [["I've started getting headaches"], ["my jaw aches when I chew"]],
)
def test_gca_needs_headache_and_jaw_claudication(texts):
    assert "URG_GCA" not in codes(texts, {"age": 70})


def test_gca_with_any_vision_change_is_an_emergency():
    assessment = RULEBOOK.assess([*GCA_TEXTS, "and my vision is blurry"], {"age": 70})
    assert assessment.tier == "emergency"
    assert {"EMERG_GCA_VISUAL", "URG_GCA"} <= set(assessment.flag_codes)


def test_gca_evidence_names_each_part():
    flag = next(f for f in RULEBOOK.assess(GCA_TEXTS, {"age": 70}).flags if f.code == "URG_GCA")
    assert flag.evidence == "age 70 | I've started getting headaches | my jaw aches when I chew"


def test_tmj_in_a_young_adult_is_routine():
    assert RULEBOOK.assess(GCA_TEXTS, {"age": 28}).tier == "routine"


def test_past_cancer_with_new_spinal_pain_is_urgent():
    assert "URG_MALIGNANCY_HISTORY" in codes(["had bowel cancer in 2018", "new back pain"])
    assert "URG_MALIGNANCY_HISTORY" in codes(["had bowel cancer"], {"body_regions": ["neck"]})


def test_past_cancer_without_spinal_pain_is_not_flagged():
    assert RULEBOOK.assess(["had bowel cancer", "sore knee"], {"body_regions": ["knee"]}).tier == (
        "routine"
    )


def test_a_relatives_cancer_is_not_the_patients_history():
    assert "URG_MALIGNANCY_HISTORY" not in codes(["my dad had prostate cancer", "back pain"])
    assert "URG_MALIGNANCY_HISTORY" in codes(["I had cancer like my dad", "back pain"])


def test_fever_with_spinal_pain_is_urgent_and_with_ivdu_or_immunosuppression_emergency():
    assert RULEBOOK.assess(["fever", "back pain"], {}).tier == "urgent"
    assert RULEBOOK.assess(["fever", "back pain", "I inject heroin"], {}).tier == "emergency"
    assert RULEBOOK.assess(["fever", "back pain", "I'm on chemo"], {}).tier == "emergency"
    assert RULEBOOK.assess(["fever", "back pain is severe"], {}).tier == "emergency"


def test_fever_with_a_hot_swollen_joint_is_an_emergency():
    assert "EMERG_INFECTION_SEPTIC_JOINT" in codes(["hot swollen knee", "temperature of 39"])
    assert codes(["hot swollen knee"]) == ("URG_HOT_SWOLLEN_JOINT",)


@pytest.mark.parametrize(
    ("texts", "answers", "fires"),
    [
        (["I slipped on the stairs", "the pain is severe"], {"age": 70}, True),
        (["I slipped on the stairs", "the pain is severe"], {"age": 50}, False),
        (["I slipped on the stairs", "I have osteoporosis", "severe pain"], {"age": 50}, True),
        (["I slipped on the stairs", "on long term prednisolone", "agony"], {"age": 40}, True),
        (["I slipped on the stairs"], {"age": 70}, False),  # not severe
        (["I slipped on the stairs"], {"age": 70, "pain_score": 7}, True),
        (["I slipped on the stairs"], {"age": 70, "pain_score": 6}, False),
        (["the pain is severe"], {"age": 80}, False),  # no fall
    ],
)
def test_fragility_fracture_needs_risk_fall_and_severe_pain(texts, answers, fires):
    assert ("URG_FRACTURE_FRAGILITY" in codes(texts, answers)) is fires


def test_high_energy_trauma_needs_spinal_pain():
    assert "EMERG_MAJOR_TRAUMA" in codes(["fell off the roof", "my neck hurts"])
    assert "EMERG_MAJOR_TRAUMA" not in codes(["fell off the roof last year", "sore knee"])


def test_referred_cardiac_pain_needs_pain_sweating_and_a_third_feature():
    assert "EMERG_CARDIAC_REFERRED" in codes(["left arm aches", "sweaty", "feel sick"])
    assert "EMERG_CARDIAC_REFERRED" not in codes(["left arm aches", "sweaty after my run"])


def test_aaa_sudden_severe_back_pain_needs_age_or_risk():
    text = ["sudden severe pain in my back"]
    assert "EMERG_AAA" in codes(text, {"age": 60})
    assert "EMERG_AAA" in codes([*text, "I smoke"], {"age": 45})
    assert "EMERG_AAA" not in codes(text, {"age": 45})


def test_dvt_needs_a_clot_risk():
    assert "EMERG_DVT" in codes(["calf is swollen", "after a long flight"])
    assert "EMERG_DVT" not in codes(["calf is swollen after football"])


def test_age_from_text_and_answers_both_count():
    """Any known age meets an age condition (the safe side when they disagree)."""
    assert "URG_GCA" in codes([*GCA_TEXTS, "I'm 70"], {"age": 30})


def test_body_region_answers_count_as_spinal_pain():
    assert "URG_INFECTION_SPINAL" in codes(["I've had a fever"], {"body_regions": ["lower_back"]})
    assert "URG_INFECTION_SPINAL" not in codes(["I've had a fever"], {"body_regions": ["knee"]})
