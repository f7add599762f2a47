"""The outbox part of SqlStore: queue once, list what is due, record how sending went."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from agenda.ports import OutboxClaims
from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from storage.base import StoreBase, locked
from storage.codec import chat_extra_to_json, mail_to_json, outbox_priority, outbox_record
from storage.engine import sqlite_engine
from storage.outbox_claims import (
    kind_of,
    postgres_claims,
    postgres_claims_engine,
    sqlite_claims,
    sqlite_claims_engine,
)
from storage.tables import OutboxRow

# A claim's commit does not wait for the disk (SQLite's WAL with synchronous=NORMAL,
# PostgreSQL's synchronous_commit off, on the claims' own connections: storage/outbox_claims.py).
# A crash of the process loses none of it; a power cut or a crash of the machine or of the
# database server may undo the claims of the last moments, and the messages they covered
# would go out again. Waiting for the disk on every message would make a call to thousands
# several times slower.


class OutboxPart(StoreBase):
    """The outbox."""

    async def enqueue(self, entry: OutboxEntry) -> int | None:
        """Add to the outbox; None when the same Message-ID (or chat key) was queued before."""
        key = entry.dedup_key()
        row = OutboxRow(**_values(entry))
        existing = select(OutboxRow.id).where(
            OutboxRow.group_slug == entry.group,
            OutboxRow.channel == entry.channel.value,
            OutboxRow.dedup_key == key,
        )
        inserted = await self._insert_once(row, existing)
        return inserted.id if inserted is not None else None

    async def enqueue_many(self, entries: Sequence[OutboxEntry]) -> int:
        """Add many in one transaction (a call to every contact); how many were new.

        One INSERT whose unique index (group, channel, key) skips what was queued before, so
        opening a call again queues nothing twice and costs one commit, not one per contact.
        """
        if not entries:
            return 0
        dialect = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = dialect(OutboxRow).on_conflict_do_nothing().returning(OutboxRow.id)
        async with self._sessions.begin() as session:
            inserted = len((await session.scalars(statement, [_values(e) for e in entries])).all())
        if inserted >= _ANALYZE_AFTER and self.engine.dialect.name == "postgresql":
            # The planner's statistics still say the outbox has (almost) nothing pending, so it
            # would fetch and sort every pending row for each claim: a call to thousands then
            # costs time proportional to its size squared. Autovacuum analyses only once a
            # tenth of the table has changed, which a call to a long-used outbox never reaches.
            async with self.engine.connect() as connection:
                await connection.execute(_ANALYZE)
                await connection.commit()
        return inserted

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
            query = query.where(_due(due_before))
        if group is not None:
            query = query.where(OutboxRow.group_slug == group)
        query = query.order_by(OutboxRow.created_at, OutboxRow.id).limit(limit)
        async with self._sessions() as session:
            return [outbox_record(row) for row in await session.scalars(query)]

    def outbox_claims(
        self,
        *,
        channels: Sequence[Channel],
        group: str | None = None,
        urgent_only: bool = False,
    ) -> AbstractAsyncContextManager[OutboxClaims]:
        """A sender's claims for one pass, on a connection of their own (see outbox_claims)."""
        kind = kind_of(channels, group, urgent_only)
        if self.engine.dialect.name == "postgresql":
            if self._claims_engine is None:
                self._claims_engine = postgres_claims_engine(self.engine)
            return postgres_claims(self._claims_engine, kind, group)
        direct = self._direct_sqlite()
        if direct is None:
            raise NotImplementedError("the outbox needs a database file, not one in memory")
        return sqlite_claims(direct, kind, group)

    _claims_engine: AsyncEngine | None = None
    _sqlite_claims_engine: Engine | None = None

    def _direct_sqlite(self) -> Engine | None:
        """A plain (thread-bound) engine on the same SQLite file, made on first use."""
        if self._sqlite_claims_engine is not None:
            return self._sqlite_claims_engine
        database = self.engine.url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None  # another connection would see another database
        self._sqlite_claims_engine = sqlite_claims_engine(self.engine, sqlite_engine)
        return self._sqlite_claims_engine

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
        """Record how sending went; None leaves a field as it was, and SENT clears the error.

        With was, only a row still as it was read (its status and next attempt) is changed,
        else False: of two processes settling the same row, one does.
        """
        async with self._sessions.begin() as session:
            row = await locked(session, OutboxRow, entry_id, "outbox entry")
            if was is not None and (
                row.status != was.status.value or row.next_attempt_at != was.next_attempt_at
            ):
                return False
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
        return True


# Rows queued at once from which PostgreSQL is told to look at the outbox again (see above).
_ANALYZE_AFTER = 100
_ANALYZE = text("ANALYZE outbox")


def _due(now: Any) -> ColumnElement[bool]:
    # No time set means as soon as possible.
    return or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now)


def _values(entry: OutboxEntry) -> dict[str, Any]:
    """The row's columns for a new outbox entry."""
    return {
        "group_slug": entry.group,
        "meeting": entry.meeting,
        "purpose": entry.purpose,
        "channel": entry.channel.value,
        "recipient": entry.recipient,
        "dedup_key": entry.dedup_key(),
        "mail": mail_to_json(entry.mail) if entry.mail is not None else None,
        "chat_text": entry.chat_text,
        "chat_extra": chat_extra_to_json(entry),
        "status": entry.status.value,
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_at,
        "error": entry.error,
        "created_at": entry.created_at or datetime.now(UTC),
        "sent_at": entry.sent_at,
        "priority": outbox_priority(entry),
    }
