"""Decide whom an inbound e-mail is from, which call it answers, and whether to trust it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from agenda.addresses import domain_of, plus_address, token_from_address, tokens_in_message_ids
from agenda.model import Group, Meeting
from agenda.reading import Channel, MessageKind, Reading
from agenda.records import Attachment, ReplyToken
from agenda.workflow import CallState
from mail.mime import DecodedMessage, MessageError, read_message
from partnerdesk.app import App
from partnerdesk.parsing import parse_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """Where an inbound message belongs and what it says."""

    sender: str
    group: Group | None = None
    meeting: Meeting | None = None
    token: ReplyToken | None = None
    reading: Reading | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    late: bool = False
    ignore: bool = False
    bounced: tuple[str, ...] = ()
    approval: bool | None = None

    @property
    def reply_to(self) -> str | None:
        """The plus-address further replies should go to."""
        if self.group is None or self.token is None:
            return None
        return plus_address(self.group.reply_address, self.token.token)


async def route_email(app: App, raw: bytes) -> Route:
    """Read the message and tie it to a group, a meeting and a partner (or hold it)."""
    try:
        decoded = read_message(raw)
    except MessageError as exc:
        log.warning("unreadable message held for the secretariat: %s", exc)
        return Route(sender="")
    sender = decoded.from_address
    if _is_our_own(app, decoded):
        return Route(sender=sender, ignore=True)
    token = await _find_token(app, decoded)
    group = _group_for(app, token, sender)
    if group is None:
        return Route(sender=sender, token=token, message_id=decoded.message_id)
    reading = parse_message(group, raw, channel=Channel.EMAIL, sender=sender)
    reading = replace(reading, partner=_trusted_partner(group, token, reading, sender))
    meeting = await _meeting_for(app, group, token)
    late = False
    if meeting is not None:
        call = await app.store.get_call(group.slug, meeting.id)
        late = (call is not None and call.state is not CallState.OPEN) or (
            app.clock() >= meeting.call_deadline
        )
    approval = None
    if token is not None and token.purpose == "draft":
        contact = group.contact_by_email(sender)
        approval = bool(contact and contact[1].is_chair)
    return Route(
        sender=sender,
        group=group,
        meeting=meeting,
        token=token if token and token.group == group.slug else None,
        reading=reading,
        message_id=decoded.message_id,
        attachments=tuple(
            Attachment(a.filename, a.content_type, a.data) for a in decoded.attachments
        ),
        late=late,
        bounced=decoded.bounced_recipients,
        approval=approval,
    )


def _is_our_own(app: App, decoded: DecodedMessage) -> bool:
    """Our own messages looped back (a copy, a forward rule) are never answers."""
    ours = {g.reply_address for g in app.groups.values()}
    return decoded.from_address in ours


async def _find_token(app: App, decoded: DecodedMessage) -> ReplyToken | None:
    candidates: list[str] = []
    for group in app.groups.values():
        for address in decoded.to_addresses:
            token = token_from_address(address, group.reply_address)
            if token:
                candidates.append(token)
    candidates += tokens_in_message_ids([decoded.in_reply_to or "", *decoded.references])
    for candidate in candidates:
        found = await app.store.find_token(candidate)
        if found is not None and found.group in app.groups:
            return found
    return None


def _group_for(app: App, token: ReplyToken | None, sender: str) -> Group | None:
    if token is not None:
        return app.groups[token.group]
    matches = [g for g in app.groups.values() if g.contact_by_email(sender)]
    if len(matches) == 1:
        return matches[0]
    # An unknown sender of a one-group deployment is held in that group for its secretariat.
    if len(app.groups) == 1:
        return next(iter(app.groups.values()))
    return None


def _trusted_partner(
    group: Group, token: ReplyToken | None, reading: Reading, sender: str
) -> str | None:
    """Only a registered contact, or the token's partner's own domain, speaks for a partner."""
    if reading.kind is MessageKind.BOUNCE:
        return None
    registered = group.contact_by_email(sender)
    if registered is not None:
        return registered[0].slug
    if token is not None:
        partner = group.partner(token.partner)
        if partner is not None and domain_of(sender) in partner.domains:
            return partner.slug
    return None


async def _meeting_for(app: App, group: Group, token: ReplyToken | None) -> Meeting | None:
    if token is not None:
        return group.meeting(token.meeting)
    now = app.clock()
    calls = [c for c in await app.store.calls(group.slug) if c.state is not CallState.PUBLISHED]
    meetings = [m for c in calls if (m := group.meeting(c.meeting)) is not None]
    upcoming = sorted((m for m in meetings if m.starts_at >= now), key=lambda m: m.starts_at)
    return upcoming[0] if upcoming else None
