"""Staff JSON API (`/api/v1`), bearer-token authenticated, documented with OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass

from sanic import Blueprint, Request
from sanic.exceptions import BadRequest, NotFound
from sanic.response import JSONResponse, json
from sanic_ext import openapi

from bot.fhir import build_questionnaire, build_questionnaire_response, to_json_dict
from bot.store import intakes
from bot.store.intakes import IntakeFilter
from bot.store.models import INTAKE_STATUSES, URGENCY_TIERS, Intake
from bot.web.audit import audit
from bot.web.auth import token_required

bp = Blueprint("api", url_prefix="/api/v1")
fhir_bp = Blueprint("fhir", url_prefix="/fhir")

MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000  # keeps the row offset within the databases' 64-bit integers
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


def _no_other_args(request: Request, *names: str) -> None:
    """A misspelt filter (`?urgncy=emergency`) must not silently return every intake."""
    unknown = sorted(set(request.get_args(keep_blank_values=True)) - set(names))
    if unknown:
        raise BadRequest(f"unknown query parameter: {unknown[0]!r}")


def _arg(request: Request, name: str) -> str | None:
    """A query value, blank included: `?page=` is a bad page number, not a missing one."""
    return request.get_args(keep_blank_values=True).get(name)


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = _arg(request, name)
    if raw is not None and raw not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(allowed)}")
    return raw


def _positive_int(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = _arg(request, name)
    if raw is None:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise BadRequest(f"{name} must be a positive whole number")
    if maximum is not None and int(raw) > maximum:
        raise BadRequest(f"{name} must be at most {maximum}")
    return int(raw)


async def _intake_or_404(request: Request, intake_id: int) -> Intake:
    # Ids outside the 32-bit id column cannot exist (and PostgreSQL refuses them in a query).
    intake = await intakes.get_intake(request.ctx.db, intake_id)
    if intake is None:
        raise NotFound("No such intake.")
    return intake


@bp.get("/intakes", name="list_intakes")
@openapi.summary("List intakes, newest first")
@openapi.parameter("urgency", openapi.String(enum=list(URGENCY_TIERS)), "query")
@openapi.parameter("status", openapi.String(enum=list(INTAKE_STATUSES)), "query")
@openapi.parameter("conversation_id", str, "query")
@openapi.parameter(
    "page",
    openapi.Integer(minimum=1, maximum=MAX_PAGE),
    "query",
    description="1-based page number (default 1)",
)
@openapi.parameter(
    "per_page",
    openapi.Integer(minimum=1, maximum=MAX_PER_PAGE),
    "query",
    description="default 20",
)
@openapi.response(200, {"application/json": IntakePage}, "One page of intakes")
@openapi.response(400, {"application/json": ApiError}, "bad filter or paging value")
@openapi.response(401, {"application/json": ApiError}, "missing, unknown or revoked token")
@openapi.secured("token")
@token_required("view_queue")
async def list_intakes(request: Request) -> JSONResponse:
    _no_other_args(request, "urgency", "status", "conversation_id", "page", "per_page")
    page = _positive_int(request, "page", 1, maximum=MAX_PAGE)
    per_page = _positive_int(request, "per_page", 20, maximum=MAX_PER_PAGE)
    filters = IntakeFilter(
        urgency=_choice(request, "urgency", URGENCY_TIERS),
        status=_choice(request, "status", INTAKE_STATUSES),
        conversation_id=request.args.get("conversation_id") or None,
    )
    if filters.conversation_id and "\x00" in filters.conversation_id:
        # No stored id holds NUL (PostgreSQL text cannot), and PostgreSQL refuses it in a query.
        return json({"items": [], "page": page, "per_page": per_page, "total": 0})
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
    intake = await _intake_or_404(request, intake_id)
    audit(request, "api.view", "intake", intake.id)
    await request.ctx.db.commit()
    return json(intakes.intake_record(intake, request.app.ctx.settings.public_base_url, full=True))


@bp.get("/intakes/<intake_id:int>/fhir", name="get_intake_fhir")
@openapi.summary("The intake as a FHIR R4 QuestionnaireResponse")
@openapi.response(200, {"application/fhir+json": FHIR_RESOURCE}, "QuestionnaireResponse")
@openapi.response(401, {"application/json": ApiError}, "missing, unknown or revoked token")
@openapi.response(403, {"application/json": ApiError}, "the token's role may not export")
@openapi.response(404, {"application/json": ApiError}, "no such intake")
@openapi.secured("token")
@token_required("export_fhir")
async def get_intake_fhir(request: Request, intake_id: int) -> JSONResponse:
    intake = await _intake_or_404(request, intake_id)
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
