"""Shared fixtures: a migrated database per test on SQLite, and on PostgreSQL when
DATABASE_URL points at one (CI), plus test settings that ignore any local `.env`."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import URL, make_url

from bot.settings import Settings
from bot.store import migrate
from bot.store.models import Base

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
BACKENDS = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL.startswith("postgresql"):
    BACKENDS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: URL, sql: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database beside DATABASE_URL's (Rasa's tables stay untouched)."""
    base = make_url(POSTGRES_URL)
    name = f"physio_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A migrated PostgreSQL database shared by this test run; tables are emptied per test."""
    with new_postgres_database() as url:
        migrate(url)
        yield url


def _empty_tables(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    asyncio.run(_admin(make_url(url), f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A migrated, empty database: SQLite always, PostgreSQL too when DATABASE_URL says so."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'intake.sqlite3'}"
        migrate(url)
        return url
    url = request.getfixturevalue("postgres_database_url")
    _empty_tables(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with no tables at all, for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with new_postgres_database() as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        oncall_emails=["oncall@clinic.test", "backup@clinic.test"],
        alert_webhook_url=None,
        public_base_url="http://127.0.0.1:8000",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real local SMTP server (aiosmtpd) that can be stopped and started on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()
