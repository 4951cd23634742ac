"""Urgency tiers (shared/conventions.md): emergency > urgent > routine; a tier only goes up."""

from __future__ import annotations

TIERS: tuple[str, ...] = ("routine", "urgent", "emergency")  # lowest first
RULE_TIERS: tuple[str, ...] = ("urgent", "emergency")  # a rule never fires "routine"

# The escalation message a rule asks for (domain response `utter_escalate_<response>`), per tier,
# in priority order: when several flags fire, the first listed response present wins.
RESPONSES: dict[str, tuple[str, ...]] = {
    "emergency": ("emergency_suicide", "emergency"),
    "urgent": ("urgent_mental_health", "urgent"),
}


def tier_rank(tier: str) -> int:
    """0 for routine, 1 for urgent, 2 for emergency; ValueError for anything else."""
    try:
        return TIERS.index(tier)
    except ValueError:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}") from None


def max_tier(*tiers: str) -> str:
    """The highest of the given tiers ("routine" when none are given)."""
    return max(tiers, key=tier_rank, default="routine")
