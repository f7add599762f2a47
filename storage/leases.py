"""Leases among the service's processes that end by themselves when the holder dies.

No coordinator of our own: on PostgreSQL a session-level advisory lock on a connection opened
for the lease and held as long as it (the server drops the lock with the connection, so a
killed process's leases go at once); on SQLite, which lives on one machine, an OS file lock
(flock) on a file beside the database, which the kernel drops with the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from agenda.ports import Lease


def lease_key(name: str) -> int:
    """The advisory lock number of a lease name: the same in every process, signed 64-bit."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresLeases:
    """Advisory locks (pg_try_advisory_lock), one connection of its own per lease held."""

    def __init__(self, engine: AsyncEngine) -> None:
        # No pool: closing a lease's connection must end its session, and with it the lock.
        self._engine = create_async_engine(engine.url, poolclass=NullPool)

    async def acquire(self, name: str) -> Lease | None:
        """The lease if no other session holds its lock; never waits."""
        connection = await self._engine.connect()
        try:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lease_key(name)}
            )
            # The lock belongs to the session, not to this transaction: ending it keeps the
            # lock and leaves the connection idle rather than idle in transaction.
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return None
        return _PostgresLease(connection)

    async def close(self) -> None:
        """Let go of the engine (leases still held keep their own connections)."""
        await self._engine.dispose()


class _PostgresLease:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection: AsyncConnection | None = connection

    async def still_held(self) -> bool:
        """While the session lives the lock is ours; a broken connection has lost it."""
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self.release()
            return False
        return True

    async def release(self) -> None:
        """Close the session: the server drops the lock with it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                # A connection that broke has lost its lock already; nothing else to undo.
                await connection.close()


class FileLeases:
    """flock on one file per lease in a folder (beside the SQLite file): one machine."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self._folder = folder
        self._prefix = prefix

    async def acquire(self, name: str) -> Lease | None:
        """The lease if no other open file holds the lock (in any process); never waits."""
        path = self._folder / f"{self._prefix}.lease-{lease_key(name) & 0xFFFFFFFFFFFF:012x}"
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        except BaseException:
            os.close(descriptor)
            raise
        return _FileLease(descriptor)

    async def close(self) -> None:
        """Nothing is kept open between leases."""


class _FileLease:
    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    async def still_held(self) -> bool:
        """A lock on an open file is held until it is closed."""
        return self._descriptor is not None

    async def release(self) -> None:
        """Close the file: the kernel drops the lock with it."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)


class ProcessLeases:
    """Leases within this process only: for a database no other process can open."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    async def acquire(self, name: str) -> Lease | None:
        """The lease unless this process holds it already."""
        if name in self._held:
            return None
        self._held.add(name)
        return _ProcessLease(self._held, name)

    async def close(self) -> None:
        """Nothing to let go of."""


class _ProcessLease:
    def __init__(self, held: set[str], name: str) -> None:
        self._held = held
        self._name: str | None = name

    async def still_held(self) -> bool:
        """Held until released."""
        return self._name is not None

    async def release(self) -> None:
        """Free the name."""
        if self._name is not None:
            self._held.discard(self._name)
            self._name = None


def leases_for(engine: AsyncEngine) -> PostgresLeases | FileLeases | ProcessLeases:
    """The leases that fit the database: advisory locks, file locks beside it, or in-process."""
    if engine.dialect.name == "postgresql":
        return PostgresLeases(engine)
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return ProcessLeases()
    path = Path(database).expanduser()
    return FileLeases(path.parent, path.name)
