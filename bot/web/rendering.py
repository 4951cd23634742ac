"""Jinja2 templates (autoescaped: patient text is always rendered as text, never as markup)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sanic import Request, html
from sanic.response import HTTPResponse

from bot.settings import Settings
from bot.store.models import utcnow

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

LABELS = {
    "in_progress": "In progress",
    "completed": "Completed",
    "needs_callback": "Needs call-back",
    "escalated": "Escalated",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
    "clinician": "Clinician",
    "front_desk": "Front desk",
    "admin": "Admin",
}


def duration_text(span: timedelta | None) -> str:
    if span is None:
        return "-"
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} days"


def region_text(code: Any) -> str:
    return str(code).replace("_", " ")


def build_environment(settings: Settings) -> Environment:
    zone = ZoneInfo(settings.clinic_timezone)

    def local_time(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
        if value is None:
            return "-"
        return value.astimezone(zone).strftime(pattern)

    def since(value: datetime | None) -> str:
        return duration_text(utcnow() - value) if value else "-"

    def epoch_time(value: float) -> str:
        return local_time(datetime.fromtimestamp(value, tz=timezone.utc), "%H:%M:%S")

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        local_time=local_time,
        since=since,
        duration=duration_text,
        epoch_time=epoch_time,
        label=lambda value: LABELS.get(value, str(value).replace("_", " ")),
        region=region_text,
    )
    environment.globals.update(settings=settings, timezone_name=settings.clinic_timezone)
    return environment


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    environment: Environment = request.app.ctx.templates
    context.setdefault("staff", getattr(request.ctx, "staff", None))
    page = environment.get_template(template).render(
        request=request, url_for=request.app.url_for, **context
    )
    return html(page, status=status)
