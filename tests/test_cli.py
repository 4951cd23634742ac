"""The `physio-intake` admin command, run in-process against a real database."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import func, select, update

from bot.cli import main
from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore, create_engine, session_factory
from bot.store.accounts import authenticate, token_by_value
from bot.store.models import ApiToken, AuditEvent, Intake, OutboxMessage, StaffUser, utcnow

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


async def _query(url: str, work):
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def query(url: str, work):
    return asyncio.run(_query(url, work))


def run(url: str, *args: str, stdin: str = "") -> int:
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--database-url", url, *args])
    finally:
        sys.stdin = sys.__stdin__


def sync(url: str, settings: Settings, snapshot: ConversationSnapshot) -> None:
    async def work() -> None:
        store = IntakeStore(url, settings=settings)
        try:
            await store.sync_conversation(snapshot)
        finally:
            await store.close()

    asyncio.run(work())


def test_db_upgrade_creates_the_schema(empty_database_url: str, capsys) -> None:
    assert run(empty_database_url, "db", "upgrade") == 0
    assert "upgraded" in capsys.readouterr().out
    assert query(empty_database_url, lambda s: _count(s, StaffUser)) == 0


async def _count(session, model) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def test_user_create_and_login(database_url: str) -> None:
    args = ("user", "create", "--email", "Dr.Who@Clinic.test", "--role", "clinician")
    assert run(database_url, *args, "--password-stdin", stdin=PASSWORD + "\n") == 0

    outcome = query(database_url, lambda s: authenticate(s, "dr.who@clinic.test", PASSWORD))
    assert outcome.reason == "ok"
    assert outcome.user.role == "clinician"
    assert outcome.user.password_hash.startswith("$argon2id$")
    actions = query(database_url, lambda s: _actions(s))
    assert actions == ["user.create"]


async def _actions(session) -> list[str]:
    return list(
        (await session.execute(select(AuditEvent.action).order_by(AuditEvent.id))).scalars()
    )


def test_user_create_refuses_weak_password_and_duplicates(database_url: str, capsys) -> None:
    args = ("user", "create", "--email", "a@clinic.test", "--role", "admin", "--password-stdin")
    assert run(database_url, *args, stdin="short\n") == 1
    assert "at least 12" in capsys.readouterr().err
    assert run(database_url, *args, stdin=PASSWORD) == 0
    assert run(database_url, *args, stdin=PASSWORD) == 1
    assert "already exists" in capsys.readouterr().err


def test_user_create_without_terminal_needs_password_stdin(database_url: str, capsys) -> None:
    assert run(database_url, "user", "create", "--email", "b@clinic.test", "--role", "admin") == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_reset_password_unlocks_and_replaces_the_old_password(database_url: str) -> None:
    email = "locked@clinic.test"
    run(database_url, "user", "create", "--email", email, "--role", "front_desk",
        "--password-stdin", stdin=PASSWORD)  # fmt: skip
    for _ in range(5):
        query(database_url, lambda s: authenticate(s, email, "wrong password!"))
    assert query(database_url, lambda s: authenticate(s, email, PASSWORD)).reason == "locked"

    new_password = "a new long passphrase"
    assert run(database_url, "user", "reset-password", "--email", email, "--password-stdin",
               stdin=new_password) == 0  # fmt: skip

    assert query(database_url, lambda s: authenticate(s, email, PASSWORD)).reason == "bad_password"
    assert query(database_url, lambda s: authenticate(s, email, new_password)).reason == "ok"


def test_token_is_printed_once_and_stored_only_as_a_hash(database_url: str, capsys) -> None:
    assert run(database_url, "token", "create", "--name", "ehr", "--role", "clinician") == 0
    plain = capsys.readouterr().out.strip()
    assert plain.startswith("pit_") and len(plain) > 40

    stored = query(database_url, lambda s: _all(s, ApiToken))
    assert len(stored) == 1
    assert plain not in (stored[0].token_hash, stored[0].name)
    assert query(database_url, lambda s: token_by_value(s, plain)).name == "ehr"

    assert run(database_url, "token", "revoke", "--name", "ehr") == 0
    assert query(database_url, lambda s: token_by_value(s, plain)) is None
    assert run(database_url, "token", "revoke", "--name", "nope") == 1


async def _all(session, model) -> list:
    return list((await session.execute(select(model))).unique().scalars())


def test_intake_export_includes_a_valid_fhir_response(
    database_url: str, settings: Settings, tmp_path: Path
) -> None:
    sync(database_url, settings, ConversationSnapshot(
        conversation_id="dsr-1", answers={"pain_score": 7, "body_regions": ["knee"]},
        tier="urgent", red_flags=[{"code": "fracture", "label": "Possible fracture",
                                   "tier": "urgent", "source": "Ottawa", "evidence": "fell"}],
    ))  # fmt: skip
    output = tmp_path / "export.json"

    code = run(
        database_url, "intake", "export", "--conversation-id", "dsr-1", "--output", str(output)
    )

    assert code == 0
    document = json.loads(output.read_text())
    assert document["intake"]["conversation_id"] == "dsr-1"
    assert document["intake"]["red_flags"][0]["evidence"] == "fell"
    response = QuestionnaireResponse.model_validate(document["fhir"])
    assert response.identifier.value == "dsr-1"
    assert query(database_url, _actions)[-1] == "intake.export"


def test_intake_delete_needs_confirmation_and_erases_everything(
    database_url: str, settings: Settings
) -> None:
    sync(database_url, settings, ConversationSnapshot(conversation_id="dsr-2", tier="emergency"))
    assert query(database_url, lambda s: _count(s, OutboxMessage)) == 2

    assert run(database_url, "intake", "delete", "--conversation-id", "dsr-2") == 1
    assert run(database_url, "intake", "delete", "--conversation-id", "dsr-2", "--yes") == 0

    assert query(database_url, lambda s: _count(s, Intake)) == 0
    assert query(database_url, lambda s: _count(s, OutboxMessage)) == 0
    assert query(database_url, _actions)[-1] == "intake.delete"
    assert run(database_url, "intake", "delete", "--conversation-id", "dsr-2", "--yes") == 1


def test_purge_removes_only_old_intakes(database_url: str, settings: Settings) -> None:
    sync(database_url, settings, ConversationSnapshot(conversation_id="old"))
    sync(database_url, settings, ConversationSnapshot(conversation_id="recent"))

    async def age_old(session) -> None:
        long_ago = utcnow() - timedelta(days=400)
        await session.execute(
            update(Intake).where(Intake.conversation_id == "old").values(updated_at=long_ago)
        )

    query(database_url, age_old)
    assert run(database_url, "purge", "--older-than-days", "365") == 0

    remaining = query(database_url, lambda s: _all(s, Intake))
    assert [intake.conversation_id for intake in remaining] == ["recent"]


def test_entry_point_runs_as_a_module(empty_database_url: str) -> None:
    environment = {**os.environ, "DATABASE_URL": empty_database_url, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "upgraded to head" in completed.stdout


@pytest.mark.parametrize("args", [["user"], ["token", "create", "--name", "x", "--role", "boss"]])
def test_bad_arguments_exit_with_usage(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
