"""Telegram: partners answer the call in a chat; the chair approves with /approve."""

from __future__ import annotations

import json
import logging

from agenda.errors import NotAllowedError, PartnerdeskError
from agenda.model import Group, Meeting
from agenda.reading import Channel
from agenda.records import InboundMessage, OutboxEntry
from agenda.workflow import CallState
from bot.telegram import ChatMessage
from partnerdesk.app import App

log = logging.getLogger(__name__)


def chat_raw(message: ChatMessage) -> bytes:
    """The message as kept in the database, before anything reads it."""
    return json.dumps(
        {
            "update_id": message.update_id,
            "chat_id": message.chat_id,
            "username": message.username,
            "text": message.text,
            "sent_at": message.sent_at.isoformat(),
        },
        ensure_ascii=False,
    ).encode("utf-8")


async def receive_chat(app: App, message: ChatMessage) -> None:
    """Store a chat message first; the next pass reads it and answers in the chat."""
    from partnerdesk.usecases.ingest import process_inbound
    from partnerdesk.usecases.outbox import deliver_outbox

    stored = await app.store.store_inbound(
        InboundMessage(
            channel=Channel.TELEGRAM,
            source_key=f"telegram:{message.update_id}",
            raw=chat_raw(message),
            received_at=app.clock(),
            sender=f"@{message.username}" if message.username else str(message.chat_id),
        )
    )
    if stored is not None:
        # A chat expects a quick answer: read and echo now instead of at the next pass.
        await process_inbound(app)
        await deliver_outbox(app)


def _group_of(app: App, username: str | None) -> Group | None:
    if username:
        for group in app.groups.values():
            if group.contact_by_telegram(username):
                return group
    return next(iter(app.groups.values())) if len(app.groups) == 1 else None


async def _open_meeting(app: App, group: Group, states: tuple[CallState, ...]) -> Meeting | None:
    calls = [c for c in await app.store.calls(group.slug) if c.state in states]
    meetings = [m for c in calls if (m := group.meeting(c.meeting)) is not None]
    return min(meetings, key=lambda m: m.starts_at) if meetings else None


async def queue_chat(
    app: App, group: Group, meeting: Meeting | None, chat_id: str, text: str, key: str
) -> bool:
    """Put a chat message in the outbox (sent by the next delivery)."""
    entry = OutboxEntry(
        group=group.slug,
        meeting=meeting.id if meeting else None,
        purpose="chat",
        channel=Channel.TELEGRAM,
        recipient=chat_id,
        chat_text=text,
        key=f"telegram:{chat_id}:{key}",
        created_at=app.clock(),
        next_attempt_at=app.clock(),
    )
    return await app.store.enqueue(entry) is not None


async def chat_command(app: App, command: str, message: ChatMessage) -> str | None:
    """Answer /start, /help and /approve; anything else gets the help text."""
    from partnerdesk.usecases.approve import approve_and_publish, names_of

    group = _group_of(app, message.username)
    if group is None:
        return None
    if command != "approve":
        return app.renderer.telegram_text("help", group)
    found = group.contact_by_telegram(message.username or "")
    meeting = await _open_meeting(app, group, (CallState.DRAFTED, CallState.APPROVED))
    if found is None or not found[1].is_chair or meeting is None:
        return app.renderer.telegram_text("not_allowed", group)
    try:
        outcome, _ = await approve_and_publish(
            app, group, meeting, found[1].email, channel="telegram"
        )
    except NotAllowedError:
        return app.renderer.telegram_text("not_allowed", group)
    except PartnerdeskError as exc:
        log.warning("approval by Telegram refused: %s", exc)
        return app.renderer.telegram_text("not_allowed", group)
    return app.renderer.telegram_text(
        "approved",
        group,
        version=outcome.version,
        approved=outcome.approved,
        still_needed=names_of(group, outcome.still_needed),
        meeting=meeting,
    )
