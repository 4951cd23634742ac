"""Summary text of an intake: the patient's read-back and the clinician's compact version.

`flags` and `precautions` may be the triage engine's `FlagMatch` / `PrecautionMatch` objects,
the store's dicts (`{"code", "label", "tier", ...}`) or plain codes. Answers the patient skipped
or never gave (None, "", [], "not given") read "Not given".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.intake.fields import FIELD_LABELS
from bot.intake.regions import region_label
from bot.triage.tiers import RULE_TIERS, TIERS, max_tier

NOT_GIVEN = "Not given"
_PATIENT_TEXT_LIMIT = 200
_CLINICIAN_TEXT_LIMIT = 400
_MISSING_WORDS = frozenset({"", "not given", "skipped", "none given"})
_SIDE_WORDS = {
    "left": "left side",
    "right": "right side",
    "both": "both sides",
    "central": "middle",
}
_ONSET_WORDS = {"sudden": "Suddenly", "gradual": "Gradually"}
_RESPONDENT_WORDS = {"self": "The patient", "parent_or_guardian": "A parent or guardian"}

# Free-text answers shown to the patient one per line, in intake order.
_PATIENT_TEXT_FIELDS = (
    "pain_pattern", "aggravating", "easing", "treatments_tried", "health_history", "goals",
)  # fmt: skip


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in _MISSING_WORDS
    if isinstance(value, (list, tuple, set, frozenset)):
        return not any(not _missing(item) for item in value)
    return False


def _one_line(value: Any, limit: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(answers: Mapping[str, Any], key: str, limit: int = _PATIENT_TEXT_LIMIT) -> str:
    value = answers.get(key)
    return NOT_GIVEN if _missing(value) else _one_line(value, limit)


def _attribute(item: Any, name: str) -> str:
    if isinstance(item, str):  # a bare code
        return item if name in {"code", "label"} else ""
    value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)
    return "" if value is None else str(value)


def _labels(items: Iterable[Any]) -> list[str]:
    return [_attribute(item, "label") or _attribute(item, "code") for item in items]


def _where(answers: Mapping[str, Any]) -> str:
    regions = answers.get("body_regions")
    if isinstance(regions, str):
        regions = [regions]
    if _missing(regions):
        return NOT_GIVEN
    where = ", ".join(region_label(code) for code in regions if not _missing(code))
    side = answers.get("side")
    if isinstance(side, str) and side in _SIDE_WORDS:
        where += f" ({_SIDE_WORDS[side]})"
    return where


def _onset(answers: Mapping[str, Any], limit: int) -> str:
    onset = answers.get("onset")
    if _missing(onset):
        return NOT_GIVEN
    return _ONSET_WORDS.get(str(onset), _one_line(onset, limit))


def _duration(answers: Mapping[str, Any], with_days: bool) -> str:
    duration = _text(answers, "duration")
    days = answers.get("duration_days")
    if with_days and duration != NOT_GIVEN and isinstance(days, int):
        return f"{duration} ({days} d)"
    return duration


def _pain(answers: Mapping[str, Any]) -> str:
    score = answers.get("pain_score")
    if isinstance(score, (int, float)) and not isinstance(score, bool):
        return f"{score:g} out of 10"
    return _text(answers, "pain_score")


def build_summary(
    answers: Mapping[str, Any], flags: Iterable[Any] = (), precautions: Iterable[Any] = ()
) -> str:
    """The read-back for the patient: one short, plain line per answer."""
    label = FIELD_LABELS
    lines = ["Here is what you've told us:"]
    lines.append(f"- {label['complaint']}: {_text(answers, 'complaint')}")
    lines.append(f"- {label['body_regions']}: {_where(answers)}")
    lines.append(f"- {label['onset']}: {_onset(answers, _PATIENT_TEXT_LIMIT)}")
    mechanism = answers.get("mechanism")
    if not _missing(mechanism) and str(mechanism) != str(answers.get("onset")):
        lines.append(f"- {label['mechanism']}: {_one_line(mechanism, _PATIENT_TEXT_LIMIT)}")
    lines.append(f"- {label['duration']}: {_duration(answers, with_days=False)}")
    lines.append(f"- {label['pain_score']}: {_pain(answers)}")
    lines += [f"- {label[key]}: {_text(answers, key)}" for key in _PATIENT_TEXT_FIELDS]
    lines.append(f"- {label['age']}: {_text(answers, 'age')}")
    respondent = answers.get("respondent")
    if respondent == "parent_or_guardian":
        lines.append(f"- {label['respondent']}: a parent or guardian")
    lines.append(f"- {label['contact_name']}: {_text(answers, 'contact_name')}")
    lines.append(f"- {label['contact_phone']}: {_text(answers, 'contact_phone')}")
    flag_labels = _labels(flags)
    if flag_labels:
        lines.append("A clinician will look at: " + "; ".join(flag_labels) + ".")
    precaution_labels = _labels(precautions)
    if precaution_labels:
        lines.append(
            "Noted for your physiotherapist before any needling: "
            + "; ".join(precaution_labels)
            + "."
        )
    return "\n".join(lines)


def _highest_tier(flags: list[Any]) -> str:
    known = [tier for flag in flags if (tier := _attribute(flag, "tier")) in TIERS]
    if len(known) < len(flags):
        # A rule never fires "routine", so a flag without a tier still means at least urgent.
        known.append(RULE_TIERS[0])
    return max_tier(*known)


def _yes_no(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "not asked" if _missing(value) else _one_line(value, 40)


def build_clinician_summary(
    answers: Mapping[str, Any],
    flags: Iterable[Any] = (),
    precautions: Iterable[Any] = (),
    tier: str | None = None,
) -> str:
    """The compact version for the dashboard: tier and flags first, then one line per topic.

    `tier` defaults to the highest tier among the flags (routine without flags).
    """
    flags = list(flags)
    tier = tier if tier in TIERS else _highest_tier(flags)
    limit = _CLINICIAN_TEXT_LIMIT
    count = len(flags)
    plural = "" if count == 1 else "s"
    lines = [f"{tier.upper()} - " + (f"{count} red flag{plural}" if flags else "no red flags")]
    for flag in flags:
        flag_tier = _attribute(flag, "tier")
        evidence = _attribute(flag, "evidence")
        line = f"! {_attribute(flag, 'label') or _attribute(flag, 'code')}"
        line += f" [{flag_tier}]" if flag_tier else ""
        line += f': "{_one_line(evidence, 120)}"' if evidence else ""
        lines.append(line)
    precaution_labels = _labels(precautions)
    lines.append("Precautions: " + ("; ".join(precaution_labels) if precaution_labels else "none"))

    who = f"Age: {_text(answers, 'age')}"
    if answers.get("respondent") == "parent_or_guardian":
        who += " (answered by a parent or guardian)"
    onset = _onset(answers, 60)
    mechanism = answers.get("mechanism")
    if not _missing(mechanism) and str(mechanism) != str(answers.get("onset")):
        onset += f" ({_one_line(mechanism, 80)})"
    lines.append(
        f"{who} | Where: {_where(answers)} | Onset: {onset}"
        f" | Duration: {_duration(answers, with_days=True)}"
        f" | Pain: {_pain(answers).replace(' out of ', '/')}"
    )
    lines.append(f"Complaint: {_text(answers, 'complaint', limit)}")
    lines.append(
        f"Pattern: {_text(answers, 'pain_pattern', limit)} | Worse: "
        f"{_text(answers, 'aggravating', limit)} | Better: {_text(answers, 'easing', limit)}"
    )
    lines.append(f"Tried: {_text(answers, 'treatments_tried', limit)}")
    lines.append(f"History: {_text(answers, 'health_history', limit)}")
    lines.append(f"Goals: {_text(answers, 'goals', limit)}")
    lines.append(
        f"Screening: emergency symptoms {_yes_no(answers.get('screen_initial'))}; "
        f"area warning signs {_yes_no(answers.get('screen_region'))}"
    )
    lines.append(
        f"Contact: {_text(answers, 'contact_name', 100)}, {_text(answers, 'contact_phone', 40)}"
    )
    return "\n".join(lines)
