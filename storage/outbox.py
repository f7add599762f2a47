"""The outbox part of SqlStore: queue once, list what is due, record how sending went."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, event, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from storage.base import StoreBase, locked
from storage.codec import URGENT, chat_extra_to_json, mail_to_json, outbox_priority, outbox_record
from storage.engine import sqlite_engine
from storage.tables import OutboxRow

# A claim's commit does not wait for the disk (SQLite's WAL with synchronous=NORMAL,
# PostgreSQL's synchronous_commit off, for these transactions only). A crash of the process
# loses none of it; a power cut or a crash of the machine or of the database server may undo
# the claims of the last moments, and the messages they covered would go out again. Waiting
# for the disk on every message would make a call to thousands several times slower.
_NO_WAIT_FOR_DISK = text("SET LOCAL synchronous_commit = off")


def _no_wait_for_disk(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


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

    async def claim_outbox(
        self,
        now: datetime,
        *,
        channels: Sequence[Channel],
        group: str | None = None,
        urgent_only: bool = False,
        finished: OutboxEntry | None = None,
    ) -> OutboxEntry | None:
        """Mark the next due pending row "sending" (stamped now) and return it; None if none.

        Next means what answers a person first, then the oldest. With finished, how sending
        the previous row went (its status, attempts, times and error) is recorded in the same
        transaction: one commit per message, and still never more than one row "sending".
        """
        if not channels:
            if finished is not None:
                await self.update_outbox(
                    _id(finished),
                    status=finished.status,
                    attempts=finished.attempts,
                    next_attempt_at=finished.next_attempt_at,
                    error=finished.error,
                    sent_at=finished.sent_at,
                )
            return None
        kind = (tuple(c.value for c in channels), group is not None, urgent_only)
        params: dict[str, Any] = {"now": now, "group": group}
        if finished is not None:
            params.update(_record_params(finished))
        direct = self._direct_sqlite()
        if direct is not None:
            # One hop to a thread for the whole transaction instead of one per statement:
            # this runs once per message sent, so it is most of what the outbox costs.
            return await asyncio.to_thread(_claim_in, direct, kind, finished is not None, params)
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(_NO_WAIT_FOR_DISK)
                # One round trip for both: the record rides along as a data-modifying CTE.
                claim = _claim(*kind, with_record=finished is not None)
            else:
                if finished is not None:
                    await connection.execute(_RECORD, params)
                claim = _claim(*kind, with_record=False)
            row = (await connection.execute(claim, params)).first()
            return outbox_record(row) if row is not None else None

    def _direct_sqlite(self) -> Engine | None:
        """A plain (thread-bound) engine on the same SQLite file, made on first use."""
        engine: Engine | None = getattr(self, "_outbox_engine", None)
        if engine is not None or self.engine.dialect.name != "sqlite":
            return engine
        database = self.engine.url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None  # another connection would see another database
        engine = sqlite_engine(self.engine.url)
        event.listen(engine, "connect", _no_wait_for_disk)
        # It goes when the store's own engine goes (the app's closers dispose that one).
        event.listen(self.engine.sync_engine, "engine_disposed", lambda _e: engine.dispose())
        self._outbox_engine = engine
        return engine

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


# Rows queued at once from which PostgreSQL is told to look at the outbox again (see above).
_ANALYZE_AFTER = 100
_ANALYZE = text("ANALYZE outbox")

# Parameters, so each statement is built once and not once per message.
_NOW = bindparam("now", type_=OutboxRow.__table__.c.next_attempt_at.type)
_RECORD = (
    update(OutboxRow)
    .where(OutboxRow.id == bindparam("f_id"))
    .values(
        status=bindparam("f_status"),
        attempts=bindparam("f_attempts"),
        next_attempt_at=bindparam("f_next", type_=OutboxRow.__table__.c.next_attempt_at.type),
        error=bindparam("f_error"),
        sent_at=bindparam("f_sent", type_=OutboxRow.__table__.c.sent_at.type),
    )
)


def _record_params(entry: OutboxEntry) -> dict[str, Any]:
    """The values _RECORD writes: how sending a claimed row went, field for field."""
    return {
        "f_id": _id(entry),
        "f_status": entry.status.value,
        "f_attempts": entry.attempts,
        "f_next": entry.next_attempt_at,
        "f_error": entry.error,
        "f_sent": entry.sent_at,
    }


def _id(entry: OutboxEntry) -> int:
    assert entry.id is not None, "only a claimed row is recorded"
    return entry.id


@lru_cache(maxsize=32)
def _claim(
    channels: tuple[str, ...], by_group: bool, urgent_only: bool, *, with_record: bool
) -> Any:
    """The UPDATE that marks the next due row "sending" and returns it (per kind of claim)."""
    candidate = (
        select(OutboxRow.id)
        .where(
            OutboxRow.status == OutboxStatus.PENDING.value,
            OutboxRow.channel.in_(channels),
            _due(_NOW),
        )
        .order_by(OutboxRow.priority, OutboxRow.created_at, OutboxRow.id)
        .limit(1)
        # Two senders never take the same row: PostgreSQL skips rows another has locked;
        # SQLite's transactions take the write lock up front (BEGIN IMMEDIATE).
        .with_for_update(skip_locked=True)
        # A subquery of its own: correlated to the UPDATE it would pick every row.
        .correlate(None)
    )
    if by_group:
        candidate = candidate.where(OutboxRow.group_slug == bindparam("group"))
    if urgent_only:
        candidate = candidate.where(OutboxRow.priority == URGENT)
    # One row per transaction, committed before anything is sent: a crash can leave at most
    # this one row "sending", and next_attempt_at says since when.
    claim = (
        update(OutboxRow)
        .where(
            OutboxRow.id == candidate.scalar_subquery(),
            OutboxRow.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.SENDING.value, next_attempt_at=_NOW)
        .returning(*OutboxRow.__table__.columns)
    )
    return claim.add_cte(_RECORD.cte("finished")) if with_record else claim


def _claim_in(
    engine: Engine, kind: tuple[tuple[str, ...], bool, bool], record: bool, params: dict[str, Any]
) -> OutboxEntry | None:
    """claim_outbox's transaction on a plain engine, run in a worker thread."""
    with engine.begin() as connection:
        if record:
            connection.execute(_RECORD, params)
        row = connection.execute(_claim(*kind, with_record=False), params).first()
        return outbox_record(row) if row is not None else None


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
