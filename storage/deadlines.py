"""The deadline part of SqlStore: a call closes once, whichever process sees the deadline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from agenda.workflow import CallEvent, CallState, advance
from storage.base import StoreBase
from storage.tables import CallRow


class DeadlinesPart(StoreBase):
    """Closing a call at its deadline."""

    async def close_call_once(self, group: str, meeting: str, closed_at: datetime) -> bool:
        """Move an open call to closed under its row's lock; True for the one caller that did.

        Two processes that both see the deadline pass both ask; the second finds the call
        closed already and gets False, so the draft is compiled and sent by one of them.
        """
        query = (
            select(CallRow)
            .where(CallRow.group_slug == group, CallRow.meeting == meeting)
            .with_for_update()
        )
        async with self._sessions.begin() as session:
            row = await session.scalar(query)
            if row is None or row.state != CallState.OPEN.value:
                return False
            row.state = advance(CallState.OPEN, CallEvent.CLOSE).value
            row.closed_at = closed_at
            return True
