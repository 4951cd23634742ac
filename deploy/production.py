"""The production profile on one machine: configuration derived from DATABASE_URL / REDIS_URL,
the intake database created if missing, and the Procfile + nginx configuration rendered into a
run directory. Used by scripts/run_production.sh (`make run-prod`) and the resilience tests.

    python -m deploy.production env        # shell `export` lines for the derived settings
    python -m deploy.production prepare    # create the intake database if it does not exist
    python -m deploy.production render DIR # DIR/Procfile and DIR/nginx.conf

Same code as the embedded default; only configuration differs (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/physio_intake"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TRACKER_DATABASE = "physio_rasa"  # Rasa's tracker store: its own database on the same server


@dataclass(frozen=True)
class Topology:
    """Ports and process counts of the production profile (all from the environment)."""

    public_port: int = 8080
    rasa_ports: tuple[int, ...] = (5101, 5102)
    action_ports: tuple[int, ...] = (5151, 5152)
    action_balancer_port: int = 5150
    web_port: int = 8101
    web_workers: int = 2
    # nginx's per-address limit on the patient endpoints (requests per second, with a burst).
    patient_rate_per_second: int = 5
    patient_burst: int = 20
    run_dir: Path = field(default=ROOT / "var" / "production")

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str] = os.environ) -> Topology:
        rasa_instances = int(environ.get("RASA_INSTANCES", "2"))
        action_instances = int(environ.get("ACTION_INSTANCES", "2"))
        rasa_base = int(environ.get("RASA_BASE_PORT", "5101"))
        action_base = int(environ.get("ACTION_BASE_PORT", "5151"))
        return cls(
            public_port=int(environ.get("PUBLIC_PORT", "8080")),
            rasa_ports=tuple(rasa_base + i for i in range(rasa_instances)),
            action_ports=tuple(action_base + i for i in range(action_instances)),
            action_balancer_port=int(environ.get("ACTION_BALANCER_PORT", str(action_base - 1))),
            web_port=int(environ.get("WEB_PORT", "8101")),
            web_workers=int(environ.get("WEB_WORKERS", "2")),
            patient_rate_per_second=int(environ.get("PATIENT_RATE_PER_IP", "5")),
            patient_burst=int(environ.get("PATIENT_BURST_PER_IP", "20")),
            run_dir=Path(environ.get("PRODUCTION_RUN_DIR", str(ROOT / "var" / "production"))),
        )


def derived_environment(
    environ: dict[str, str] | os._Environ[str] = os.environ, topology: Topology | None = None
) -> dict[str, str]:
    """The variables endpoints.production.yml and the processes read, from the two URLs.

    Anything already set in the environment wins, so a deployment can point the tracker store
    at another server or user.
    """
    topology = topology or Topology.from_env(environ)
    database_url = environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    intake = make_url(database_url)
    if not intake.drivername.startswith("postgresql"):
        raise SystemExit(f"the production profile needs PostgreSQL, DATABASE_URL is {intake!r}")
    redis = urlsplit(environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    # The widget and the staff pages are served through nginx, one origin (the public URL is
    # https://... behind TLS termination: PRODUCTION_PUBLIC_URL).
    public = f"http://127.0.0.1:{topology.public_port}"
    derived = {
        "DATABASE_URL": database_url,
        "REDIS_URL": environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "RASA_TRACKER_DB_HOST": intake.host or "127.0.0.1",
        "RASA_TRACKER_DB_PORT": str(intake.port or 5432),
        "RASA_TRACKER_DB_NAME": TRACKER_DATABASE,
        "RASA_TRACKER_DB_USER": intake.username or "postgres",
        "RASA_TRACKER_DB_PASSWORD": intake.password or "",
        "RASA_TRACKER_LOGIN_DB": intake.database or "postgres",
        "RASA_LOCK_REDIS_HOST": redis.hostname or "127.0.0.1",
        "RASA_LOCK_REDIS_PORT": str(redis.port or 6379),
        "RASA_LOCK_REDIS_DB": (redis.path or "/0").lstrip("/") or "0",
        "RASA_LOCK_REDIS_PASSWORD": redis.password or "",
        "RASA_LOCK_KEY_PREFIX": "physio",
        # The web app trusts nginx's X-Forwarded-For (audit log addresses, login lockout).
        "SANIC_PROXIES_COUNT": "1",
        # Rasa's SQL tracker store pool per instance (Rasa's defaults are 50 + 100).
        "SQL_POOL_SIZE": "10",
        "SQL_MAX_OVERFLOW": "10",
    }
    derived = {key: environ.get(key) or value for key, value in derived.items()}
    # Where the processes find each other is the topology's, never a development default.
    public = environ.get("PRODUCTION_PUBLIC_URL") or public
    derived |= {
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{topology.action_balancer_port}/webhook",
        "PUBLIC_BASE_URL": public,
        "RASA_URL": public,
    }
    return derived


async def create_database_if_missing(database_url: str) -> bool:
    """Create the intake database (PostgreSQL has no CREATE DATABASE IF NOT EXISTS)."""
    import asyncpg

    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database="postgres",
    )  # fmt: skip
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", url.database
        )
        if not exists:
            # Identifiers can't be parameters; the name comes from the operator's own URL.
            await connection.execute(f'CREATE DATABASE "{url.database}"')
        return not exists
    finally:
        await connection.close()


def prepare(topology: Topology) -> int:
    """Checks before anything starts (clear messages, no traceback), then the database."""
    import socket

    import redis

    from bot.settings import SettingsError, get_settings

    problems = []
    try:
        get_settings().check_production_ready()
    except (SettingsError, ValueError) as error:
        problems.append(str(error))
    ports = [topology.public_port, topology.web_port, topology.action_balancer_port]
    for port in [*ports, *topology.rasa_ports, *topology.action_ports]:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                problems.append(f"port {port} is already in use (another copy running?)")
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
    except redis.RedisError as error:
        problems.append(f"cannot reach Redis at REDIS_URL ({type(error).__name__}: {error})")
    if not problems:
        try:
            if asyncio.run(create_database_if_missing(os.environ["DATABASE_URL"])):
                print("created the intake database", file=sys.stderr)
        except Exception as error:  # asyncpg and OSError: any failure means "not reachable"
            host = make_url(os.environ["DATABASE_URL"]).render_as_string(hide_password=True)
            problems.append(f"cannot reach PostgreSQL at {host} ({type(error).__name__})")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def processes(topology: Topology, root: Path = ROOT) -> dict[str, str]:
    """The Procfile: every process of the profile, each a plain command."""
    engine_python = shlex.quote(str(root / ".venv-engine/bin/python"))
    app_python = shlex.quote(str(root / ".venv-app/bin/python"))
    run_dir = shlex.quote(str(topology.run_dir))
    entries: dict[str, str] = {}
    for index, port in enumerate(topology.rasa_ports, start=1):
        entries[f"rasa{index}"] = (
            f"{engine_python} -m engine.serve run --model models/model.tar.gz"
            " --endpoints endpoints.production.yml --credentials credentials.yml"
            ' --enable-api --auth-token "$RASA_TOKEN" --interface 127.0.0.1'
            f' --port {port} --cors "$PUBLIC_BASE_URL"'
        )
    for index, port in enumerate(topology.action_ports, start=1):
        entries[f"actions{index}"] = (
            f"{app_python} -m scripts.action_server --actions actions --port {port}"
        )
    entries["web"] = (
        f"{shlex.quote(str(root / '.venv-app/bin/sanic'))} bot.web.app:create_app --factory"
        f" --host 127.0.0.1 --port {topology.web_port} --workers {topology.web_workers}"
    )
    entries["nginx"] = f"nginx -p {run_dir} -c nginx.conf -g 'daemon off;'"
    entries["ready"] = f"{app_python} -m deploy.production wait"
    return entries


def render(topology: Topology) -> None:
    topology.run_dir.mkdir(parents=True, exist_ok=True)
    for directory in ("logs", "tmp"):
        (topology.run_dir / directory).mkdir(exist_ok=True)
    environment = jinja2.Environment(  # noqa: S701 - renders nginx configuration, not HTML
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    nginx = environment.get_template("nginx.conf.j2").render(
        topology=topology, mime_types=_mime_types()
    )
    (topology.run_dir / "nginx.conf").write_text(nginx, encoding="utf-8")
    procfile = "".join(f"{name}: {command}\n" for name, command in processes(topology).items())
    (topology.run_dir / "Procfile").write_text(procfile, encoding="utf-8")


def _mime_types() -> str:
    for candidate in ("/etc/nginx/mime.types", "/usr/local/etc/nginx/mime.types"):
        if Path(candidate).exists():
            return candidate
    return ""


def wait_until_ready(topology: Topology, timeout_seconds: float = 300) -> int:
    """The `ready` process: wait for every instance, then print where things are."""
    import time

    import httpx

    checks = {f"Rasa {i}": f"http://127.0.0.1:{p}/" for i, p in enumerate(topology.rasa_ports, 1)}
    checks |= {
        f"action server {i}": f"http://127.0.0.1:{p}/health"
        for i, p in enumerate(topology.action_ports, 1)
    }
    checks["staff web app"] = f"http://127.0.0.1:{topology.web_port}/health"
    checks["nginx"] = f"http://127.0.0.1:{topology.public_port}/health"
    started = time.monotonic()
    pending = dict(checks)
    while pending and time.monotonic() - started < timeout_seconds:
        for name, url in list(pending.items()):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    print(f"{name} healthy after {time.monotonic() - started:.0f} s", flush=True)
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(1)
    if pending:
        print(f"error: not healthy: {', '.join(pending)}", file=sys.stderr)
        return 1
    public = f"http://127.0.0.1:{topology.public_port}"
    print(
        "\n  Production profile ready (PostgreSQL + Redis, "
        f"{len(topology.rasa_ports)} Rasa, {len(topology.action_ports)} action servers, "
        f"{topology.web_workers} web workers behind nginx):\n"
        f"    Patient demo page  {public}/\n"
        f"    Staff dashboard    {public}/staff/\n"
        f"    REST channel       {public}/webhooks/rest/webhook\n"
        "  Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    import threading

    threading.Event().wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("env", help="print export lines for the derived settings")
    commands.add_parser("prepare", help="create the intake database if missing")
    commands.add_parser("render", help="write the Procfile and nginx.conf")
    commands.add_parser("wait", help="wait until every process is healthy")
    args = parser.parse_args(argv)
    if args.command == "env":
        for key, value in derived_environment().items():
            print(f"export {key}={shlex.quote(value)}")
    elif args.command == "prepare":
        return prepare(Topology.from_env())
    elif args.command == "render":
        if shutil.which("nginx") is None:
            print(
                "error: nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx-light)",
                file=sys.stderr,
            )
            return 1
        render(Topology.from_env())
    elif args.command == "wait":
        return wait_until_ready(Topology.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
