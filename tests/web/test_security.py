"""Security headers, CORS, health, templates without inline code."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.web.conftest import WebServer

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "web" / "templates"
OUR_TEMPLATES = [path for path in TEMPLATES.glob("*.html") if path.name != "demo.html"]


def test_staff_pages_carry_strict_security_headers(web_server: WebServer, clinician) -> None:
    headers = clinician.get("/staff/").headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_event_stream_gets_the_headers_too(web_server: WebServer, clinician) -> None:
    with clinician.stream("GET", "/staff/events") as stream:
        assert "content-security-policy" in stream.headers
        assert stream.headers["cache-control"] == "no-store"


def test_templates_have_no_inline_scripts_or_styles() -> None:
    assert OUR_TEMPLATES
    for path in OUR_TEMPLATES:
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path.name
        assert "<style" not in html, path.name
        assert not re.search(r"\sstyle=", html), path.name
        assert not re.search(r"\son[a-z]+=", html), path.name


def test_cors_only_for_configured_origins(web_server: WebServer) -> None:
    allowed = httpx.get(
        f"{web_server.base_url}/health", headers={"Origin": "https://clinic.example"}
    )
    other = httpx.get(f"{web_server.base_url}/health", headers={"Origin": "https://evil.example"})
    assert allowed.headers.get("access-control-allow-origin") == "https://clinic.example"
    assert "access-control-allow-origin" not in other.headers


def test_health_reports_the_database(web_server: WebServer) -> None:
    response = httpx.get(f"{web_server.base_url}/health")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_root_shows_the_demo_page_or_sends_staff_to_the_dashboard(web_server: WebServer) -> None:
    response = httpx.get(f"{web_server.base_url}/")
    if (TEMPLATES / "demo.html").is_file():
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["location"] == "/staff/"


def test_static_files_are_served(web_server: WebServer) -> None:
    response = httpx.get(f"{web_server.base_url}/static/staff/staff.js")
    assert response.status_code == 200
    assert "EventSource" in response.text
