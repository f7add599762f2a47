"""Read one raw message into a Reading (the parse contract): decode, trim, understand."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from agenda.model import Group
from agenda.reader import points_to_document, read_text
from agenda.reading import Channel, MessageKind, Reading
from mail.documents import document_text, readable
from mail.mime import Attachment, DecodedMessage, MessageError, read_message
from mail.trim import trim_reply


class _Documents(Mapping[str, str]):
    """Attached documents' text, read on first use (a PDF costs more than the whole mail)."""

    def __init__(self, files: list[Attachment]) -> None:
        self._files = {a.filename: a for a in files}
        self._text: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._text:
            self._text[name] = document_text(self._files[name])
        return self._text[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


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
    new_text = (
        trim_reply(decoded.body_text, subject=decoded.subject)
        if kind is not MessageKind.BOUNCE
        else ""
    )
    # Attached documents are read only when the sender points to them.
    files = [a for a in decoded.attachments if readable(a)]
    pointed = bool(files) and kind is MessageKind.REPLY and points_to_document(new_text)
    return read_text(
        new_text,
        group,
        partner=partner,
        kind=kind,
        attachments=tuple(a.filename for a in decoded.attachments),
        subject=decoded.subject,
        documents=_Documents(files) if pointed else None,
    )
