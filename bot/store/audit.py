"""Audit trail: who viewed, exported or changed what, and every login attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AuditEvent, utcnow


def record_audit(
    session: AsyncSession,
    *,
    actor_type: str,
    action: str,
    actor_id: int | None = None,
    actor_label: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's transaction. `details` must hold no patient text."""
    event = AuditEvent(
        at=utcnow(),
        actor_type=actor_type,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip_address=ip_address,
        details=details or {},
    )
    session.add(event)
    return event
