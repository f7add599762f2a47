"""Small helpers the use cases share."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from agenda.addresses import domain_of, message_id
from agenda.model import Contact, Group, Meeting, Partner
from agenda.reading import Channel
from agenda.records import Attachment, AuditEntry, Call, OutboxEntry, OutgoingMail, ReplyToken
from partnerdesk.app import App
from partnerdesk.render import RenderedMail

if TYPE_CHECKING:
    from partnerdesk.usecases.chat_delivery import ChatCopy


async def token_for(app: App, group: Group, meeting: Meeting, partner: str, purpose: str) -> str:
    """The partner's reply token for this call (made once, then reused)."""
    wanted = ReplyToken(
        token=secrets.token_hex(6),
        group=group.slug,
        meeting=meeting.id,
        partner=partner,
        purpose=purpose,
    )
    return (await app.store.issue_token(wanted)).token


async def tokens_for(
    app: App, group: Group, meeting: Meeting, partners: Sequence[str], purpose: str
) -> dict[str, str]:
    """Each partner's reply token for this call, issued in one transaction (partner -> token)."""
    wanted = [
        ReplyToken(
            token=secrets.token_hex(6),
            group=group.slug,
            meeting=meeting.id,
            partner=partner,
            purpose=purpose,
        )
        for partner in partners
    ]
    return {t.partner: t.token for t in await app.store.issue_tokens(wanted)}


async def audit(
    app: App, group: Group, action: str, actor: str, meeting: str | None = None, **detail: object
) -> None:
    """Append to the audit log, stamped with the app's clock."""
    await app.store.audit(
        AuditEntry(
            group=group.slug,
            action=action,
            actor=actor,
            at=app.clock(),
            meeting=meeting,
            detail=dict(detail),
        )
    )


async def queue_mail(
    app: App,
    group: Group,
    *,
    meeting: Meeting | None,
    purpose: str,
    key: str,
    to: Contact | str,
    rendered: RenderedMail,
    token: str | None = None,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
    chat: ChatCopy | None = None,
    into: list[OutboxEntry] | None = None,
) -> bool:
    """Put one e-mail in the outbox; False when the very same message was queued before.

    With a chat copy, a contact who linked Telegram gets it in the chat as well (or only
    there, when they chose so). With into, the e-mail is added to that list for one
    `enqueue_many` (a call to thousands is one transaction) and False is returned for it.
    """
    address = to.email if isinstance(to, Contact) else to
    entry = outbox_entry(
        app,
        group,
        meeting=meeting,
        purpose=purpose,
        key=key,
        to=address,
        rendered=rendered,
        token=token,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
    )
    if chat is not None and isinstance(to, Contact):
        from partnerdesk.usecases.chat_delivery import copy_to_chat

        assert entry.mail is not None
        chatted, mail_too = await copy_to_chat(
            app, group, meeting, to, purpose=purpose, key=key, copy=chat, mail=entry.mail
        )
        if not mail_too:
            return chatted
    if into is not None:
        into.append(entry)
        return False
    return await app.store.enqueue(entry) is not None


def outbox_entry(
    app: App,
    group: Group,
    *,
    meeting: Meeting | None,
    purpose: str,
    key: str,
    to: str,
    rendered: RenderedMail,
    token: str | None = None,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> OutboxEntry:
    """The outbox entry of one e-mail to an address, due now; queue_mail without the queueing.

    A call to thousands builds its entries with this, with no await per contact, and queues
    them in one `enqueue_many`.
    """
    mail = OutgoingMail(
        message_id=message_id(purpose, key, token, to, domain_of(group.reply_address)),
        sender=f"{group.secretariat.name} <{group.reply_address}>",
        recipients=(to,),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
    )
    now = app.clock()
    return OutboxEntry(
        group=group.slug,
        meeting=meeting.id if meeting else None,
        purpose=purpose,
        channel=Channel.EMAIL,
        recipient=to,
        mail=mail,
        created_at=now,
        next_attempt_at=now,
    )


def call_message_id(group: Group, meeting: Meeting, token: str, contact: Contact) -> str:
    """The Message-ID the call to this contact was sent with; reminders thread under it."""
    return message_id("call", meeting.id, token, contact.email, domain_of(group.reply_address))


async def require_call(app: App, group: Group, meeting: Meeting) -> Call:
    """The meeting's call, or an error saying it must be opened first."""
    from agenda.errors import WorkflowError

    call = await app.store.get_call(group.slug, meeting.id)
    if call is None:
        raise WorkflowError("call_not_open", meeting=meeting.id)
    return call


def as_called(meeting: Meeting, call: Call | None) -> Meeting:
    """The meeting with the deadline its call was opened with (the group file's by default)."""
    if call is None or call.deadline is None:
        return meeting
    return replace(meeting, call_deadline=call.deadline)


def local(group: Group, moment: datetime) -> datetime:
    """A moment in the group's own timezone."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(group.timezone))


def contacts(partner: Partner) -> tuple[Contact, ...]:
    """The contacts of a partner that receive mail."""
    return partner.contacts
