"""Audit records for web requests: staff actions and API reads."""

from __future__ import annotations

from typing import Any

from sanic import Request

from bot.store.audit import record_audit


def audit(
    request: Request,
    action: str,
    object_type: str | None = None,
    object_id: Any = None,
    **details: Any,
) -> None:
    """Add an audit event for the signed-in staff member or API token to this request's session."""
    staff = getattr(request.ctx, "staff", None)
    token = getattr(request.ctx, "token", None)
    if staff is not None:
        actor = {"actor_type": "staff", "actor_id": staff.user_id, "actor_label": staff.email}
    elif token is not None:
        actor = {"actor_type": "token", "actor_id": token.token_id, "actor_label": token.name}
    else:
        actor = {"actor_type": "anonymous", "actor_id": None, "actor_label": ""}
    record_audit(
        request.ctx.db,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=request.client_ip or None,
        details=details,
        **actor,
    )
