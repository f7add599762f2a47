"""The Telegram part of SqlStore: link codes, linked accounts, updates kept before handling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from agenda.chatlinks import ChatLink, CodeOutcome, CodeUse
from storage.base import StoreBase
from storage.tables import TelegramCodeRow, TelegramLinkRow, TelegramUpdateRow


def _link(row: TelegramLinkRow) -> ChatLink:
    return ChatLink(
        group=row.group_slug,
        contact=row.contact_email,
        user_id=row.user_id,
        chat_id=row.chat_id,
        linked_at=row.linked_at,
        active=row.active,
        chat_only=row.chat_only,
        state=dict(row.state),
        language=row.language,
    )


class ChatPart(StoreBase):
    """Telegram link codes, links and updates."""

    async def add_link_code(
        self, group: str, contact: str, code_hash: str, *, now: datetime, expires_at: datetime
    ) -> None:
        """Keep the hash of a new link code for a contact."""
        async with self._sessions.begin() as session:
            session.add(
                TelegramCodeRow(
                    code_hash=code_hash,
                    group_slug=group,
                    contact_email=contact,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    async def use_link_code(self, code_hash: str, user_id: int, now: datetime) -> CodeOutcome:
        """Spend a code for this account; of two that race for one code, one wins."""
        async with self._sessions.begin() as session:
            # One conditional UPDATE decides the race on every backend.
            spent = await session.execute(
                update(TelegramCodeRow)
                .where(
                    TelegramCodeRow.code_hash == code_hash,
                    TelegramCodeRow.used_at.is_(None),
                    TelegramCodeRow.expires_at > now,
                )
                .values(used_at=now, used_by=user_id)
                .returning(TelegramCodeRow.group_slug, TelegramCodeRow.contact_email)
            )
            won = spent.first()
            if won is not None:
                return CodeOutcome(CodeUse.LINKED, group=won[0], contact=won[1])
            row = await session.scalar(
                select(TelegramCodeRow).where(TelegramCodeRow.code_hash == code_hash)
            )
        if row is None:
            return CodeOutcome(CodeUse.UNKNOWN)
        return CodeOutcome(CodeUse.USED if row.used_at is not None else CodeUse.EXPIRED)

    async def save_link(self, link: ChatLink) -> None:
        """Link the account to the contact, replacing either one's earlier link in the group."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(TelegramLinkRow).where(
                    TelegramLinkRow.group_slug == link.group,
                    (TelegramLinkRow.contact_email == link.contact)
                    | (TelegramLinkRow.user_id == link.user_id),
                )
            )
            await session.flush()
            session.add(
                TelegramLinkRow(
                    group_slug=link.group,
                    contact_email=link.contact,
                    user_id=link.user_id,
                    chat_id=link.chat_id,
                    linked_at=link.linked_at,
                    active=link.active,
                    chat_only=link.chat_only,
                    state=dict(link.state),
                    language=link.language,
                )
            )

    async def links_of_user(self, user_id: int) -> list[ChatLink]:
        """Every contact this Telegram account is linked to (one per group)."""
        query = select(TelegramLinkRow).where(TelegramLinkRow.user_id == user_id)
        async with self._sessions() as session:
            return [_link(row) for row in await session.scalars(query.order_by(TelegramLinkRow.id))]

    async def links(self, group: str) -> list[ChatLink]:
        """Every linked account of a group."""
        query = select(TelegramLinkRow).where(TelegramLinkRow.group_slug == group)
        async with self._sessions() as session:
            return [_link(row) for row in await session.scalars(query.order_by(TelegramLinkRow.id))]

    async def set_chat_active(self, chat_id: int, active: bool) -> int:
        """Mark every link to this chat active or not (blocked); how many there were."""
        async with self._sessions.begin() as session:
            changed = await session.execute(
                update(TelegramLinkRow)
                .where(TelegramLinkRow.chat_id == chat_id)
                .values(active=active)
                .returning(TelegramLinkRow.id)
            )
            return len(changed.all())

    async def set_chat_state(self, group: str, contact: str, state: dict[str, object]) -> None:
        """Where a linked person's conversation with the bot stands."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(TelegramLinkRow)
                .where(
                    TelegramLinkRow.group_slug == group, TelegramLinkRow.contact_email == contact
                )
                .values(state=dict(state))
            )

    async def remember_update(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
        """Keep an update before handling it; False when it was handled before."""
        try:
            async with self._sessions.begin() as session:
                row = await session.get(TelegramUpdateRow, update_id)
                if row is not None:
                    # Kept but never finished (a crash in between): handle it now.
                    return row.handled_at is None
                session.add(
                    TelegramUpdateRow(update_id=update_id, payload=payload, received_at=now)
                )
            return True
        except IntegrityError:
            # Delivered twice at once; the other one handles it.
            return False

    async def update_handled(self, update_id: int, now: datetime) -> None:
        """The update has been handled; it is never handled again."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(TelegramUpdateRow)
                .where(TelegramUpdateRow.update_id == update_id)
                .values(handled_at=now)
            )

    async def unhandled_updates(self) -> list[dict[str, Any]]:
        """Updates kept but not handled (the service stopped in between), oldest first."""
        query = (
            select(TelegramUpdateRow.payload)
            .where(TelegramUpdateRow.handled_at.is_(None))
            .order_by(TelegramUpdateRow.update_id)
        )
        async with self._sessions() as session:
            return [dict(p) for p in await session.scalars(query)]
