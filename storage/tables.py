"""The database tables; several groups share one database, so rows carry the group slug."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

# Named constraints, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLUG = 64
STATE = 16
ADDRESS = 320
# RFC 5322 caps a header line at 998 characters; Message-IDs and keys fit in one.
HEADER = 998


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _group_fk() -> Mapped[str]:
    return mapped_column(String(SLUG), ForeignKey("groups.slug", ondelete="CASCADE"))


class GroupRow(Base):
    """A coordination group as its group file last described it."""

    __tablename__ = "groups"

    slug: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    reply_address: Mapped[str] = mapped_column(String(ADDRESS))
    secretariat_name: Mapped[str] = mapped_column(String(200))
    secretariat_email: Mapped[str] = mapped_column(String(ADDRESS))
    sdgs: Mapped[list[Any]]
    approvals_required: Mapped[int]


class PartnerRow(Base):
    """A partner organisation of a group."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("group_slug", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    slug: Mapped[str] = mapped_column(String(SLUG))
    name: Mapped[str] = mapped_column(String(200))


class ContactRow(Base):
    """A person who speaks for a partner."""

    __tablename__ = "contacts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["group_slug", "partner"], ["partners.group_slug", "partners.slug"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = mapped_column(String(SLUG))
    partner: Mapped[str] = mapped_column(String(SLUG))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(ADDRESS))
    role: Mapped[str] = mapped_column(String(STATE))
    telegram: Mapped[str | None] = mapped_column(String(64))


class InitiativeRow(Base):
    """Ongoing work and the partner that has the ball."""

    __tablename__ = "initiatives"
    __table_args__ = (UniqueConstraint("group_slug", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    code: Mapped[str] = mapped_column(String(SLUG))
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(SLUG))
    sdgs: Mapped[list[Any]]
    success_criteria: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)


class MeetingRow(Base):
    """A meeting of a group and its deadline for agenda items."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("group_slug", "meeting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str] = mapped_column(String(SLUG))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(Text)
    call_deadline: Mapped[datetime]


class CallRow(Base):
    """The call for agenda items for one meeting."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("group_slug", "meeting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str] = mapped_column(String(SLUG))
    state: Mapped[str] = mapped_column(String(STATE))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Set when the call was opened with a deadline of its own, overriding the group file's.
    deadline: Mapped[datetime | None]


class ReplyTokenRow(Base):
    """A reply token: one per group, meeting, partner and purpose."""

    __tablename__ = "reply_tokens"
    __table_args__ = (UniqueConstraint("group_slug", "meeting", "partner", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(SLUG), unique=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str] = mapped_column(String(SLUG))
    partner: Mapped[str] = mapped_column(String(SLUG))
    purpose: Mapped[str] = mapped_column(String(SLUG))


class InboundRow(Base):
    """A message exactly as received; it arrives before anyone knows its group."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # The same bytes are one message however often they arrive; a Message-ID alone proves
        # nothing (senders reuse them), so two different messages sharing one are both kept.
        Index("uq_inbound_messages_channel_content_hash", "channel", "content_hash", unique=True),
        Index("ix_inbound_messages_channel_message_id", "channel", "message_id"),
        Index("ix_inbound_messages_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(STATE))
    source_key: Mapped[str] = mapped_column(String(HEADER), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(HEADER))
    # SHA-256 of the raw bytes, hex.
    content_hash: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(HEADER))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(STATE))
    attempts: Mapped[int]
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    # Set when a process takes the message to read it, cleared when it is marked; a claim
    # older than the reading timeout is a dead process's, and another process takes it over.
    claimed_at: Mapped[datetime | None]


class AnswerRow(Base):
    """A reading of one message, tied to a meeting and partner when known."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_group_slug_meeting", "group_slug", "meeting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str | None] = mapped_column(String(SLUG))
    partner: Mapped[str | None] = mapped_column(String(SLUG))
    channel: Mapped[str] = mapped_column(String(STATE))
    sender: Mapped[str] = mapped_column(String(HEADER))
    received_at: Mapped[datetime]
    reading: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(STATE))
    # Why the intake gave it that status (agenda.intake.Reason), for the review.
    reason: Mapped[str | None] = mapped_column(String(STATE))
    # One answer per stored message: reading it again after a crash replaces, not adds.
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )


class OutboxRow(Base):
    """A message waiting to go out, and how sending it went."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("group_slug", "channel", "dedup_key"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # The claim's order: what answers a person first, then the oldest.
        Index("ix_outbox_status_priority_created_at", "status", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str | None] = mapped_column(String(SLUG))
    purpose: Mapped[str] = mapped_column(String(SLUG))
    channel: Mapped[str] = mapped_column(String(STATE))
    recipient: Mapped[str] = mapped_column(String(HEADER))
    dedup_key: Mapped[str] = mapped_column(String(HEADER))
    mail: Mapped[dict[str, Any] | None]
    chat_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(STATE))
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # A chat message's buttons, document and the e-mail to send if the chat is blocked.
    chat_extra: Mapped[dict[str, Any] | None]
    # 0 answers a person (chat, echo, approval); 1 is bulk (call, reminder, publication).
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AgendaVersionRow(Base):
    """One version of a meeting's draft agenda."""

    __tablename__ = "agenda_versions"
    __table_args__ = (UniqueConstraint("group_slug", "meeting", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str] = mapped_column(String(SLUG))
    version: Mapped[int]
    created_at: Mapped[datetime]
    body: Mapped[dict[str, Any]]


class ApprovalRow(Base):
    """A chair's approval of one version."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("group_slug", "meeting", "version", "approved_by"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str] = mapped_column(String(SLUG))
    version: Mapped[int]
    approved_by: Mapped[str] = mapped_column(String(ADDRESS))
    approved_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(STATE))


class AuditRow(Base):
    """One line of the audit log."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_group_slug_meeting", "group_slug", "meeting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    meeting: Mapped[str | None] = mapped_column(String(SLUG))
    action: Mapped[str] = mapped_column(String(SLUG))
    actor: Mapped[str] = mapped_column(String(HEADER))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class TelegramCodeRow(Base):
    """A one-time code that links a Telegram account to a contact; only its hash is kept."""

    __tablename__ = "telegram_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(SLUG), unique=True)
    group_slug: Mapped[str] = _group_fk()
    contact_email: Mapped[str] = mapped_column(String(ADDRESS))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class TelegramLinkRow(Base):
    """A contact's Telegram account, proven by a code, and where the chat stands."""

    __tablename__ = "telegram_links"
    __table_args__ = (
        UniqueConstraint("group_slug", "contact_email"),
        UniqueConstraint("group_slug", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_slug: Mapped[str] = _group_fk()
    contact_email: Mapped[str] = mapped_column(String(ADDRESS))
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    linked_at: Mapped[datetime]
    # False once the person blocked the bot: mail takes over until they link again.
    active: Mapped[bool]
    chat_only: Mapped[bool]
    # Where the person's conversation with the bot stands (a correction, a guided proposal).
    state: Mapped[dict[str, Any]]
    # The language the person's Telegram app is set to ("da", "en"), when it is one we write.
    language: Mapped[str | None] = mapped_column(String(8))


class TelegramUpdateRow(Base):
    """An update as Telegram delivered it, kept before it is handled so it is handled once."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
