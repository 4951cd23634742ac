"""What an alert says. By default only tier, time and a dashboard link: e-mail is not a safe
place for health information unless the clinic opts in (`email_include_phi`)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from bot.settings import Settings
from bot.store.models import Intake, OutboxMessage

SUBJECTS = {
    "emergency": "[EMERGENCY] Intake needs a clinician now",
    "urgent": "[URGENT] Intake needs same-day clinician review",
}


def dashboard_link(settings: Settings, intake_id: int) -> str:
    return f"{settings.public_base_url}/staff/intakes/{intake_id}"


def _when(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(payload["escalated_at"])


def build_email(message: OutboxMessage, intake: Intake | None, settings: Settings) -> EmailMessage:
    payload = message.payload
    tier = payload["tier"]
    when = _when(payload)
    lines = [
        f"Tier: {tier.upper()}",
        f"Time: {when:%Y-%m-%d %H:%M} UTC",
        f"Open the intake: {dashboard_link(settings, payload['intake_id'])}",
        "",
        "Acknowledge it on the dashboard so the team knows it is being handled.",
    ]
    if settings.email_include_phi and intake is not None:
        lines += ["", "Red flags:"]
        lines += [f"- {flag.get('label') or flag['code']}" for flag in intake.red_flags]
        lines += [
            f"Contact: {intake.contact_name or '-'} {intake.contact_phone or ''}".rstrip(),
            f"Summary: {intake.summary or '-'}",
        ]
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = (
        f"{SUBJECTS.get(tier, '[ALERT] Intake needs review')} - {settings.clinic_name}"
    )
    email["Date"] = format_datetime(when)
    # One Message-ID per outbox row lets mail systems drop a duplicate after a lost reply.
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="physio-intake")
    email.set_content("\n".join(lines) + "\n")
    return email


def build_webhook_body(message: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """Webhook payloads never carry patient information, whatever the e-mail setting."""
    payload = message.payload
    return {
        "event": "intake.escalated",
        "intake_id": payload["intake_id"],
        "tier": payload["tier"],
        "escalated_at": payload["escalated_at"],
        "url": dashboard_link(settings, payload["intake_id"]),
    }
