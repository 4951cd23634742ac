"""The production profile with real processes, for the resilience and load tests.

Started once per test session exactly as `make run-prod` starts it (deploy/production.py renders
the same Procfile and nginx configuration), on free ports, with its own intake database, its own
Rasa tracker database on the PostgreSQL at DATABASE_URL, its own key prefix on the Redis at
REDIS_URL and a local SMTP server. Needs both URLs (CI sets them; elsewhere the tests skip with
that reason) and nginx.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.store import create_engine, migrate, session_factory
from bot.store.models import Intake, OutboxMessage
from deploy.production import Topology, derived_environment, processes, render
from tests.conftest import SmtpSink, free_port, new_postgres_database

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "model.tar.gz"
TOKEN = "production-test-token"
START_TIMEOUT_SECONDS = 300
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [pytest.mark.production, pytest.mark.postgres, pytest.mark.redis]


def postgres_cluster() -> list[str]:
    """The pg_ctlcluster arguments for the local server (Debian layout)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


@dataclass
class Production:
    topology: Topology
    env: dict[str, str]
    workdir: Path
    database_url: str
    tracker_database: str
    smtp: SmtpSink
    commands: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.topology.public_port}"

    def health_url(self, name: str) -> str:
        if name.startswith("rasa"):
            return f"http://127.0.0.1:{self.topology.rasa_ports[int(name[4:]) - 1]}/"
        if name.startswith("actions"):
            return f"http://127.0.0.1:{self.topology.action_ports[int(name[7:]) - 1]}/health"
        if name == "web":
            return f"http://127.0.0.1:{self.topology.web_port}/health"
        return f"{self.public_url}/health"

    # -- processes ---------------------------------------------------------------------------
    def start(self, name: str, wait: bool = True) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            ["bash", "-c", f"exec {self.commands[name]}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_healthy(name)

    def wait_healthy(self, name: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        process = self.processes[name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log(name)[-3000:]}")
            try:
                if httpx.get(self.health_url(name), timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} not healthy:\n{self.log(name)[-3000:]}")

    def kill(self, name: str) -> None:
        """SIGKILL: a crash, no clean shutdown."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def restart_postgres(self) -> None:
        subprocess.run([*postgres_cluster(), "restart"], check=True, timeout=120)
        for _ in range(60):
            if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError("PostgreSQL did not come back")

    # -- the patient's side --------------------------------------------------------------------
    def send(
        self, sender: str, text: str, message_id: str | None = None, timeout: float = 60
    ) -> httpx.Response:
        """One message through nginx, as the widget sends it."""
        return httpx.post(
            f"{self.public_url}/webhooks/rest/webhook",
            params={"sender": sender},
            json={
                "sender": sender,
                "message": text,
                "metadata": {"message_id": message_id or uuid.uuid4().hex},
            },
            timeout=timeout,
        )

    def chat(self, sender: str, text: str) -> str:
        response = self.send(sender, text)
        response.raise_for_status()
        return "\n".join(reply.get("text", "") for reply in response.json())

    # -- what was stored -----------------------------------------------------------------------
    def tracker_events(self, sender: str, instance: int = 1) -> list[dict]:
        port = self.topology.rasa_ports[instance - 1]
        response = httpx.get(
            f"http://127.0.0.1:{port}/conversations/{sender}/tracker",
            params={"token": TOKEN, "include_events": "ALL"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["events"]

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.tracker_events(sender) if e["event"] == "user"]

    def intakes(self, conversation_id: str) -> list[Intake]:
        return self._query(select(Intake).where(Intake.conversation_id == conversation_id))

    def outbox(self, intake_id: int) -> list[OutboxMessage]:
        return self._query(select(OutboxMessage).where(OutboxMessage.intake_id == intake_id))

    def count_intakes(self) -> int:
        return self._query(select(func.count()).select_from(Intake))[0]

    def _query(self, statement):
        async def run():
            engine = create_engine(self.database_url)
            try:
                async with session_factory(engine)() as session:
                    return list((await session.execute(statement)).unique().scalars())
            finally:
                await engine.dispose()

        return asyncio.run(run())


def _free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


async def _drop_database(base_url: str, name: str) -> None:
    url = make_url(base_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database="postgres",
    )  # fmt: skip
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="package")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    if not (DATABASE_URL.startswith("postgresql") and REDIS_URL):
        pytest.skip("the production profile needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (Debian: apt-get install nginx-light)")
    if not MODEL.exists():
        pytest.fail("models/model.tar.gz is missing: run `make train` (make test does it)")
    workdir = tmp_path_factory.mktemp("production")
    public, web, balancer, rasa1, rasa2, actions1, actions2 = _free_ports(7)
    topology = Topology(
        public_port=public,
        rasa_ports=(rasa1, rasa2),
        action_ports=(actions1, actions2),
        action_balancer_port=balancer,
        web_port=web,
        web_workers=1,
        # Every simulated patient comes from 127.0.0.1: no per-address limit at nginx either.
        patient_rate_per_second=10_000,
        patient_burst=10_000,  # 200 patients may send their first message in the same instant
        run_dir=workdir / "run",
    )
    smtp = SmtpSink(free_port())
    smtp.start()
    tracker_database = f"physio_test_rasa_{secrets.token_hex(4)}"
    with new_postgres_database() as database_url:
        migrate(database_url)
        environ = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "RASA_TRACKER_DB_NAME": tracker_database,
            "RASA_LOCK_KEY_PREFIX": f"test{secrets.token_hex(4)}",
        }
        env = {
            **environ,
            **derived_environment(environ, topology),
            "PYTHONPATH": str(ROOT),
            "PHYSIO_ENV": "development",
            "RASA_TOKEN": TOKEN,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "ONCALL_EMAILS": json.dumps(["oncall@clinic.test"]),
            "OUTBOX_POLL_SECONDS": "0.5",
            "OUTBOX_RETRY_BASE_SECONDS": "0.5",
            "OUTBOX_RETRY_MAX_SECONDS": "2",
            # Every simulated patient comes from 127.0.0.1 (tests/fuzz covers the limits).
            "WEBHOOK_IP_PER_MINUTE": "1000000",
            "WEBHOOK_IP_BURST": "100000",
            # Simulated patients answer at machine speed.
            "WEBHOOK_SENDER_PER_MINUTE": "600",
        }
        render(topology)
        commands = {
            name: command.replace('"$RASA_TOKEN"', shlex.quote(TOKEN)).replace(
                '"$PUBLIC_BASE_URL"', shlex.quote(env["PUBLIC_BASE_URL"])
            )
            for name, command in processes(topology).items()
            if name != "ready"
        }
        service = Production(topology, env, workdir, database_url, tracker_database, smtp, commands)
        try:
            for name in commands:
                service.start(name, wait=False)
            for name in commands:
                service.wait_healthy(name)
            yield service
        finally:
            for name in list(service.processes):
                service.stop(name)
            smtp.stop()
            asyncio.run(_drop_database(database_url, tracker_database))


@pytest.fixture
def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:12]}"
