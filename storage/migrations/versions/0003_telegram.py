"""Telegram: one-time link codes, linked accounts, updates kept before handling, chat extras.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _group_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["group_slug"],
        ["groups.slug"],
        name=op.f(f"fk_{table}_group_slug_groups"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "telegram_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        _group_fk("telegram_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_telegram_codes_code_hash")),
    )
    op.create_table(
        "telegram_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("chat_only", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        _group_fk("telegram_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_links")),
        sa.UniqueConstraint(
            "group_slug", "contact_email", name=op.f("uq_telegram_links_group_slug_contact_email")
        ),
        sa.UniqueConstraint(
            "group_slug", "user_id", name=op.f("uq_telegram_links_group_slug_user_id")
        ),
    )
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_telegram_updates")),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("chat_extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("chat_extra")
    op.drop_table("telegram_updates")
    op.drop_table("telegram_links")
    op.drop_table("telegram_codes")
