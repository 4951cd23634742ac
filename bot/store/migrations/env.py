"""Alembic environment: runs on a connection we hand in, or opens its own async engine."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.database import VERSION_TABLE, create_engine
from bot.store.models import Base

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_on_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on_connection)
    finally:
        await engine.dispose()


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.settings import get_settings

    return get_settings().database_url


if context.is_offline_mode():
    raise SystemExit(
        "Offline (--sql) migrations are not supported; run `physio-intake db upgrade`."
    )

given_connection = config.attributes.get("connection")
if given_connection is not None:
    run_on_connection(given_connection)
else:
    asyncio.run(run_with_own_engine(database_url()))
