"""Staff JSON API (`/api/v1`), bearer-token authenticated, documented with OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Blueprint, Request
from sanic.exceptions import BadRequest, NotFound
from sanic.response import JSONResponse, json
from sanic_ext import openapi

from bot.fhir import build_questionnaire, build_questionnaire_response, to_json_dict
from bot.store import intakes
from bot.store.intakes import IntakeActionError, IntakeFilter
from bot.web.audit import audit
from bot.web.auth import token_required

bp = Blueprint("api", url_prefix="/api/v1")
fhir_bp = Blueprint("fhir", url_prefix="/fhir")

MAX_PER_PAGE = 100
FHIR_RESOURCE = openapi.Object(description="FHIR R4 resource (JSON)")


# Schemas for the OpenAPI document (the handlers build plain dicts of the same shape).
@dataclass
class RedFlag:
    code: str
    label: str
    tier: str
    source: str


@dataclass
class Precaution:
    code: str
    label: str


@dataclass
class IntakeSummary:
    id: int
    conversation_id: str
    status: str
    urgency: str
    red_flags: list[RedFlag]
    precautions: list[Precaution]
    body_regions: list[str]
    side: str | None
    pain_score: int | None
    onset: str | None
    duration: str | None
    summary: str | None
    created_at: str
    updated_at: str
    escalated_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    assigned_to: str | None
    closed_at: str | None
    fhir: str


@dataclass
class IntakePage:
    items: list[IntakeSummary]
    page: int
    per_page: int
    total: int


@dataclass
class Contact:
    name: str | None
    phone: str | None


@dataclass
class IntakeDetail(IntakeSummary):
    """Adds the evidence in red_flags/precautions, all answers, contact, transcript, notes."""

    answers: dict
    contact: Contact
    transcript: list[dict]
    notes: list[dict]


@dataclass
class ApiError:
    description: str
    status: int
    message: str


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise BadRequest(f"{name} must be a positive whole number")
    return int(raw)


@bp.get("/intakes", name="list_intakes")
@openapi.summary("List intakes, newest first")
@openapi.parameter("urgency", str, "query", description="routine | urgent | emergency")
@openapi.parameter(
    "status",
    str,
    "query",
    description="in_progress | completed | needs_callback | escalated | acknowledged | closed",
)
@openapi.parameter("conversation_id", str, "query")
@openapi.parameter("page", int, "query", description="1-based page number (default 1)")
@openapi.parameter("per_page", int, "query", description=f"default 20, at most {MAX_PER_PAGE}")
@openapi.response(200, {"application/json": IntakePage}, "One page of intakes")
@openapi.response(400, {"application/json": ApiError}, "bad filter or paging value")
@openapi.response(401, {"application/json": ApiError}, "missing, unknown or revoked token")
@openapi.secured("token")
@token_required("view_queue")
async def list_intakes(request: Request) -> JSONResponse:
    page = _positive_int(request, "page", 1)
    per_page = min(_positive_int(request, "per_page", 20), MAX_PER_PAGE)
    try:
        filters = IntakeFilter(
            urgency=request.args.get("urgency") or None,
            status=request.args.get("status") or None,
            conversation_id=request.args.get("conversation_id") or None,
        )
    except IntakeActionError as error:
        raise BadRequest(str(error)) from error
    rows, total = await intakes.newest_first(
        request.ctx.db, filters, offset=(page - 1) * per_page, limit=per_page
    )
    audit(request, "api.list", "intake_queue", None, results=len(rows), page=page)
    await request.ctx.db.commit()
    base_url = request.app.ctx.settings.public_base_url
    return json(
        {
            "items": [intakes.intake_record(row, base_url, full=False) for row in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
        }
    )


@bp.get("/intakes/<intake_id:int>", name="get_intake")
@openapi.summary("One intake, with evidence, answers, contact, transcript and notes")
@openapi.response(200, {"application/json": IntakeDetail}, "The intake")
@openapi.response(401, {"application/json": ApiError}, "missing, unknown or revoked token")
@openapi.response(404, {"application/json": ApiError}, "no such intake")
@openapi.secured("token")
@token_required("view_intake")
async def get_intake(request: Request, intake_id: int) -> JSONResponse:
    intake = await intakes.get_intake(request.ctx.db, intake_id)
    if intake is None:
        raise NotFound("No such intake.")
    audit(request, "api.view", "intake", intake.id)
    await request.ctx.db.commit()
    return json(intakes.intake_record(intake, request.app.ctx.settings.public_base_url, full=True))


@bp.get("/intakes/<intake_id:int>/fhir", name="get_intake_fhir")
@openapi.summary("The intake as a FHIR R4 QuestionnaireResponse")
@openapi.response(200, {"application/fhir+json": FHIR_RESOURCE}, "QuestionnaireResponse")
@openapi.response(403, {"application/json": ApiError}, "the token's role may not export")
@openapi.secured("token")
@token_required("export_fhir")
async def get_intake_fhir(request: Request, intake_id: int) -> JSONResponse:
    intake = await intakes.get_intake(request.ctx.db, intake_id)
    if intake is None:
        raise NotFound("No such intake.")
    audit(request, "api.export_fhir", "intake", intake.id)
    await request.ctx.db.commit()
    resource = build_questionnaire_response(intake, request.app.ctx.settings.public_base_url)
    return json(to_json_dict(resource), content_type="application/fhir+json")


@fhir_bp.get("/Questionnaire/physio-intake", name="questionnaire")
@openapi.summary("The FHIR Questionnaire that intake exports answer (no patient data)")
@openapi.response(200, {"application/fhir+json": FHIR_RESOURCE}, "Questionnaire")
async def questionnaire(request: Request) -> JSONResponse:
    resource = build_questionnaire(request.app.ctx.settings.public_base_url)
    return json(to_json_dict(resource), content_type="application/fhir+json")
