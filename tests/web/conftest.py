"""A real staff web app in a subprocess (like production: `sanic ... --factory`), with its own
database, staff users of every role, and a local SMTP server for its outbox worker."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore, SyncResult, create_engine, migrate
from bot.store import session_factory as make_sessions
from bot.store.accounts import create_api_token, create_staff_user
from tests.conftest import BACKENDS, SmtpSink, free_port, new_postgres_database

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "staff password 123"
ROLES = ("clinician", "front_desk", "admin")
SANIC_COMMAND = [sys.executable, "-m", "sanic", "bot.web.app:create_app", "--factory",
                 "--single-process", "--access-logs", "--host", "127.0.0.1"]  # fmt: skip


@dataclass
class WebServer:
    base_url: str
    database_url: str
    log_path: Path
    smtp: SmtpSink
    settings: Settings
    tokens: dict[str, str]

    def email(self, role: str) -> str:
        return f"{role}@clinic.test"

    def sync(self, snapshot: ConversationSnapshot) -> SyncResult:
        """Write an intake the way the action server does: from another process's store."""

        async def work() -> SyncResult:
            store = IntakeStore(self.database_url, settings=self.settings)
            try:
                return await store.sync_conversation(snapshot)
            finally:
                await store.close()

        # In a thread of its own: Playwright's sync API keeps an event loop in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, work()).result()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=20, follow_redirects=False)

    def login(self, role: str, password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        response = login(client, self.email(role), password)
        assert response.status_code == 303, response.text
        return client

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    form_page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(form_page.text)},
    )


async def _seed(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    tokens = {}
    try:
        async with make_sessions(engine)() as session, session.begin():
            for role in ROLES:
                await create_staff_user(
                    session, f"{role}@clinic.test", role, PASSWORD, role.title()
                )
                _, tokens[role] = await create_api_token(session, f"{role}-token", role)
    finally:
        await engine.dispose()
    return tokens


def _wait_until_healthy(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web app exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"web app did not become healthy:\n{log_path.read_text()}")


@pytest.fixture(scope="session", params=BACKENDS)
def web_server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[WebServer]:
    workdir = tmp_path_factory.mktemp(f"web-{request.param}")
    with fresh_database(request.param, workdir) as database_url:
        migrate(database_url)
        tokens = asyncio.run(_seed(database_url))
        smtp = SmtpSink(free_port())
        smtp.start()
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        environment = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PHYSIO_ENV": "development",
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": base_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "ONCALL_EMAILS": json.dumps(["oncall@clinic.test"]),
            "OUTBOX_POLL_SECONDS": "0.5",
            "ALLOWED_ORIGINS": json.dumps(["https://clinic.example"]),
        }
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            public_base_url=base_url,
            oncall_emails=["oncall@clinic.test"],
        )
        log_path = workdir / "server.log"
        with log_path.open("w") as log_file:
            process = subprocess.Popen(
                [*SANIC_COMMAND, "--port", str(port)],
                cwd=workdir,  # no stray .env from the repository
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_healthy(base_url, process, log_path)
            yield WebServer(base_url, database_url, log_path, smtp, settings, tokens)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            smtp.stop()


@contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'web.sqlite3'}"
        return
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def clinician(web_server: WebServer) -> Iterator[httpx.Client]:
    client = web_server.login("clinician")
    yield client
    client.close()


@pytest.fixture(scope="session")
def front_desk(web_server: WebServer) -> Iterator[httpx.Client]:
    client = web_server.login("front_desk")
    yield client
    client.close()


@pytest.fixture(scope="session")
def admin(web_server: WebServer) -> Iterator[httpx.Client]:
    client = web_server.login("admin")
    yield client
    client.close()
