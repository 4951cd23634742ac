"""Patient names, phone numbers and messages never reach any log: neither this process's
(store, outbox) nor the web app's (access log, errors) after a full sync and dashboard use."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.notify import OutboxWorker
from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore, TranscriptLine
from bot.store.models import utcnow
from tests.conftest import SmtpSink
from tests.web.conftest import WebServer, csrf_from

NAME = "Zebulon Quillfeather-Marchetti"
PHONE = "+1 555 0177 4242"
MESSAGE = "my left calf is swollen and hot since the flight from Reykjavik"
PHI = (NAME, PHONE, MESSAGE, "Quillfeather", "Reykjavik", "0177 4242")


def phi_snapshot(conversation_id: str) -> ConversationSnapshot:
    return ConversationSnapshot(
        conversation_id=conversation_id,
        answers={"contact_name": NAME, "contact_phone": PHONE, "complaint": MESSAGE},
        transcript=[TranscriptLine("user", MESSAGE, 1_700_000_000.0)],
        tier="emergency",
        red_flags=[
            {
                "code": "dvt",
                "label": "Possible DVT",
                "tier": "emergency",
                "source": "clinical consensus",
                "evidence": MESSAGE,
            }
        ],
        status="escalated",
        summary=f"{NAME}: {MESSAGE}",
    )


def assert_no_phi(text: str) -> None:
    leaked = [value for value in PHI if value.lower() in text.lower()]
    assert not leaked, f"patient data in logs: {leaked}"


async def test_store_and_outbox_log_no_patient_data(
    database_url: str, settings: Settings, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    smtp_sink.stop()  # a failed delivery logs too
    settings = settings.model_copy(update={"smtp_port": smtp_sink.port})
    store = IntakeStore(database_url, settings=settings)
    try:
        await store.sync_conversation(phi_snapshot("phi-1"))
        await store.sync_conversation(phi_snapshot("phi-1"))
        worker = OutboxWorker(store.sessions, settings)
        await worker.run_once()
        smtp_sink.start()
        later = OutboxWorker(store.sessions, settings, clock=lambda: utcnow() + timedelta(hours=1))
        await later.run_once()
    finally:
        await store.close()

    assert len(smtp_sink.messages) == 2
    assert caplog.records, "nothing was logged, so this test would prove nothing"
    assert any("delivered" in record.getMessage() for record in caplog.records)
    assert_no_phi("\n".join(record.getMessage() for record in caplog.records))
    assert_no_phi(caplog.text)


def test_web_app_logs_no_patient_data(web_server: WebServer, clinician, admin) -> None:
    intake_id = web_server.sync(phi_snapshot(f"phi-web-{web_server.base_url[-5:]}")).intake_id
    page = clinician.get(f"/staff/intakes/{intake_id}")
    assert NAME in page.text  # staff do see it
    clinician.get("/staff/", params={"q": NAME})
    clinician.get("/staff/queue/rows", params={"q": PHONE})
    clinician.get(f"/staff/intakes/{intake_id}/fhir")
    clinician.post(
        f"/staff/intakes/{intake_id}/notes",
        data={"csrf_token": csrf_from(page.text), "text": f"Called {NAME} on {PHONE}"},
    )
    clinician.get(f"/staff/intakes/{intake_id}/nope")  # a 404 is logged too
    admin.get("/staff/audit")

    log = web_server.log_text()
    assert "/staff/intakes" in log, "the access log is empty, so this test would prove nothing"
    assert_no_phi(log)
