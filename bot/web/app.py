"""Sanic app factory for the staff web app.

sanic bot.web.app:create_app --factory --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sanic import Request, Sanic
from sanic.errorpages import JSONRenderer, exception_response
from sanic.response import HTTPResponse
from sanic_ext import openapi

from bot.notify import OutboxWorker
from bot.settings import Settings, get_settings
from bot.store import create_engine, session_factory
from bot.web import api, dashboard, login, pages
from bot.web.rendering import TEMPLATES_DIR, build_environment, render
from bot.web.security import add_security_headers, install_log_scrubbing, security_headers

APP_NAME = "physio_intake"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None) -> Sanic:
    # The `sanic --factory` loader passes its own CLI arguments here; those are not settings.
    if not isinstance(settings, Settings):
        settings = get_settings()
    settings.check_production_ready()
    install_log_scrubbing()

    app = Sanic(APP_NAME)
    app.config.update(
        {
            "CORS_ORIGINS": ",".join(settings.allowed_origins),
            "CORS_SUPPORTS_CREDENTIALS": False,
            "OAS_URL_PREFIX": "/docs",
            # The stock documentation UIs load scripts from a CDN; /docs is a plain page
            # linking to the JSON document instead.
            "OAS_UI_REDOC": True,
            "OAS_PATH_TO_REDOC_HTML": str(TEMPLATES_DIR / "openapi_index.html"),
            "OAS_UI_REDOC_HTML_TITLE": "Physio intake staff API",
            "OAS_UI_SWAGGER": False,
            "OAS_UI_DEFAULT": "redoc",
            "HEALTH": False,
            "FORWARDED_SECRET": None,
        }
    )
    app.ext.openapi.describe(
        "Physio intake staff API",
        version="1",
        description="Read intakes for clinic systems. Send `Authorization: Bearer <token>`; "
        "create tokens with `physio-intake token create --name NAME --role ROLE`.",
    )
    app.ext.openapi.add_security_scheme("token", "http", scheme="bearer")

    app.ctx.settings = settings
    app.ctx.templates = build_environment(settings)
    app.ctx.security_headers = security_headers(settings)

    app.blueprint(pages.bp)
    app.blueprint(login.bp)
    app.blueprint(dashboard.bp)
    app.blueprint(api.bp)
    app.blueprint(api.fhir_bp)
    openapi.exclude(bp=login.bp)
    openapi.exclude(bp=dashboard.bp)
    app.static("/static", STATIC_DIR, name="static")

    app.before_server_start(open_database)
    app.after_server_start(start_outbox_worker)
    app.before_server_stop(stop_background_work)
    app.after_server_stop(close_database)
    app.on_request(open_request_session)
    app.on_response(close_request_session)
    app.on_response(add_security_headers)
    app.error_handler.add(Exception, error_page)
    return app


async def open_database(app: Sanic) -> None:
    app.ctx.engine = create_engine(app.ctx.settings.database_url)
    app.ctx.sessions = session_factory(app.ctx.engine)
    app.ctx.stopping = asyncio.Event()


async def start_outbox_worker(app: Sanic) -> None:
    worker = OutboxWorker(app.ctx.sessions, app.ctx.settings)
    app.ctx.outbox_task = asyncio.create_task(worker.run_forever(app.ctx.stopping))


async def stop_background_work(app: Sanic) -> None:
    app.ctx.stopping.set()  # ends the outbox loop and open live feeds
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(app.ctx.outbox_task, timeout=10)


async def close_database(app: Sanic) -> None:
    await app.ctx.engine.dispose()


async def open_request_session(request: Request) -> None:
    # Lazy: no connection is taken until a handler queries.
    request.ctx.db = request.app.ctx.sessions()


async def close_request_session(request: Request, response: HTTPResponse) -> None:
    db = getattr(request.ctx, "db", None)
    if db is not None:
        await db.close()  # rolls back whatever a handler did not commit


def error_page(request: Request, exception: Exception) -> HTTPResponse:
    """HTML errors for the dashboard, JSON elsewhere; never echo internals."""
    default = request.app.error_handler.default
    if request.path.startswith(("/api/", "/fhir/")):
        # JSON even when no route matched (e.g. /api/v1/intakes/abc), as the API documents.
        request.app.error_handler.log(request, exception)
        return exception_response(
            request, exception, debug=False, fallback="json", base=JSONRenderer
        )
    if not request.path.startswith("/staff") or "text/html" not in request.headers.get(
        "accept", ""
    ):
        return default(request, exception)
    status = getattr(exception, "status_code", 500)
    message = str(exception) if status < 500 else "Something went wrong; it has been logged."
    if status >= 500:
        default(request, exception)  # logs the traceback
    return render(request, "error.html", status=status, status_code=status, message=message)
