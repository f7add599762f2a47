"""Focused queries: what status, review, history and the intake show, counted in the database.

A call of a municipality's size has thousands of answers; loading every reading (and every
outbox row with its mail) to print a table of twenty partners cost seconds and hundreds of
megabytes. These ask the database for the counts, the few rows shown, or the rows the intake
compares a new answer with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from agenda.reading import Channel, MessageKind
from agenda.records import Answer, AnswerStatus, InboundMessage, OutboxStatus
from agenda.tallies import AnswerPage, AnswerTally, Reminded
from storage.base import StoreBase
from storage.codec import answer_record, inbound_record
from storage.tables import AnswerRow, InboundRow, OutboxRow


def _length(key: str, dialect: str) -> ColumnElement[int]:
    """The length of a list in the reading (0 when absent), on SQLite and PostgreSQL.

    SQLite is given the path itself: the generic `reading[key]` would copy the list out as
    new JSON text and parse it again, for every answer.
    """
    if dialect == "sqlite":
        length = func.json_array_length(AnswerRow.reading, f"$.{key}")
    else:
        length = func.json_array_length(AnswerRow.reading[key])
    return func.coalesce(length, 0)


def _tally(
    partner: str | None,
    channel: str,
    status: str,
    kind: str,
    nothing_to_add: object,
    items: int,
    count: int,
    proposals: int | None,
    updates: int | None,
) -> AnswerTally:
    return AnswerTally(
        partner=partner,
        channel=Channel(channel),
        status=AnswerStatus(status),
        kind=MessageKind(kind),
        nothing_to_add=bool(nothing_to_add),
        has_items=bool(items),
        answers=int(count),
        proposals=int(proposals or 0),
        updates=int(updates or 0),
    )


class SummaryPart(StoreBase):
    """Counts and pages of a call's answers and outbox."""

    async def answer_tally(self, group: str, meeting: str) -> list[AnswerTally]:
        """The call's answers counted by partner, channel, status, kind and shape."""
        kind = AnswerRow.reading["kind"].as_string()
        nothing = func.coalesce(AnswerRow.reading["nothing_to_add"].as_boolean(), False)
        dialect = self.engine.dialect.name
        proposals, updates = _length("proposals", dialect), _length("updates", dialect)
        has_items = case((proposals + updates > 0, 1), else_=0)
        keys: list[Any] = [AnswerRow.partner, AnswerRow.channel, AnswerRow.status, kind, nothing]
        query = (
            select(
                *keys,
                has_items,
                func.count(),
                func.sum(proposals, type_=Integer),
                func.sum(updates, type_=Integer),
            )
            .where(AnswerRow.group_slug == group, AnswerRow.meeting == meeting)
            .group_by(*keys, has_items)
        )
        async with self._sessions() as session:
            rows: list[Any] = list((await session.execute(query)).all())
        return [_tally(*row) for row in rows]

    async def reminders_sent(self, group: str, meeting: str) -> list[Reminded]:
        """Every reminder queued for the call: recipient and when, oldest first."""
        query = (
            select(OutboxRow.recipient, OutboxRow.created_at)
            .where(
                OutboxRow.group_slug == group,
                OutboxRow.meeting == meeting,
                OutboxRow.purpose.startswith("reminder"),
            )
            .order_by(OutboxRow.created_at, OutboxRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [Reminded(recipient, at) for recipient, at in rows]

    async def outbox_counts(self, group: str, meeting: str) -> dict[OutboxStatus, int]:
        """How many of the call's messages are in each outbox status."""
        query = (
            select(OutboxRow.status, func.count())
            .where(OutboxRow.group_slug == group, OutboxRow.meeting == meeting)
            .group_by(OutboxRow.status)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {OutboxStatus(status): int(count) for status, count in rows}

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
        """The call's answers (and with unrouted, the group's tied to no call), oldest first.

        At most limit are loaded; the total says how many there are in all.
        """
        where: list[ColumnElement[bool]] = [AnswerRow.group_slug == group]
        if unrouted:
            where.append(or_(AnswerRow.meeting == meeting, AnswerRow.meeting.is_(None)))
        else:
            where.append(AnswerRow.meeting == meeting)
        if statuses is not None:
            where.append(AnswerRow.status.in_([s.value for s in statuses]))
        if partner is not None:
            where.append(AnswerRow.partner == partner)
        # Answers to the call first, then those tied to none, as the review always listed them.
        routed_first = case((AnswerRow.meeting.is_(None), 1), else_=0)
        query: Select[Any] = (
            select(AnswerRow)
            .where(and_(*where))
            .order_by(routed_first, AnswerRow.received_at, AnswerRow.id)
        )
        async with self._sessions() as session:
            total = int(
                await session.scalar(select(func.count()).select_from(AnswerRow).where(*where)) or 0
            )
            if limit is not None:
                query = query.limit(limit)
            answers = [answer_record(row) for row in await session.scalars(query)]
        return AnswerPage(answers, total)

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
        """The call's answers a new one is compared with, oldest first.

        Those of the same partner (the newest answer counts), and those from the same sender
        since the given moment (an autoresponder's storm); not the message's own earlier answer.
        """
        same_sender = and_(
            func.lower(AnswerRow.sender) == sender.lower(), AnswerRow.received_at >= since
        )
        related = or_(AnswerRow.partner == partner, same_sender) if partner else same_sender
        query = select(AnswerRow).where(
            AnswerRow.group_slug == group, AnswerRow.meeting == meeting, related
        )
        if excluding is not None:
            query = query.where(
                or_(AnswerRow.inbound_id.is_(None), AnswerRow.inbound_id != excluding)
            )
        query = query.order_by(AnswerRow.received_at, AnswerRow.id)
        async with self._sessions() as session:
            return [answer_record(row) for row in await session.scalars(query)]

    async def inbound_messages(self, ids: Sequence[int]) -> dict[int, InboundMessage]:
        """The stored messages with these ids (those still kept), in one query."""
        if not ids:
            return {}
        query = select(InboundRow).where(InboundRow.id.in_(list(ids)))
        async with self._sessions() as session:
            return {row.id: inbound_record(row) for row in await session.scalars(query)}
