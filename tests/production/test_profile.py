"""deploy/production.py: the production profile's settings, processes and nginx configuration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.production import Topology, derived_environment, processes, render

TOPOLOGY = Topology(
    public_port=18080,
    rasa_ports=(15101, 15102, 15103),
    action_ports=(15151, 15152),
    action_balancer_port=15150,
    web_port=18101,
)


def test_settings_are_derived_from_the_two_urls() -> None:
    env = derived_environment(
        {
            "DATABASE_URL": "postgresql+asyncpg://clinic:s3cret@db.internal:6543/physio_intake",
            "REDIS_URL": "redis://:redispass@cache.internal:6380/2",
        },
        TOPOLOGY,
    )
    assert env["RASA_TRACKER_DB_HOST"] == "db.internal"
    assert env["RASA_TRACKER_DB_PORT"] == "6543"
    assert env["RASA_TRACKER_DB_NAME"] == "physio_rasa"  # Rasa's own database
    assert env["RASA_TRACKER_DB_USER"] == "clinic"
    assert env["RASA_TRACKER_DB_PASSWORD"] == "s3cret"
    assert env["RASA_LOCK_REDIS_HOST"] == "cache.internal"
    assert env["RASA_LOCK_REDIS_PORT"] == "6380"
    assert env["RASA_LOCK_REDIS_DB"] == "2"
    assert env["RASA_LOCK_REDIS_PASSWORD"] == "redispass"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:15150/webhook"
    assert env["PUBLIC_BASE_URL"] == env["RASA_URL"] == "http://127.0.0.1:18080"


def test_explicit_settings_win_but_the_topology_decides_where_processes_meet() -> None:
    env = derived_environment(
        {
            "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/physio_intake",
            "RASA_TRACKER_DB_USER": "rasa",
            "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",  # the development default
            "PRODUCTION_PUBLIC_URL": "https://intake.clinic.example",
        },
        TOPOLOGY,
    )
    assert env["RASA_TRACKER_DB_USER"] == "rasa"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:15150/webhook"
    assert env["PUBLIC_BASE_URL"] == "https://intake.clinic.example"


def test_sqlite_is_refused() -> None:
    with pytest.raises(SystemExit, match="needs PostgreSQL"):
        derived_environment({"DATABASE_URL": "sqlite+aiosqlite:///x.sqlite3"}, TOPOLOGY)


def test_one_process_per_instance_on_the_production_endpoints() -> None:
    commands = processes(TOPOLOGY)
    rasa = [command for name, command in commands.items() if name.startswith("rasa")]
    assert len(rasa) == 3
    assert all("endpoints.production.yml" in command for command in rasa)
    assert all(f"--port {port}" in " ".join(rasa) for port in TOPOLOGY.rasa_ports)
    assert sum(name.startswith("actions") for name in commands) == 2
    assert "--workers 2" in commands["web"]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_rendered_nginx_configuration_is_valid(tmp_path: Path) -> None:
    topology = Topology(**{**TOPOLOGY.__dict__, "run_dir": tmp_path})
    render(topology)
    config = (tmp_path / "nginx.conf").read_text()
    for port in (*topology.rasa_ports, *topology.action_ports):
        assert f"127.0.0.1:{port}" in config
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", "nginx.conf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "Procfile").read_text().count("engine.serve") == 3
