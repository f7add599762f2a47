"""The agenda part of SqlStore: versions of the draft, approvals and the audit log."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from agenda.agenda import Agenda
from agenda.errors import VersionConflictError
from agenda.records import Approval, AuditEntry, ReplyToken
from storage.base import StoreBase
from storage.tables import AgendaVersionRow, ApprovalRow, AuditRow, ReplyTokenRow

__all__ = ["AgendasPart", "VersionConflictError"]


class AgendasPart(StoreBase):
    """Agenda versions, approvals and the audit log."""

    async def save_agenda(self, agenda: Agenda) -> None:
        """Keep a new version of the draft agenda."""
        row = AgendaVersionRow(
            group_slug=agenda.group,
            meeting=agenda.meeting,
            version=agenda.version,
            created_at=agenda.created_at,
            body=agenda.to_dict(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise VersionConflictError(
                "version_conflict", version=agenda.version, meeting=agenda.meeting
            ) from None

    async def agenda(self, group: str, meeting: str, version: int | None = None) -> Agenda | None:
        """A version of the agenda (the latest when version is None)."""
        query = select(AgendaVersionRow.body).where(
            AgendaVersionRow.group_slug == group, AgendaVersionRow.meeting == meeting
        )
        if version is not None:
            query = query.where(AgendaVersionRow.version == version)
        query = query.order_by(AgendaVersionRow.version.desc()).limit(1)
        async with self._sessions() as session:
            body = await session.scalar(query)
            return Agenda.from_dict(body) if body is not None else None

    async def add_approval(self, approval: Approval) -> None:
        """Record a chair's approval of a version (idempotent per person and version)."""
        row = ApprovalRow(
            group_slug=approval.group,
            meeting=approval.meeting,
            version=approval.version,
            approved_by=approval.approved_by,
            approved_at=approval.approved_at,
            channel=approval.channel,
        )
        existing = select(ApprovalRow.id).where(
            ApprovalRow.group_slug == approval.group,
            ApprovalRow.meeting == approval.meeting,
            ApprovalRow.version == approval.version,
            ApprovalRow.approved_by == approval.approved_by,
        )
        await self._insert_once(row, existing)

    async def approvals(self, group: str, meeting: str) -> list[Approval]:
        """Every approval given for the meeting, oldest first."""
        query = (
            select(ApprovalRow)
            .where(ApprovalRow.group_slug == group, ApprovalRow.meeting == meeting)
            .order_by(ApprovalRow.approved_at, ApprovalRow.id)
        )
        async with self._sessions() as session:
            return [
                Approval(
                    group=row.group_slug,
                    meeting=row.meeting,
                    version=row.version,
                    approved_by=row.approved_by,
                    approved_at=row.approved_at,
                    channel=row.channel,
                )
                for row in await session.scalars(query)
            ]

    async def issue_tokens(self, tokens: Sequence[ReplyToken]) -> list[ReplyToken]:
        """Store many tokens in one transaction; where one exists already, that one is kept.

        A call to thousands issues one token per partner: one INSERT that skips what exists
        and one SELECT, not a transaction per partner. A new token that collides with another
        (twelve random hex digits, so hardly ever) leaves its partner without one; that partner
        is asked again with a new token.
        """
        if not tokens:
            return []
        dialect = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        table = ReplyTokenRow.__table__.c
        # Mail systems may change the case of an address; tokens are kept in lower case.
        rows = [
            {
                "token": t.token.strip().lower(),
                "group_slug": t.group,
                "meeting": t.meeting,
                "partner": t.partner,
                "purpose": t.purpose,
            }
            for t in tokens
        ]
        found = select(table.token, table.group_slug, table.meeting, table.partner)
        found = found.add_columns(table.purpose).where(
            table.group_slug.in_({t.group for t in tokens}),
            table.meeting.in_({t.meeting for t in tokens}),
            table.partner.in_({t.partner for t in tokens}),
            table.purpose.in_({t.purpose for t in tokens}),
        )
        async with self._sessions.begin() as session:
            await session.execute(dialect(ReplyTokenRow).on_conflict_do_nothing(), rows)
            have = {
                (r.group_slug, r.meeting, r.partner, r.purpose): ReplyToken(
                    token=r.token,
                    group=r.group_slug,
                    meeting=r.meeting,
                    partner=r.partner,
                    purpose=r.purpose,
                )
                for r in await session.execute(found)
            }
        missing = [t for t in tokens if (t.group, t.meeting, t.partner, t.purpose) not in have]
        if missing:
            again = [replace(t, token=secrets.token_hex(6)) for t in missing]
            for token in await self.issue_tokens(again):
                have[(token.group, token.meeting, token.partner, token.purpose)] = token
        return [have[(t.group, t.meeting, t.partner, t.purpose)] for t in tokens]

    async def audit(self, entry: AuditEntry) -> None:
        """Append to the audit log."""
        async with self._sessions.begin() as session:
            session.add(
                AuditRow(
                    group_slug=entry.group,
                    meeting=entry.meeting,
                    action=entry.action,
                    actor=entry.actor,
                    at=entry.at,
                    detail=_plain(entry.detail),
                )
            )

    async def audit_log(self, group: str, meeting: str | None = None) -> list[AuditEntry]:
        """The audit log of a group (for one meeting), oldest first."""
        query = select(AuditRow).where(AuditRow.group_slug == group)
        if meeting is not None:
            query = query.where(AuditRow.meeting == meeting)
        query = query.order_by(AuditRow.at, AuditRow.id)
        async with self._sessions() as session:
            return [
                AuditEntry(
                    group=row.group_slug,
                    action=row.action,
                    actor=row.actor,
                    at=row.at,
                    meeting=row.meeting,
                    detail=dict(row.detail),
                )
                for row in await session.scalars(query)
            ]


def _plain(detail: dict[str, object]) -> dict[str, Any]:
    # Details are free-form; a datetime or a path in them is kept as its text, not refused.
    plain: dict[str, Any] = json.loads(json.dumps(detail, default=str))
    return plain
