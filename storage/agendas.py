"""The agenda part of SqlStore: versions of the draft, approvals and the audit log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agenda.agenda import Agenda
from agenda.errors import VersionConflictError
from agenda.records import Approval, AuditEntry
from storage.base import StoreBase
from storage.tables import AgendaVersionRow, ApprovalRow, AuditRow

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
