"""Ingest inbound mail: store the raw message first, then read it, route it and echo it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from email.parser import BytesHeaderParser
from email.policy import compat32

from agenda.reading import Channel, MessageKind
from agenda.records import Answer, AnswerStatus, InboundMessage, InboundStatus
from partnerdesk.app import App
from partnerdesk.faults import crash_point
from partnerdesk.usecases.attachments import keep_attachments
from partnerdesk.usecases.routing import Route, route_email

log = logging.getLogger(__name__)

_HEADERS = BytesHeaderParser(policy=compat32)
_MSGID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Ingested:
    """What one pass over the mailbox did."""

    fetched: int = 0
    stored: int = 0
    processed: int = 0
    held: int = 0
    failed: int = 0


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID of a raw message, cheaply (headers only)."""
    try:
        value = _HEADERS.parsebytes(raw).get("Message-ID", "")
    except Exception:
        return None
    match = _MSGID.search(str(value))
    return match.group(0) if match else None


async def fetch_mail(app: App, *, limit: int = 100) -> tuple[int, int]:
    """Copy new mail into the database, then acknowledge it at the mailbox; (fetched, new)."""
    fetched = await app.mail_source.fetch(limit)
    stored = 0
    for item in fetched:
        message = InboundMessage(
            channel=Channel.EMAIL,
            source_key=item.source_key,
            raw=item.raw,
            received_at=app.clock(),
            message_id=header_message_id(item.raw),
        )
        # Stored and committed before the mailbox forgets it: a crash in between means the
        # message is fetched again and recognised as a duplicate, never lost.
        if await app.store.store_inbound(message) is not None:
            stored += 1
        crash_point(app.settings, "after_store")
        await app.mail_source.acknowledge(item.source_key)
    return len(fetched), stored


async def process_inbound(app: App) -> Ingested:
    """Read every stored message not yet handled; one bad message never stops the rest."""
    pending = await app.store.inbound(InboundStatus.NEW) + await app.store.inbound(
        InboundStatus.FAILED
    )
    processed = held = failed = 0
    for message in pending:
        assert message.id is not None
        try:
            status = await _handle(app, message)
        except Exception as exc:
            failed += 1
            quarantine = message.attempts + 1 >= app.settings.inbound_max_attempts
            log.exception("could not read inbound message %s", message.id)
            await app.store.mark_inbound(
                message.id,
                InboundStatus.QUARANTINED if quarantine else InboundStatus.FAILED,
                f"{type(exc).__name__}: {exc}",
            )
            continue
        await app.store.mark_inbound(message.id, status)
        processed += 1
        held += status is InboundStatus.HELD
    return Ingested(processed=processed, held=held, failed=failed)


async def _handle(app: App, message: InboundMessage) -> InboundStatus:
    if message.channel is Channel.TELEGRAM:
        from partnerdesk.usecases.chat import handle_chat

        outcome = await handle_chat(app, message)
        return InboundStatus.HELD if outcome.held else InboundStatus.DONE
    route = await route_email(app, message.raw)
    if route.ignore:
        return InboundStatus.DONE
    if route.group is None:
        log.warning("message %s matches no group; held for the secretariat", message.id)
        return InboundStatus.HELD
    assert message.id is not None
    reading = route.reading
    assert reading is not None
    names = await keep_attachments(app, message.id, route.attachments)
    if names and reading.proposals:
        # Files sent with a single proposal belong to it; with several, the reader decides.
        first = reading.proposals[0]
        if not first.attachments and len(reading.proposals) == 1:
            reading = replace(reading, proposals=(replace(first, attachments=names),))
    status = _answer_status(route, reading.kind, reading.confidence, reading.partner)
    answer = Answer(
        group=route.group.slug,
        meeting=route.meeting.id if route.meeting else None,
        channel=Channel.EMAIL,
        sender=route.sender,
        received_at=message.received_at,
        reading=reading,
        inbound_id=message.id,
        status=status,
    )
    answer_id = await app.store.save_answer(answer)
    if reading.kind is MessageKind.BOUNCE:
        from partnerdesk.usecases.common import audit

        await audit(
            app,
            route.group,
            "contact.bounced",
            "mail",
            answer.meeting,
            addresses=list(route.bounced),
        )
    if route.approval is not None:
        from partnerdesk.usecases.approve import approve_by_mail

        await approve_by_mail(app, route, replace(answer, id=answer_id))
    elif reading.kind is MessageKind.REPLY:
        await _echo(app, route, replace(answer, id=answer_id))
    return InboundStatus.HELD if status is AnswerStatus.HELD else InboundStatus.DONE


def _answer_status(
    route: Route, kind: MessageKind, confidence: float, partner: str | None
) -> AnswerStatus:
    """Unknown senders are held; late answers wait for the chair; uncertain ones for review."""
    if partner is None:
        return AnswerStatus.HELD
    if kind is not MessageKind.REPLY:
        return AnswerStatus.ACCEPTED
    if route.late:
        return AnswerStatus.LATE
    return AnswerStatus.REVIEW if confidence < 0.6 else AnswerStatus.ACCEPTED


async def _echo(app: App, route: Route, answer: Answer) -> None:
    """Tell the sender what was understood (or that the message is held)."""
    from partnerdesk.usecases.common import queue_mail

    group = route.group
    assert group is not None
    if answer.status is AnswerStatus.HELD:
        day = app.clock().strftime("%Y%m%d")
        # One notice per sender and day, however many messages they send.
        await queue_mail(
            app,
            group,
            meeting=route.meeting,
            purpose="held",
            key=day,
            to=route.sender,
            rendered=app.renderer.held_notice(group, route.sender),
            in_reply_to=route.message_id,
        )
        return
    partner = group.partner(answer.partner or "")
    if partner is None or route.meeting is None:
        return
    contact = next(
        (c for c in partner.contacts if c.email == route.sender.lower()), partner.contacts[0]
    )
    await queue_mail(
        app,
        group,
        meeting=route.meeting,
        purpose="echo",
        key=str(answer.id),
        to=route.sender,
        rendered=app.renderer.echo_mail(group, route.meeting, partner, contact, answer.reading),
        token=route.token.token if route.token else None,
        reply_to=route.reply_to,
        in_reply_to=route.message_id,
        references=(route.message_id,) if route.message_id else (),
    )
