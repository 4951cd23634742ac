"""Public pages: the demo page at `/` and the health check."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sanic import Blueprint, Request, redirect
from sanic.response import HTTPResponse, JSONResponse, json
from sanic_ext import openapi
from sqlalchemy import text

from bot.web.rendering import TEMPLATES_DIR, render

logger = logging.getLogger(__name__)
bp = Blueprint("pages")
DEMO_TEMPLATE = "demo.html"


@dataclass
class Health:
    status: str
    database: str


@bp.get("/", name="index")
@openapi.exclude()
async def index(request: Request) -> HTTPResponse:
    """The chat-widget demo page when it exists, else straight to the staff dashboard."""
    if (TEMPLATES_DIR / DEMO_TEMPLATE).is_file():
        return render(request, DEMO_TEMPLATE)
    return redirect(request.app.url_for("staff.queue"))


@bp.get("/health", name="health")
@openapi.summary("Liveness and database check")
@openapi.response(200, {"application/json": Health}, "the service and its database work")
@openapi.response(503, {"application/json": Health}, "the database cannot be reached")
async def health(request: Request) -> JSONResponse:
    try:
        async with request.app.ctx.sessions() as db:
            await db.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; the reason goes to the server log
        logger.exception("health check: database unreachable")
        return json({"status": "error", "database": "unreachable"}, status=503)
    return json({"status": "ok", "database": "ok"})
