"""The privacy part of SqlStore: what is kept about a person, erasing it, retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select

from agenda.records import (
    Approval,
    AuditEntry,
    ContactData,
    Erased,
    InboundStatus,
    StoredContact,
)
from storage.base import StoreBase
from storage.codec import answer_record, inbound_record, outbox_record
from storage.tables import (
    AnswerRow,
    ApprovalRow,
    AuditRow,
    ContactRow,
    InboundRow,
    OutboxRow,
    TelegramCodeRow,
    TelegramLinkRow,
)

# Messages not yet read (new, or failed and to be read again) are never purged. Named one by
# one so the index on (status, received_at) finds the old ones without reading the rest.
_HANDLED = (InboundStatus.DONE.value, InboundStatus.HELD.value, InboundStatus.QUARANTINED.value)


class PrivacyPart(StoreBase):
    """Access, erasure and retention of personal data."""

    async def contact_data(self, email: str) -> ContactData:
        """Everything stored about the person with this address (and their chat account)."""
        async with self._sessions() as session:
            contacts = [
                _stored(r)
                for r in await session.scalars(
                    select(ContactRow).where(func.lower(ContactRow.email) == email.lower())
                )
            ]
            senders = _senders(email, contacts)
            answers = list(
                await session.scalars(
                    select(AnswerRow)
                    .where(_sent_by(AnswerRow.sender, senders))
                    .order_by(AnswerRow.id)
                )
            )
            messages = await session.scalars(
                select(InboundRow)
                .where(_their_messages(senders, [a.inbound_id for a in answers]))
                .order_by(InboundRow.id)
            )
            mail_to = await session.scalars(
                select(OutboxRow)
                .where(func.lower(OutboxRow.recipient).in_(senders))
                .order_by(OutboxRow.id)
            )
            approvals = await session.scalars(
                select(ApprovalRow).where(func.lower(ApprovalRow.approved_by) == email.lower())
            )
            audit = await session.scalars(
                select(AuditRow)
                .where(func.lower(AuditRow.actor).in_(senders))
                .order_by(AuditRow.id)
            )
            return ContactData(
                email=email,
                contacts=tuple(contacts),
                answers=tuple(answer_record(a) for a in answers),
                messages=tuple(inbound_record(m) for m in messages),
                mail_to=tuple(outbox_record(o) for o in mail_to),
                approvals=tuple(
                    Approval(
                        a.group_slug, a.meeting, a.version, a.approved_by, a.approved_at, a.channel
                    )
                    for a in approvals
                ),
                audit=tuple(
                    AuditEntry(a.group_slug, a.action, a.actor, a.at, a.meeting, dict(a.detail))
                    for a in audit
                ),
            )

    async def erase_contact(self, email: str) -> Erased:
        """Delete the person's messages, answers and mail to them; approvals and audit stay."""
        async with self._sessions.begin() as session:
            contacts = list(
                await session.scalars(
                    select(ContactRow).where(func.lower(ContactRow.email) == email.lower())
                )
            )
            senders = _senders(
                email,
                [
                    StoredContact(c.group_slug, c.partner, c.name, c.email, c.role, c.telegram)
                    for c in contacts
                ],
            )
            answers = list(
                await session.execute(
                    select(AnswerRow.id, AnswerRow.inbound_id).where(
                        _sent_by(AnswerRow.sender, senders)
                    )
                )
            )
            message_ids = list(
                await session.scalars(
                    select(InboundRow.id).where(
                        _their_messages(senders, [inbound for _, inbound in answers])
                    )
                )
            )
            await session.execute(
                delete(AnswerRow).where(AnswerRow.id.in_([a for a, _ in answers]))
            )
            await session.execute(delete(InboundRow).where(InboundRow.id.in_(message_ids)))
            mail = await session.execute(
                delete(OutboxRow).where(func.lower(OutboxRow.recipient).in_(senders))
            )
            # The person's Telegram link (account and chat ids) and any unused link code go too.
            for table in (TelegramLinkRow, TelegramCodeRow):
                await session.execute(
                    delete(table).where(func.lower(table.contact_email) == email.lower())
                )
            approvals = await session.scalar(
                select(func.count()).where(func.lower(ApprovalRow.approved_by) == email.lower())
            )
            audit = await session.scalar(
                select(func.count()).where(func.lower(AuditRow.actor).in_(senders))
            )
            return Erased(
                answers=len(answers),
                messages=tuple(message_ids),
                mail_to=int(getattr(mail, "rowcount", 0) or 0),
                kept_approvals=int(approvals or 0),
                kept_audit=int(audit or 0),
            )

    async def purge_inbound(self, before: datetime, limit: int = 500) -> list[int]:
        """Delete up to limit handled raw messages received before the time; their ids."""
        async with self._sessions.begin() as session:
            ids = list(
                await session.scalars(
                    select(InboundRow.id)
                    .where(InboundRow.status.in_(_HANDLED), InboundRow.received_at < before)
                    .order_by(InboundRow.id)
                    .limit(limit)
                )
            )
            if ids:
                # Really deleted; the answers read from them keep their reading, not the message.
                await session.execute(delete(InboundRow).where(InboundRow.id.in_(ids)))
            return ids


def _stored(row: ContactRow) -> StoredContact:
    return StoredContact(row.group_slug, row.partner, row.name, row.email, row.role, row.telegram)


def _senders(email: str, contacts: Sequence[StoredContact]) -> list[str]:
    """The person's addresses as senders appear: the e-mail and any chat account, lower case."""
    found = {email.strip().lower()}
    found.update(f"@{c.telegram.lstrip('@').lower()}" for c in contacts if c.telegram)
    return sorted(found)


def _sent_by(column: Any, senders: list[str]) -> ColumnElement[bool]:
    return func.lower(column).in_(senders)


def _their_messages(senders: list[str], inbound_ids: list[int | None]) -> ColumnElement[bool]:
    # Messages the answers were read from, and any message stored with this sender.
    known = [i for i in inbound_ids if i is not None]
    return or_(InboundRow.id.in_(known), func.lower(InboundRow.sender).in_(senders))
