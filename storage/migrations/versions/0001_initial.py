"""Initial schema: groups, calls, tokens, inbound mail, answers, outbox, agendas, audit.

Revision ID: 0001
Revises: -
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "groups",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("reply_address", sa.String(length=320), nullable=False),
        sa.Column("secretariat_name", sa.String(length=200), nullable=False),
        sa.Column("secretariat_email", sa.String(length=320), nullable=False),
        sa.Column("sdgs", sa.JSON(), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_groups")),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=998), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("sender", sa.String(length=998), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("source_key", name=op.f("uq_inbound_messages_source_key")),
    )
    op.create_index(
        "ix_inbound_messages_status_received_at",
        "inbound_messages",
        ["status", "received_at"],
        unique=False,
    )
    op.create_index(
        "uq_inbound_messages_channel_message_id",
        "inbound_messages",
        ["channel", "message_id"],
        unique=True,
        sqlite_where=sa.text("message_id IS NOT NULL"),
        postgresql_where=sa.text("message_id IS NOT NULL"),
    )
    op.create_table(
        "agenda_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_agenda_versions_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_versions")),
        sa.UniqueConstraint(
            "group_slug",
            "meeting",
            "version",
            name=op.f("uq_agenda_versions_group_slug_meeting_version"),
        ),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=True),
        sa.Column("partner", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=998), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reading", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_answers_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_answers_inbound_id_inbound_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("inbound_id", name=op.f("uq_answers_inbound_id")),
    )
    op.create_index(
        "ix_answers_group_slug_meeting", "answers", ["group_slug", "meeting"], unique=False
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_approvals_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint(
            "group_slug",
            "meeting",
            "version",
            "approved_by",
            name=op.f("uq_approvals_group_slug_meeting_version_approved_by"),
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=998), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_audit_log_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_group_slug_meeting", "audit_log", ["group_slug", "meeting"], unique=False
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_calls_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("group_slug", "meeting", name=op.f("uq_calls_group_slug_meeting")),
    )
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("sdgs", sa.JSON(), nullable=False),
        sa.Column("success_criteria", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_initiatives_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiatives")),
        sa.UniqueConstraint("group_slug", "code", name=op.f("uq_initiatives_group_slug_code")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("call_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_meetings_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("group_slug", "meeting", name=op.f("uq_meetings_group_slug_meeting")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=998), nullable=False),
        sa.Column("dedup_key", sa.String(length=998), nullable=False),
        sa.Column("mail", sa.JSON(), nullable=True),
        sa.Column("chat_text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_outbox_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "group_slug",
            "channel",
            "dedup_key",
            name=op.f("uq_outbox_group_slug_channel_dedup_key"),
        ),
    )
    op.create_index(
        "ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_partners_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("group_slug", "slug", name=op.f("uq_partners_group_slug_slug")),
    )
    op.create_table(
        "reply_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("meeting", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_slug"],
            ["groups.slug"],
            name=op.f("fk_reply_tokens_group_slug_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_tokens")),
        sa.UniqueConstraint(
            "group_slug",
            "meeting",
            "partner",
            "purpose",
            name=op.f("uq_reply_tokens_group_slug_meeting_partner_purpose"),
        ),
        sa.UniqueConstraint("token", name=op.f("uq_reply_tokens_token")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_slug", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("telegram", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_slug", "partner"],
            ["partners.group_slug", "partners.slug"],
            name=op.f("fk_contacts_group_slug_partner_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("contacts")
    op.drop_table("reply_tokens")
    op.drop_table("partners")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("meetings")
    op.drop_table("initiatives")
    op.drop_table("calls")
    op.drop_index("ix_audit_log_group_slug_meeting", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("approvals")
    op.drop_index("ix_answers_group_slug_meeting", table_name="answers")
    op.drop_table("answers")
    op.drop_table("agenda_versions")
    op.drop_index(
        "uq_inbound_messages_channel_message_id",
        table_name="inbound_messages",
        sqlite_where=sa.text("message_id IS NOT NULL"),
        postgresql_where=sa.text("message_id IS NOT NULL"),
    )
    op.drop_index("ix_inbound_messages_status_received_at", table_name="inbound_messages")
    op.drop_table("inbound_messages")
    op.drop_table("groups")
