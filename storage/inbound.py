"""The inbound part of SqlStore: raw messages as received, and the answers read from them."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from agenda.records import Answer, AnswerStatus, InboundMessage, InboundStatus
from storage.base import StoreBase, locked
from storage.codec import answer_record, inbound_record, reading_to_json
from storage.tables import AnswerRow, InboundRow

# A failure or a quarantine is one more try at reading the message.
_COUNTS_AN_ATTEMPT = frozenset({InboundStatus.FAILED, InboundStatus.QUARANTINED})
# What is still to be read: new messages, and failed ones that have tries left.
_TO_READ = (InboundStatus.NEW.value, InboundStatus.FAILED.value)


class InboundPart(StoreBase):
    """Inbound messages and answers."""

    async def store_inbound(self, message: InboundMessage) -> int | None:
        """Keep a raw message; None when it was stored before (same source key or same bytes)."""
        digest = hashlib.sha256(message.raw).hexdigest()
        # The same bytes fetched again (from another mailbox, or resent) are the same message;
        # a different message that reuses a Message-ID is another one and is kept.
        same = or_(
            InboundRow.source_key == message.source_key,
            (InboundRow.channel == message.channel.value) & (InboundRow.content_hash == digest),
        )
        inserted = await self._insert_once(_row(message, digest), select(InboundRow.id).where(same))
        return inserted.id if inserted is not None else None

    async def store_inbound_batch(self, messages: Sequence[InboundMessage]) -> list[int | None]:
        """Keep raw messages in one transaction; None for each one stored before.

        One commit for the batch is what makes a backlog cheap; if another writer stored one
        of them in between, the batch is stored again one message at a time.
        """
        if not messages:
            return []
        try:
            return await self._store_batch(messages)
        except IntegrityError:
            return [await self.store_inbound(m) for m in messages]

    async def _store_batch(self, messages: Sequence[InboundMessage]) -> list[int | None]:
        # One INSERT for the batch; the unique indexes (source key; channel and content hash)
        # skip what was stored before, so no lookup depends on the size of the table.
        dialect = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        values = [_values(m, hashlib.sha256(m.raw).hexdigest()) for m in messages]
        statement = (
            dialect(InboundRow)
            .on_conflict_do_nothing()
            .returning(InboundRow.id, InboundRow.source_key)
        )
        async with self._sessions.begin() as session:
            inserted = dict(
                (key, row_id) for row_id, key in await session.execute(statement, values)
            )
        ids: list[int | None] = []
        for message in messages:
            # A message twice in one batch is stored once, as across batches.
            ids.append(inserted.pop(message.source_key, None))
        return ids

    async def inbound(self, status: InboundStatus, limit: int = 100) -> list[InboundMessage]:
        """Stored messages in one status, oldest first."""
        query = (
            select(InboundRow)
            .where(InboundRow.status == status.value)
            .order_by(InboundRow.received_at, InboundRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            return [inbound_record(row) for row in await session.scalars(query)]

    async def claim_inbound(
        self,
        now: datetime,
        *,
        stale_before: datetime,
        limit: int = 10,
        skip: Collection[int] = (),
        only: int | None = None,
    ) -> list[InboundMessage]:
        """Claim up to limit messages to read (new or failed), oldest first, for this process.

        The claim (claimed_at = now) is committed before anything is read, so two processes
        never read the same message at once; a claim made before stale_before belongs to a
        process that died (or hangs) and is taken over. Reading a message twice is harmless
        (one answer per message, echoes queued once), so a slow reader taken over loses
        nothing either. Messages in skip (failed earlier in this pass) are left for later;
        with only, that one message is claimed (if it is still to be read).
        """
        query = (
            select(InboundRow)
            .where(
                InboundRow.status.in_(_TO_READ),
                or_(InboundRow.claimed_at.is_(None), InboundRow.claimed_at < stale_before),
            )
            .order_by(InboundRow.received_at, InboundRow.id)
            .limit(limit)
            # PostgreSQL: rows another process is claiming right now are skipped, not waited
            # for; SQLite's transactions take the write lock up front (BEGIN IMMEDIATE).
            .with_for_update(skip_locked=True)
        )
        if skip:
            query = query.where(InboundRow.id.not_in(list(skip)))
        if only is not None:
            query = query.where(InboundRow.id == only)
        async with self._sessions.begin() as session:
            rows = list(await session.scalars(query))
            if not rows:
                return []
            await session.execute(
                update(InboundRow)
                .where(InboundRow.id.in_([row.id for row in rows]))
                .values(claimed_at=now)
            )
            return [inbound_record(row) for row in rows]

    async def mark_inbound(
        self, inbound_id: int, status: InboundStatus, error: str | None = None
    ) -> None:
        """Set a message's status and release its claim; FAILED and QUARANTINED count one more
        attempt."""
        async with self._sessions.begin() as session:
            row = await locked(session, InboundRow, inbound_id, "inbound message")
            row.status = status.value
            row.error = error
            row.claimed_at = None
            if status in _COUNTS_AN_ATTEMPT:
                row.attempts += 1

    async def save_answer(self, answer: Answer) -> int:
        """Keep an answer and its reading; returns its id (one answer per stored message)."""
        try:
            return await self._save_answer(answer)
        except IntegrityError:
            # Another worker saved the answer to this message in between; update theirs.
            return await self._save_answer(answer)

    async def _save_answer(self, answer: Answer) -> int:
        async with self._sessions.begin() as session:
            row = None
            if answer.inbound_id is not None:
                # Reading a message again (after a crash before it was marked done) replaces
                # its answer instead of counting the partner twice.
                row = await session.scalar(
                    select(AnswerRow)
                    .where(AnswerRow.inbound_id == answer.inbound_id)
                    .with_for_update()
                )
            if row is None:
                row = AnswerRow(inbound_id=answer.inbound_id)
                session.add(row)
            row.group_slug = answer.group
            row.meeting = answer.meeting
            row.partner = answer.partner
            row.channel = answer.channel.value
            row.sender = answer.sender
            row.received_at = answer.received_at
            row.reading = reading_to_json(answer.reading)
            row.status = answer.status.value
            row.reason = answer.reason
            await session.flush()
            return row.id

    async def answers(self, group: str, meeting: str | None = None) -> list[Answer]:
        """The answers of a group (to one meeting), oldest first."""
        query = select(AnswerRow).where(AnswerRow.group_slug == group)
        if meeting is not None:
            query = query.where(AnswerRow.meeting == meeting)
        query = query.order_by(AnswerRow.received_at, AnswerRow.id)
        async with self._sessions() as session:
            return [answer_record(row) for row in await session.scalars(query)]

    async def set_answer_status(self, answer_id: int, status: AnswerStatus) -> None:
        """Change what the secretariat is to do with an answer."""
        async with self._sessions.begin() as session:
            row = await locked(session, AnswerRow, answer_id, "answer")
            row.status = status.value

    async def answer(self, answer_id: int) -> Answer | None:
        """One answer by its number."""
        async with self._sessions() as session:
            row = await session.get(AnswerRow, answer_id)
            return answer_record(row) if row is not None else None

    async def inbound_message(self, inbound_id: int) -> InboundMessage | None:
        """One stored message, as it was received."""
        async with self._sessions() as session:
            row = await session.get(InboundRow, inbound_id)
            return inbound_record(row) if row is not None else None


def _values(message: InboundMessage, digest: str) -> dict[str, Any]:
    return {
        "channel": message.channel.value,
        "source_key": message.source_key,
        "message_id": message.message_id,
        "content_hash": digest,
        "sender": message.sender,
        "raw": message.raw,
        "status": message.status.value,
        "attempts": message.attempts,
        "error": message.error,
        "received_at": message.received_at,
        "claimed_at": None,
    }


def _row(message: InboundMessage, digest: str) -> InboundRow:
    return InboundRow(**_values(message, digest))
