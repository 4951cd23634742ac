"""Rulebook validation: a broken rulebook must not load, and the message must say where."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from bot.triage import PRECAUTION_CODES, RulebookError, load_rulebook
from bot.triage.engine import DEFAULT_PATH
from bot.triage.loader import parse_rulebook


def minimal() -> dict[str, Any]:
    return {
        "version": 1,
        "terms": {"numbness": ["numb"], "saddle_area": ["groin"]},
        "features": [
            {"name": "age_50_plus", "label": "aged 50 or over", "min_age": 50},
            {"name": "headache", "label": "headache", "phrases": ["headache"]},
        ],
        "rules": [
            {
                "code": "EMERG_CES_SADDLE",
                "label": "Saddle numbness",
                "tier": "emergency",
                "category": "cauda_equina",
                "response": "emergency",
                "source": "CES cue card",
                "phrases": ["numb between my legs"],
                "same_sentence": [["numbness", "saddle_area"]],
            },
            {
                "code": "URG_GCA",
                "label": "GCA",
                "tier": "urgent",
                "category": "gca",
                "response": "urgent",
                "source": "BMC Geriatrics",
                "combination": [["age_50_plus"], ["headache"]],
            },
        ],
        "precautions": [
            {"code": code, "label": code, "kind": "relative", "source": "ISCP 2012",
             "phrases": [code.replace("_", " ")]}
            for code in PRECAUTION_CODES
        ],
        "questions": [
            {"id": "initial", "ask": "Any of these?", "items": ["numbness"],
             "short_text": "numbness", "rules": ["EMERG_CES_SADDLE"]},
            {"id": "gca", "ask": "New headache?", "short_text": "headache",
             "regions": ["head"], "min_age": 50, "rules": ["URG_GCA"]},
        ],
    }  # fmt: skip


def test_minimal_rulebook_is_valid():
    data = parse_rulebook(minimal())
    assert [r.code for r in data.rules] == ["EMERG_CES_SADDLE", "URG_GCA"]


def test_the_shipped_rulebook_is_valid_and_cached():
    assert load_rulebook() is load_rulebook()
    assert load_rulebook(DEFAULT_PATH) is not load_rulebook()


def test_loading_from_a_path(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(minimal()), encoding="utf-8")
    rulebook = load_rulebook(path)
    assert rulebook.assess(["my groin is numb"], {}).tier == "emergency"


def test_unreadable_file(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(RulebookError, match="cannot read"):
        load_rulebook(path)
    with pytest.raises(RulebookError, match="cannot read"):
        load_rulebook(tmp_path / "missing.yml")


def broken(change) -> dict[str, Any]:
    data = copy.deepcopy(minimal())
    change(data)
    return data


def rule(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return data["rules"][index]


CASES = [
    ("bad tier", lambda d: rule(d).update(tier="critical"),
     r"rule EMERG_CES_SADDLE: field 'tier' must be one of urgent, emergency \(got 'critical'\)"),
    ("routine tier", lambda d: rule(d).update(tier="routine"), "field 'tier'"),
    ("code prefix", lambda d: rule(d).update(tier="urgent", response="urgent"),
     "rule EMERG_CES_SADDLE: a urgent rule's code starts with URG_"),
    ("code format", lambda d: rule(d).update(code="ces saddle"), "field 'code'"),
    ("duplicate code", lambda d: d["rules"].append(copy.deepcopy(rule(d))),
     "duplicate rule code 'EMERG_CES_SADDLE'"),
    ("missing source", lambda d: rule(d).pop("source"),
     "rule EMERG_CES_SADDLE: field 'source' must be a non-empty string"),
    ("empty source", lambda d: rule(d).update(source="  "), "field 'source'"),
    ("missing label", lambda d: rule(d).pop("label"), "rule EMERG_CES_SADDLE: field 'label'"),
    ("bad response", lambda d: rule(d).update(response="urgent"),
     "rule EMERG_CES_SADDLE: field 'response' for a emergency rule"),
    ("unknown field", lambda d: rule(d).update(phrase=["typo"]),
     "rule EMERG_CES_SADDLE: unknown field.s. phrase"),
    ("nothing to match", lambda d: [rule(d).pop("phrases"), rule(d).pop("same_sentence")],
     "needs at least one of phrases, same_sentence, combination"),
    ("empty phrase", lambda d: rule(d)["phrases"].append(""), "empty or non-text entry"),
    ("filler phrase", lambda d: rule(d)["phrases"].append("the my"), "has no words to match"),
    ("negation-only phrase", lambda d: rule(d)["phrases"].append("never had"),
     "is a negation with only grammar words"),
    ("unknown term", lambda d: rule(d)["same_sentence"].append(["numbness", "armpit"]),
     "unknown term 'armpit'"),
    ("one-term group", lambda d: rule(d)["same_sentence"].append(["numbness"]),
     "at least two terms"),
    ("unknown feature", lambda d: rule(d, 1)["combination"].append(["jaw_pain"]),
     "rule URG_GCA: field 'combination' names unknown feature 'jaw_pain'"),
    ("unknown region", lambda d: d["questions"][1].update(regions=["armpit"]),
     "question 'gca': field 'regions' has unknown region code 'armpit'"),
    ("feature region", lambda d: d["features"][1].update(regions=["tummy"]),
     "feature 'headache': field 'regions' has unknown region code 'tummy'"),
    ("question unknown rule", lambda d: d["questions"][0]["rules"].append("EMERG_NOPE"),
     "question 'initial': field 'rules' names unknown rule 'EMERG_NOPE'"),
    ("question without rules", lambda d: d["questions"][0].update(rules=[]),
     "question 'initial': field 'rules' must be a non-empty list"),
    ("no initial question", lambda d: d["questions"].pop(0), "id 'initial'"),
    ("initial with regions", lambda d: d["questions"][0].update(regions=["neck"]),
     "asked of everyone"),
    ("region question without regions", lambda d: d["questions"][1].pop("regions"),
     "question 'gca': field 'regions' is required"),
    ("duplicate question", lambda d: d["questions"].append(copy.deepcopy(d["questions"][1])),
     "duplicate question id 'gca'"),
    ("unknown precaution", lambda d: d["precautions"][0].update(code="vertigo"),
     "precaution vertigo: field 'code' must be one of"),
    ("missing precaution", lambda d: d["precautions"].pop(),
     "missing precaution codes under_18"),
    ("precaution without source", lambda d: d["precautions"][0].pop("source"),
     "precaution anticoagulant: field 'source'"),
    ("precaution kind", lambda d: d["precautions"][0].update(kind="maybe"), "field 'kind'"),
    ("duplicate precaution", lambda d: d["precautions"].append(copy.deepcopy(d["precautions"][0])),
     "duplicate precaution code 'anticoagulant'"),
    ("precaution empty phrases", lambda d: d["precautions"][0].update(phrases=[]),
     "needs phrases, same_sentence or age_below"),
    ("feature without detector", lambda d: d["features"].append({"name": "x", "label": "x"}),
     "feature 'x': needs"),
    ("duplicate feature", lambda d: d["features"].append(copy.deepcopy(d["features"][0])),
     "duplicate feature name 'age_50_plus'"),
    ("bad age", lambda d: d["features"][0].update(min_age="fifty"), "whole number"),
    ("missing section", lambda d: d.pop("questions"), "missing section 'questions'"),
    ("unknown section", lambda d: d.update(rule=[]), "unknown field.s. rule"),
    ("empty rules", lambda d: d.update(rules=[]), "rules: must be a non-empty list"),
    ("term name", lambda d: d["terms"].update({"Bad Name": ["x"]}), "lower_snake_case"),
    ("unused term", lambda d: d["terms"].update({"armpit": ["armpit"]}),
     "term 'armpit': not used"),
    ("unused feature", lambda d: rule(d, 1).update(combination=[["age_50_plus"]]),
     "feature 'headache': not used"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_rulebooks_are_rejected_with_a_clear_message(change, message):
    with pytest.raises(RulebookError, match=message):
        parse_rulebook(broken(change))


def test_not_a_mapping():
    with pytest.raises(RulebookError, match="must be a mapping"):
        parse_rulebook(["rules"])


def test_every_shipped_rule_and_precaution_has_a_source():
    rulebook = load_rulebook()
    assert all(r.source.strip() for r in rulebook.rules)
    assert all(p.source.strip() for p in rulebook.precautions)


def test_shipped_region_codes_match_the_intake_lexicon():
    from bot.intake.regions import REGION_CODES as INTAKE_REGION_CODES
    from bot.triage import REGION_CODES

    assert REGION_CODES == INTAKE_REGION_CODES


def test_every_reference_condition_has_a_rule():
    """shared/clinical/red-flags.md: every emergency and urgent row has at least one rule."""
    categories = {r.category for r in load_rulebook().rules}
    assert categories >= {
        "cauda_equina", "cardiac", "stroke", "cervical_arterial", "aaa", "breathing",
        "spinal_cord", "trauma", "infection", "compartment_dvt", "mental_health", "gca",
        "malignancy", "fracture", "neuro", "inflammatory", "needling_adverse",
    }  # fmt: skip
