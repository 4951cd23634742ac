"""Intake store: SQLAlchemy models, Alembic migrations and the conversation write path."""

from bot.store.database import create_engine, migrate, migrate_async, session_factory
from bot.store.intake_store import ConversationSnapshot, IntakeStore, SyncResult, TranscriptLine

__all__ = [
    "ConversationSnapshot",
    "IntakeStore",
    "SyncResult",
    "TranscriptLine",
    "create_engine",
    "migrate",
    "migrate_async",
    "session_factory",
]
