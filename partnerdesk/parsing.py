"""Read one raw message into a Reading (the parse contract): decode, trim, understand."""

from __future__ import annotations

from agenda.model import Group
from agenda.reader import read_text
from agenda.reading import Channel, MessageKind, Reading
from mail.mime import DecodedMessage, MessageError, read_message
from mail.trim import trim_reply


def parse_message(
    group: Group,
    raw: bytes,
    *,
    channel: Channel,
    sender: str | None,
    decoded: DecodedMessage | None = None,
) -> Reading:
    """Decode, trim and understand one message; never raises for bad input.

    decoded is the message already read from raw (by routing), so MIME is read only once.
    """
    if channel is Channel.TELEGRAM:
        found = group.contact_by_telegram(sender or "")
        text = raw.decode("utf-8", "replace").strip()
        return read_text(text, group, partner=found[0].slug if found else None)
    if decoded is None:
        try:
            decoded = read_message(raw)
        except MessageError:
            return Reading(kind=MessageKind.REPLY, partner=None, confidence=0.0)
    kind = MessageKind(decoded.kind)
    found = group.contact_by_email(decoded.from_address)
    # A bounce comes from a mail server, whatever its From says.
    partner = None if kind is MessageKind.BOUNCE or found is None else found[0].slug
    new_text = trim_reply(decoded.body_text) if kind is not MessageKind.BOUNCE else ""
    return read_text(
        new_text,
        group,
        partner=partner,
        kind=kind,
        attachments=tuple(a.filename for a in decoded.attachments),
    )
