"""Sending the outbox as a pipeline: one statement per message, on a connection of its own.

Each step records how the last message went, starts the one reserved before it and reserves
the one after, in one transaction (one round trip on PostgreSQL, one thread hop on SQLite).
While that is under way the sender composes the started message and opens its SMTP envelope,
so the database and the mail server work at the same time.

A reserved row stays "pending"; its next attempt is moved to the end of the reservation, so
no other sender takes it meanwhile, and if this process dies it is simply due again then.
Only a row marked "sending" may be on the wire, and it is marked before its data is handed
over: a crash still leaves at most one row "sending" per sender.

The statements are written out in SQL and run on the driver's own connection: this runs once
per message sent, and the ORM's and Core's work per statement was most of what a call to
thousands cost. A claim's commit does not wait for the disk (see storage/outbox.py).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agenda.ports import ClaimStep
from agenda.reading import Channel
from agenda.records import OutboxEntry, OutboxStatus
from storage.codec import URGENT, outbox_from_values

_PENDING = OutboxStatus.PENDING.value
_SENDING = OutboxStatus.SENDING.value


@dataclass(frozen=True)
class _Kind:
    """Which rows a sender takes: its channels, one group or all, answers to people only."""

    channels: tuple[str, ...]
    by_group: bool
    urgent_only: bool


@dataclass(frozen=True)
class _Step:
    """One step's arguments (see agenda.ports.OutboxClaims.step)."""

    now: datetime
    finished: OutboxEntry | None
    start: OutboxEntry | None
    release: bool
    reserve_until: datetime | None


class _Claims:
    """OutboxClaims over a way of running one step on a database."""

    async def step(
        self,
        now: datetime,
        *,
        finished: OutboxEntry | None = None,
        start: OutboxEntry | None = None,
        release: bool = False,
        reserve_until: datetime | None = None,
    ) -> ClaimStep:
        """Record finished, start (or release) start, reserve the next due row until then."""
        return await self._run(_Step(now, finished, start, release, reserve_until))

    async def _run(self, step: _Step) -> ClaimStep:
        raise NotImplementedError


class PostgresClaims(_Claims):
    """Steps on one PostgreSQL connection whose commits do not wait for the disk."""

    def __init__(self, connection: Any, kind: _Kind, group: str | None) -> None:
        self._db = connection  # asyncpg's connection; asyncpg ships no type information
        self._sql = _postgres_step(kind)
        self._tail: tuple[Any, ...] = (list(kind.channels),) + ((group,) if kind.by_group else ())

    async def _run(self, step: _Step) -> ClaimStep:
        row = await self._db.fetchrow(
            self._sql,
            step.now,
            *_finished_values(step.finished),
            *_start_values(step.start, step.release),
            step.reserve_until,
            1 if step.reserve_until is not None else 0,
            *self._tail,
        )
        reserved = outbox_from_values(_decoded(row.items())) if row["id"] is not None else None
        return ClaimStep(started=bool(row["started"]), reserved=reserved)


class SqliteClaims(_Claims):
    """Steps on one SQLite connection, each a transaction of its own in a worker thread."""

    def __init__(self, connection: sqlite3.Connection, kind: _Kind, group: str | None) -> None:
        self._db = connection
        self._candidate = _sqlite_candidate(kind)
        self._tail: tuple[Any, ...] = (*kind.channels, *((group,) if kind.by_group else ()))

    async def _run(self, step: _Step) -> ClaimStep:
        return await asyncio.to_thread(self._in_thread, step)

    def _in_thread(self, step: _Step) -> ClaimStep:
        db = self._db
        moment = _sqlite_time(step.now)
        db.execute("BEGIN IMMEDIATE")
        try:
            if step.finished is not None:
                values = _finished_values(step.finished)
                db.execute(_SQLITE_RECORD, (*_sqlite_all(values[1:]), values[0]))
            started = False
            if step.start is not None:
                entry_id, status, lease = _start_values(step.start, step.release)
                cursor = db.execute(
                    _SQLITE_START, (status, moment, entry_id, _PENDING, _sqlite_time(lease))
                )
                started = cursor.rowcount == 1
            reserved = None
            if step.reserve_until is not None:
                # Not the row just started, even if its reservation has ended already.
                not_this = step.start.id if step.start is not None else None
                candidate = (_PENDING, moment, not_this, *self._tail)
                found = db.execute(self._candidate, candidate).fetchone()
                if found is not None:
                    until = _sqlite_time(step.reserve_until)
                    cursor = db.execute(_SQLITE_RESERVE, (until, found[0]))
                    row = cursor.fetchone()
                    names = [d[0] for d in cursor.description]
                    reserved = outbox_from_values(_decoded(zip(names, row, strict=True)))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return ClaimStep(started=started, reserved=reserved)


@asynccontextmanager
async def postgres_claims(
    engine: AsyncEngine, kind: _Kind, group: str | None
) -> AsyncIterator[PostgresClaims]:
    """A connection of the claims engine, held for one pass."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        yield PostgresClaims(raw.driver_connection, kind, group)


@asynccontextmanager
async def sqlite_claims(
    engine: Engine, kind: _Kind, group: str | None
) -> AsyncIterator[SqliteClaims]:
    """A connection of the claims engine, held for one pass."""
    connection = await asyncio.to_thread(engine.connect)
    try:
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        yield SqliteClaims(raw, kind, group)
    finally:
        await asyncio.to_thread(connection.close)


def kind_of(channels: Sequence[Channel], group: str | None, urgent_only: bool) -> _Kind:
    """The kind of claim, which decides the statement."""
    return _Kind(tuple(c.value for c in channels), group is not None, urgent_only)


def postgres_claims_engine(engine: AsyncEngine) -> AsyncEngine:
    """An engine on the same database whose sessions' commits do not wait for the disk."""
    claims = create_async_engine(
        engine.url,
        pool_pre_ping=True,
        pool_size=2,
        connect_args={"server_settings": {"synchronous_commit": "off"}},
    )
    _dispose_with(engine, claims.sync_engine)
    return claims


def sqlite_claims_engine(engine: AsyncEngine, make: Callable[[Any], Engine]) -> Engine:
    """A plain engine on the same SQLite file, whose commits do not wait for the disk."""
    claims = make(engine.url)
    event.listen(claims, "connect", _no_wait_for_disk)
    _dispose_with(engine, claims)
    return claims


def _dispose_with(engine: AsyncEngine, claims: Engine) -> None:
    # It goes when the store's own engine goes (the app's closers dispose that one).
    event.listen(engine.sync_engine, "engine_disposed", lambda _e: claims.dispose())


def _no_wait_for_disk(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _finished_values(entry: OutboxEntry | None) -> tuple[Any, ...]:
    """id, status, attempts, next attempt, error, sent at: how sending the row went."""
    if entry is None:
        return (None, None, None, None, None, None)
    assert entry.id is not None, "only a claimed row is recorded"
    return (
        entry.id,
        entry.status.value,
        entry.attempts,
        entry.next_attempt_at,
        entry.error,
        entry.sent_at,
    )


def _start_values(entry: OutboxEntry | None, release: bool) -> tuple[Any, ...]:
    """id, new status and the reservation's end of the row to start (or to give back)."""
    if entry is None:
        return (None, None, None)
    assert entry.id is not None, "only a reserved row is started"
    return (entry.id, _PENDING if release else _SENDING, entry.next_attempt_at)


@lru_cache(maxsize=32)
def _postgres_step(kind: _Kind) -> str:
    # $1 now; $2-$7 the finished row; $8-$10 the row to start; $11-$12 the reservation;
    # $13 the channels; $14 the group. A NULL id matches no row, so every part is optional.
    filters = " AND group_slug = $14" if kind.by_group else ""
    if kind.urgent_only:
        filters += f" AND priority = {URGENT}"
    # Only constants of ours are written into the text; every value is a parameter.
    return f"""
WITH finished AS (
    UPDATE outbox SET status = $3, attempts = $4, next_attempt_at = $5, error = $6, sent_at = $7
    WHERE id = $2
), started AS (
    UPDATE outbox SET status = $9, next_attempt_at = $1
    WHERE id = $8 AND status = '{_PENDING}' AND next_attempt_at = $10 RETURNING id
), candidate AS (
    SELECT id FROM outbox
    WHERE status = '{_PENDING}' AND channel = ANY($13)
      AND (next_attempt_at IS NULL OR next_attempt_at <= $1) AND id IS DISTINCT FROM $8{filters}
    ORDER BY priority, created_at, id
    LIMIT $12
    FOR UPDATE SKIP LOCKED
), reserved AS (
    UPDATE outbox SET next_attempt_at = $11 FROM candidate
    WHERE outbox.id = candidate.id RETURNING outbox.*
)
SELECT (SELECT count(*) FROM started) AS started, reserved.*
FROM (VALUES (1)) AS one LEFT JOIN reserved ON true
"""  # noqa: S608


_SQLITE_RECORD = (
    "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, error = ?, sent_at = ?"
    " WHERE id = ?"
)
_SQLITE_START = (
    "UPDATE outbox SET status = ?, next_attempt_at = ?"
    " WHERE id = ? AND status = ? AND next_attempt_at = ?"
)
_SQLITE_RESERVE = "UPDATE outbox SET next_attempt_at = ? WHERE id = ? RETURNING *"


@lru_cache(maxsize=32)
def _sqlite_candidate(kind: _Kind) -> str:
    # SQLite's transactions take the write lock up front (BEGIN IMMEDIATE): no two senders
    # look at the same moment.
    channels = ", ".join("?" for _ in kind.channels)
    filters = " AND group_slug = ?" if kind.by_group else ""
    if kind.urgent_only:
        filters += f" AND priority = {URGENT}"
    # Only placeholders and constants of ours are written into the text.
    return (
        "SELECT id FROM outbox WHERE status = ?"  # noqa: S608
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND id IS NOT ?"
        f" AND channel IN ({channels}){filters} ORDER BY priority, created_at, id LIMIT 1"
    )


def _sqlite_time(moment: datetime | None) -> str | None:
    """A moment as the tables keep it in SQLite: naive UTC, always with microseconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_all(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_sqlite_time(v) if isinstance(v, datetime) else v for v in values)


_TIMES = ("next_attempt_at", "created_at", "sent_at")
_JSON = ("mail", "chat_extra")


def _decoded(row: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A row's values as the ORM would give them: aware UTC times, JSON as Python values."""
    values = dict(row)
    for name in _TIMES:
        value = values.get(name)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            values[name] = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    for name in _JSON:
        value = values.get(name)
        if isinstance(value, str | bytes):
            values[name] = json.loads(value)
    return values
