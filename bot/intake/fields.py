"""The canonical intake fields, in the order the intake asks them.

Each key is also a slot of the same name in `domain.yml`. The label is the human name used in
the patient's read-back summary and on the staff dashboard, so it avoids clinical jargon.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntakeField:
    key: str
    label: str


FIELDS: tuple[IntakeField, ...] = (
    IntakeField("consent", "Agreed to the intake"),
    IntakeField("age", "Age"),
    IntakeField("respondent", "Answered by"),
    IntakeField("screen_initial", "Emergency symptoms"),
    IntakeField("complaint", "Main problem"),
    IntakeField("body_regions", "Where it hurts"),
    IntakeField("side", "Side"),
    IntakeField("onset", "How it started"),
    IntakeField("mechanism", "What happened"),
    IntakeField("duration", "How long"),
    IntakeField("duration_days", "How long (days)"),
    IntakeField("pain_score", "Pain score"),
    IntakeField("pain_pattern", "When it hurts"),
    IntakeField("aggravating", "Makes it worse"),
    IntakeField("easing", "Makes it better"),
    IntakeField("treatments_tried", "Tried so far"),
    IntakeField("health_history", "Health and medicines"),
    IntakeField("screen_region", "Warning signs for this area"),
    IntakeField("goals", "Goals"),
    IntakeField("contact_name", "Name"),
    IntakeField("contact_phone", "Phone"),
)

INTAKE_FIELDS: tuple[str, ...] = tuple(field.key for field in FIELDS)
FIELD_LABELS: dict[str, str] = {field.key: field.label for field in FIELDS}
