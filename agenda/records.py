"""What the service keeps: calls, inbound messages, answers, outgoing mail, versions, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agenda.chatlinks import ChatButton
from agenda.model import Meeting
from agenda.reading import Channel, Reading
from agenda.workflow import CallState


@dataclass(frozen=True)
class Call:
    """The call for agenda items for one meeting of one group."""

    group: str
    meeting: str
    state: CallState = CallState.DRAFT
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    # A deadline set when the call was opened; None keeps the group file's.
    deadline: datetime | None = None

    def deadline_for(self, meeting: Meeting) -> datetime:
        """The deadline that holds for this call."""
        return self.deadline or meeting.call_deadline


@dataclass(frozen=True)
class ReplyToken:
    """Ties a reply to a call and a partner, even when the sender's address differs."""

    token: str
    group: str
    meeting: str
    partner: str
    purpose: str = "call"


class InboundStatus(StrEnum):
    """Where a stored inbound message stands."""

    NEW = "new"
    DONE = "done"
    HELD = "held"
    FAILED = "failed"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class InboundMessage:
    """A message exactly as received, stored before any parsing."""

    channel: Channel
    source_key: str
    raw: bytes
    received_at: datetime
    message_id: str | None = None
    sender: str | None = None
    id: int | None = None
    status: InboundStatus = InboundStatus.NEW
    attempts: int = 0
    error: str | None = None


class AnswerStatus(StrEnum):
    """What the secretariat needs to do with an answer."""

    ACCEPTED = "accepted"
    REVIEW = "review"
    HELD = "held"
    LATE = "late"
    DECLINED = "declined"
    # A newer answer of the same partner replaced everything this one said.
    SUPERSEDED = "superseded"
    # The secretariat looked at it and decided it is nothing for the agenda.
    DISMISSED = "dismissed"
    # A chair's reply to the draft: comments for the secretariat, never items of the agenda.
    COMMENT = "comment"
    # A chair's reply to the draft that approved it (or recorded an approval).
    APPROVAL = "approval"

    @property
    def answered(self) -> bool:
        """Whether the answer counts as the partner having answered the call."""
        return self not in _NOT_ANSWERS


_NOT_ANSWERS = frozenset(
    {AnswerStatus.HELD, AnswerStatus.DISMISSED, AnswerStatus.COMMENT, AnswerStatus.APPROVAL}
)


@dataclass(frozen=True)
class Answer:
    """A reading tied to a meeting and (when known) a partner."""

    group: str
    meeting: str | None
    channel: Channel
    sender: str
    received_at: datetime
    reading: Reading
    inbound_id: int | None = None
    status: AnswerStatus = AnswerStatus.ACCEPTED
    id: int | None = None
    # Why the intake decided the status (an agenda.intake.Reason value).
    reason: str | None = None

    @property
    def partner(self) -> str | None:
        """The partner the answer speaks for."""
        return self.reading.partner


@dataclass(frozen=True)
class Attachment:
    """A file sent with or attached to a message; name is for display only."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMail:
    """An e-mail the service wants sent; composed to MIME at the adapter."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: bool = True
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


class OutboxStatus(StrEnum):
    """Where an outgoing message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxEntry:
    """A row of the outbox: a message, who it is for and how sending went."""

    def dedup_key(self) -> str:
        """The key that makes queueing idempotent."""
        if self.key:
            return self.key
        return self.mail.message_id if self.mail else f"{self.purpose}:{self.recipient}"

    group: str
    meeting: str | None
    purpose: str
    channel: Channel
    recipient: str
    mail: OutgoingMail | None = None
    chat_text: str | None = None
    # Unique per channel, so queueing the same message twice queues it once; for e-mail it is
    # the Message-ID, for a chat a key the use case makes (purpose, answer, chat).
    key: str = ""
    id: int | None = None
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    # A chat message's buttons (rows of them) and document.
    chat_buttons: tuple[tuple[ChatButton, ...], ...] = ()
    chat_document: Attachment | None = None
    # Sent instead when the chat turns out to be blocked, for a contact who gets no e-mail.
    fallback_mail: OutgoingMail | None = None


@dataclass(frozen=True)
class Approval:
    """A chair's approval of one version of the draft agenda."""

    group: str
    meeting: str
    version: int
    approved_by: str
    approved_at: datetime
    channel: str = "cli"


@dataclass(frozen=True)
class AuditEntry:
    """One thing that happened, who did it, and when."""

    group: str
    action: str
    actor: str
    at: datetime
    meeting: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredContact:
    """A contact as the group file registered it, in one group."""

    group: str
    partner: str
    name: str
    email: str
    role: str
    telegram: str | None = None


@dataclass(frozen=True)
class ContactData:
    """Everything kept about one person: for the data subject's right of access."""

    email: str
    contacts: tuple[StoredContact, ...] = ()
    answers: tuple[Answer, ...] = ()
    messages: tuple[InboundMessage, ...] = ()
    mail_to: tuple[OutboxEntry, ...] = ()
    approvals: tuple[Approval, ...] = ()
    audit: tuple[AuditEntry, ...] = ()


@dataclass(frozen=True)
class Erased:
    """What erasing a person removed, and what the record keeps (approvals, audit lines)."""

    answers: int = 0
    messages: tuple[int, ...] = ()
    mail_to: int = 0
    kept_approvals: int = 0
    kept_audit: int = 0
