"""The rulebook's definitions and the engine's results, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.triage.tiers import RESPONSES

# shared/conventions.md
REGION_CODES: tuple[str, ...] = (
    "head", "jaw", "neck", "upper_back", "lower_back", "chest_wall", "shoulder", "upper_arm",
    "elbow", "forearm", "wrist_hand", "hip", "buttock", "thigh", "knee", "lower_leg",
    "ankle_foot", "abdomen", "whole_body",
)  # fmt: skip
PRECAUTION_CODES: tuple[str, ...] = (
    "anticoagulant", "pregnancy", "needle_phobia", "lymphedema", "immunocompromised", "diabetes",
    "metal_allergy", "recent_surgery", "local_infection", "pacemaker_or_implant", "epilepsy",
    "under_18",
)  # fmt: skip


class RulebookError(ValueError):
    """The rulebook file is invalid; the message names the entry and the field."""


@dataclass(frozen=True)
class Detector:
    """How a finding shows in free text: any phrase, or one term of each listed term list in
    the same sentence (term lists are the rulebook's `terms`)."""

    phrases: tuple[str, ...] = ()
    same_sentence: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Feature:
    """A finding that matters only in combination (never fires on its own)."""

    name: str
    label: str
    detector: Detector = Detector()
    regions: tuple[str, ...] = ()  # present when answers["body_regions"] has one of these
    min_age: int | None = None  # present when the age is at least this
    max_age: int | None = None  # present when the age is at most this
    min_pain_score: int | None = None  # present when answers["pain_score"] is at least this
    personal_only: bool = False  # ignore mentions about someone else ("my mum had cancer")


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    tier: str  # "urgent" | "emergency"
    category: str
    response: str
    source: str
    detector: Detector = Detector()
    # Every group must be met; a group is met by any one of its features.
    combination: tuple[tuple[str, ...], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Precaution:
    code: str
    label: str
    kind: str  # "absolute" | "relative"
    source: str
    detector: Detector = Detector()
    age_below: int | None = None


@dataclass(frozen=True)
class ScreeningQuestion:
    id: str
    text: str  # the whole question as shown to the patient (intro + bulleted items)
    short_text: str  # what a "yes" means, for evidence and summaries
    rule_codes: tuple[str, ...]
    ask: str = ""  # the intro line
    items: tuple[str, ...] = ()  # the bullets
    regions: tuple[str, ...] = ()  # empty for the initial question
    min_age: int | None = None  # asked only from this age (and when the age is unknown)
    tier: str = "urgent"  # the highest tier among its rules: what a "yes" means

    @property
    def answer_key(self) -> str:
        """The answers key holding the patient's yes/no ("screen_<id>")."""
        return f"screen_{self.id}"


@dataclass(frozen=True)
class FlagMatch:
    code: str
    label: str
    tier: str
    source: str
    evidence: str  # the patient's own words (or "answered yes to: …", "age 67")
    response: str
    category: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "label": self.label,
            "tier": self.tier,
            "source": self.source,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class PrecautionMatch:
    code: str
    label: str
    evidence: str
    kind: str = "relative"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "evidence": self.evidence}


@dataclass(frozen=True)
class Assessment:
    tier: str
    flags: tuple[FlagMatch, ...] = ()
    precautions: tuple[PrecautionMatch, ...] = ()
    responses: tuple[str, ...] = field(default=())  # escalation messages, most specific first

    @property
    def response(self) -> str | None:
        """The escalation response to send (`utter_escalate_<response>`), None when routine."""
        return self.responses[0] if self.responses else None

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "response": self.response,
            "red_flags": [flag.as_dict() for flag in self.flags],
            "precautions": [precaution.as_dict() for precaution in self.precautions],
        }


def responses_for(tier: str, flags: tuple[FlagMatch, ...]) -> tuple[str, ...]:
    """The responses asked for by the flags of the top tier, in priority order."""
    if tier not in RESPONSES:
        return ()
    wanted = {flag.response for flag in flags if flag.tier == tier}
    return tuple(response for response in RESPONSES[tier] if response in wanted)
