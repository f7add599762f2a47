"""A call's own deadline (opened anew after the group file's passed); why an answer waits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("deadline")
