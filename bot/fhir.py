"""FHIR export: an intake as a QuestionnaireResponse plus the Questionnaire it answers.

Built with fhir.resources' R4B models (FHIR 4.3, wire-compatible with R4 for these two
resources), so every export is validated before it leaves the service.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bot.store.models import URGENCY_TIERS, Intake

QUESTIONNAIRE_ID = "physio-intake"
QUESTIONNAIRE_VERSION = "1"
BODY_REGIONS = (
    "head", "jaw", "neck", "upper_back", "lower_back", "chest_wall", "shoulder", "upper_arm",
    "elbow", "forearm", "wrist_hand", "hip", "buttock", "thigh", "knee", "lower_leg",
    "ankle_foot", "abdomen", "whole_body",
)  # fmt: skip
SIDES = ("left", "right", "both", "central")

# (linkId, text, FHIR item type) for the intake answers, in the order a clinician reads them.
ANSWER_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("complaint", "Main complaint", "text"),
    ("body_regions", "Body regions", "choice"),
    ("side", "Side", "choice"),
    ("onset", "Onset", "string"),
    ("mechanism", "Mechanism of injury", "text"),
    ("duration", "Duration", "string"),
    ("duration_days", "Duration in days", "integer"),
    ("pain_score", "Pain score (0-10)", "integer"),
    ("pain_pattern", "Pain pattern", "text"),
    ("aggravating", "Aggravating factors", "text"),
    ("easing", "Easing factors", "text"),
    ("treatments_tried", "Treatments tried", "text"),
    ("health_history", "Health history", "text"),
    ("goals", "Goals", "text"),
    ("age", "Age", "integer"),
    ("respondent", "Who is answering", "string"),
    ("consent", "Consent to the intake", "boolean"),
    ("contact_name", "Contact name", "string"),
    ("contact_phone", "Contact phone", "string"),
)
ANSWER_VALUE_KEYS = {
    "text": "valueString",
    "string": "valueString",
    "integer": "valueInteger",
    "boolean": "valueBoolean",
}


def _system(base_url: str, name: str) -> str:
    return f"{base_url}/fhir/CodeSystem/{name}"


def questionnaire_url(base_url: str) -> str:
    return f"{base_url}/fhir/Questionnaire/{QUESTIONNAIRE_ID}"


def _options(base_url: str, name: str, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    system = _system(base_url, name)
    return [{"valueCoding": {"system": system, "code": code}} for code in codes]


def build_questionnaire(base_url: str) -> Questionnaire:
    """The Questionnaire every exported QuestionnaireResponse points at."""
    answer_items = []
    for link_id, text, item_type in ANSWER_ITEMS:
        item: dict[str, Any] = {"linkId": link_id, "text": text, "type": item_type}
        if link_id == "body_regions":
            item.update(repeats=True, answerOption=_options(base_url, "body-region", BODY_REGIONS))
        elif link_id == "side":
            item["answerOption"] = _options(base_url, "side", SIDES)
        answer_items.append(item)
    triage_items = [
        {
            "linkId": "urgency",
            "text": "Urgency tier",
            "type": "choice",
            "required": True,
            "answerOption": _options(base_url, "urgency", URGENCY_TIERS),
        },
        {
            "linkId": "red_flags",
            "text": "Red flags",
            "type": "open-choice",
            "repeats": True,
            "item": [
                {"linkId": "red_flags.tier", "text": "Tier", "type": "string"},
                {"linkId": "red_flags.evidence", "text": "Patient's words", "type": "text"},
                {"linkId": "red_flags.source", "text": "Rule source", "type": "string"},
            ],
        },
        {
            "linkId": "precautions",
            "text": "Dry-needling precautions",
            "type": "open-choice",
            "repeats": True,
            "item": [{"linkId": "precautions.evidence", "text": "Patient's words", "type": "text"}],
        },
    ]
    return Questionnaire.model_validate(
        {
            "resourceType": "Questionnaire",
            "id": QUESTIONNAIRE_ID,
            "url": questionnaire_url(base_url),
            "version": QUESTIONNAIRE_VERSION,
            "name": "PhysioIntake",
            "title": "Physiotherapy and dry-needling symptom intake",
            "status": "active",
            "subjectType": ["Patient"],
            "item": [
                {"linkId": "triage", "text": "Triage", "type": "group", "item": triage_items},
                {"linkId": "answers", "text": "Intake", "type": "group", "item": answer_items},
                {"linkId": "summary", "text": "Summary", "type": "text"},
            ],
        }
    )


def _answer(item_type: str, value: Any, system: str) -> dict[str, Any]:
    if item_type == "choice":
        return {"valueCoding": {"system": system, "code": str(value)}}
    key = ANSWER_VALUE_KEYS[item_type]
    if key == "valueInteger" and isinstance(value, int | float) and not isinstance(value, bool):
        return {key: int(value)}
    if key == "valueBoolean" and isinstance(value, bool):
        return {key: value}
    return {"valueString": str(value)}  # keep an unexpected value rather than drop it


def _text_item(link_id: str, value: Any) -> dict[str, Any]:
    return {"linkId": link_id, "answer": [{"valueString": str(value)}]}


def build_questionnaire_response(intake: Intake, base_url: str) -> QuestionnaireResponse:
    """The intake as a validated QuestionnaireResponse."""
    urgency_system = _system(base_url, "urgency")
    red_flag_answers = [
        {
            "valueCoding": {
                "system": _system(base_url, "red-flag"),
                "code": flag["code"],
                "display": flag.get("label") or flag["code"],
            },
            "item": [
                _text_item(f"red_flags.{key}", flag[key])
                for key in ("tier", "evidence", "source")
                if flag.get(key)
            ]
            or None,
        }
        for flag in intake.red_flags
    ]
    precaution_answers = [
        {
            "valueCoding": {
                "system": _system(base_url, "precaution"),
                "code": precaution["code"],
                "display": precaution.get("label") or precaution["code"],
            },
            "item": [_text_item("precautions.evidence", precaution["evidence"])]
            if precaution.get("evidence")
            else None,
        }
        for precaution in intake.precautions
    ]
    triage = [{"linkId": "urgency", "answer": [_answer("choice", intake.urgency, urgency_system)]}]
    if red_flag_answers:
        triage.append({"linkId": "red_flags", "answer": red_flag_answers})
    if precaution_answers:
        triage.append({"linkId": "precautions", "answer": precaution_answers})

    answer_items = []
    for link_id, text, item_type in ANSWER_ITEMS:
        value = intake.answers.get(link_id)
        if value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list) else [value]
        system = _system(base_url, "body-region" if link_id == "body_regions" else "side")
        answer_items.append(
            {
                "linkId": link_id,
                "text": text,
                "answer": [_answer(item_type, each, system) for each in values],
            }
        )

    items: list[dict[str, Any]] = [{"linkId": "triage", "item": triage}]
    if answer_items:
        items.append({"linkId": "answers", "item": answer_items})
    if intake.summary:
        items.append(_text_item("summary", intake.summary))
    return QuestionnaireResponse.model_validate(
        {
            "resourceType": "QuestionnaireResponse",
            "id": f"intake-{intake.id}",
            "identifier": {
                "system": f"{base_url}/fhir/NamingSystem/conversation-id",
                "value": intake.conversation_id,
            },
            "questionnaire": f"{questionnaire_url(base_url)}|{QUESTIONNAIRE_VERSION}",
            "status": "in-progress" if intake.status == "in_progress" else "completed",
            "authored": intake.updated_at.isoformat(),
            "item": items,
        }
    )


def to_json_dict(resource: Questionnaire | QuestionnaireResponse) -> dict[str, Any]:
    return resource.model_dump(mode="json", by_alias=True, exclude_none=True)
