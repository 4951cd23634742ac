"""SQLAlchemy 2.0 typed models for the intake store.

Our tables live beside Rasa's tracker store (`events`) in the same database when the clinic
uses one PostgreSQL database; none of our table names collide with Rasa's and Alembic keeps
its own version table (`intake_alembic_version`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.triage.tiers import TIERS

URGENCY_TIERS = TIERS  # lowest first, shared with the triage engine
INTAKE_STATUSES = (
    "in_progress",
    "completed",
    "needs_callback",
    "escalated",
    "acknowledged",
    "closed",
)
STAFF_ROLES = ("clinician", "front_desk", "admin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    # Fixed constraint names so migrations are the same on SQLite and PostgreSQL.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[dict[str, Any]]: JSON,
    }


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    @property
    def label(self) -> str:
        return self.display_name or self.email


class StaffSession(Base):
    """Server-side login session; the cookie holds a random token, we keep only its hash."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[StaffUser] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Intake(Base):
    __tablename__ = "intakes"
    __table_args__ = (
        Index("ix_intakes_urgency_created_at", "urgency", "created_at"),
        Index("ix_intakes_status", "status"),
        Index("ix_intakes_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    red_flags: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    precautions: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )

    acknowledged_by: Mapped[StaffUser | None] = relationship(
        foreign_keys=[acknowledged_by_id], lazy="joined"
    )
    assigned_to: Mapped[StaffUser | None] = relationship(
        foreign_keys=[assigned_to_id], lazy="joined"
    )
    closed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[closed_by_id], lazy="joined")
    notes: Mapped[list[IntakeNote]] = relationship(
        back_populates="intake",
        order_by="IntakeNote.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class IntakeNote(Base):
    __tablename__ = "intake_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    intake: Mapped[Intake] = relationship(back_populates="notes")
    author: Mapped[StaffUser | None] = relationship(lazy="joined")


class AuditEvent(Base):
    """Who did what to which object, when. Holds identifiers only, never patient text."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff | token | cli | system
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(128))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxMessage(Base):
    """A notification to deliver; written in the same transaction as the escalation."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    recipient: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
