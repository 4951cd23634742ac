"""Read and validate rulebook.yml. Every problem raises RulebookError naming the entry and field.

The checks are what a reviewer cannot be trusted to spot by eye: allowed tiers and responses,
the code prefix matching the tier, unique codes, a source on every rule and precaution, region
and precaution codes from shared/conventions.md, no unknown keys (a typo such as `phrase:` would
otherwise silently disable a rule), term, feature and rule references that exist, and phrases
that still say something once normalised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.triage.model import (
    PRECAUTION_CODES,
    REGION_CODES,
    Detector,
    Feature,
    Precaution,
    Rule,
    RulebookError,
    ScreeningQuestion,
)
from bot.triage.text import FUNCTION_WORDS, NEGATION_CUES, is_punct, phrase_stems, words
from bot.triage.tiers import RESPONSES, RULE_TIERS, max_tier

INITIAL_QUESTION_ID = "initial"
_CODE_PREFIX = {"emergency": "EMERG_", "urgent": "URG_"}
_CODE_RE = re.compile(r"^(EMERG|URG)_[A-Z0-9]+(?:_[A-Z0-9]+)*$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_LEVEL = {"version", "spelling", "terms", "features", "rules", "precautions", "questions"}
_DETECTOR_KEYS = {"phrases", "same_sentence"}
_RULE_KEYS = {"code", "label", "tier", "category", "response", "source", "combination", "note"}
_FEATURE_KEYS = {"name", "label", "regions", "min_age", "max_age", "min_pain_score"}
_FEATURE_KEYS |= {"personal_only"}
_PRECAUTION_KEYS = {"code", "label", "kind", "source", "age_below"}
_QUESTION_KEYS = {"id", "ask", "items", "short_text", "rules", "regions", "min_age"}
PRECAUTION_KINDS = ("absolute", "relative")
# libyaml's safe loader is ~20x faster than the pure-Python one (the Rasa engine starts faster).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class RulebookData:
    version: int
    never_correct: tuple[str, ...]
    terms: Mapping[str, tuple[str, ...]]
    features: tuple[Feature, ...]
    rules: tuple[Rule, ...]
    precautions: tuple[Precaution, ...]
    questions: tuple[ScreeningQuestion, ...]


def read_rulebook(path: Path) -> RulebookData:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except (OSError, yaml.YAMLError) as error:
        raise RulebookError(f"{path}: cannot read the rulebook: {error}") from error
    return parse_rulebook(raw, source_name=str(path))


def parse_rulebook(raw: Any, source_name: str = "rulebook") -> RulebookData:
    if not isinstance(raw, dict):
        raise RulebookError(f"{source_name}: the file must be a mapping of sections")
    _no_unknown_keys(raw, _TOP_LEVEL, source_name)
    for section in ("rules", "precautions", "questions"):
        if section not in raw:
            raise RulebookError(f"{source_name}: missing section '{section}'")
    version = raw.get("version", 1)
    if not isinstance(version, int):
        raise RulebookError(f"{source_name}: 'version' must be an integer")
    spelling = raw.get("spelling") or {}
    _no_unknown_keys(spelling, {"never_correct"}, "spelling")
    never_correct = _str_list(spelling, "never_correct", "spelling", required=False)

    terms = _parse_terms(raw.get("terms") or {})
    features = tuple(
        _parse_feature(entry, terms) for entry in _entries(raw.get("features") or [], "features")
    )
    _unique((f.name for f in features), "feature name")
    feature_names = {f.name for f in features}
    rules = tuple(
        _parse_rule(entry, terms, feature_names) for entry in _entries(raw["rules"], "rules")
    )
    _unique((r.code for r in rules), "rule code")
    precautions = tuple(
        _parse_precaution(entry, terms) for entry in _entries(raw["precautions"], "precautions")
    )
    _unique((p.code for p in precautions), "precaution code")
    missing = sorted(set(PRECAUTION_CODES) - {p.code for p in precautions})
    if missing:
        raise RulebookError(f"precautions: missing precaution codes {', '.join(missing)}")
    _all_used(terms, features, rules, precautions)
    rules_by_code = {r.code: r for r in rules}
    questions = tuple(
        _parse_question(entry, rules_by_code) for entry in _entries(raw["questions"], "questions")
    )
    _unique((q.id for q in questions), "question id")
    if INITIAL_QUESTION_ID not in {q.id for q in questions}:
        raise RulebookError(f"questions: there must be a question with id '{INITIAL_QUESTION_ID}'")
    return RulebookData(
        version=version,
        never_correct=never_correct,
        terms=terms,
        features=features,
        rules=rules,
        precautions=precautions,
        questions=questions,
    )


def _all_used(
    terms: Mapping[str, tuple[str, ...]],
    features: tuple[Feature, ...],
    rules: tuple[Rule, ...],
    precautions: tuple[Precaution, ...],
) -> None:
    """An unused term or feature is almost always a rule someone forgot to wire up."""
    used_features = {name for rule in rules for group in rule.combination for name in group}
    for feature in features:
        if feature.name not in used_features:
            raise RulebookError(f"feature '{feature.name}': not used by any rule's combination")
    used_terms = {
        name
        for entry in (*features, *rules, *precautions)
        for group in entry.detector.same_sentence
        for name in group
    }
    for name in terms:
        if name not in used_terms:
            raise RulebookError(f"term '{name}': not used by any same_sentence group")


def _entries(value: Any, section: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise RulebookError(f"{section}: must be a non-empty list")
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise RulebookError(f"{section}: entry {position} must be a mapping")
    return value


def _parse_terms(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise RulebookError("terms: must be a mapping of name -> list of phrases")
    terms: dict[str, tuple[str, ...]] = {}
    for name, phrases in raw.items():
        where = f"term '{name}'"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise RulebookError(f"{where}: names are lower_snake_case")
        terms[name] = _phrases({"phrases": phrases}, "phrases", where, required=True)
    return terms


def _parse_detector(
    entry: dict[str, Any], where: str, terms: Mapping[str, tuple[str, ...]]
) -> Detector:
    phrases = _phrases(entry, "phrases", where, required=False)
    groups_raw = entry.get("same_sentence", [])
    if not isinstance(groups_raw, list):
        raise RulebookError(f"{where}: field 'same_sentence' must be a list of term-name lists")
    groups: list[tuple[str, ...]] = []
    for group in groups_raw:
        if not isinstance(group, list) or len(group) < 2:
            raise RulebookError(f"{where}: each 'same_sentence' group lists at least two terms")
        for name in group:
            if name not in terms:
                raise RulebookError(f"{where}: field 'same_sentence' names unknown term {name!r}")
        groups.append(tuple(group))
    return Detector(phrases=phrases, same_sentence=tuple(groups))


def _parse_feature(entry: dict[str, Any], terms: Mapping[str, tuple[str, ...]]) -> Feature:
    name = entry.get("name")
    where = f"feature '{name}'"
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RulebookError(f"{where}: field 'name' must be lower_snake_case")
    _no_unknown_keys(entry, _FEATURE_KEYS | _DETECTOR_KEYS, where)
    feature = Feature(
        name=name,
        label=_str(entry, "label", where),
        detector=_parse_detector(entry, where, terms),
        regions=_regions(entry, where, required=False),
        min_age=_optional_int(entry, "min_age", where),
        max_age=_optional_int(entry, "max_age", where),
        min_pain_score=_optional_int(entry, "min_pain_score", where),
        personal_only=_optional_bool(entry, "personal_only", where),
    )
    has_text = feature.detector.phrases or feature.detector.same_sentence
    has_answer = feature.regions or feature.min_pain_score is not None
    has_age = feature.min_age is not None or feature.max_age is not None
    if not (has_text or has_answer or has_age):
        raise RulebookError(f"{where}: needs phrases, same_sentence, regions, an age or a score")
    return feature


def _parse_rule(
    entry: dict[str, Any], terms: Mapping[str, tuple[str, ...]], features: set[str]
) -> Rule:
    code = entry.get("code")
    where = f"rule {code}"
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise RulebookError(f"{where}: field 'code' must look like EMERG_WORDS or URG_WORDS")
    _no_unknown_keys(entry, _RULE_KEYS | _DETECTOR_KEYS, where)
    tier = _str(entry, "tier", where)
    if tier not in RULE_TIERS:
        raise RulebookError(
            f"{where}: field 'tier' must be one of {', '.join(RULE_TIERS)} (got {tier!r})"
        )
    if not code.startswith(_CODE_PREFIX[tier]):
        raise RulebookError(f"{where}: a {tier} rule's code starts with {_CODE_PREFIX[tier]}")
    response = _str(entry, "response", where)
    if response not in RESPONSES[tier]:
        allowed = ", ".join(RESPONSES[tier])
        raise RulebookError(f"{where}: field 'response' for a {tier} rule is one of {allowed}")
    rule = Rule(
        code=code,
        label=_str(entry, "label", where),
        tier=tier,
        category=_str(entry, "category", where),
        response=response,
        source=_str(entry, "source", where),
        detector=_parse_detector(entry, where, terms),
        combination=_combination(entry, where, features),
        note=_str(entry, "note", where, required=False),
    )
    if not (rule.detector.phrases or rule.detector.same_sentence or rule.combination):
        raise RulebookError(f"{where}: needs at least one of phrases, same_sentence, combination")
    return rule


def _combination(
    entry: dict[str, Any], where: str, features: set[str]
) -> tuple[tuple[str, ...], ...]:
    raw = entry.get("combination", [])
    if not isinstance(raw, list):
        raise RulebookError(f"{where}: field 'combination' must be a list of feature-name lists")
    groups: list[tuple[str, ...]] = []
    for group in raw:
        if not isinstance(group, list) or not group:
            raise RulebookError(f"{where}: each 'combination' group is a non-empty list")
        for name in group:
            if name not in features:
                raise RulebookError(f"{where}: field 'combination' names unknown feature {name!r}")
        groups.append(tuple(group))
    return tuple(groups)


def _parse_precaution(entry: dict[str, Any], terms: Mapping[str, tuple[str, ...]]) -> Precaution:
    code = entry.get("code")
    where = f"precaution {code}"
    if code not in PRECAUTION_CODES:
        raise RulebookError(
            f"{where}: field 'code' must be one of {', '.join(PRECAUTION_CODES)} (conventions.md)"
        )
    _no_unknown_keys(entry, _PRECAUTION_KEYS | _DETECTOR_KEYS, where)
    kind = _str(entry, "kind", where)
    if kind not in PRECAUTION_KINDS:
        raise RulebookError(f"{where}: field 'kind' must be one of {', '.join(PRECAUTION_KINDS)}")
    precaution = Precaution(
        code=code,
        label=_str(entry, "label", where),
        kind=kind,
        source=_str(entry, "source", where),
        detector=_parse_detector(entry, where, terms),
        age_below=_optional_int(entry, "age_below", where),
    )
    detector = precaution.detector
    if not (detector.phrases or detector.same_sentence or precaution.age_below is not None):
        raise RulebookError(f"{where}: needs phrases, same_sentence or age_below")
    return precaution


def _parse_question(entry: dict[str, Any], rules: Mapping[str, Rule]) -> ScreeningQuestion:
    question_id = entry.get("id")
    where = f"question '{question_id}'"
    if not isinstance(question_id, str) or not _NAME_RE.match(question_id):
        raise RulebookError(f"{where}: field 'id' must be lower_snake_case")
    _no_unknown_keys(entry, _QUESTION_KEYS, where)
    ask = _str(entry, "ask", where)
    items = _str_list(entry, "items", where, required=False)
    codes = _str_list(entry, "rules", where, required=True)
    for code in codes:
        if code not in rules:
            raise RulebookError(f"{where}: field 'rules' names unknown rule {code!r}")
    regions = _regions(entry, where, required=question_id != INITIAL_QUESTION_ID)
    if question_id == INITIAL_QUESTION_ID and regions:
        raise RulebookError(f"{where}: the initial question is asked of everyone (no regions)")
    text = "\n".join([ask, *(f"- {item}" for item in items)])
    return ScreeningQuestion(
        id=question_id,
        text=text,
        short_text=_str(entry, "short_text", where),
        rule_codes=codes,
        ask=ask,
        items=items,
        regions=regions,
        min_age=_optional_int(entry, "min_age", where),
        tier=max_tier(*(rules[code].tier for code in codes)),
    )


def _regions(entry: dict[str, Any], where: str, required: bool) -> tuple[str, ...]:
    regions = _str_list(entry, "regions", where, required=required)
    for region in regions:
        if region not in REGION_CODES:
            raise RulebookError(
                f"{where}: field 'regions' has unknown region code {region!r} (conventions.md)"
            )
    return regions


def _phrases(entry: dict[str, Any], key: str, where: str, required: bool) -> tuple[str, ...]:
    phrases = _str_list(entry, key, where, required=required)
    for phrase in phrases:
        if not phrase_stems(phrase):
            raise RulebookError(f"{where}: phrase {phrase!r} in '{key}' has no words to match")
        phrase_words_ = [w for w in words(phrase) if not is_punct(w)]
        has_cue = any(w in NEGATION_CUES for w in phrase_words_)
        if has_cue and all(w in FUNCTION_WORDS for w in phrase_words_):
            # "never had" would match inside "never had cancer" and undo its negation.
            raise RulebookError(
                f"{where}: phrase {phrase!r} in '{key}' is a negation with only grammar words"
            )
    return phrases


def _str(entry: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise RulebookError(f"{where}: field '{key}' must be a non-empty string")
    return value.strip()


def _str_list(entry: dict[str, Any], key: str, where: str, required: bool) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        if required:
            raise RulebookError(f"{where}: field '{key}' is required")
        return ()
    if not isinstance(value, list) or (required and not value):
        raise RulebookError(f"{where}: field '{key}' must be a non-empty list")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise RulebookError(f"{where}: field '{key}' has an empty or non-text entry")
    return tuple(item.strip() for item in value)


def _optional_int(entry: dict[str, Any], key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RulebookError(f"{where}: field '{key}' must be a whole number")
    return value


def _optional_bool(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise RulebookError(f"{where}: field '{key}' must be true or false")
    return value


def _no_unknown_keys(entry: Any, allowed: set[str], where: str) -> None:
    if not isinstance(entry, dict):
        raise RulebookError(f"{where}: must be a mapping")
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise RulebookError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _unique(values: Any, what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise RulebookError(f"duplicate {what} {value!r}")
        seen.add(value)
