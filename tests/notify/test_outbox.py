"""Outbox delivery against a real local SMTP server and a real local HTTP endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bot.notify import OutboxWorker, retry_delay
from bot.settings import Settings
from bot.store import ConversationSnapshot, IntakeStore
from bot.store.models import OutboxMessage, utcnow
from tests.conftest import SmtpSink, free_port

PATIENT_NAME = "Quintessa Marlowe-Ybarra"
PATIENT_PHONE = "+1 555 0142 777"
EVIDENCE = "numbness in my saddle area since this morning"

EMERGENCY = ConversationSnapshot(
    conversation_id="alert-1",
    answers={"contact_name": PATIENT_NAME, "contact_phone": PATIENT_PHONE},
    tier="emergency",
    red_flags=[
        {
            "code": "cauda_equina",
            "label": "Possible cauda equina syndrome",
            "tier": "emergency",
            "source": "GIRFT CES pathway 2023",
            "evidence": EVIDENCE,
        }
    ],
    summary=f"{PATIENT_NAME} reports saddle numbness.",
)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def notify_settings(settings: Settings, smtp_sink: SmtpSink) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_sink.port,
            "outbox_retry_base_seconds": 5.0,
            "outbox_poll_seconds": 0.1,
        }
    )


@pytest.fixture
async def store(database_url: str, notify_settings: Settings):
    intake_store = IntakeStore(database_url, settings=notify_settings)
    yield intake_store
    await intake_store.close()


async def outbox_rows(store: IntakeStore) -> list[OutboxMessage]:
    async with store.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list((await session.execute(query)).scalars())


async def test_alert_email_carries_only_tier_time_and_link(
    store: IntakeStore, notify_settings: Settings, smtp_sink: SmtpSink
) -> None:
    result = await store.sync_conversation(EMERGENCY)
    worker = OutboxWorker(store.sessions, notify_settings)

    assert await worker.run_once() == 2

    assert sorted(rcpt for _, rcpts in smtp_sink.envelopes for rcpt in rcpts) == [
        "backup@clinic.test",
        "oncall@clinic.test",
    ]
    email = smtp_sink.messages[0]
    body = email.get_content()
    assert email["Subject"].startswith("[EMERGENCY]")
    assert "Tier: EMERGENCY" in body
    assert f"http://127.0.0.1:8000/staff/intakes/{result.intake_id}" in body
    for phi in (PATIENT_NAME, PATIENT_PHONE, EVIDENCE, "cauda", "saddle"):
        assert phi.lower() not in email.as_string().lower()
    assert all(row.status == "sent" and row.attempts == 1 for row in await outbox_rows(store))


async def test_clinic_can_opt_in_to_details_in_the_email(
    store: IntakeStore, notify_settings: Settings, smtp_sink: SmtpSink
) -> None:
    await store.sync_conversation(EMERGENCY)
    settings = notify_settings.model_copy(update={"email_include_phi": True})

    await OutboxWorker(store.sessions, settings).run_once()

    body = smtp_sink.messages[0].get_content()
    assert "Possible cauda equina syndrome" in body
    assert PATIENT_PHONE in body


async def test_smtp_down_then_up_delivers_once_with_back_off(
    store: IntakeStore, notify_settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.stop()
    await store.sync_conversation(EMERGENCY)
    clock = Clock()
    worker = OutboxWorker(store.sessions, notify_settings, clock=clock)

    assert await worker.run_once() == 0
    rows = await outbox_rows(store)
    assert [row.attempts for row in rows] == [1, 1]
    assert all(row.status == "pending" and row.last_error for row in rows)
    assert rows[0].next_attempt_at == clock.now + timedelta(seconds=5)

    assert await worker.run_once() == 0  # not due yet: no attempt during the back-off
    assert [row.attempts for row in await outbox_rows(store)] == [1, 1]

    clock.advance(6)
    assert await worker.run_once() == 0  # still down: the back-off doubles
    assert (await outbox_rows(store))[0].next_attempt_at == clock.now + timedelta(seconds=10)

    smtp_sink.start()
    clock.advance(11)
    assert await worker.run_once() == 2
    clock.advance(3600)
    assert await worker.run_once() == 0

    assert len(smtp_sink.messages) == 2
    assert [(row.status, row.attempts) for row in await outbox_rows(store)] == [("sent", 3)] * 2


async def test_background_worker_survives_an_outage(
    store: IntakeStore, notify_settings: Settings, smtp_sink: SmtpSink
) -> None:
    smtp_sink.stop()
    settings = notify_settings.model_copy(update={"outbox_retry_base_seconds": 0.2})
    stop = asyncio.Event()
    task = asyncio.create_task(OutboxWorker(store.sessions, settings).run_forever(stop))
    try:
        await store.sync_conversation(EMERGENCY)
        await asyncio.sleep(0.6)
        assert smtp_sink.messages == []
        smtp_sink.start()
        for _ in range(100):
            if len(smtp_sink.messages) == 2:
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert len(smtp_sink.messages) == 2
    assert all(row.attempts >= 2 for row in await outbox_rows(store))


async def test_two_workers_never_send_the_same_row_twice(
    store: IntakeStore, notify_settings: Settings, smtp_sink: SmtpSink
) -> None:
    await store.sync_conversation(EMERGENCY)
    workers = [OutboxWorker(store.sessions, notify_settings) for _ in range(3)]

    delivered = await asyncio.gather(*(worker.run_once() for worker in workers))

    assert sum(delivered) == 2
    assert len(smtp_sink.messages) == 2


class WebhookReceiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_next = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if WebhookReceiver.fail_next:
            WebhookReceiver.fail_next -= 1
            self.send_response(503)
        else:
            WebhookReceiver.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


async def test_webhook_is_posted_and_retried_after_a_server_error(
    database_url: str, notify_settings: Settings
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), WebhookReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    WebhookReceiver.received, WebhookReceiver.fail_next = [], 1
    url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    settings = notify_settings.model_copy(update={"alert_webhook_url": url, "oncall_emails": []})
    store = IntakeStore(database_url, settings=settings)
    try:
        result = await store.sync_conversation(EMERGENCY)
        clock = Clock()
        worker = OutboxWorker(store.sessions, settings, clock=clock)
        assert await worker.run_once() == 0
        clock.advance(10)
        assert await worker.run_once() == 1
    finally:
        await store.close()
        server.shutdown()
    assert len(WebhookReceiver.received) == 1
    body = WebhookReceiver.received[0]
    assert body["intake_id"] == result.intake_id
    assert body["tier"] == "emergency"
    assert PATIENT_NAME not in json.dumps(body)


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 5), (2, 10), (3, 20), (6, 160), (9, 900), (40, 900)]
)
def test_retry_delay_doubles_up_to_the_cap(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts, 5, 900) == timedelta(seconds=seconds)
