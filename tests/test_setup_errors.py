"""Bad set-up input gets a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def preflight(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_PORT": "5905",
        "ACTION_PORT": "5955",
        "WEB_PORT": "8905",
        "DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "PHYSIO_ENV": "development",
    }
    return subprocess.run(
        [sys.executable, "scripts/preflight.py"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_good_setup_passes() -> None:
    result = preflight()
    assert result.returncode == 0, result.stderr


def test_default_secrets_are_refused_in_production() -> None:
    result = preflight(PHYSIO_ENV="production")
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_is_reported_without_its_password() -> None:
    result = preflight(DATABASE_URL="postgresql+asyncpg://clinic:s3cret@127.0.0.1:1/intake")
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr and "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = preflight(RASA_PORT=str(port))
    assert result.returncode == 1
    assert f"port {port} for Rasa is already in use" in result.stderr


def test_missing_python_310_says_how_to_get_it(tmp_path: Path) -> None:
    if any(Path(p).exists() for p in ("/usr/bin/python3.10", "/usr/local/bin/python3.10")):
        pytest.skip("this machine has a system Python 3.10 outside pyenv")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PHYSIO_CACHE_DIR": str(tmp_path)}
    result = subprocess.run(
        ["bash", "scripts/bootstrap.sh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Python 3.10 not found" in result.stderr and "PHYSIO_PYTHON" in result.stderr
