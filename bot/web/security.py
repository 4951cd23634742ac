"""Security headers on every response, and log scrubbing so patient data never reaches logs."""

from __future__ import annotations

import logging
import re

from sanic import Request
from sanic.response import HTTPResponse

from bot.settings import Settings

QUERY_STRING = re.compile(r"\?[^\s'\"]*")


def content_security_policy(settings: Settings) -> str:
    # No inline scripts or styles anywhere; the chat widget may talk to the Rasa server.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {settings.rasa_url}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.public_base_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def add_security_headers(request: Request, response: HTTPResponse) -> None:
    for name, value in request.app.ctx.security_headers.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/staff", "/api")):
        response.headers["Cache-Control"] = "no-store"  # pages and data hold patient information


class DropQueryStrings(logging.Filter):
    """Searches put patient names in query strings; keep only the path in access/error logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_line = getattr(record, "request", None)
        if isinstance(request_line, str):
            record.request = QUERY_STRING.sub("", request_line)
        if isinstance(record.msg, str):
            record.msg = QUERY_STRING.sub("", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY_STRING.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def install_log_scrubbing() -> None:
    for name in ("sanic.access", "sanic.error", "sanic.root", "sanic.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
