"""Domain values to JSON columns and back; rows to records."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Row

from agenda.chatlinks import ChatButton
from agenda.reading import Channel, InitiativeUpdate, MessageKind, Proposal, Reading
from agenda.records import (
    Answer,
    AnswerStatus,
    Attachment,
    InboundMessage,
    InboundStatus,
    OutboxEntry,
    OutboxStatus,
    OutgoingMail,
)
from storage.tables import AnswerRow, InboundRow, OutboxRow


def reading_to_json(reading: Reading) -> dict[str, Any]:
    """The parse contract's JSON, plus what it leaves out (notes, unrounded confidence)."""
    data: dict[str, Any] = dict(reading.to_json())
    data["confidence"] = reading.confidence
    data["notes"] = list(reading.notes)
    return data


def reading_from_json(data: dict[str, Any]) -> Reading:
    """Rebuild a reading from reading_to_json() or Reading.to_json()."""
    return Reading(
        kind=MessageKind(data["kind"]),
        partner=data.get("partner"),
        nothing_to_add=bool(data.get("nothing_to_add", False)),
        proposals=tuple(
            Proposal(
                title=p["title"],
                background=p.get("background"),
                recommendation=p.get("recommendation"),
                description=p.get("description"),
                sdgs=tuple(int(n) for n in p.get("sdgs", ())),
                attachments=tuple(p.get("attachments", ())),
                from_document=bool(p.get("from_document", False)),
            )
            for p in data.get("proposals", ())
        ),
        updates=tuple(
            InitiativeUpdate(
                initiative=u["initiative"],
                status=u["status"],
                owner=u.get("owner"),
                next_steps=u.get("next_steps"),
            )
            for u in data.get("updates", ())
        ),
        new_text=data.get("new_text", ""),
        confidence=float(data.get("confidence", 1.0)),
        notes=tuple(data.get("notes", ())),
        reasons=tuple(data.get("reasons", ())),
    )


def mail_to_json(mail: OutgoingMail) -> dict[str, Any]:
    """An outgoing mail as JSON; attachment bytes as base64."""
    return {
        "message_id": mail.message_id,
        "sender": mail.sender,
        "recipients": list(mail.recipients),
        "subject": mail.subject,
        "text": mail.text,
        "html": mail.html,
        "reply_to": mail.reply_to,
        "in_reply_to": mail.in_reply_to,
        "references": list(mail.references),
        "automatic": mail.automatic,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in mail.attachments
        ],
        "headers": [list(h) for h in mail.headers],
    }


def mail_from_json(data: dict[str, Any]) -> OutgoingMail:
    """Rebuild an outgoing mail from mail_to_json()."""
    return OutgoingMail(
        message_id=data["message_id"],
        sender=data["sender"],
        recipients=tuple(data["recipients"]),
        subject=data["subject"],
        text=data["text"],
        html=data.get("html"),
        reply_to=data.get("reply_to"),
        in_reply_to=data.get("in_reply_to"),
        references=tuple(data.get("references", ())),
        automatic=bool(data.get("automatic", True)),
        attachments=tuple(
            Attachment(
                filename=a["filename"],
                content_type=a["content_type"],
                data=base64.b64decode(a["data"]),
            )
            for a in data.get("attachments", ())
        ),
        headers=tuple((str(n), str(v)) for n, v in data.get("headers", ())),
    )


def inbound_record(row: InboundRow) -> InboundMessage:
    """The record of a stored inbound message."""
    return InboundMessage(
        channel=Channel(row.channel),
        source_key=row.source_key,
        raw=bytes(row.raw),
        received_at=row.received_at,
        message_id=row.message_id,
        sender=row.sender,
        id=row.id,
        status=InboundStatus(row.status),
        attempts=row.attempts,
        error=row.error,
    )


def answer_record(row: AnswerRow) -> Answer:
    """The record of a stored answer."""
    return Answer(
        group=row.group_slug,
        meeting=row.meeting,
        channel=Channel(row.channel),
        sender=row.sender,
        received_at=row.received_at,
        reading=reading_from_json(row.reading),
        inbound_id=row.inbound_id,
        status=AnswerStatus(row.status),
        reason=row.reason,
        id=row.id,
    )


def outbox_record(row: OutboxRow | Row[Any]) -> OutboxEntry:
    """The record of an outbox row (an ORM object, or a row an UPDATE ... RETURNING gave)."""
    return _outbox(lambda name: getattr(row, name))


def outbox_from_values(values: Mapping[str, Any]) -> OutboxEntry:
    """The record of an outbox row given as column values (read by the driver itself)."""
    return _outbox(values.__getitem__)


def _outbox(column: Callable[[str], Any]) -> OutboxEntry:
    mail = column("mail")
    return OutboxEntry(
        group=column("group_slug"),
        meeting=column("meeting"),
        purpose=column("purpose"),
        channel=Channel(column("channel")),
        recipient=column("recipient"),
        mail=mail_from_json(mail) if mail is not None else None,
        chat_text=column("chat_text"),
        key=column("dedup_key"),
        id=column("id"),
        status=OutboxStatus(column("status")),
        attempts=column("attempts"),
        next_attempt_at=column("next_attempt_at"),
        error=column("error"),
        created_at=column("created_at"),
        sent_at=column("sent_at"),
        **chat_extra_from_json(column("chat_extra")),
    )


# Mail to many at once; everything else answers a person who is waiting and goes first.
_BULK_PURPOSES = frozenset({"call", "agenda", "invite"})
URGENT, BULK = 0, 1


def outbox_priority(entry: OutboxEntry) -> int:
    """The outbox row's priority: URGENT for an answer to a person, BULK for mass mail.

    A partner's chat answer is echoed at once however large a call is still going out, so
    calls, reminders, the published agenda and invitations wait behind echoes, chat answers,
    approvals and refusals.
    """
    bulk = entry.purpose in _BULK_PURPOSES or entry.purpose.startswith("reminder")
    return BULK if bulk else URGENT


def _attachment_to_json(attachment: Attachment) -> dict[str, str]:
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def chat_extra_to_json(entry: OutboxEntry) -> dict[str, Any] | None:
    """A chat row's buttons, document and fallback mail as JSON; None when it has none."""
    extra: dict[str, Any] = {}
    if entry.chat_buttons:
        extra["buttons"] = [[[b.text, b.data] for b in row] for row in entry.chat_buttons]
    if entry.chat_document is not None:
        extra["document"] = _attachment_to_json(entry.chat_document)
    if entry.fallback_mail is not None:
        extra["fallback_mail"] = mail_to_json(entry.fallback_mail)
    return extra or None


def chat_extra_from_json(data: dict[str, Any] | None) -> dict[str, Any]:
    """The OutboxEntry fields chat_extra_to_json() kept."""
    if not data:
        return {}
    found: dict[str, Any] = {}
    if "buttons" in data:
        found["chat_buttons"] = tuple(
            tuple(ChatButton(str(t), str(d)) for t, d in row) for row in data["buttons"]
        )
    if "document" in data:
        document = data["document"]
        found["chat_document"] = Attachment(
            document["filename"], document["content_type"], base64.b64decode(document["data"])
        )
    if "fallback_mail" in data:
        found["fallback_mail"] = mail_from_json(data["fallback_mail"])
    return found
