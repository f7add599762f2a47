"""The ports use cases talk through; adapters in storage/, mail/ and bot/ implement them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agenda.agenda import Agenda
from agenda.chatlinks import ChatButton, ChatLink, CodeOutcome
from agenda.model import Group
from agenda.reading import Channel
from agenda.records import (
    Answer,
    AnswerStatus,
    Approval,
    Attachment,
    AuditEntry,
    Call,
    ContactData,
    Erased,
    InboundMessage,
    InboundStatus,
    OutboxEntry,
    OutboxStatus,
    OutgoingMail,
    ReplyToken,
)
from agenda.tallies import AnswerPage, AnswerTally, Reminded


class Store(Protocol):
    """Everything the service keeps, for many groups in one database."""

    async def sync_group(self, group: Group) -> None:
        """Record the group, its partners, contacts, initiatives and meetings (upsert)."""

    async def get_call(self, group: str, meeting: str) -> Call | None:
        """The call for a meeting, if one exists."""

    async def save_call(self, call: Call) -> None:
        """Insert or update a call (keyed by group and meeting)."""

    async def calls(self, group: str | None = None) -> list[Call]:
        """All calls, or those of one group."""

    async def issue_token(self, token: ReplyToken) -> ReplyToken:
        """Store a token; if one exists for the same group, meeting, partner, purpose, return it."""

    async def issue_tokens(self, tokens: Sequence[ReplyToken]) -> list[ReplyToken]:
        """issue_token for many in one transaction; the tokens in the order asked for."""

    async def find_token(self, token: str) -> ReplyToken | None:
        """The token record, if the token is known."""

    async def store_inbound(self, message: InboundMessage) -> int | None:
        """Keep a raw message; None when it was stored before (same source_key or Message-ID)."""

    async def store_inbound_batch(self, messages: Sequence[InboundMessage]) -> list[int | None]:
        """Keep raw messages in one transaction; None for each one stored before."""

    async def inbound(self, status: InboundStatus, limit: int = 100) -> list[InboundMessage]:
        """Stored messages in one status, oldest first."""

    async def claim_inbound(
        self,
        now: datetime,
        *,
        stale_before: datetime,
        limit: int = 10,
        skip: Collection[int] = (),
        only: int | None = None,
    ) -> list[InboundMessage]:
        """Claim messages to read for this process; claims older than stale_before are taken."""

    async def mark_inbound(
        self, inbound_id: int, status: InboundStatus, error: str | None = None
    ) -> None:
        """Set a message's status; FAILED and QUARANTINED count one more attempt."""

    async def save_answer(self, answer: Answer) -> int:
        """Keep an answer and its reading; returns its id."""

    async def answers(self, group: str, meeting: str | None = None) -> list[Answer]:
        """The answers of a group (to one meeting), oldest first."""

    async def answer_tally(self, group: str, meeting: str) -> list[AnswerTally]:
        """The call's answers counted by partner, channel, status, kind and shape."""

    async def reminders_sent(self, group: str, meeting: str) -> list[Reminded]:
        """Every reminder queued for the call: recipient and when, oldest first."""

    async def outbox_counts(self, group: str, meeting: str) -> dict[OutboxStatus, int]:
        """How many of the call's messages are in each outbox status."""

    async def answer_page(
        self,
        group: str,
        meeting: str,
        *,
        statuses: Sequence[AnswerStatus] | None = None,
        partner: str | None = None,
        unrouted: bool = False,
        limit: int | None = None,
    ) -> AnswerPage:
        """The call's answers (unrouted: and the group's tied to no call), at most limit."""

    async def related_answers(
        self,
        group: str,
        meeting: str,
        *,
        partner: str | None,
        sender: str,
        since: datetime,
        excluding: int | None,
    ) -> list[Answer]:
        """The call's answers of the same partner, or of the same sender since a moment."""

    async def inbound_messages(self, ids: Sequence[int]) -> dict[int, InboundMessage]:
        """The stored messages with these ids (those still kept), in one query."""

    async def answer(self, answer_id: int) -> Answer | None:
        """One answer by its number."""

    async def inbound_message(self, inbound_id: int) -> InboundMessage | None:
        """One stored message, as it was received."""

    async def set_answer_status(self, answer_id: int, status: AnswerStatus) -> None:
        """Change what the secretariat is to do with an answer."""

    async def enqueue(self, entry: OutboxEntry) -> int | None:
        """Add to the outbox; None when the same Message-ID (or chat key) was queued before."""

    async def enqueue_many(self, entries: Sequence[OutboxEntry]) -> int:
        """Add many in one transaction; how many were not queued before."""

    async def outbox(
        self,
        statuses: Sequence[OutboxStatus],
        *,
        due_before: datetime | None = None,
        group: str | None = None,
        limit: int = 100,
    ) -> list[OutboxEntry]:
        """Outbox rows in these statuses (due by the given time), oldest first."""

    async def update_outbox(
        self,
        entry_id: int,
        *,
        status: OutboxStatus,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        sent_at: datetime | None = None,
        was: OutboxEntry | None = None,
    ) -> bool:
        """Record how sending went; with was, only if the row is still as it was read."""

    def outbox_claims(
        self,
        *,
        channels: Sequence[Channel],
        group: str | None = None,
        urgent_only: bool = False,
    ) -> AbstractAsyncContextManager[OutboxClaims]:
        """A sender's claims for one pass, one step per message (see OutboxClaims)."""

    async def close_call_once(self, group: str, meeting: str, closed_at: datetime) -> bool:
        """Move an open call to closed under its row's lock; True for the one caller that did."""

    async def save_agenda(self, agenda: Agenda) -> None:
        """Keep a new version of the draft agenda."""

    async def agenda(self, group: str, meeting: str, version: int | None = None) -> Agenda | None:
        """A version of the agenda (the latest when version is None)."""

    async def add_approval(self, approval: Approval) -> None:
        """Record a chair's approval of a version (idempotent per person and version)."""

    async def approvals(self, group: str, meeting: str) -> list[Approval]:
        """Every approval given for the meeting, oldest first."""

    async def audit(self, entry: AuditEntry) -> None:
        """Append to the audit log."""

    async def audit_log(self, group: str, meeting: str | None = None) -> list[AuditEntry]:
        """The audit log of a group (for one meeting), oldest first."""

    async def add_link_code(
        self, group: str, contact: str, code_hash: str, *, now: datetime, expires_at: datetime
    ) -> None:
        """Keep the hash of a new link code for a contact."""

    async def use_link_code(self, code_hash: str, user_id: int, now: datetime) -> CodeOutcome:
        """Spend a code for this account; of two that race for one code, one wins."""

    async def save_link(self, link: ChatLink) -> None:
        """Link the account to the contact, replacing either one's earlier link in the group."""

    async def links_of_user(self, user_id: int) -> list[ChatLink]:
        """Every contact this Telegram account is linked to (one per group)."""

    async def links(self, group: str) -> list[ChatLink]:
        """Every linked account of a group."""

    async def set_chat_active(self, chat_id: int, active: bool) -> int:
        """Mark every link to this chat active or not (blocked); how many there were."""

    async def set_chat_state(self, group: str, contact: str, state: dict[str, object]) -> None:
        """Where a linked person's conversation with the bot stands."""

    async def remember_update(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
        """Keep an update before handling it; False when it was handled before."""

    async def update_handled(self, update_id: int, now: datetime) -> None:
        """The update has been handled; it is never handled again."""

    async def unhandled_updates(self) -> list[dict[str, Any]]:
        """Updates kept but not handled (the service stopped in between), oldest first."""

    async def contact_data(self, email: str) -> ContactData:
        """Everything stored about the person with this address (and their chat account)."""

    async def erase_contact(self, email: str) -> Erased:
        """Delete the person's messages, answers and mail to them; approvals and audit stay."""

    async def purge_inbound(self, before: datetime, limit: int = 500) -> list[int]:
        """Delete up to limit handled raw messages received before the time; their ids."""


@dataclass(frozen=True)
class DeliveryResult:
    """How one outgoing message fared: sent, or failed (permanently or for now)."""

    message_id: str
    sent: bool
    permanent: bool = False
    error: str | None = None
    refused: tuple[str, ...] = ()
    # The message itself cannot be sent (it cannot be composed): kept aside for a person.
    unsendable: bool = False
    # The person blocked the bot: their chat is closed until they link again.
    blocked: bool = False
    # Seconds the other end asked us to wait before trying again (Telegram's flood control).
    retry_after: float | None = None


@dataclass(frozen=True)
class ClaimStep:
    """What one step of a sender's claims did."""

    # The reserved row given to start is now "sending", for this sender alone.
    started: bool
    # The next due row, reserved for this sender until the time asked for; None when none.
    reserved: OutboxEntry | None


class OutboxClaims(Protocol):
    """Sending the outbox as a pipeline, one transaction per message.

    A row is first reserved (it stays pending, not due before the reservation ends), then
    started ("sending") just before its data is handed over, then recorded. One step records
    the last message, starts the reserved one and reserves the next, so a sender can compose
    and open the envelope of the next message while the database works.
    """

    async def step(
        self,
        now: datetime,
        *,
        finished: OutboxEntry | None = None,
        start: OutboxEntry | None = None,
        release: bool = False,
        reserve_until: datetime | None = None,
    ) -> ClaimStep:
        """Record finished; start the reserved row start (give it back if release); reserve."""


class Handover(Protocol):
    """One message on its way out, in the steps that decide what a crash leaves behind."""

    async def open(self) -> DeliveryResult | None:
        """Everything short of handing the data over (the SMTP envelope); a result if it failed.

        Raises mail.errors.DeliveryError when the server cannot be reached at all.
        """

    async def hand_over(self) -> DeliveryResult:
        """Hand the data over: the one step after which the message may have arrived."""

    async def abandon(self) -> None:
        """Take back what open() did; nothing was handed over."""


class MailSender(Protocol):
    """Sends composed e-mail (SMTP, or a Maildir outbox on the embedded default)."""

    # True when what receives the mail keeps one copy per Message-ID, so a message cut off
    # while sending may safely be sent again; False when a second copy would arrive.
    deduplicates: bool
    # How many messages may be on their way at once (one per connection to the server).
    lanes: int

    def prepare(self, mail: OutgoingMail) -> Handover:
        """The mail composed and ready to be opened and handed over."""

    async def send(self, mails: Sequence[OutgoingMail]) -> list[DeliveryResult]:
        """Send a batch over one connection; one result per mail, in order."""

    async def close(self) -> None:
        """Let go of a connection kept open between sends (the end of an outbox pass)."""


@dataclass(frozen=True)
class Fetched:
    """A raw message picked up from a mailbox, not yet acknowledged."""

    source_key: str
    raw: bytes


class MailSource(Protocol):
    """Where inbound e-mail waits (IMAP folder, or a Maildir on the embedded default)."""

    async def fetch(self, limit: int = 100) -> list[Fetched]:
        """New messages, without marking or moving them."""

    async def acknowledge(self, source_key: str) -> None:
        """The message is stored: move it out of the way (processed folder)."""

    async def acknowledge_all(self, source_keys: Sequence[str]) -> None:
        """The messages are stored: move them out of the way, in one go."""


@runtime_checkable
class MailWaiter(Protocol):
    """A mail source that can wait for new mail (IMAP IDLE) instead of being polled."""

    async def wait_for_mail(self, seconds: float) -> bool:
        """Return when mail may have arrived (True) or after seconds (False)."""


class ChatSender(Protocol):
    """Sends a text to a Telegram chat (or any chat channel)."""

    async def send_text(
        self,
        chat: str,
        text: str,
        *,
        buttons: Sequence[Sequence[ChatButton]] = (),
        document: Attachment | None = None,
    ) -> DeliveryResult:
        """Send one message (with buttons, or as a document's caption) to one chat."""


class Lease(Protocol):
    """The right to do one thing alone among the service's processes, until released."""

    async def still_held(self) -> bool:
        """Whether the lease is still ours (a lost database connection loses it)."""

    async def release(self) -> None:
        """Give the lease up; another process may take it at once."""


class Leases(Protocol):
    """Leases that end by themselves when the process holding them dies."""

    async def acquire(self, name: str) -> Lease | None:
        """The lease if no other process holds it, else None at once (never waits)."""
