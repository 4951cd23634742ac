"""Runs a probe script in the engine venv (rasa 3.6.21) and reads what it observed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PYTHON = ROOT / ".venv-engine" / "bin" / "python"


def run_probe(probe: str, out: Path) -> dict[str, Any]:
    """Runs tests/engine/<probe> OUT.json; returns its JSON plus the probe's stdout."""
    run = subprocess.run(
        [str(ENGINE_PYTHON), str(Path(__file__).with_name(probe)), str(out)],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {**json.loads(out.read_text()), "stdout": run.stdout}
