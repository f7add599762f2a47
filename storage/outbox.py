"""The outbox part of SqlStore: queue once, list what is due, record how sending went."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import or_, select

from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from storage.base import StoreBase, locked
from storage.codec import chat_extra_to_json, mail_to_json, outbox_record
from storage.tables import OutboxRow


class OutboxPart(StoreBase):
    """The outbox."""

    async def enqueue(self, entry: OutboxEntry) -> int | None:
        """Add to the outbox; None when the same Message-ID (or chat key) was queued before."""
        key = entry.dedup_key()
        row = OutboxRow(
            group_slug=entry.group,
            meeting=entry.meeting,
            purpose=entry.purpose,
            channel=entry.channel.value,
            recipient=entry.recipient,
            dedup_key=key,
            mail=mail_to_json(entry.mail) if entry.mail is not None else None,
            chat_text=entry.chat_text,
            chat_extra=chat_extra_to_json(entry),
            status=entry.status.value,
            attempts=entry.attempts,
            next_attempt_at=entry.next_attempt_at,
            error=entry.error,
            created_at=entry.created_at or datetime.now(UTC),
            sent_at=entry.sent_at,
        )
        existing = select(OutboxRow.id).where(
            OutboxRow.group_slug == entry.group,
            OutboxRow.channel == entry.channel.value,
            OutboxRow.dedup_key == key,
        )
        inserted = await self._insert_once(row, existing)
        return inserted.id if inserted is not None else None

    async def outbox(
        self,
        statuses: Sequence[OutboxStatus],
        *,
        due_before: datetime | None = None,
        group: str | None = None,
        limit: int = 100,
    ) -> list[OutboxEntry]:
        """Outbox rows in these statuses (due by the given time), oldest first."""
        if not statuses:
            return []
        query = select(OutboxRow).where(OutboxRow.status.in_([s.value for s in statuses]))
        if due_before is not None:
            # No time set means as soon as possible.
            query = query.where(
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= due_before)
            )
        if group is not None:
            query = query.where(OutboxRow.group_slug == group)
        query = query.order_by(OutboxRow.created_at, OutboxRow.id).limit(limit)
        async with self._sessions() as session:
            return [outbox_record(row) for row in await session.scalars(query)]

    async def claim_outbox(
        self, now: datetime, *, channels: Sequence[Channel], group: str | None = None
    ) -> OutboxEntry | None:
        """Mark the oldest due pending row "sending" (stamped now) and return it; None if none."""
        if not channels:
            return None
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.channel.in_([c.value for c in channels]),
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            )
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(1)
            # Two senders never take the same row: PostgreSQL skips rows another has locked;
            # SQLite's transactions take the write lock up front (BEGIN IMMEDIATE).
            .with_for_update(skip_locked=True)
        )
        if group is not None:
            query = query.where(OutboxRow.group_slug == group)
        # One row per transaction, committed before anything is sent: a crash can leave at most
        # this one row "sending", and next_attempt_at says since when.
        async with self._sessions.begin() as session:
            row = await session.scalar(query)
            if row is None:
                return None
            row.status = OutboxStatus.SENDING.value
            row.next_attempt_at = now
            await session.flush()
            return outbox_record(row)

    async def update_outbox(
        self,
        entry_id: int,
        *,
        status: OutboxStatus,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        """Record how sending went; None leaves a field as it was, and SENT clears the error."""
        async with self._sessions.begin() as session:
            row = await locked(session, OutboxRow, entry_id, "outbox entry")
            row.status = status.value
            if attempts is not None:
                row.attempts = attempts
            if next_attempt_at is not None:
                row.next_attempt_at = next_attempt_at
            if error is not None:
                row.error = error
            elif status is OutboxStatus.SENT:
                # An error from an earlier attempt no longer describes a sent message.
                row.error = None
            if sent_at is not None:
                row.sent_at = sent_at
