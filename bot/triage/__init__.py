"""Red-flag triage: the clinician-reviewed rulebook (rulebook.yml) and a deterministic engine.

    from bot.triage import load_rulebook
    rulebook = load_rulebook()
    assessment = rulebook.assess(["my back hurts", "I can't feel it when I wipe"], {"age": 45})
    assessment.tier        # "emergency"
    assessment.flags[0]    # FlagMatch(code="EMERG_CES_SADDLE", ..., evidence="I can't feel…")

Standard library and PyYAML only: imported by the Rasa engine (pydantic 1) and the app.
"""

from bot.triage.engine import Rulebook, load_rulebook
from bot.triage.model import (
    PRECAUTION_CODES,
    REGION_CODES,
    Assessment,
    Feature,
    FlagMatch,
    Precaution,
    PrecautionMatch,
    Rule,
    RulebookError,
    ScreeningQuestion,
)
from bot.triage.tiers import TIERS, max_tier, tier_rank

__all__ = [
    "PRECAUTION_CODES",
    "REGION_CODES",
    "TIERS",
    "Assessment",
    "Feature",
    "FlagMatch",
    "Precaution",
    "PrecautionMatch",
    "Rule",
    "Rulebook",
    "RulebookError",
    "ScreeningQuestion",
    "load_rulebook",
    "max_tier",
    "tier_rank",
]
