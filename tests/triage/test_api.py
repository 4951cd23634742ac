"""The public interface (docs/interfaces.md) and its guarantees."""

from __future__ import annotations

import ast
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import pytest

import bot.triage
from bot.triage import (
    TIERS,
    Assessment,
    FlagMatch,
    PrecautionMatch,
    ScreeningQuestion,
    load_rulebook,
    max_tier,
    tier_rank,
)
from tests.triage.helpers import UNRELATED_MESSAGES

RULEBOOK = load_rulebook()
PACKAGE_DIR = Path(bot.triage.__file__).parent


def test_tiers():
    assert TIERS == ("routine", "urgent", "emergency")
    assert [tier_rank(t) for t in TIERS] == [0, 1, 2]
    assert max_tier("routine", "urgent") == "urgent"
    assert max_tier("emergency", "routine", "urgent") == "emergency"
    assert max_tier() == "routine"
    with pytest.raises(ValueError, match="unknown tier"):
        tier_rank("critical")


def test_results_are_frozen_dataclasses():
    assessment = RULEBOOK.assess(["I can't pee"], {})
    for value in (assessment, assessment.flags[0], RULEBOOK.initial_question):
        assert dataclasses.is_dataclass(value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.code = "x"  # type: ignore[misc]
    assert isinstance(assessment, Assessment)
    assert isinstance(assessment.flags, tuple) and isinstance(assessment.flags[0], FlagMatch)
    assert isinstance(RULEBOOK.initial_question, ScreeningQuestion)


def test_flag_fields_match_the_interface():
    flag = RULEBOOK.assess(["I can't pee"], {}).flags[0]
    assert flag.as_dict() == {
        "code": "EMERG_CES_BLADDER_BOWEL",
        "label": RULEBOOK.rule("EMERG_CES_BLADDER_BOWEL").label,
        "tier": "emergency",
        "source": RULEBOOK.rule("EMERG_CES_BLADDER_BOWEL").source,
        "evidence": "I can't pee",
    }
    assert flag.response == "emergency"


def test_precaution_fields_match_the_interface():
    match = RULEBOOK.assess(["on warfarin"], {}).precautions[0]
    assert isinstance(match, PrecautionMatch)
    assert match.as_dict() == {
        "code": "anticoagulant",
        "label": RULEBOOK.precaution("anticoagulant").label,
        "evidence": "on warfarin",
    }


def test_assessment_as_dict():
    data = RULEBOOK.assess(["I can't pee", "on warfarin"], {}).as_dict()
    assert data["tier"] == "emergency" and data["response"] == "emergency"
    assert [f["code"] for f in data["red_flags"]] == ["EMERG_CES_BLADDER_BOWEL"]
    assert [p["code"] for p in data["precautions"]] == ["anticoagulant"]


def test_listing_rules_precautions_questions():
    assert len(RULEBOOK.rules) >= 40
    assert RULEBOOK.rule("EMERG_CES_SADDLE").tier == "emergency"
    assert RULEBOOK.question("initial") is RULEBOOK.initial_question
    assert RULEBOOK.precaution("under_18").age_below == 18
    assert RULEBOOK.feature("age_50_plus").min_age == 50
    with pytest.raises(KeyError):
        RULEBOOK.rule("EMERG_NOPE")


def test_answers_may_be_omitted_and_odd_values_are_ignored():
    assert RULEBOOK.assess(["sore knee"]).tier == "routine"
    odd = {"age": "sixty", "body_regions": "neck", "pain_score": None, "screen_initial": "no"}
    assert RULEBOOK.assess(["", "   ", "sore knee"], odd).tier == "routine"
    assert RULEBOOK.assess([], {"age": "72", "body_regions": "lower_back"}).tier == "routine"


def test_package_imports_only_the_standard_library_and_yaml():
    """bot.triage runs in the Rasa engine (pydantic 1) and the app (pydantic 2)."""
    allowed = set(sys.stdlib_module_names) | {"yaml", "bot"}
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots = {node.module.split(".")[0]}
                if roots == {"bot"}:
                    assert node.module.startswith("bot.triage"), (path.name, node.module)
            else:
                continue
            assert roots <= allowed, (path.name, roots)


def _conversation() -> list[str]:
    messages = [*UNRELATED_MESSAGES, *UNRELATED_MESSAGES, *UNRELATED_MESSAGES]
    messages[7] = "my lower back has been sore since I lifted a heavy box, worse in the mornings"
    messages[21] = "no numbness between my legs and no problems with my bladder or bowels"
    return messages[:30]


def test_assess_on_30_messages_is_well_under_5_ms_per_turn():
    """The conversation re-assesses every message each turn; texts seen before are cached."""
    rulebook = load_rulebook(PACKAGE_DIR / "rulebook.yml")  # a fresh instance, empty caches
    messages = _conversation()
    rulebook.assess(messages, {"age": 40})  # turn 1 pays for each message once
    timings = []
    for turn in range(20):
        start = time.perf_counter()
        rulebook.assess([*messages, f"and one more detail number {turn}"], {"age": 40})
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005


def test_the_engine_never_logs_or_prints_patient_text():
    """Patient messages are PHI: bot.triage returns evidence to its caller and writes nothing."""
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = {a.name for a in node.names} | {getattr(node, "module", None) or ""}
                assert "logging" not in names, path.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", path.name


def test_unicode_digits_never_crash_the_engine() -> None:
    # "⓵".isdigit() is True but int("⓵") raises: found by the property tests.
    assessment = load_rulebook().assess(["⓵", "I am ⓵⓶ years old", "I'm ٦٧"], {"age": "⓵"})
    assert assessment.tier == "routine"
