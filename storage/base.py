"""What every part of SqlStore shares: the session factory and inserting exactly once."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agenda.errors import NotFoundError
from storage.tables import Base

RowT = TypeVar("RowT", bound=Base)


class StoreBase:
    """Holds the engine; each public method of the parts is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Records are built from rows after commit; nothing is loaded lazily.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def _insert_once(self, row: RowT, existing: Select[Any]) -> RowT | None:
        """Insert and commit the row; None when `existing` finds the row it would duplicate."""
        try:
            async with self._sessions.begin() as session:
                # Looking first spares the database an error per duplicate in the common
                # case; the unique constraint still decides when two writers race.
                if await session.scalar(existing.limit(1)) is not None:
                    return None
                session.add(row)
                await session.flush()
            return row
        except IntegrityError:
            async with self._sessions() as session:
                if await session.scalar(existing.limit(1)) is not None:
                    return None
            raise


async def locked(session: AsyncSession, table: type[RowT], row_id: int, what: str) -> RowT:
    """The row with this id, locked for update; NotFoundError names what is missing."""
    row = await session.get(table, row_id, with_for_update=True)
    if row is None:
        raise NotFoundError("row_missing", what=what, id=row_id)
    return row
