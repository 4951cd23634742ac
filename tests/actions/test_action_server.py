"""scripts/action_server.py serves rasa_sdk's own app, with its options, in one process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk.executor import ActionExecutor

from tests.rasa.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "scripts.action_server", "--actions", "actions"]


def start(workdir: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    """The server on a free port, once /health answers."""
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SANIC_HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'intake.sqlite3'}",
    }
    process = subprocess.Popen(
        [*COMMAND, "--port", str(port), *options],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{url}/health", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the action server did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, str]]:
    process, url = start(tmp_path_factory.mktemp("actions"), "--cors", "http://127.0.0.1:8000")
    yield process, url
    process.terminate()
    process.wait(timeout=20)


def test_health_and_actions_as_rasa_sdk_serves_them(server) -> None:
    _, url = server
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    executor = ActionExecutor()
    executor.register_package("actions")
    listed = {item["name"] for item in httpx.get(f"{url}/actions").json()}
    assert listed == {item.name for item in executor.list_actions()}
    assert "validate_intake_form" in listed


def test_cors_option_is_applied(server) -> None:
    _, url = server
    response = httpx.get(f"{url}/health", headers={"Origin": "http://127.0.0.1:8000"})
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"


def test_one_process(server) -> None:
    process, _ = server
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert children == []


def test_terminate_stops_it_cleanly(tmp_path: Path) -> None:
    process, url = start(tmp_path)
    # /health can answer a moment before Sanic has installed its signal handlers; a SIGTERM in
    # that moment ends the process by the default action (-15), which is a start-up race, not
    # the shutdown under test.
    time.sleep(1)
    assert httpx.get(f"{url}/health").status_code == 200
    process.terminate()
    assert process.wait(timeout=20) == 0


def test_grpc_mode_is_refused() -> None:
    run = subprocess.run(
        [*COMMAND, "--grpc"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 2
    assert "--grpc" in run.stderr
