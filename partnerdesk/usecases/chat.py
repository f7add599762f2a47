"""Telegram: every update from a person, answered in the chat through the use cases.

Who wrote is the Telegram account's id, linked to a contact by a one-time code; a username
proves nothing. Free text and documents go through the one intake like e-mail.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable

from agenda.chatlinks import ChatButton, CodeUse
from agenda.languages import from_telegram
from agenda.model import Group, Language, Meeting
from agenda.reading import Channel
from agenda.records import Attachment, InboundMessage, OutboxEntry, OutgoingMail
from bot.events import ChatEvent, ChatReply, EventKind
from partnerdesk.app import App
from partnerdesk.chat_texts import chat_say
from partnerdesk.usecases.linking import Person, link_account, person_of

log = logging.getLogger(__name__)

Command = Callable[[App, Person, ChatEvent], Awaitable[list[ChatReply]]]


def chat_raw(event: ChatEvent, *, text: str | None = None, synthetic: str = "") -> bytes:
    """The message as kept in the database, before anything reads it."""
    data: dict[str, object] = {
        "update_id": event.update_id,
        "user_id": event.user_id,
        "chat_id": event.chat_id,
        "username": event.username,
        "text": event.text if text is None else text,
        "sent_at": event.sent_at.isoformat(),
        "documents": [
            {
                "filename": d.filename,
                "content_type": d.content_type,
                "data": base64.b64encode(d.data).decode("ascii"),
            }
            for d in event.documents
        ],
    }
    if synthetic:
        # A button press that speaks for the partner ("withdraw"), read like what they write.
        data["synthetic"] = synthetic
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


async def take_in_chat(
    app: App, person: Person, event: ChatEvent, *, text: str | None = None, synthetic: str = ""
) -> int | None:
    """Store a chat message, then read and echo it at once (a chat expects a quick answer)."""
    from partnerdesk.usecases.ingest import read_now
    from partnerdesk.usecases.outbox import deliver_chats

    stored = await app.store.store_inbound(
        InboundMessage(
            channel=Channel.TELEGRAM,
            source_key=f"telegram:{event.update_id}",
            raw=chat_raw(event, text=text, synthetic=synthetic),
            received_at=app.clock(),
            sender=person.contact.email,
        )
    )
    if stored is not None:
        await read_now(app, stored)
        if not synthetic:
            from partnerdesk.usecases.chat_partner import finish_correction

            await finish_correction(app, person, stored)
        await deliver_chats(app)
    return stored


async def queue_chat(
    app: App,
    group: Group,
    meeting: Meeting | None,
    chat_id: str,
    text: str,
    key: str,
    *,
    purpose: str = "chat",
    buttons: tuple[tuple[ChatButton, ...], ...] = (),
    document: Attachment | None = None,
    fallback: OutgoingMail | None = None,
) -> bool:
    """Put a chat message in the outbox (sent by the next delivery)."""
    entry = OutboxEntry(
        group=group.slug,
        meeting=meeting.id if meeting else None,
        purpose=purpose,
        channel=Channel.TELEGRAM,
        recipient=chat_id,
        chat_text=text,
        key=f"telegram:{chat_id}:{key}",
        created_at=app.clock(),
        next_attempt_at=app.clock(),
        chat_buttons=buttons,
        chat_document=document,
        fallback_mail=fallback,
    )
    return await app.store.enqueue(entry) is not None


def _any_group(app: App) -> Group:
    return next(iter(app.groups.values()))


def _stranger_language(app: App, event: ChatEvent) -> Language:
    # Before we know who writes: their Telegram app's language, else the first group's.
    return from_telegram(event.language) or _any_group(app).language


async def handle_event(app: App, event: ChatEvent) -> list[ChatReply]:
    """Answer one update; whatever goes wrong, the person gets one sentence, never a trace."""
    try:
        return await _handle(app, event)
    except Exception:
        log.exception("chat update %s could not be handled", event.update_id)
        return [ChatReply(chat_say(_stranger_language(app, event), "failed"))]


async def _handle(app: App, event: ChatEvent) -> list[ChatReply]:
    first = _stranger_language(app, event)
    if not event.private:
        # In a group the bot answers commands only, so it never talks over a conversation.
        if event.kind is not EventKind.COMMAND:
            return []
        return [ChatReply(chat_say(first, "private_only"))]
    if event.kind is EventKind.COMMAND and event.command == "start" and event.argument:
        return [await _link(app, event)]
    person = await person_of(app, event.user_id)
    if person is None:
        return [ChatReply(chat_say(first, "not_linked"))]
    if not person.link.active or person.link.chat_id != event.chat_id:
        # Writing again after blocking the bot opens the chat again.
        await app.store.set_chat_active(event.chat_id, True)
    if event.kind is EventKind.BUTTON:
        from partnerdesk.usecases.chat_buttons import on_button

        return await on_button(app, person, event)
    if event.kind is EventKind.COMMAND:
        return await _command(app, person, event)
    from partnerdesk.usecases.chat_partner import on_message

    return await on_message(app, person, event)


async def _link(app: App, event: ChatEvent) -> ChatReply:
    use, person = await link_account(
        app, event.argument, user_id=event.user_id, chat_id=event.chat_id, language=event.language
    )
    if person is None:
        return ChatReply(chat_say(_stranger_language(app, event), f"code_{use.value}"))
    assert use is CodeUse.LINKED
    return ChatReply(
        chat_say(
            person.language,
            "linked",
            name=person.contact.name,
            partner=person.partner.name,
            group=person.group.name,
        )
    )


async def _help(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    speaks = app.renderer.for_language(person.language)
    return [ChatReply(speaks.telegram_text("help", person.group, contact=person.contact))]


def _commands() -> dict[str, Command]:
    from partnerdesk.usecases import chat_chair, chat_initiatives, chat_partner, chat_propose

    return {
        "forslag": chat_propose.start,
        "propose": chat_propose.start,
        "annuller": chat_propose.cancel,
        "cancel": chat_propose.cancel,
        "indsatser": chat_initiatives.initiatives,
        "initiatives": chat_initiatives.initiatives,
        "start": _help,
        "help": _help,
        "hjaelp": _help,
        "hjælp": _help,
        "status": chat_partner.status,
        "kanal": chat_partner.channel,
        "channel": chat_partner.channel,
        "udkast": chat_chair.draft,
        "draft": chat_chair.draft,
        "godkend": chat_chair.approve_shown,
        "approve": chat_chair.approve_shown,
        "review": chat_chair.review,
    }


async def _command(app: App, person: Person, event: ChatEvent) -> list[ChatReply]:
    handler = _commands().get(event.command)
    if handler is None:
        return [ChatReply(chat_say(person.language, "unknown_command"))]
    return await handler(app, person, event)
