"""Outbox worker: delivers the notification rows written with each escalation.

Rows are claimed with a short lease (so several web workers never send the same row at once),
sent outside any transaction, then marked sent or rescheduled with exponential back-off.
Nothing is dropped: a row stays pending until it is delivered or its intake is deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import aiosmtplib
import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notify.messages import build_email, build_webhook_body
from bot.settings import Settings
from bot.store.models import Intake, OutboxMessage, utcnow

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
BATCH_SIZE = 20
SEND_TIMEOUT_SECONDS = 10.0


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Back-off after `attempts` failures: base, 2*base, 4*base ... capped at max."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


class OutboxWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver due rows every `outbox_poll_seconds` until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end the loop
                logger.exception("outbox pass failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._settings.outbox_poll_seconds)
            except asyncio.TimeoutError:
                pass

    async def run_once(self) -> int:
        """Try every due row once; returns how many were delivered."""
        delivered = 0
        for message_id in await self._claim_due():
            delivered += await self._deliver(message_id)
        return delivered

    async def _claim_due(self) -> list[int]:
        now = self._clock()
        unlocked = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
        claimed = []
        async with self._sessions() as session, session.begin():
            due = select(OutboxMessage.id).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, unlocked
            )
            ids = (
                await session.execute(due.order_by(OutboxMessage.next_attempt_at).limit(BATCH_SIZE))
            ).scalars()
            for message_id in list(ids):
                result = await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message_id, OutboxMessage.status == "pending", unlocked
                    )
                    .values(locked_until=now + LEASE)
                )
                if result.rowcount == 1:
                    claimed.append(message_id)
        return claimed

    async def _deliver(self, message_id: int) -> int:
        async with self._sessions() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None:  # the intake was deleted meanwhile
                return 0
            intake = await session.get(Intake, message.intake_id) if message.intake_id else None
        try:
            await self._send(message, intake)
        except Exception as error:  # any failure: keep the row and try again later
            await self._reschedule(message, error)
            return 0
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    status="sent",
                    sent_at=self._clock(),
                    attempts=message.attempts + 1,
                    locked_until=None,
                    last_error=None,
                )
            )
        logger.info("outbox message %s (%s) delivered", message.id, message.channel)
        return 1

    async def _send(self, message: OutboxMessage, intake: Intake | None) -> None:
        settings = self._settings
        if message.channel == "email":
            await aiosmtplib.send(
                build_email(message, intake, settings),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                start_tls=settings.smtp_starttls,
                timeout=SEND_TIMEOUT_SECONDS,
            )
        elif message.channel == "webhook":
            async with httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS) as client:
                response = await client.post(
                    message.recipient, json=build_webhook_body(message, settings)
                )
                response.raise_for_status()
        else:
            raise ValueError(f"unknown outbox channel {message.channel!r}")

    async def _reschedule(self, message: OutboxMessage, error: Exception) -> None:
        attempts = message.attempts + 1
        delay = retry_delay(
            attempts,
            self._settings.outbox_retry_base_seconds,
            self._settings.outbox_retry_max_seconds,
        )
        description = f"{type(error).__name__}: {error}"[:500]
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + delay,
                    locked_until=None,
                    last_error=description,
                )
            )
        logger.warning(
            "outbox message %s (%s) failed on attempt %s, next try in %ss: %s",
            message.id,
            message.channel,
            attempts,
            int(delay.total_seconds()),
            type(error).__name__,
        )
