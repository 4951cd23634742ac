"""Async engine creation and Alembic migrations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "intake_alembic_version"
# Execution option: on SQLite, don't open a transaction (each statement commits on its own).
SQLITE_NO_BEGIN = "physio_sqlite_no_begin"

# Statement parameters are patient data: aiosqlite logs them at DEBUG, so keep it above that.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and write-locking transactions.

    `BEGIN IMMEDIATE` takes SQLite's write lock at the start of each transaction, so two
    processes (action server and web app) wait for each other instead of failing with
    "database is locked" when a read transaction later tries to write.
    """
    url = make_url(database_url)
    # Never put statement parameters (patient data) into logs or exception messages.
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(SQLITE_NO_BEGIN):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@asynccontextmanager
async def single_statements(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection on which every statement commits on its own, without BEGIN and COMMIT.

    One round trip per statement. Only for writes that are atomic as one statement.
    PostgreSQL: the driver's autocommit mode. SQLite: the driver already runs in autocommit
    mode (`isolation_level = None` above); we just don't issue our `BEGIN IMMEDIATE`. (SQLite's
    own AUTOCOMMIT isolation level would turn the driver's implicit transactions back on when
    the connection returns to the pool.)
    """
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection = await connection.execution_options(**{SQLITE_NO_BEGIN: True})
        else:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
        await connection.commit()  # ends SQLAlchemy's transaction; nothing left to commit


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate_async(database_url: str, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision` (inside a running event loop)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


def migrate(database_url: str, revision: str = "head") -> None:
    """Apply Alembic migrations up to `revision` (from synchronous code such as the CLI)."""
    asyncio.run(migrate_async(database_url, revision))
