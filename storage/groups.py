"""The groups part of SqlStore: group files, calls and reply tokens."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agenda.model import Group
from agenda.records import Call, ReplyToken
from agenda.workflow import CallState
from storage.base import StoreBase
from storage.tables import (
    CallRow,
    ContactRow,
    GroupRow,
    InitiativeRow,
    MeetingRow,
    PartnerRow,
    ReplyTokenRow,
)

Member = TypeVar("Member", PartnerRow, ContactRow, InitiativeRow, MeetingRow)


class GroupsPart(StoreBase):
    """Groups, calls and reply tokens."""

    async def sync_group(self, group: Group) -> None:
        """Record the group, its partners, contacts, initiatives and meetings (upsert)."""
        try:
            await self._sync_group(group)
        except IntegrityError:
            # Another process created the group row in between; now it exists and is locked.
            await self._sync_group(group)

    async def _sync_group(self, group: Group) -> None:
        async with self._sessions.begin() as session:
            # The lock on the group row makes concurrent syncs of one group take turns.
            row = await session.get(GroupRow, group.slug, with_for_update=True)
            if row is None:
                row = GroupRow(slug=group.slug)
                session.add(row)
            row.name = group.name
            row.language = group.language.value
            row.timezone = group.timezone
            row.reply_address = group.reply_address
            row.secretariat_name = group.secretariat.name
            row.secretariat_email = group.secretariat.email
            row.sdgs = list(group.sdgs)
            row.approvals_required = group.approvals_required
            await session.flush()
            await _replace_members(session, group)

    async def get_call(self, group: str, meeting: str) -> Call | None:
        """The call for a meeting, if one exists."""
        async with self._sessions() as session:
            row = await session.scalar(_call_query(group, meeting))
            return _call(row) if row is not None else None

    async def save_call(self, call: Call) -> None:
        """Insert or update a call (keyed by group and meeting)."""
        try:
            await self._save_call(call)
        except IntegrityError:
            # Inserted by someone else in between: the second try updates their row.
            await self._save_call(call)

    async def _save_call(self, call: Call) -> None:
        async with self._sessions.begin() as session:
            row = await session.scalar(_call_query(call.group, call.meeting).with_for_update())
            if row is None:
                row = CallRow(group_slug=call.group, meeting=call.meeting)
                session.add(row)
            row.state = call.state.value
            row.opened_at = call.opened_at
            row.closed_at = call.closed_at
            row.deadline = call.deadline

    async def calls(self, group: str | None = None) -> list[Call]:
        """All calls, or those of one group."""
        query = select(CallRow).order_by(CallRow.group_slug, CallRow.id)
        if group is not None:
            query = query.where(CallRow.group_slug == group)
        async with self._sessions() as session:
            return [_call(row) for row in await session.scalars(query)]

    async def issue_token(self, token: ReplyToken) -> ReplyToken:
        """Store a token; if one exists for the same group, meeting, partner, purpose, return it."""
        # Mail systems may change the case of an address; tokens are kept in lower case.
        row = ReplyTokenRow(
            token=token.token.strip().lower(),
            group_slug=token.group,
            meeting=token.meeting,
            partner=token.partner,
            purpose=token.purpose,
        )
        existing = select(ReplyTokenRow).where(
            ReplyTokenRow.group_slug == token.group,
            ReplyTokenRow.meeting == token.meeting,
            ReplyTokenRow.partner == token.partner,
            ReplyTokenRow.purpose == token.purpose,
        )
        inserted = await self._insert_once(row, existing)
        if inserted is not None:
            return _token(inserted)
        async with self._sessions() as session:
            found = await session.scalar(existing)
            assert found is not None  # rows are never deleted
            return _token(found)

    async def find_token(self, token: str) -> ReplyToken | None:
        """The token record, if the token is known."""
        query = select(ReplyTokenRow).where(ReplyTokenRow.token == token.strip().lower())
        async with self._sessions() as session:
            row = await session.scalar(query)
            return _token(row) if row is not None else None


async def _replace_members(session: AsyncSession, group: Group) -> None:
    # The group file is the truth: what it no longer lists is gone. Only what changed is
    # written, so starting the service with an unchanged group file writes nothing at all.
    slug = group.slug
    partners = {p.slug: {"name": p.name} for p in group.partners}
    await _sync_rows(session, PartnerRow, slug, "slug", partners, delete=False)
    await session.flush()  # contacts refer to partners
    contacts = {
        c.email: {"partner": p.slug, "name": c.name, "role": c.role.value, "telegram": c.telegram}
        for p in group.partners
        for c in p.contacts
    }
    await _sync_rows(session, ContactRow, slug, "email", contacts)
    await _sync_rows(session, PartnerRow, slug, "slug", partners)
    initiatives = {
        i.code: {
            "title": i.title,
            "owner": i.owner,
            "sdgs": list(i.sdgs),
            "success_criteria": i.success_criteria,
            "status": i.status,
        }
        for i in group.initiatives
    }
    await _sync_rows(session, InitiativeRow, slug, "code", initiatives)
    meetings = {
        m.id: {
            "starts_at": m.starts_at,
            "ends_at": m.ends_at,
            "location": m.location,
            "call_deadline": m.call_deadline,
        }
        for m in group.meetings
    }
    await _sync_rows(session, MeetingRow, slug, "meeting", meetings)


async def _sync_rows(
    session: AsyncSession,
    table: type[Member],
    group: str,
    key: str,
    wanted: dict[str, dict[str, Any]],
    *,
    delete: bool = True,
) -> None:
    """Make the group's rows of a table those wanted (by key): add, change, remove (if delete)."""
    found = {
        getattr(row, key): row
        for row in await session.scalars(select(table).where(table.group_slug == group))
    }
    for name, row in found.items():
        if name not in wanted:
            if delete:
                await session.delete(row)
            continue
        for field, value in wanted[name].items():
            if getattr(row, field) != value:
                setattr(row, field, value)
    session.add_all(
        table(group_slug=group, **{key: name}, **values)
        for name, values in wanted.items()
        if name not in found
    )


def _call_query(group: str, meeting: str) -> Select[CallRow]:
    return select(CallRow).where(CallRow.group_slug == group, CallRow.meeting == meeting)


def _call(row: CallRow) -> Call:
    return Call(
        group=row.group_slug,
        meeting=row.meeting,
        state=CallState(row.state),
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        deadline=row.deadline,
    )


def _token(row: ReplyTokenRow) -> ReplyToken:
    return ReplyToken(
        token=row.token,
        group=row.group_slug,
        meeting=row.meeting,
        partner=row.partner,
        purpose=row.purpose,
    )
