"""Clinician notifications: e-mail (aiosmtplib) and webhook, delivered through the outbox."""

from bot.notify.outbox import OutboxWorker, retry_delay

__all__ = ["OutboxWorker", "retry_delay"]
