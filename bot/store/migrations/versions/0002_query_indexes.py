"""Indexes for the staff queue, the live feed, the audit log and the outbox worker.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_intakes_urgency_created_at", "intakes", ["urgency", "created_at"])
    op.create_index("ix_intakes_status", "intakes", ["status"])
    op.create_index("ix_intakes_updated_at", "intakes", ["updated_at"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index(
        "ix_outbox_messages_status_next_attempt_at",
        "outbox_messages",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_status_next_attempt_at", table_name="outbox_messages")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_intakes_updated_at", table_name="intakes")
    op.drop_index("ix_intakes_status", table_name="intakes")
    op.drop_index("ix_intakes_urgency_created_at", table_name="intakes")
