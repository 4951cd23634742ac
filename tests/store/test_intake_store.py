"""IntakeStore.sync_conversation: idempotent, monotonic, one intake per conversation."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import event, func, select, update

from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore, SyncResult, TranscriptLine
from bot.store.database import single_statements
from bot.store.models import AuditEvent, Intake, OutboxMessage

CAUDA_EQUINA = {
    "code": "cauda_equina",
    "label": "Possible cauda equina syndrome",
    "tier": "emergency",
    "source": "GIRFT national CES pathway 2023",
    "evidence": "numb between my legs since this morning",
}
MALIGNANCY = {
    "code": "past_cancer_new_back_pain",
    "label": "Past cancer with new spinal pain",
    "tier": "urgent",
    "source": "Downie et al., BMJ 2013",
    "evidence": "I had breast cancer five years ago",
}
ANTICOAGULANT = {"code": "anticoagulant", "label": "Takes blood thinners", "evidence": "warfarin"}


def snapshot(**overrides) -> ConversationSnapshot:
    fields = {
        "conversation_id": "conv-1",
        "answers": {"complaint": "low back pain", "body_regions": ["lower_back"], "pain_score": 6},
        "transcript": [
            TranscriptLine("bot", "What brings you in?", 1000.0),
            TranscriptLine("user", "My low back hurts", 1001.0),
        ],
    }
    fields.update(overrides)
    return ConversationSnapshot(**fields)


@pytest.fixture
async def store(database_url: str, settings: Settings):
    intake_store = IntakeStore(database_url, settings=settings)
    yield intake_store
    await intake_store.close()


async def load(store: IntakeStore, conversation_id: str = "conv-1") -> Intake:
    async with store.sessions() as session:
        query = select(Intake).where(Intake.conversation_id == conversation_id)
        return (await session.execute(query)).unique().scalar_one()


async def count(store: IntakeStore, model) -> int:
    async with store.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_first_snapshot_creates_the_intake(store: IntakeStore) -> None:
    result = await store.sync_conversation(snapshot(precautions=[ANTICOAGULANT]))

    intake = await load(store)
    assert result.intake_id == intake.id
    assert result.escalated_now is False
    assert intake.status == "in_progress"
    assert intake.urgency == "routine"
    assert intake.answers["body_regions"] == ["lower_back"]
    assert [p["code"] for p in intake.precautions] == ["anticoagulant"]
    assert [line["role"] for line in intake.transcript] == ["bot", "user"]
    assert intake.created_at.tzinfo is not None
    assert await count(store, OutboxMessage) == 0


async def test_same_snapshot_twice_changes_nothing(store: IntakeStore) -> None:
    urgent = snapshot(tier="urgent", red_flags=[MALIGNANCY], status="needs_callback")
    first = await store.sync_conversation(urgent)
    before = await load(store)
    audit_before = await count(store, AuditEvent)

    second = await store.sync_conversation(urgent)
    after = await load(store)

    assert first.escalated_now is True
    assert second.escalated_now is False
    assert second.intake_id == first.intake_id
    assert after.updated_at == before.updated_at
    assert await count(store, Intake) == 1
    assert await count(store, OutboxMessage) == 2  # one per on-call address, not per call
    assert await count(store, AuditEvent) == audit_before


async def test_escalation_writes_outbox_rows_without_patient_text(store: IntakeStore) -> None:
    result = await store.sync_conversation(
        snapshot(tier="emergency", red_flags=[CAUDA_EQUINA], answers={"contact_name": "Zed Q"})
    )

    assert result.escalated_now is True
    intake = await load(store)
    assert intake.status == "escalated"
    assert intake.escalated_at is not None
    async with store.sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert sorted(row.recipient for row in rows) == ["backup@clinic.test", "oncall@clinic.test"]
    for row in rows:
        assert row.status == "pending"
        assert row.payload == {
            "intake_id": intake.id,
            "tier": "emergency",
            "escalated_at": intake.escalated_at.isoformat(),
        }


async def test_webhook_gets_its_own_outbox_row(database_url: str, settings: Settings) -> None:
    settings = settings.model_copy(update={"alert_webhook_url": "http://127.0.0.1:9/hook"})
    store = IntakeStore(database_url, settings=settings)
    try:
        await store.sync_conversation(snapshot(tier="urgent", red_flags=[MALIGNANCY]))
        async with store.sessions() as session:
            channels = (await session.execute(select(OutboxMessage.channel))).scalars().all()
    finally:
        await store.close()
    assert sorted(channels) == ["email", "email", "webhook"]


async def test_tier_and_flags_only_grow(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot(tier="emergency", red_flags=[CAUDA_EQUINA]))
    result = await store.sync_conversation(
        snapshot(tier="urgent", red_flags=[MALIGNANCY], status="completed")
    )

    intake = await load(store)
    assert result.escalated_now is False
    assert intake.urgency == "emergency"
    assert intake.status == "escalated"
    assert [f["code"] for f in intake.red_flags] == ["cauda_equina", "past_cancer_new_back_pain"]
    assert intake.red_flags[0]["evidence"] == CAUDA_EQUINA["evidence"]


async def test_a_flag_raises_the_tier_even_if_the_snapshot_tier_lags(store: IntakeStore) -> None:
    result = await store.sync_conversation(snapshot(tier="routine", red_flags=[CAUDA_EQUINA]))

    assert result.escalated_now is True
    assert (await load(store)).urgency == "emergency"


async def test_status_never_goes_back_to_in_progress(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot(status="needs_callback"))
    await store.sync_conversation(snapshot(status="in_progress"))
    assert (await load(store)).status == "needs_callback"

    await store.sync_conversation(snapshot(tier="urgent", red_flags=[MALIGNANCY]))
    await store.sync_conversation(snapshot(status="completed"))
    assert (await load(store)).status == "escalated"


async def test_staff_acknowledgement_survives_later_snapshots(store: IntakeStore) -> None:
    urgent = snapshot(tier="urgent", red_flags=[MALIGNANCY])
    result = await store.sync_conversation(urgent)
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(Intake).where(Intake.id == result.intake_id).values(status="acknowledged")
        )

    await store.sync_conversation(snapshot(tier="urgent", status="completed", summary="Summary"))
    assert (await load(store)).status == "acknowledged"


async def test_a_higher_tier_reopens_and_alerts_again(store: IntakeStore) -> None:
    first = await store.sync_conversation(snapshot(tier="urgent", red_flags=[MALIGNANCY]))
    async with store.sessions() as session, session.begin():
        await session.execute(
            update(Intake).where(Intake.id == first.intake_id).values(status="closed")
        )

    result = await store.sync_conversation(snapshot(tier="emergency", red_flags=[CAUDA_EQUINA]))

    intake = await load(store)
    assert result.escalated_now is True
    assert intake.status == "escalated"
    assert intake.closed_at is None
    assert await count(store, OutboxMessage) == 4


async def test_answers_are_never_lost_by_a_retried_older_snapshot(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot(answers={"complaint": "knee pain", "pain_score": 4}))
    await store.sync_conversation(
        snapshot(answers={"complaint": "knee pain", "pain_score": 4, "goals": "run 10k"})
    )
    await store.sync_conversation(snapshot(answers={"complaint": "knee pain", "pain_score": None}))

    assert (await load(store)).answers == {
        "complaint": "knee pain",
        "pain_score": 4,
        "goals": "run 10k",
    }


async def test_contact_details_and_summary_are_stored(store: IntakeStore) -> None:
    await store.sync_conversation(
        snapshot(
            answers={"contact_name": "Ada Example", "contact_phone": "+1 555 0199"},
            status="completed",
            summary="Low back pain for 3 weeks.",
        )
    )
    await store.sync_conversation(snapshot(status="completed"))

    intake = await load(store)
    assert (intake.contact_name, intake.contact_phone) == ("Ada Example", "+1 555 0199")
    assert intake.summary == "Low back pain for 3 weeks."
    assert intake.status == "completed"


async def test_transcript_lines_are_merged_without_duplicates(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot())
    longer = [
        TranscriptLine("bot", "What brings you in?", 1000.0),
        TranscriptLine("user", "My low back hurts", 1001.0),
        TranscriptLine("bot", "Since when?", 1002.0),
    ]
    await store.sync_conversation(snapshot(transcript=longer))
    await store.sync_conversation(snapshot(transcript=longer[:1]))

    texts = [line["text"] for line in (await load(store)).transcript]
    assert texts == ["What brings you in?", "My low back hurts", "Since when?"]


async def test_order_of_snapshots_does_not_change_the_outcome(store: IntakeStore) -> None:
    parts = [
        snapshot(tier="urgent", red_flags=[MALIGNANCY], answers={"age": 61}),
        snapshot(tier="emergency", red_flags=[CAUDA_EQUINA], answers={"side": "both"}),
        snapshot(precautions=[ANTICOAGULANT], answers={"goals": "walk the dog"}),
    ]
    outcomes = set()
    for number, order in enumerate(itertools.permutations(parts)):
        conversation_id = f"order-{number}"
        escalations = 0
        for part in order:
            result = await store.sync_conversation(
                ConversationSnapshot(**{**part.__dict__, "conversation_id": conversation_id})
            )
            escalations += result.escalated_now
        intake = await load(store, conversation_id)
        assert escalations >= 1
        outcomes.add(
            (
                intake.urgency,
                intake.status,
                frozenset(f["code"] for f in intake.red_flags),
                frozenset(p["code"] for p in intake.precautions),
                frozenset(intake.answers.items()),
            )
        )
    assert len(outcomes) == 1
    assert next(iter(outcomes))[:2] == ("emergency", "escalated")


async def test_concurrent_calls_create_one_intake_and_one_alert(
    database_url: str, settings: Settings
) -> None:
    # Separate stores = separate engines and connections, like several action-server workers.
    stores = [IntakeStore(database_url, settings=settings) for _ in range(4)]
    emergency = snapshot(conversation_id="race", tier="emergency", red_flags=[CAUDA_EQUINA])
    try:
        results = await asyncio.gather(
            *(store.sync_conversation(emergency) for store in stores for _ in range(3))
        )
        assert len({result.intake_id for result in results}) == 1
        assert sum(result.escalated_now for result in results) == 1
        assert await count(stores[0], Intake) == 1
        assert await count(stores[0], OutboxMessage) == 2
    finally:
        for store in stores:
            await store.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [("tier", "critical"), ("status", "acknowledged"), ("conversation_id", "")],
)
def test_invalid_snapshots_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        snapshot(**{field: value})


def count_statements(store: IntakeStore) -> list[str]:
    """Every SQL statement the store's engine sends from now on (BEGIN IMMEDIATE included)."""
    statements: list[str] = []

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.split()[0].upper())

    return statements


async def test_an_answer_is_written_with_one_statement(store: IntakeStore) -> None:
    first = await store.sync_conversation(snapshot())
    statements = count_statements(store)
    transcript = [*snapshot().transcript, TranscriptLine("bot", "Since when?", 1002.0)]
    answers = {**snapshot().answers, "duration": "3 weeks", "contact_name": "Ada Example"}

    result = await store.sync_conversation(snapshot(answers=answers, transcript=transcript))

    assert statements == ["UPDATE"]
    assert result == SyncResult(intake_id=first.intake_id, escalated_now=False)
    intake = await load(store)
    assert intake.answers["duration"] == "3 weeks"
    assert intake.contact_name == "Ada Example"
    assert [line["text"] for line in intake.transcript][-1] == "Since when?"


async def test_a_repeated_snapshot_sends_no_statement(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot())
    statements = count_statements(store)
    await store.sync_conversation(snapshot())
    assert statements == []


async def test_tier_and_status_changes_take_the_locked_merge(store: IntakeStore) -> None:
    await store.sync_conversation(snapshot())
    statements = count_statements(store)

    await store.sync_conversation(snapshot(status="completed", summary="Summary"))
    await store.sync_conversation(snapshot(tier="urgent", red_flags=[MALIGNANCY]))

    assert statements.count("SELECT") == 2  # the row read (and locked) once per call
    assert await count(store, OutboxMessage) == 2
    assert await count(store, AuditEvent) == 2


async def test_a_row_changed_elsewhere_is_merged_not_overwritten(
    store: IntakeStore, database_url: str, settings: Settings
) -> None:
    await store.sync_conversation(snapshot())
    other = IntakeStore(database_url, settings=settings)  # another process, e.g. a restart
    try:
        await other.sync_conversation(snapshot(answers={**snapshot().answers, "goals": "run"}))
    finally:
        await other.close()

    await store.sync_conversation(snapshot(answers={**snapshot().answers, "age": 61}))

    answers = (await load(store)).answers
    assert (answers["goals"], answers["age"]) == ("run", 61)


async def test_single_statements_commit_on_their_own(store: IntakeStore) -> None:
    result = await store.sync_conversation(snapshot())
    async with single_statements(store.engine) as connection:
        await connection.execute(
            update(Intake).where(Intake.id == result.intake_id).values(summary="seen")
        )
        # Before this connection commits: a transaction would still hide the change.
        assert (await load(store)).summary == "seen"


async def test_sqlite_writers_of_one_process_queue_instead_of_failing(
    database_url: str, settings: Settings
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer only")
    store = IntakeStore(database_url, settings=settings)

    # Without SQLite's busy handler, a writer that found the lock taken would fail at once.
    @event.listens_for(store.engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    try:
        results = await asyncio.gather(
            *(store.sync_conversation(snapshot(conversation_id=f"c-{n}")) for n in range(30))
        )
        assert len({result.intake_id for result in results}) == 30
    finally:
        await store.close()


async def test_answers_and_escalations_of_many_conversations_at_once(store: IntakeStore) -> None:
    # More writers than the connection pool (5 + 10) holds, both kinds of write mixed.
    ids = [f"many-{n}" for n in range(40)]
    for conversation_id in ids:
        await store.sync_conversation(snapshot(conversation_id=conversation_id))
    answers = {**snapshot().answers, "goals": "run 10k"}
    urgent = {"tier": "urgent", "red_flags": [MALIGNANCY]}
    results = await asyncio.gather(
        *(
            store.sync_conversation(
                snapshot(
                    conversation_id=conversation_id,
                    answers=answers,
                    **(urgent if n % 4 == 0 else {}),
                )
            )
            for n, conversation_id in enumerate(ids)
        )
    )
    assert sum(result.escalated_now for result in results) == 10
    assert await count(store, OutboxMessage) == 20
    for conversation_id in ids:
        assert (await load(store, conversation_id)).answers["goals"] == "run 10k"


async def test_a_nul_character_from_a_channel_does_not_stop_an_escalation_being_saved(
    store: IntakeStore,
) -> None:
    # socket.io passes NUL through; PostgreSQL refuses it in text and JSON.
    nul = snapshot(
        tier="emergency",
        status="escalated",
        answers={"complaint": "chest\x00 pain", "body_regions": ["chest"]},
        transcript=[TranscriptLine("user", "crushing chest\x00 pain", 1.0)],
    )
    result = await store.sync_conversation(nul)
    intake = await load(store)
    assert result.escalated_now and intake.urgency == "emergency"
    assert intake.answers["complaint"] == "chest pain"
    assert intake.transcript[-1]["text"] == "crushing chest pain"
