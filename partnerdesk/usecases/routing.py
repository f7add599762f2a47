"""Decide whom an inbound message is from, which call it answers, and whether to trust it.

Each channel has its own way to tell who wrote (an address and a reply token, a chat
account); every channel ends in the same Route, which the one intake then decides on.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass, replace

from agenda.addresses import (
    is_our_message_id,
    plus_address,
    short_hash,
    token_from_address,
    tokens_in_message_ids,
)
from agenda.model import Group, Meeting
from agenda.reading import Channel, MessageKind, Reading
from agenda.records import Attachment, ReplyToken
from agenda.workflow import CallState
from mail.authresults import verdict
from mail.mime import DecodedMessage, MessageError, read_message
from partnerdesk.app import App
from partnerdesk.parsing import parse_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """Where an inbound message belongs and what it says."""

    sender: str
    channel: Channel = Channel.EMAIL
    group: Group | None = None
    meeting: Meeting | None = None
    token: ReplyToken | None = None
    reading: Reading | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    ignore: bool = False
    bounced: tuple[str, ...] = ()
    approval: bool | None = None
    # A reply token that does not belong to the sender: held, naming both.
    token_mismatch: bool = False
    # Where a chat answer is echoed.
    chat_id: str | None = None
    # A reply to a draft: whether our gateway vouched for its sender, and the draft it answers.
    authentic: bool = False
    draft: DraftReference | None = None

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
    reading = parse_message(group, raw, channel=Channel.EMAIL, sender=sender, decoded=decoded)
    partner = _trusted_partner(group, token, reading, sender)
    # A token that belongs to someone else is held; a token we never issued (a reply to
    # another installation's mail, a guess) proves nothing, so the sender alone decides.
    mismatch = reading.kind is MessageKind.REPLY and _token_mismatch(group, token, sender)
    reading = replace(reading, partner=None if mismatch else partner)
    meeting = await _meeting_for(app, group, token)
    approval = None
    authentic = False
    draft = None
    if token is not None and token.purpose == "draft":
        contact = group.contact_by_email(sender)
        approval = bool(contact and contact[1].is_chair)
        gateway = app.settings.approval_authserv_id
        authentic = bool(gateway) and verdict(raw, gateway).vouches_for(sender)
        draft = draft_answered(decoded, sender)
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
        bounced=decoded.bounced_recipients,
        approval=approval,
        token_mismatch=mismatch,
        authentic=authentic,
        draft=draft,
    )


@dataclass(frozen=True)
class DraftReference:
    """The draft mail a reply answers: its version, and whether it was sent to the replier."""

    version: int
    to_sender: bool


_DRAFT_ID = re.compile(r"^<draft-.*-v(\d+)\.[0-9a-f]{12}\.([0-9a-f]{6})@", re.I)


def draft_answered(decoded: DecodedMessage, sender: str) -> DraftReference | None:
    """The newest draft this reply quotes, from our Message-IDs (version and recipient)."""
    found: list[DraftReference] = []
    for value in (decoded.in_reply_to or "", *decoded.references):
        match = _DRAFT_ID.match(value.strip())
        if match:
            found.append(
                DraftReference(int(match.group(1)), match.group(2).lower() == short_hash(sender))
            )
    return max(found, key=lambda d: d.version) if found else None


def _is_our_own(app: App, decoded: DecodedMessage) -> bool:
    """Our own messages looped back (a copy, a forward rule) are never answers.

    Known by the sender's address (plus-addresses too) or by a Message-ID we made: ours end in
    the reply address's domain, which no partner's mail program uses for its own ids.
    """
    for group in app.groups.values():
        local, _, domain = group.reply_address.lower().partition("@")
        sender_local, _, sender_domain = decoded.from_address.partition("@")
        if sender_domain == domain and sender_local.partition("+")[0] == local:
            return True
        if is_our_message_id(decoded.message_id, domain):
            return True
    return False


async def _find_token(app: App, decoded: DecodedMessage) -> ReplyToken | None:
    """The reply token the message carries in its address or quotes, if we issued it."""
    addressed: list[str] = []
    for group in app.groups.values():
        for address in decoded.to_addresses:
            token = token_from_address(address, group.reply_address)
            if token:
                addressed.append(token)
    quoted = tokens_in_message_ids([decoded.in_reply_to or "", *decoded.references])
    for candidate in addressed + quoted:
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
    """Only a registered contact speaks for a partner; a token alone proves nothing."""
    if reading.kind is MessageKind.BOUNCE:
        return None
    registered = group.contact_by_email(sender)
    return registered[0].slug if registered is not None else None


def _token_mismatch(group: Group, token: ReplyToken | None, sender: str) -> bool:
    """A token of one partner used by another partner's contact, or by an unknown address."""
    if token is None or token.group != group.slug:
        return False
    registered = group.contact_by_email(sender)
    return registered is None or registered[0].slug != token.partner


def token_partner_name(group: Group, route: Route) -> str | None:
    """The partner the route's token was issued to, for the secretariat's review."""
    if route.token is None:
        return None
    partner = group.partner(route.token.partner)
    return partner.name if partner else route.token.partner


async def _meeting_for(app: App, group: Group, token: ReplyToken | None) -> Meeting | None:
    if token is not None:
        return group.meeting(token.meeting)
    now = app.clock()
    calls = [c for c in await app.store.calls(group.slug) if c.state is not CallState.PUBLISHED]
    meetings = [m for c in calls if (m := group.meeting(c.meeting)) is not None]
    upcoming = sorted((m for m in meetings if m.starts_at >= now), key=lambda m: m.starts_at)
    return upcoming[0] if upcoming else None


def chat_fields(raw: bytes) -> tuple[str | None, str, str]:
    """(username, chat id, text) of a stored chat message."""
    data = json.loads(raw.decode("utf-8"))
    username = data.get("username") or None
    return username, str(data["chat_id"]), str(data.get("text", ""))


def _chat_attachments(data: dict[str, object]) -> tuple[Attachment, ...]:
    documents = data.get("documents")
    if not isinstance(documents, list):
        return ()
    return tuple(
        Attachment(str(d["filename"]), str(d["content_type"]), base64.b64decode(str(d["data"])))
        for d in documents
        if isinstance(d, dict)
    )


async def route_chat(app: App, raw: bytes) -> Route:
    """A chat message: the linked Telegram account says who wrote; a username proves nothing."""
    data = json.loads(raw.decode("utf-8"))
    chat_id, text = str(data["chat_id"]), str(data.get("text", ""))
    user_id = data.get("user_id")
    found = await _linked_contact(app, user_id) if isinstance(user_id, int) else None
    if found is None:
        # Not linked (or no longer in the group file): held for the secretariat.
        sender = f"telegram:{user_id or chat_id}"
        group = next(iter(app.groups.values())) if len(app.groups) == 1 else None
        if group is None:
            return Route(sender=sender, channel=Channel.TELEGRAM, chat_id=chat_id)
        reading = parse_message(group, text.encode("utf-8"), channel=Channel.TELEGRAM, sender=None)
        return Route(
            sender=sender,
            channel=Channel.TELEGRAM,
            group=group,
            meeting=await _meeting_for(app, group, None),
            reading=replace(reading, partner=None),
            chat_id=chat_id,
        )
    group, partner, address = found
    reading = parse_message(group, text.encode("utf-8"), channel=Channel.TELEGRAM, sender=None)
    return Route(
        sender=address,
        channel=Channel.TELEGRAM,
        group=group,
        meeting=await _meeting_for(app, group, None),
        reading=replace(reading, partner=partner),
        chat_id=chat_id,
        attachments=_chat_attachments(data),
    )


async def _linked_contact(app: App, user_id: int) -> tuple[Group, str, str] | None:
    """(group, partner slug, contact address) of the contact this account is linked to."""
    for link in await app.store.links_of_user(user_id):
        group = app.groups.get(link.group)
        contact = group.contact_by_email(link.contact) if group else None
        if group is not None and contact is not None:
            return group, contact[0].slug, contact[1].email
    return None
