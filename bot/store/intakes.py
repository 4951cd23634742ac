"""Staff-side reads and writes on intakes: queue queries, acknowledge / assign / note / close,
records for the API and data-subject export, deletion and retention purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.store.models import (
    INTAKE_STATUSES,
    URGENCY_TIERS,
    AuditEvent,
    Intake,
    IntakeNote,
    OutboxMessage,
    StaffSession,
    StaffUser,
    utcnow,
)

MAX_NOTE_LENGTH = 5000
URGENCY_ORDER = case((Intake.urgency == "emergency", 0), (Intake.urgency == "urgent", 1), else_=2)


class IntakeActionError(ValueError):
    """A staff action that does not apply to this intake in its current state."""


@dataclass(frozen=True)
class IntakeFilter:
    urgency: str | None = None
    status: str | None = None  # None: every open intake (not closed)
    conversation_id: str | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        if self.urgency and self.urgency not in URGENCY_TIERS:
            raise IntakeActionError(f"unknown urgency {self.urgency!r}")
        if self.status and self.status not in INTAKE_STATUSES:
            raise IntakeActionError(f"unknown status {self.status!r}")

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.urgency:
            conditions.append(Intake.urgency == self.urgency)
        if self.status:
            conditions.append(Intake.status == self.status)
        if self.conversation_id:
            conditions.append(Intake.conversation_id == self.conversation_id)
        if self.search:
            pattern = f"%{self.search.strip()}%"
            conditions.append(
                or_(
                    Intake.conversation_id.ilike(pattern),
                    Intake.contact_name.ilike(pattern),
                    Intake.contact_phone.ilike(pattern),
                    Intake.summary.ilike(pattern),
                )
            )
        return conditions


def _filtered(query: Select, filters: IntakeFilter) -> Select:
    return query.where(*filters.conditions())


async def queue(session: AsyncSession, filters: IntakeFilter, limit: int = 200) -> list[Intake]:
    """Intakes for the staff queue: most urgent first, then the longest waiting."""
    query = select(Intake)
    if not filters.status:
        query = query.where(Intake.status != "closed")
    query = _filtered(query, filters).order_by(URGENCY_ORDER, Intake.created_at, Intake.id)
    return list((await session.execute(query.limit(limit))).unique().scalars())


async def newest_first(
    session: AsyncSession, filters: IntakeFilter, offset: int, limit: int
) -> tuple[list[Intake], int]:
    """One page of intakes for the API, newest first, and the total that match."""
    total_query = _filtered(select(func.count()).select_from(Intake), filters)
    total = (await session.execute(total_query)).scalar_one()
    query = _filtered(select(Intake), filters).order_by(Intake.created_at.desc(), Intake.id.desc())
    rows = (await session.execute(query.offset(offset).limit(limit))).unique().scalars()
    return list(rows), total


MAX_INTAKE_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL


async def get_intake(session: AsyncSession, intake_id: int) -> Intake | None:
    if not 0 < intake_id <= MAX_INTAKE_ID:
        return None  # no such row; PostgreSQL would refuse the comparison instead
    query = select(Intake).where(Intake.id == intake_id).options(selectinload(Intake.notes))
    return (await session.execute(query)).unique().scalar_one_or_none()


async def get_by_conversation(session: AsyncSession, conversation_id: str) -> Intake | None:
    query = (
        select(Intake)
        .where(Intake.conversation_id == conversation_id)
        .options(selectinload(Intake.notes))
    )
    return (await session.execute(query)).unique().scalar_one_or_none()


async def feed_marker(session: AsyncSession) -> tuple[str, int]:
    """A cheap fingerprint of the intake table: changes whenever any intake changes."""
    query = select(func.max(Intake.updated_at), func.count(Intake.id))
    latest, total = (await session.execute(query)).one()
    return (str(latest), int(total))


async def open_alerts(session: AsyncSession) -> list[Intake]:
    """Escalated intakes nobody has acknowledged yet."""
    query = (
        select(Intake)
        .where(Intake.status == "escalated")
        .order_by(URGENCY_ORDER, Intake.escalated_at)
    )
    return list((await session.execute(query)).unique().scalars())


async def active_staff(session: AsyncSession) -> list[StaffUser]:
    query = select(StaffUser).where(StaffUser.is_active.is_(True)).order_by(StaffUser.email)
    return list((await session.execute(query)).scalars())


def time_to_acknowledge(intake: Intake) -> timedelta | None:
    if intake.acknowledged_at is None:
        return None
    return intake.acknowledged_at - (intake.escalated_at or intake.created_at)


def acknowledge(intake: Intake, user: StaffUser) -> bool:
    """Mark the intake as seen by a clinician; False if it already was."""
    if intake.status == "closed":
        raise IntakeActionError("a closed intake cannot be acknowledged")
    if intake.status == "acknowledged":
        return False
    now = utcnow()
    intake.status = "acknowledged"
    intake.acknowledged_at = now
    intake.acknowledged_by_id = user.id
    intake.updated_at = now
    return True


def assign(intake: Intake, assignee: StaffUser | None) -> None:
    intake.assigned_to_id = assignee.id if assignee else None
    intake.updated_at = utcnow()


def add_note(session: AsyncSession, intake: Intake, author: StaffUser, text: str) -> IntakeNote:
    text = text.strip()
    if not text:
        raise IntakeActionError("the note is empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise IntakeActionError(f"a note has at most {MAX_NOTE_LENGTH} characters")
    now = utcnow()
    note = IntakeNote(intake_id=intake.id, author_id=author.id, text=text, created_at=now)
    session.add(note)
    intake.updated_at = now
    return note


def close(intake: Intake, user: StaffUser) -> bool:
    if intake.status == "closed":
        return False
    now = utcnow()
    intake.status = "closed"
    intake.closed_at = now
    intake.closed_by_id = user.id
    intake.updated_at = now
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _staff(user: StaffUser | None) -> str | None:
    return user.email if user else None


def intake_record(intake: Intake, base_url: str, *, full: bool) -> dict[str, Any]:
    """The API / export view of an intake; `full` adds evidence, answers, contact, transcript."""
    answers = intake.answers
    record: dict[str, Any] = {
        "id": intake.id,
        "conversation_id": intake.conversation_id,
        "status": intake.status,
        "urgency": intake.urgency,
        "red_flags": [
            {key: flag.get(key) for key in ("code", "label", "tier", "source")}
            for flag in intake.red_flags
        ],
        "precautions": [{key: p.get(key) for key in ("code", "label")} for p in intake.precautions],
        "body_regions": answers.get("body_regions") or [],
        "side": answers.get("side"),
        "pain_score": answers.get("pain_score"),
        "onset": answers.get("onset"),
        "duration": answers.get("duration"),
        "summary": intake.summary,
        "created_at": _iso(intake.created_at),
        "updated_at": _iso(intake.updated_at),
        "escalated_at": _iso(intake.escalated_at),
        "acknowledged_at": _iso(intake.acknowledged_at),
        "acknowledged_by": _staff(intake.acknowledged_by),
        "assigned_to": _staff(intake.assigned_to),
        "closed_at": _iso(intake.closed_at),
        "fhir": f"{base_url}/api/v1/intakes/{intake.id}/fhir",
    }
    if full:
        record.update(
            red_flags=intake.red_flags,
            precautions=intake.precautions,
            answers=answers,
            contact={"name": intake.contact_name, "phone": intake.contact_phone},
            transcript=intake.transcript,
            notes=[
                {"at": _iso(note.created_at), "author": _staff(note.author), "text": note.text}
                for note in intake.notes
            ],
        )
    return record


async def delete_intake(session: AsyncSession, intake: Intake) -> None:
    """Erase an intake with its notes and pending notifications (data-subject request)."""
    await session.execute(delete(OutboxMessage).where(OutboxMessage.intake_id == intake.id))
    await session.execute(delete(IntakeNote).where(IntakeNote.intake_id == intake.id))
    await session.delete(intake)


@dataclass(frozen=True)
class PurgeResult:
    intakes: int
    audit_events: int
    outbox_messages: int
    sessions: int


async def purge_older_than(session: AsyncSession, days: int) -> PurgeResult:
    """Delete intakes not touched for `days`, and audit, outbox and sessions older than that."""
    if days < 1:
        raise IntakeActionError("the retention period is at least one day")
    cutoff = utcnow() - timedelta(days=days)
    old_intakes = select(Intake.id).where(Intake.updated_at < cutoff)
    outbox = await session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.created_at < cutoff, OutboxMessage.intake_id.in_(old_intakes))
        )
    )
    await session.execute(delete(IntakeNote).where(IntakeNote.intake_id.in_(old_intakes)))
    intakes = await session.execute(delete(Intake).where(Intake.updated_at < cutoff))
    audit = await session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    sessions = await session.execute(delete(StaffSession).where(StaffSession.expires_at < utcnow()))
    return PurgeResult(
        intakes=intakes.rowcount,
        audit_events=audit.rowcount,
        outbox_messages=outbox.rowcount,
        sessions=sessions.rowcount,
    )
