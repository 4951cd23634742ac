"""The real service for conversation tests: rasa 3.6.21 (engine venv) + our action server (app venv).

Both are started once per test session on free ports with their own tracker and intake
databases, exactly as `make run` starts them, and stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.store import create_engine, migrate, session_factory
from bot.store.models import Intake

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "model.tar.gz"
TOKEN = "test-rasa-token"
START_TIMEOUT_SECONDS = 240
WEBHOOK_TEST_LIMITS = {
    "WEBHOOK_SENDER_PER_MINUTE": "600",
    "WEBHOOK_SENDER_BURST": "60",
    "WEBHOOK_IP_PER_MINUTE": "1200",
    "WEBHOOK_IP_BURST": "300",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"{url} not healthy after {START_TIMEOUT_SECONDS} s:\n{log.read_text()[-3000:]}"
    )


@dataclass
class Service:
    rasa_url: str
    action_url: str
    database_url: str
    actions: subprocess.Popen[bytes]
    action_log: Path
    action_env: dict[str, str]
    action_port: int
    rasa: subprocess.Popen[bytes]
    rasa_command: list[str]
    rasa_log: Path

    def chat(self, sender: str, text: str) -> list[dict]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def intake(self, conversation_id: str) -> Intake | None:
        async def load() -> Intake | None:
            engine = create_engine(self.database_url)
            try:
                async with session_factory(engine)() as session:
                    query = select(Intake).where(Intake.conversation_id == conversation_id)
                    return (await session.execute(query)).scalar_one_or_none()
            finally:
                await engine.dispose()

        return asyncio.run(load())

    def stop_actions(self) -> None:
        self.actions.terminate()
        self.actions.wait(timeout=20)

    def start_actions(self) -> None:
        self.actions = start_action_server(self.action_env, self.action_port, self.action_log)
        wait_healthy(f"{self.action_url}/health", self.actions, self.action_log)

    def stop_rasa(self) -> None:
        self.rasa.terminate()
        self.rasa.wait(timeout=30)

    def start_rasa(self) -> None:
        """Same port, model and tracker database: conversations carry on where they were."""
        self.rasa = start_rasa_server(self.rasa_command, self.action_env, self.rasa_log)
        wait_healthy(f"{self.rasa_url}/", self.rasa, self.rasa_log)


def start_action_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv-app/bin/python"),
        "-m",
        "scripts.action_server",
        "--actions",
        "actions",
        "--port",
        str(port),
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def start_rasa_server(
    command: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


@pytest.fixture(scope="session")
def web_app_port() -> int:
    """The port browser tests run the web app on; Rasa allows only that origin (CORS)."""
    return free_port()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, web_app_port: int) -> Iterator[Service]:
    if not MODEL.exists():
        pytest.fail("models/model.tar.gz is missing: run `make train` (make test does it)")
    workdir = tmp_path_factory.mktemp("service")
    database_url = f"sqlite+aiosqlite:///{workdir / 'intake.sqlite3'}"
    migrate(database_url)
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_TRACKER_DB": str(workdir / "tracker.sqlite3"),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # Test clients answer at machine speed, faster than the patient defaults allow;
        # tests/rasa/test_channel.py checks the limits with these values.
        **WEBHOOK_TEST_LIMITS,
    }
    action_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    actions = start_action_server(env, action_port, action_log)
    rasa_command = [
        str(ROOT / ".venv-engine/bin/python"),
        "-m",
        "engine.serve",
        "run",
        "--model",
        str(MODEL),
        "--enable-api",
        "--auth-token",
        TOKEN,
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--cors",
        f"http://127.0.0.1:{web_app_port}",
        "--interface",
        "127.0.0.1",
        "--port",
        str(rasa_port),
    ]
    rasa = start_rasa_server(rasa_command, env, rasa_log)
    service = Service(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}",
        database_url=database_url,
        actions=actions,
        action_log=action_log,
        action_env=env,
        action_port=action_port,
        rasa=rasa,
        rasa_command=rasa_command,
        rasa_log=rasa_log,
    )
    try:
        wait_healthy(f"{service.action_url}/health", actions, action_log)
        wait_healthy(f"{service.rasa_url}/", rasa, rasa_log)
        yield service
    finally:
        for process in (service.rasa, service.actions):
            process.terminate()
        for process in (service.rasa, service.actions):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)
