"""A call's own deadline; why an answer waits; inbound messages told apart by their bytes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, raw FROM inbound_messages")).fetchall()
    for row_id, raw in rows:
        connection.execute(
            sa.text("UPDATE inbound_messages SET content_hash = :h WHERE id = :id"),
            {"h": hashlib.sha256(bytes(raw)).hexdigest(), "id": row_id},
        )
    with op.batch_alter_table("inbound_messages") as batch:
        batch.alter_column("content_hash", existing_type=sa.String(length=64), nullable=False)
        batch.drop_index("uq_inbound_messages_channel_message_id")
        batch.create_index(
            "ix_inbound_messages_channel_message_id", ["channel", "message_id"], unique=False
        )
        batch.create_index(
            "uq_inbound_messages_channel_content_hash", ["channel", "content_hash"], unique=True
        )
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_index("uq_inbound_messages_channel_content_hash")
        batch.drop_index("ix_inbound_messages_channel_message_id")
        batch.drop_column("content_hash")
        batch.create_index(
            "uq_inbound_messages_channel_message_id",
            ["channel", "message_id"],
            unique=True,
            sqlite_where=sa.text("message_id IS NOT NULL"),
            postgresql_where=sa.text("message_id IS NOT NULL"),
        )
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("deadline")
