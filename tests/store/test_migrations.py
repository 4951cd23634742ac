"""Alembic migrations: an empty database and one at the previous revision both reach head,
and head matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.store import create_engine, migrate_async
from bot.store.database import VERSION_TABLE
from bot.store.models import Base


def schema_state(connection: Connection) -> tuple[str | None, list, set[str]]:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    differences = compare_metadata(context, Base.metadata)
    indexes = {index["name"] for index in inspect(connection).get_indexes("intakes")}
    return context.get_current_revision(), differences, indexes


async def test_empty_database_upgrades_to_head_matching_the_models(
    empty_database_url: str,
) -> None:
    await migrate_async(empty_database_url)

    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            revision, differences, indexes = await connection.run_sync(schema_state)
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert revision == "0002"
    assert differences == []
    assert "ix_intakes_urgency_created_at" in indexes
    assert "events" not in tables  # Rasa's tracker table is not ours


async def test_previous_revision_upgrades_with_its_data(empty_database_url: str) -> None:
    await migrate_async(empty_database_url, "0001")
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            revision, differences, indexes = await connection.run_sync(schema_state)
            assert (revision, indexes & {"ix_intakes_status"}) == ("0001", set())
            assert {diff[0] for diff in differences} == {"add_index"}
            await connection.execute(
                text(
                    "INSERT INTO intakes (conversation_id, status, urgency, red_flags, precautions,"
                    " answers, transcript, created_at, updated_at) VALUES ('old-conv', 'completed',"
                    " 'routine', '[]', '[]', '{}', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )

        await migrate_async(empty_database_url)

        async with engine.connect() as connection:
            revision, differences, indexes = await connection.run_sync(schema_state)
            kept = await connection.scalar(text("SELECT conversation_id FROM intakes"))
    finally:
        await engine.dispose()
    assert (revision, differences, kept) == ("0002", [], "old-conv")
    assert {"ix_intakes_status", "ix_intakes_updated_at"} <= indexes


async def test_upgrading_twice_is_harmless(database_url: str) -> None:
    await migrate_async(database_url)
    await migrate_async(database_url)
