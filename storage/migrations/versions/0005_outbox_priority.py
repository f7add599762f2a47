"""The outbox's priority: what answers a person goes before bulk mail.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bulk purposes as storage.codec.outbox_priority knows them when this revision was written.
_BULK = sa.text(
    "UPDATE outbox SET priority = 1"
    " WHERE purpose IN ('call', 'agenda', 'invite') OR purpose LIKE 'reminder%'"
)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index(
            "ix_outbox_status_priority_created_at", ["status", "priority", "created_at"]
        )
    # Mail queued before the upgrade keeps its place: bulk after what answers a person.
    op.execute(_BULK)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_status_priority_created_at")
        batch.drop_column("priority")
