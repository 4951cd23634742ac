"""`IntakeStore.sync_conversation`: the one write path from the conversation into the store.

Every call carries the whole conversation so far (a snapshot). Merging a snapshot is
idempotent and monotonic: the tier and the flag set only grow, answers are never lost,
transcript lines are de-duplicated, and the bot never moves a status backwards or
overrides what staff did (acknowledged / closed) unless the tier rises again.

Most turns only add answers and transcript lines. The store remembers the row it last wrote
for each conversation; when the merge changes nothing but those columns it writes them with
one `UPDATE ... WHERE id = :id AND updated_at = :seen` (no transaction around it: one round
trip, and SQLite's write lock is held for that statement only). Anything else - a new
conversation, a tier, flag or status change (audit event, alerts), a row someone else changed
since (`updated_at` moved on) - takes the locked merge below, which decides every rule.
On SQLite, writers of this process also queue on an asyncio.Lock: SQLite has one writer at a
time anyway, and queuing here replaces sleeping in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from bot.settings import Settings, get_settings
from bot.store.audit import record_audit
from bot.store.database import create_engine, session_factory, single_statements
from bot.store.models import URGENCY_TIERS, Intake, OutboxMessage, utcnow
from bot.triage.tiers import max_tier, tier_rank

ALERT_TIERS = ("urgent", "emergency")
BOT_STATUSES = ("in_progress", "completed", "needs_callback", "escalated")
# Higher rank wins when a snapshot and the stored row disagree.
STATUS_RANK = {
    "in_progress": 0,
    "completed": 1,
    "needs_callback": 2,
    "escalated": 3,
    "acknowledged": 4,
    "closed": 5,
}


def without_nul(value: Any) -> Any:
    """`value` with NUL characters removed from every string in it.

    PostgreSQL text and JSON cannot hold NUL, so one NUL from a channel that doesn't strip it
    (socket.io) would make the whole intake - an escalation included - fail to save.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(item) for item in value)
    return value


@dataclass(frozen=True)
class TranscriptLine:
    role: str  # "user" (the patient) or "bot", as in Rasa's events
    text: str
    timestamp: float | datetime  # Rasa event timestamps are epoch seconds

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", without_nul(self.text))


@dataclass(frozen=True)
class ConversationSnapshot:
    conversation_id: str
    answers: Mapping[str, Any] = field(default_factory=dict)
    transcript: Sequence[TranscriptLine] = ()
    tier: str = "routine"
    red_flags: Sequence[Mapping[str, Any]] = ()  # {code, label, tier, source, evidence}
    precautions: Sequence[Mapping[str, Any]] = ()  # {code, label, evidence}
    status: str = "in_progress"
    summary: str | None = None

    def __post_init__(self) -> None:
        if not self.conversation_id:
            raise ValueError("conversation_id is required")
        if self.tier not in URGENCY_TIERS:
            raise ValueError(f"unknown tier {self.tier!r}")
        if self.status not in BOT_STATUSES:
            raise ValueError(f"status {self.status!r} cannot come from the conversation")
        for name in ("answers", "red_flags", "precautions", "summary"):
            object.__setattr__(self, name, without_nul(getattr(self, name)))


@dataclass(frozen=True)
class SyncResult:
    intake_id: int
    escalated_now: bool  # the tier rose to urgent/emergency in this call


# The intake columns a snapshot merges into, and those it may change without an audit event or
# an alert (tier, flags, precautions and status changes always take the locked merge).
MERGED_COLUMNS = (
    "urgency",
    "status",
    "red_flags",
    "precautions",
    "answers",
    "transcript",
    "summary",
    "contact_name",
    "contact_phone",
)
CONTENT_COLUMNS = frozenset({"answers", "transcript", "summary", "contact_name", "contact_phone"})
REMEMBERED_CONVERSATIONS = 1000  # rows kept per process for the one-statement write


@dataclass(frozen=True)
class _WrittenRow:
    """An intake row as this process last wrote it (values as the database gives them back)."""

    intake_id: int
    updated_at: datetime
    urgency: str
    status: str
    red_flags: list[dict[str, Any]]
    precautions: list[dict[str, Any]]
    answers: dict[str, Any]
    transcript: list[dict[str, Any]]
    summary: str | None
    contact_name: str | None
    contact_phone: str | None

    @classmethod
    def of(cls, intake: Intake) -> _WrittenRow:
        columns = {name: getattr(intake, name) for name in MERGED_COLUMNS}
        return cls(intake_id=intake.id, updated_at=intake.updated_at, **columns)


def _json_ready(value: Any) -> Any:
    """What the JSON column will give back, so stored and incoming values compare equal."""
    return json.loads(json.dumps(value, default=str))


def _as_dict(item: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return dict(item)


def _flag(item: Any) -> dict[str, Any]:
    raw = _as_dict(item)
    return {key: raw.get(key) for key in ("code", "label", "tier", "source", "evidence")}


def _precaution(item: Any) -> dict[str, Any]:
    raw = _as_dict(item)
    return {key: raw.get(key) for key in ("code", "label", "evidence")}


def _union_by_code(existing: list[dict[str, Any]], incoming: list[dict[str, Any]]) -> list:
    """Keep every stored entry (first evidence wins) and append codes not seen before."""
    merged = list(existing)
    known = {entry["code"] for entry in existing}
    for entry in incoming:
        if entry["code"] not in known:
            merged.append(entry)
            known.add(entry["code"])
    return merged


def _epoch(timestamp: float | datetime) -> float:
    if isinstance(timestamp, datetime):
        return timestamp.timestamp()
    return float(timestamp)


def _merged_transcript(existing: list[dict[str, Any]], incoming: Sequence[TranscriptLine]) -> list:
    lines = list(existing)
    seen = {(line["role"], line["text"], line["timestamp"]) for line in existing}
    for line in incoming:
        entry = {"role": line.role, "text": line.text, "timestamp": _epoch(line.timestamp)}
        key = (entry["role"], entry["text"], entry["timestamp"])
        if key not in seen:
            lines.append(entry)
            seen.add(key)
    return sorted(lines, key=lambda line: line["timestamp"])


def _merged(row: Intake | _WrittenRow, snapshot: ConversationSnapshot) -> tuple[dict, bool]:
    """The merged values of MERGED_COLUMNS, and whether the tier rose to an alert tier."""
    red_flags = _union_by_code(row.red_flags, _json_ready([_flag(f) for f in snapshot.red_flags]))
    flag_tiers = [f["tier"] for f in red_flags if f.get("tier") in URGENCY_TIERS]
    tier = max_tier(row.urgency, snapshot.tier, *flag_tiers)
    escalated_now = tier in ALERT_TIERS and tier_rank(tier) > tier_rank(row.urgency)

    incoming_status = snapshot.status
    if tier in ALERT_TIERS:
        incoming_status = max(incoming_status, "escalated", key=STATUS_RANK.__getitem__)
    if escalated_now:
        status = "escalated"  # a higher tier re-opens an acknowledged or closed intake
    else:
        status = max(row.status, incoming_status, key=STATUS_RANK.__getitem__)

    answers = dict(row.answers)
    answers.update(_json_ready({k: v for k, v in snapshot.answers.items() if v is not None}))
    merged = {
        "urgency": tier,
        "status": status,
        "red_flags": red_flags,
        "precautions": _union_by_code(
            row.precautions, _json_ready([_precaution(p) for p in snapshot.precautions])
        ),
        "answers": answers,
        "transcript": _merged_transcript(row.transcript, snapshot.transcript),
        "summary": snapshot.summary if snapshot.summary is not None else row.summary,
        "contact_name": answers.get("contact_name"),
        "contact_phone": answers.get("contact_phone"),
    }
    return merged, escalated_now


class IntakeStore:
    """Async access to the intake tables for the conversation side (actions)."""

    def __init__(self, database_url: str, *, settings: Settings | None = None) -> None:
        self._settings = settings or get_settings()
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)
        is_sqlite = self.engine.dialect.name == "sqlite"
        self._sqlite_writes = asyncio.Lock() if is_sqlite else None
        self._written: OrderedDict[str, _WrittenRow] = OrderedDict()

    async def close(self) -> None:
        await self.engine.dispose()

    def _write_turn(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """SQLite: one writer of this process at a time, from its first statement to its commit.

        PostgreSQL locks rows instead.
        """
        return self._sqlite_writes or contextlib.nullcontext()

    async def sync_conversation(self, snapshot: ConversationSnapshot) -> SyncResult:
        conversation_id = snapshot.conversation_id
        try:
            result = await self._write_content_only(snapshot)
            if result is None:
                result, written = await self._locked_merge(snapshot)
                self._remember(conversation_id, written)
        except BaseException:
            self._written.pop(conversation_id, None)  # unknown state: merge next time
            raise
        return result

    def _remember(self, conversation_id: str, row: _WrittenRow) -> None:
        self._written[conversation_id] = row
        self._written.move_to_end(conversation_id)
        if len(self._written) > REMEMBERED_CONVERSATIONS:
            self._written.popitem(last=False)

    async def _write_content_only(self, snapshot: ConversationSnapshot) -> SyncResult | None:
        """The one-statement write; None when the locked merge must decide."""
        row = self._written.get(snapshot.conversation_id)
        if row is None:
            return None
        merged, _ = _merged(row, snapshot)
        changed = {k: v for k, v in merged.items() if getattr(row, k) != v}
        if not changed.keys() <= CONTENT_COLUMNS:
            return None  # tier, flags, precautions or status: audit event and alerts
        if not changed:
            return SyncResult(intake_id=row.intake_id, escalated_now=False)
        now = utcnow()
        statement = (
            update(Intake)
            .where(Intake.id == row.intake_id, Intake.updated_at == row.updated_at)
            .values(**changed, updated_at=now)
        )
        # Queue first, then take a connection: a writer never holds a connection while it
        # queues (the locked merge takes its connection inside the queue). The connection goes
        # back to the pool after leaving the queue.
        async with contextlib.AsyncExitStack() as connection_scope:
            async with self._write_turn():
                connection = await connection_scope.enter_async_context(
                    single_statements(self.engine)
                )
                written = (await connection.execute(statement)).rowcount == 1
        if not written:
            return None  # changed by someone else since: merge with what is stored now
        self._remember(
            snapshot.conversation_id, dataclasses.replace(row, **changed, updated_at=now)
        )
        return SyncResult(intake_id=row.intake_id, escalated_now=False)

    async def _locked_merge(self, snapshot: ConversationSnapshot) -> tuple[SyncResult, _WrittenRow]:
        # The session takes its connection at its first statement, inside the queue.
        async with self.sessions() as session, self._write_turn(), session.begin():
            intake = await self._locked_intake(session, snapshot.conversation_id)
            escalated_now = self._merge(session, intake, snapshot)
            await session.flush()
            result = SyncResult(intake_id=intake.id, escalated_now=escalated_now)
            return result, _WrittenRow.of(intake)

    async def _locked_intake(self, session: AsyncSession, conversation_id: str) -> Intake:
        """The intake row for this conversation, created if missing, locked for this transaction.

        INSERT ... ON CONFLICT DO NOTHING makes concurrent first calls safe: the loser's insert
        waits for the winner and then does nothing; both then lock the one row.
        """
        query = (
            select(Intake)
            .where(Intake.conversation_id == conversation_id)
            .with_for_update(of=Intake)
            .options(raiseload("*"))
        )
        intake = (await session.execute(query)).scalar_one_or_none()
        if intake is not None:
            return intake
        insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(
            insert(Intake)
            .values(conversation_id=conversation_id)
            .on_conflict_do_nothing(index_elements=["conversation_id"])
        )
        return (await session.execute(query)).scalar_one()

    def _merge(self, session: AsyncSession, intake: Intake, snapshot: ConversationSnapshot) -> bool:
        now = utcnow()
        changes, escalated_now = _merged(intake, snapshot)
        tier, status = changes["urgency"], changes["status"]
        if escalated_now:
            changes.update(
                escalated_at=now,
                acknowledged_at=None,
                acknowledged_by_id=None,
                closed_at=None,
                closed_by_id=None,
            )
        changed = {k: v for k, v in changes.items() if getattr(intake, k) != v}
        if not changed:
            return False

        old_status, old_tier = intake.status, intake.urgency
        for key, value in changed.items():
            setattr(intake, key, value)
        intake.updated_at = now
        if status != old_status or tier != old_tier:
            record_audit(
                session,
                actor_type="system",
                action="intake.status" if not escalated_now else "intake.escalated",
                object_type="intake",
                object_id=str(intake.id),
                details={"from": old_status, "to": status, "tier_from": old_tier, "tier": tier},
            )
        if escalated_now:
            self._enqueue_alerts(session, intake, now)
        return escalated_now

    def _enqueue_alerts(self, session: AsyncSession, intake: Intake, now: datetime) -> None:
        """Outbox rows for the on-call alert; they carry identifiers only, never patient text."""
        payload = {
            "intake_id": intake.id,
            "tier": intake.urgency,
            "escalated_at": now.astimezone(timezone.utc).isoformat(),
        }
        recipients = [("email", address) for address in self._settings.oncall_emails]
        if self._settings.alert_webhook_url:
            recipients.append(("webhook", self._settings.alert_webhook_url))
        for channel, recipient in recipients:
            session.add(
                OutboxMessage(
                    intake_id=intake.id,
                    channel=channel,
                    recipient=recipient,
                    payload=payload,
                    dedupe_key=f"intake:{intake.id}:{intake.urgency}:{channel}:{recipient}"[:300],
                    next_attempt_at=now,
                )
            )
