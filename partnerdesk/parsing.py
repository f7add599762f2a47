"""Read one raw message into a Reading (the parse contract)."""

from __future__ import annotations

import re

from agenda.model import Group
from agenda.reading import Channel, MessageKind, Proposal, Reading
from mail.mime import MessageError, read_message
from mail.trim import trim_reply

_LABEL = re.compile(
    r"^\s*\**(titel|title|baggrund|background|indstilling|recommendation|sagsfremstilling|description|bilag)\**\s*:\**\s*(.*)$",
    re.I,
)
_NOTHING = re.compile(r"ingen punkter|nothing from us|intet fra|melder pas|no items", re.I)
_FIELDS = {
    "titel": "title",
    "title": "title",
    "baggrund": "background",
    "background": "background",
    "indstilling": "recommendation",
    "recommendation": "recommendation",
    "sagsfremstilling": "description",
    "description": "description",
    "bilag": "bilag",
}


def _understand(text: str, partner: str | None, kind: MessageKind) -> Reading:
    proposals: list[Proposal] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        m = _LABEL.match(line)
        if not m:
            continue
        field = _FIELDS[m.group(1).lower()]
        if field == "title" and current:
            proposals.append(
                Proposal(
                    title=current.get("title", ""),
                    background=current.get("background"),
                    recommendation=current.get("recommendation"),
                    description=current.get("description"),
                )
            )
            current = {}
        current[field] = m.group(2).strip()
    if current.get("title"):
        proposals.append(
            Proposal(
                title=current["title"],
                background=current.get("background"),
                recommendation=current.get("recommendation"),
                description=current.get("description"),
            )
        )
    nothing = bool(_NOTHING.search(text)) and not proposals
    return Reading(
        kind=kind,
        partner=partner,
        nothing_to_add=nothing,
        proposals=tuple(proposals),
        new_text=text,
        confidence=1.0 if proposals or nothing else 0.3,
    )


def parse_message(group: Group, raw: bytes, *, channel: Channel, sender: str | None) -> Reading:
    """Decode, trim and understand one message."""
    if channel is Channel.TELEGRAM:
        found = group.contact_by_telegram(sender or "")
        return _understand(
            raw.decode("utf-8", "replace"), found[0].slug if found else None, MessageKind.REPLY
        )
    try:
        decoded = read_message(raw)
    except MessageError:
        return Reading(kind=MessageKind.REPLY, partner=None, confidence=0.0)
    kind = MessageKind(decoded.kind)
    found = group.contact_by_email(decoded.from_address)
    partner = None if kind is MessageKind.BOUNCE or found is None else found[0].slug
    if kind is not MessageKind.REPLY:
        return Reading(kind=kind, partner=partner, new_text=trim_reply(decoded.body_text))
    return _understand(trim_reply(decoded.body_text), partner, kind)


# FALLBACK-PARSER
