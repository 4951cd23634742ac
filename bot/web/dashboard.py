"""Staff dashboard: intake queue with live updates, intake detail, actions, print, FHIR export,
the audit log and the review record of the answers the assistant gives patients."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime, timezone
from typing import Any

from sanic import Blueprint, Request, redirect
from sanic.exceptions import BadRequest, NotFound
from sanic.response import HTTPResponse, JSONResponse
from sanic.response import json as json_response
from sqlalchemy import func, select

from bot.clinic import clinic_contact_from_env
from bot.faq import load_content
from bot.fhir import build_questionnaire_response, to_json_dict
from bot.store import intakes
from bot.store.intakes import IntakeActionError, IntakeFilter
from bot.store.models import AuditEvent, Intake, StaffUser
from bot.web.audit import audit
from bot.web.auth import current_user, staff_required
from bot.web.rendering import render

bp = Blueprint("staff", url_prefix="/staff")

FEED_POLL_SECONDS = 1.5
FEED_STREAM_SECONDS = 60.0  # the browser reconnects, which re-checks the session
FEED_HEARTBEAT_SECONDS = 15.0
AUDIT_PAGE_SIZE = 100


def queue_filter(request: Request) -> IntakeFilter:
    try:
        return IntakeFilter(
            urgency=request.args.get("urgency") or None,
            status=request.args.get("status") or None,
            search=(request.args.get("q") or "").strip()[:100] or None,
        )
    except IntakeActionError as error:
        raise BadRequest(str(error)) from error


async def load_intake(request: Request, intake_id: int) -> Intake:
    intake = await intakes.get_intake(request.ctx.db, intake_id)
    if intake is None:
        raise NotFound("No such intake.")
    return intake


def alert_items(alerts: list[Intake]) -> list[dict[str, Any]]:
    """What the live feed tells the page about unacknowledged alerts (no patient text)."""
    return [
        {
            "id": intake.id,
            "tier": intake.urgency,
            "escalated_at": intake.escalated_at.isoformat() if intake.escalated_at else None,
        }
        for intake in alerts
    ]


@bp.get("/", name="queue")
@staff_required("view_queue")
async def queue_page(request: Request) -> HTTPResponse:
    filters = queue_filter(request)
    rows = await intakes.queue(request.ctx.db, filters)
    alerts = await intakes.open_alerts(request.ctx.db)
    audit(request, "queue.view", "intake_queue", None, results=len(rows))
    await request.ctx.db.commit()
    return render(
        request,
        "queue.html",
        rows=rows,
        filters=filters,
        alerts=alerts,
        known_alert_ids=json.dumps([intake.id for intake in alerts]),
    )


@bp.get("/queue/rows", name="queue_rows")
@staff_required("view_queue")
async def queue_rows(request: Request) -> HTTPResponse:
    """The queue's table body, fetched by the page when the live feed reports a change."""
    rows = await intakes.queue(request.ctx.db, queue_filter(request))
    return render(request, "_queue_rows.html", rows=rows)


@bp.get("/events", name="events")
@staff_required("view_queue")
async def events(request: Request) -> HTTPResponse:
    """Server-sent events: one `queue` event whenever any intake changes.

    Polls a cheap fingerprint (latest updated_at, row count) so it also sees writes made by
    the action server in another process, on SQLite and PostgreSQL alike.
    """
    app = request.app
    response = await request.respond(
        content_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    await response.send("retry: 2000\n\n")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FEED_STREAM_SECONDS
    last_marker: tuple[str, int] | None = None
    last_sent = loop.time()
    while loop.time() < deadline and not app.ctx.stopping.is_set():
        async with app.ctx.sessions() as db:
            marker = await intakes.feed_marker(db)
            alerts = await intakes.open_alerts(db) if marker != last_marker else None
        if alerts is not None:
            data = json.dumps({"alerts": alert_items(alerts)})
            await response.send(f"event: queue\ndata: {data}\n\n")
            last_marker, last_sent = marker, loop.time()
        elif loop.time() - last_sent >= FEED_HEARTBEAT_SECONDS:
            await response.send(": keep-alive\n\n")
            last_sent = loop.time()
        try:
            await asyncio.wait_for(app.ctx.stopping.wait(), timeout=FEED_POLL_SECONDS)
        except asyncio.TimeoutError:
            pass
    await response.eof()
    return response


@bp.get("/intakes/<intake_id:int>", name="intake")
@staff_required("view_intake")
async def intake_page(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    staff = await intakes.active_staff(request.ctx.db)
    audit(request, "intake.view", "intake", intake.id)
    await request.ctx.db.commit()
    return render(
        request,
        "intake.html",
        intake=intake,
        staff_members=staff,
        time_to_acknowledge=intakes.time_to_acknowledge(intake),
    )


@bp.get("/intakes/<intake_id:int>/print", name="intake_print")
@staff_required("view_intake")
async def intake_print(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    audit(request, "intake.print", "intake", intake.id)
    await request.ctx.db.commit()
    return render(
        request,
        "intake_print.html",
        intake=intake,
        time_to_acknowledge=intakes.time_to_acknowledge(intake),
    )


@bp.get("/intakes/<intake_id:int>/fhir", name="intake_fhir")
@staff_required("export_fhir")
async def intake_fhir(request: Request, intake_id: int) -> JSONResponse:
    intake = await load_intake(request, intake_id)
    resource = build_questionnaire_response(intake, request.app.ctx.settings.public_base_url)
    audit(request, "intake.export_fhir", "intake", intake.id)
    await request.ctx.db.commit()
    return json_response(
        to_json_dict(resource),
        content_type="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="intake-{intake.id}-fhir.json"'},
    )


def back_to(request: Request, intake: Intake) -> HTTPResponse:
    return redirect(request.app.url_for("staff.intake", intake_id=intake.id), status=303)


@bp.post("/intakes/<intake_id:int>/acknowledge", name="acknowledge")
@staff_required("acknowledge")
async def acknowledge(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    try:
        changed = intakes.acknowledge(intake, await current_user(request))
    except IntakeActionError as error:
        raise BadRequest(str(error)) from error
    if changed:
        audit(request, "intake.acknowledge", "intake", intake.id, tier=intake.urgency)
    await request.ctx.db.commit()
    return back_to(request, intake)


@bp.post("/intakes/<intake_id:int>/assign", name="assign")
@staff_required("assign")
async def assign(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    raw = (request.form or {}).get("assignee_id") or ""
    assignee = None
    if raw:
        if not raw.isdecimal():
            raise BadRequest("Choose a staff member.")
        assignee = await request.ctx.db.get(StaffUser, int(raw))
        if assignee is None or not assignee.is_active:
            raise BadRequest("Choose an active staff member.")
    intakes.assign(intake, assignee)
    audit(request, "intake.assign", "intake", intake.id, assignee_id=assignee and assignee.id)
    await request.ctx.db.commit()
    return back_to(request, intake)


@bp.post("/intakes/<intake_id:int>/notes", name="add_note")
@staff_required("add_note")
async def add_note(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    try:
        note = intakes.add_note(
            request.ctx.db,
            intake,
            await current_user(request),
            (request.form or {}).get("text", ""),
        )
    except IntakeActionError as error:
        raise BadRequest(str(error)) from error
    await request.ctx.db.flush()
    audit(request, "intake.note", "intake", intake.id, note_id=note.id)
    await request.ctx.db.commit()
    return back_to(request, intake)


@bp.post("/intakes/<intake_id:int>/close", name="close")
@staff_required("close")
async def close(request: Request, intake_id: int) -> HTTPResponse:
    intake = await load_intake(request, intake_id)
    if intakes.close(intake, await current_user(request)):
        audit(request, "intake.close", "intake", intake.id)
    await request.ctx.db.commit()
    return back_to(request, intake)


@bp.get("/audit", name="audit_log")
@staff_required("view_audit")
async def audit_log(request: Request) -> HTTPResponse:
    raw_page = request.args.get("page", "1")
    page = max(int(raw_page), 1) if raw_page.isdecimal() else 1
    query = select(AuditEvent)
    action = request.args.get("action") or ""
    object_id = request.args.get("object_id") or ""
    if action:
        query = query.where(AuditEvent.action == action)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    total = (
        await request.ctx.db.execute(select(func.count()).select_from(query.subquery()))
    ).scalar_one()
    rows = (
        await request.ctx.db.execute(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * AUDIT_PAGE_SIZE)
            .limit(AUDIT_PAGE_SIZE)
        )
    ).scalars()
    audit(request, "audit.view", "audit_log", None)
    await request.ctx.db.commit()
    return render(
        request,
        "audit.html",
        events=list(rows),
        page=page,
        has_next=page * AUDIT_PAGE_SIZE < total,
        action=action,
        object_id=object_id,
    )


@bp.get("/answers", name="patient_answers")
@staff_required("view_answers")
async def patient_answers(request: Request) -> HTTPResponse:
    """Every answer from bot/faq/content.yml with its reviewer, review date and sources."""
    today = datetime.now(timezone.utc).date()
    answers = sorted(load_content().answers, key=lambda answer: (answer.kind, answer.intent))
    audit(request, "answers.view", "patient_answers", None)
    await request.ctx.db.commit()
    return render(
        request,
        "answers.html",
        answers=answers,
        due={answer.intent for answer in answers if answer.review_due(today)},
        clinic_values=dataclasses.asdict(clinic_contact_from_env()),
    )
