"""The patient's read-back summary and the clinician's compact summary."""

from __future__ import annotations

from dataclasses import dataclass

from bot.intake.fields import FIELD_LABELS, FIELDS, INTAKE_FIELDS
from bot.intake.summary import NOT_GIVEN, build_clinician_summary, build_summary

ANSWERS = {
    "consent": True,
    "age": 54,
    "respondent": "self",
    "screen_initial": False,
    "complaint": "my lower back is killing me since I moved house",
    "body_regions": ["lower_back", "buttock"],
    "side": "left",
    "onset": "sudden",
    "mechanism": "lifting boxes",
    "duration": "about 2 weeks",
    "duration_days": 14,
    "pain_score": 7,
    "pain_pattern": "worse first thing in the morning",
    "aggravating": "sitting",
    "easing": "not given",
    "treatments_tried": "ibuprofen and stretching",
    "health_history": "I take warfarin",
    "screen_region": False,
    "goals": "run again",
    "contact_name": "Sam Smith",
    "contact_phone": "+447700900123",
}


@dataclass(frozen=True)
class FakeFlag:  # the shape of bot.triage's FlagMatch
    code: str
    label: str
    tier: str
    source: str
    evidence: str
    response: str


def test_fields_follow_the_interface_order() -> None:
    assert INTAKE_FIELDS == (
        "consent", "age", "respondent", "screen_initial", "complaint", "body_regions", "side",
        "onset", "mechanism", "duration", "duration_days", "pain_score", "pain_pattern",
        "aggravating", "easing", "treatments_tried", "health_history", "screen_region", "goals",
        "contact_name", "contact_phone",
    )  # fmt: skip
    assert len({field.label for field in FIELDS}) == len(FIELDS)
    assert all(label[0].isupper() for label in FIELD_LABELS.values())


def test_patient_summary_reads_back_every_answer_plainly() -> None:
    summary = build_summary(ANSWERS)
    lines = summary.splitlines()
    assert lines[0] == "Here is what you've told us:"
    assert "- Main problem: my lower back is killing me since I moved house" in lines
    assert "- Where it hurts: Lower back, Buttock (left side)" in lines
    assert "- How it started: Suddenly" in lines
    assert "- What happened: lifting boxes" in lines
    assert "- How long: about 2 weeks" in lines
    assert "- Pain score: 7 out of 10" in lines
    assert "- Makes it better: Not given" in lines
    assert "- Age: 54" in lines
    assert "- Phone: +447700900123" in lines
    # internal answers and codes stay out of the patient's version
    for hidden in ("lower_back", "screen", "True", "False", "14", "consent"):
        assert hidden not in summary
    assert all(len(line) <= 220 for line in lines)


def test_patient_summary_says_not_given_for_everything_missing() -> None:
    summary = build_summary({})
    answer_lines = summary.splitlines()[1:]
    assert answer_lines and all(line.endswith(f": {NOT_GIVEN}") for line in answer_lines)


def test_missing_values_in_any_form_read_not_given() -> None:
    answers = {"complaint": "  ", "body_regions": [], "pain_score": None, "goals": "Not given"}
    lines = build_summary(answers).splitlines()
    for label in ("Main problem", "Where it hurts", "Pain score", "Goals"):
        assert f"- {label}: {NOT_GIVEN}" in lines


def test_long_answers_are_shortened_to_one_line() -> None:
    summary = build_summary({"complaint": "it hurts\nwhen I\twalk " * 100})
    complaint = next(line for line in summary.splitlines() if line.startswith("- Main problem"))
    assert complaint.endswith("…") and len(complaint) <= 220


def test_patient_summary_lists_flags_and_precautions_in_words() -> None:
    flags = [FakeFlag("cauda_equina", "Numbness between the legs", "emergency", "rule", "", "")]
    precautions = [{"code": "anticoagulant", "label": "Blood thinners"}]
    summary = build_summary(ANSWERS, flags, precautions)
    assert "A clinician will look at: Numbness between the legs." in summary
    assert "Noted for your physiotherapist before any needling: Blood thinners." in summary
    assert "cauda_equina" not in summary


def test_parent_answering_is_shown() -> None:
    summary = build_summary({**ANSWERS, "respondent": "parent_or_guardian", "age": 15})
    assert "- Answered by: a parent or guardian" in summary


def test_clinician_summary_puts_tier_and_flags_first() -> None:
    flags = [
        FakeFlag("night_pain", "Constant night pain", "urgent", "rule", "can't sleep", "urgent"),
        {"code": "ces", "label": "Saddle numbness", "tier": "emergency", "evidence": "numb"},
    ]
    lines = build_clinician_summary(ANSWERS, flags, ["anticoagulant"]).splitlines()
    assert lines[0] == "EMERGENCY - 2 red flags"
    assert lines[1] == '! Constant night pain [urgent]: "can\'t sleep"'
    assert lines[2] == '! Saddle numbness [emergency]: "numb"'
    assert lines[3] == "Precautions: anticoagulant"
    assert lines[4] == (
        "Age: 54 | Where: Lower back, Buttock (left side) | Onset: Suddenly (lifting boxes)"
        " | Duration: about 2 weeks (14 d) | Pain: 7/10"
    )
    assert "Screening: emergency symptoms no; area warning signs no" in lines
    assert "Contact: Sam Smith, +447700900123" in lines


def test_clinician_summary_tier() -> None:
    assert build_clinician_summary({}).splitlines()[0] == "ROUTINE - no red flags"
    assert build_clinician_summary({}, tier="urgent").startswith("URGENT")
    # a bare flag code has no tier, but no rule fires "routine"
    assert build_clinician_summary({}, ["some_flag"]).startswith("URGENT - 1 red flag")
    assert build_clinician_summary({}, tier="bogus").startswith("ROUTINE")
