"""Calls, reminders and the agenda to linked chats, beside the e-mail; a blocked chat falls back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agenda.model import Contact, Group, Meeting
from agenda.reading import Channel
from agenda.records import Attachment, OutboxEntry, OutgoingMail
from partnerdesk.app import App
from partnerdesk.usecases.common import audit
from partnerdesk.usecases.linking import link_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatCopy:
    """What a linked contact gets in the chat instead of (or beside) an e-mail."""

    text: str
    document: Attachment | None = None


async def copy_to_chat(
    app: App,
    group: Group,
    meeting: Meeting | None,
    contact: Contact,
    *,
    purpose: str,
    key: str,
    copy: ChatCopy,
    mail: OutgoingMail,
) -> tuple[bool, bool]:
    """Queue the chat copy for a linked contact: (queued, whether the e-mail goes too)."""
    from partnerdesk.usecases.chat import queue_chat

    link = await link_of(app, group, contact)
    if link is None or not link.active:
        return False, True
    queued = await queue_chat(
        app,
        group,
        meeting,
        str(link.chat_id),
        copy.text,
        f"{purpose}-{key}",
        purpose=purpose,
        document=copy.document,
        fallback=mail if link.chat_only else None,
    )
    return queued, not link.chat_only


async def chat_blocked(app: App, entry: OutboxEntry) -> None:
    """The person blocked the bot: the chat is closed, and what they would miss goes by mail."""
    group = app.groups.get(entry.group)
    await app.store.set_chat_active(int(entry.recipient), False)
    if group is not None:
        await audit(app, group, "telegram.blocked", entry.recipient, entry.meeting)
    if entry.fallback_mail is None:
        return
    mail = entry.fallback_mail
    await app.store.enqueue(
        OutboxEntry(
            group=entry.group,
            meeting=entry.meeting,
            purpose=entry.purpose,
            channel=Channel.EMAIL,
            recipient=mail.recipients[0],
            mail=mail,
            created_at=app.clock(),
            next_attempt_at=app.clock(),
        )
    )
